#include "tools/bench/stream_bench_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace walcast::bench {
namespace {

bool IsDaemonVariable(std::string_view entry) {
  for (std::string_view prefix : {"WALCAST_", "DB_", "PORT=", "DATABASE_URL="}) {
    if (entry.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

double Seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

struct CpuTimes {
  unsigned long long idle = 0;
  unsigned long long total = 0;
};

CpuTimes ReadCpuTimes() {
  std::ifstream file("/proc/stat");
  std::string label;
  file >> label;  // "cpu": the sum over all cores
  CpuTimes times;
  unsigned long long value = 0;
  for (int field = 0; field < 8 && file >> value; ++field) {
    times.total += value;
    if (field == 3 || field == 4) times.idle += value;  // idle and iowait
  }
  return times;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::string& log_path) {
  // Everything the child needs is prepared before fork: after it only async-signal-safe calls.
  std::vector<std::string> env_storage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (!IsDaemonVariable(*e)) env_storage.emplace_back(*e);
  }
  std::vector<char*> argv_ptrs, env_ptrs;
  for (const auto& a : argv) argv_ptrs.push_back(const_cast<char*>(a.c_str()));
  argv_ptrs.push_back(nullptr);
  for (auto& e : env_storage) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  const char* log = log_path.empty() ? "/dev/null" : log_path.c_str();
  pid_t parent = getpid();

  started_ = Clock::now();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork: " + std::string(strerror(errno)));
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) _exit(127);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
    execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) kill(pid_, signal);
}

ChildProcess::Exit ChildProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw std::logic_error("ChildProcess::Wait: no child");
  Exit exit;
  auto deadline = Clock::now() + timeout;
  bool killed = false;
  while (true) {
    rusage usage{};
    pid_t done = wait4(pid_, &exit.status, WNOHANG, &usage);
    if (done == pid_) {
      exit.ended = Clock::now();
      exit.cpu_seconds = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
      pid_ = -1;
      return exit;
    }
    if (done < 0) throw std::runtime_error("wait4: " + std::string(strerror(errno)));
    if (!killed && Clock::now() > deadline) {
      kill(pid_, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

int FreeTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free port: " + std::string(strerror(errno)));
  }
  close(fd);
  return ntohs(address.sin_port);
}

int ConnectLoopback(int port, Clock::time_point deadline) {
  sockaddr_in address = Loopback(port);
  while (true) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    int error = errno;
    close(fd);
    if (error != ECONNREFUSED) throw std::runtime_error("connect: " + std::string(strerror(error)));
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

std::optional<HttpResponse> HttpGet(int port, const std::string& target,
                                    std::chrono::milliseconds timeout) {
  int fd = ConnectLoopback(port, Clock::now());
  if (fd < 0) return std::nullopt;
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  std::string response;
  bool complete = false;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
      static_cast<ssize_t>(request.size())) {
    auto deadline = Clock::now() + timeout;
    char chunk[16384];
    while (Clock::now() < deadline) {
      pollfd poll_fd{fd, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (poll(&poll_fd, 1, static_cast<int>(left.count()) + 1) <= 0) break;
      ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) {
        complete = n == 0;
        break;
      }
      response.append(chunk, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  auto head_end = response.find("\r\n\r\n");
  if (!complete || head_end == std::string::npos || response.size() < 12) return std::nullopt;
  HttpResponse out;
  out.status = std::atoi(response.c_str() + 9);  // "HTTP/1.1 200 OK"
  out.body = response.substr(head_end + 4);
  return out;
}

double ProcessCpuSeconds(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name may hold spaces and parentheses: fields are counted after the last ')'.
  auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
}

std::size_t ProcessRssBytes(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(file, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::size_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

std::size_t RaiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

double LoadAverage() {
  double load = 0;
  std::ifstream("/proc/loadavg") >> load;
  return load;
}

double CpuIdleFraction(std::chrono::milliseconds window) {
  CpuTimes before = ReadCpuTimes();
  std::this_thread::sleep_for(window);
  CpuTimes after = ReadCpuTimes();
  if (after.total <= before.total) return 1;
  return static_cast<double>(after.idle - before.idle) /
         static_cast<double>(after.total - before.total);
}

}  // namespace walcast::bench
