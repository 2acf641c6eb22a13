// RedisServer: a throwaway redis-server (Debian's) for tests, on a free loopback port, with no
// persistence unless asked (extra arguments are passed on, e.g. {"--requirepass", "pw"} or
// {"--appendonly", "yes"}). Killed by the destructor. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/harness/daemon_process.h"

namespace walcast::testing {

class RedisServer {
 public:
  explicit RedisServer(std::vector<std::string> extra = {});
  ~RedisServer();

  int port() const { return port_; }
  std::string Url(const std::string& password = "") const;
  DaemonProcess& process() { return *process_; }
  // Stops it (SIGKILL) and starts it again on the same port and directory (an AOF file, if any,
  // is read back).
  void Restart();
  void Kill();
  // SIGSTOP / SIGCONT: a Redis that hangs, its connections open but nothing answered, then
  // carries on where it was.
  void Pause();
  void Resume();

 private:
  void Start();

  std::vector<std::string> extra_;
  int port_ = 0;
  std::string dir_;
  std::unique_ptr<DaemonProcess> process_;
};

// A port on 127.0.0.1 nothing listens on right now (the kernel's choice).
int FreeLoopbackPort();

}  // namespace walcast::testing
