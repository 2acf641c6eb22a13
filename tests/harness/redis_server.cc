#include "tests/harness/redis_server.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace walcast::testing {

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    throw std::runtime_error("cannot pick a free port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

namespace {

std::string RedisServerProgram() {
  for (const char* candidate : {"/usr/bin/redis-server", "/usr/local/bin/redis-server"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw std::runtime_error("redis-server is missing (tools/setup installs it)");
}

}  // namespace

RedisServer::RedisServer(std::vector<std::string> extra) : extra_(std::move(extra)) {
  port_ = FreeLoopbackPort();
  Start();
}

RedisServer::~RedisServer() { Kill(); }

void RedisServer::Start() {
  std::vector<std::string> args{"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save",
                                "",       "--appendonly",        "no"};
  if (!dir_.empty()) args.insert(args.end(), {"--dir", dir_});
  args.insert(args.end(), extra_.begin(), extra_.end());
  process_ = std::make_unique<DaemonProcess>(args, EnvVars{}, Files{}, RedisServerProgram());
  if (dir_.empty()) dir_ = process_->WorkDir();
  if (!process_->WaitForLog("Ready to accept connections", std::chrono::seconds(20))) {
    throw std::runtime_error("redis-server did not start:\n" + process_->Log());
  }
}

void RedisServer::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  process_->WaitExit(std::chrono::seconds(10));
}

void RedisServer::Pause() { process_->Signal(SIGSTOP); }

void RedisServer::Resume() { process_->Signal(SIGCONT); }

void RedisServer::Restart() {
  Kill();
  Start();
}

std::string RedisServer::Url(const std::string& password) const {
  return "redis://" + (password.empty() ? "" : ":" + password + "@") +
         "127.0.0.1:" + std::to_string(port_);
}

}  // namespace walcast::testing
