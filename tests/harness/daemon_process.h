// DaemonProcess: runs build/bin/walcastd as a child process for integration tests.
//
// The child gets a fresh working directory holding only `files` (so no stray .env is read), the
// test's environment minus every walcast/database variable, plus the given variables (which
// replace inherited ones of the same name, e.g. ASAN_OPTIONS); stdout and stderr go to a log file
// the test can read. The destructor SIGKILLs a child still running. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace walcast::testing {

using EnvVars = std::vector<std::pair<std::string, std::string>>;
using Files = std::vector<std::pair<std::string, std::string>>;  // name in the work dir, content

class DaemonProcess {
 public:
  DaemonProcess(std::vector<std::string> args, EnvVars env = {}, Files files = {},
                std::string program = "walcastd");
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  // Waits for the "listening on http://host:port" log line and returns the port (-1 on timeout
  // or early exit). Start the daemon with --port 0 so the kernel picks a free port.
  int WaitForPort(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // True once `needle` appears in the log.
  bool WaitForLog(const std::string& needle,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

  void Signal(int signal);
  // The exit code, -signal if killed by a signal, or nullopt if it still runs after `timeout`.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);

  std::string Log() const;
  const std::string& WorkDir() const { return work_dir_; }
  pid_t Pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string work_dir_;
  std::string log_path_;
};

}  // namespace walcast::testing
