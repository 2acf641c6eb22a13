// CliProcess: runs build/bin/walcast as a child process with its stdout and stderr in separate
// files of its work directory (DaemonProcess underneath, so the environment is clean and the
// child is always reaped). Test-only.
#pragma once

#include <signal.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/daemon_process.h"
#include "tests/harness/pg_cluster.h"

namespace walcast::testing {

class CliProcess {
 public:
  explicit CliProcess(const std::vector<std::string>& args, EnvVars env = {}) {
    std::string command = "exec " + Quote(BinaryDir() + "/bin/walcast");
    for (const auto& arg : args) command += " " + Quote(arg);
    command += " > stdout 2> stderr";
    process_ = std::make_unique<DaemonProcess>(std::vector<std::string>{"-c", command},
                                               std::move(env), Files{}, "/bin/sh");
  }

  // The exit code, or nullopt if it still runs after `timeout`.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout) {
    return process_->WaitExit(timeout);
  }
  void Signal(int signal) { process_->Signal(signal); }
  std::string Stdout() const { return Read("stdout"); }
  std::string Stderr() const { return Read("stderr"); }
  std::vector<std::string> StdoutLines() const {
    std::vector<std::string> lines;
    std::istringstream in(Stdout());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }
  // Waits until stdout has at least `count` lines.
  bool WaitForLines(std::size_t count, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (StdoutLines().size() >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  static std::string Quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  std::string Read(const std::string& name) const {
    std::ifstream in(process_->WorkDir() + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::unique_ptr<DaemonProcess> process_;
};

}  // namespace walcast::testing
