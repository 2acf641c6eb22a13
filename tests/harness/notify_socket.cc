#include "tests/harness/notify_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace walcast::testing {

NotifySocket::NotifySocket(const std::string& name) {
  const char* dir = std::getenv("WALCAST_TEST_TMPDIR");
  path_ = std::string(dir ? dir : "/tmp") + "/" + name + "-" + std::to_string(getpid()) + ".sock";
  fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path_.c_str());
  unlink(path_.c_str());
  if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    throw std::runtime_error("cannot bind the notify socket " + path_);
  }
}

NotifySocket::~NotifySocket() {
  close(fd_);
  unlink(path_.c_str());
}

std::optional<std::string> NotifySocket::Receive(std::chrono::milliseconds timeout) {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  char buffer[4096];
  ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
  return n > 0 ? std::optional<std::string>(std::string(buffer, n)) : std::nullopt;
}

}  // namespace walcast::testing
