// NotifySocket: systemd's end of NOTIFY_SOCKET for tests of Type=notify — a datagram socket in
// the test's temporary directory that reads what the daemon sends (READY=1, WATCHDOG=1, …).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace walcast::testing {

class NotifySocket {
 public:
  // Binds <WALCAST_TEST_TMPDIR or /tmp>/<name>-<pid>.sock.
  explicit NotifySocket(const std::string& name);
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_;
};

}  // namespace walcast::testing
