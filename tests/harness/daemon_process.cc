#include "tests/harness/daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/harness/pg_cluster.h"

extern char** environ;

namespace walcast::testing {
namespace {

// Variables the daemon reads; the test's own environment must not leak into a daemon under test.
bool IsDaemonVariable(const std::string& entry) {
  static const char* kPrefixes[] = {
      "WALCAST_", "DB_", "PORT=", "DATABASE_URL=", "NOTIFY_SOCKET=", "WATCHDOG_"};
  for (const char* prefix : kPrefixes) {
    if (entry.rfind(prefix, 0) == 0 && entry.rfind("WALCAST_TEST_", 0) != 0) return true;
  }
  return false;
}

}  // namespace

DaemonProcess::DaemonProcess(std::vector<std::string> args, EnvVars env, Files files,
                             std::string program) {
  static std::atomic<int> counter{0};
  const char* tmp = std::getenv("WALCAST_TEST_TMPDIR");
  work_dir_ = std::string(tmp ? tmp : "/tmp") + "/daemon-" + std::to_string(getpid()) + "-" +
              std::to_string(counter++);
  mkdir(work_dir_.c_str(), 0755);
  log_path_ = work_dir_ + "/daemon.log";
  for (const auto& [name, content] : files) std::ofstream(work_dir_ + "/" + name) << content;

  std::string binary =
      program.find('/') == std::string::npos ? BinaryDir() + "/bin/" + program : program;
  std::vector<std::string> argv_storage{binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  // A given variable replaces an inherited one of the same name (getenv takes the first).
  auto given = [&env](const std::string& entry) {
    for (const auto& [key, value] : env) {
      if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
          entry[key.size()] == '=') {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!IsDaemonVariable(*e) && !given(*e)) env_storage.emplace_back(*e);
  }
  for (const auto& [key, value] : env) env_storage.push_back(key + "=" + value);

  std::vector<char*> argv_ptrs, env_ptrs;
  for (auto& a : argv_storage) argv_ptrs.push_back(a.data());
  argv_ptrs.push_back(nullptr);
  for (auto& e : env_storage) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot open " + log_path_);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    if (chdir(work_dir_.c_str()) != 0) _exit(126);
    execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

DaemonProcess::~DaemonProcess() {
  if (!exit_code_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::string DaemonProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool DaemonProcess::WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Log().find(needle) != std::string::npos) return true;
    if (WaitExit(std::chrono::milliseconds(0))) return Log().find(needle) != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int DaemonProcess::WaitForPort(std::chrono::milliseconds timeout) {
  // The daemon logs "listening on http://HOST:PORT (...)" once it accepts connections.
  const std::string marker = "listening on http://";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log = Log();
    if (auto at = log.find(marker); at != std::string::npos) {
      auto space = log.find(' ', at + marker.size());
      auto colon = log.rfind(':', space);
      if (space != std::string::npos && colon != std::string::npos && colon > at) {
        return std::stoi(log.substr(colon + 1, space - colon - 1));
      }
    }
    if (WaitExit(std::chrono::milliseconds(0))) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

void DaemonProcess::Signal(int signal) {
  if (!exit_code_) kill(pid_, signal);
}

std::optional<int> DaemonProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace walcast::testing
