#include "tools/bench/stream_bench_relay.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#ifdef WALCAST_BENCH_LIBURING
#include <liburing.h>
#endif

#include <algorithm>
#include <bit>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "tools/bench/stream_bench_process.h"

namespace walcast::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;
constexpr std::size_t kReadSize = 256 * 1024;  // per upstream read

[[noreturn]] void ThrowErrno(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// The frame at the start of `bytes` if it is whole: its opcode, header size and total size.
struct Frame {
  int opcode = 0;
  std::size_t header = 0;
  std::size_t size = 0;
};
std::optional<Frame> WholeFrame(const char* bytes, std::size_t left) {
  if (left < 2) return std::nullopt;
  auto byte1 = static_cast<uint8_t>(bytes[1]);
  if (byte1 & 0x80) throw std::runtime_error("upstream sent a masked frame");
  Frame frame{static_cast<uint8_t>(bytes[0]) & 0x0F, 2, 0};
  uint64_t length = byte1 & 0x7F;
  if (length >= 126) {
    frame.header = length == 126 ? 4 : 10;
    if (left < frame.header) return std::nullopt;
    length = 0;
    for (std::size_t i = 2; i < frame.header; ++i)
      length = (length << 8) | static_cast<uint8_t>(bytes[i]);
  }
  if (left - frame.header < length) return std::nullopt;
  frame.size = frame.header + static_cast<std::size_t>(length);
  return frame;
}

struct Client {
  int fd = -1;
  bool closed = false;
  bool watching_out = false;
  // Bytes the socket has not taken yet, in order; [0, backlog_sent) went out already.
  std::string backlog;
  std::size_t backlog_sent = 0;
};

class Relay {
 public:
  explicit Relay(const RelayOptions& options);
  ~Relay();
  Relay(const Relay&) = delete;
  Relay& operator=(const Relay&) = delete;

  // Returns when walcastd sends a close frame; throws on failures.
  void Run();

 private:
  void Listen();
  void ConnectUpstream();     // blocking, until the welcome frame is in
  bool OnUpstreamReadable();  // false after a close frame
  // Consumes the whole frames of upstream_[0, upstream_end_): answers pings, keeps the welcome
  // and gathers the data frames into runs_. Returns the bytes consumed; sets closed_ on a close.
  std::size_t ParseUpstream();
  void Accept();
  void OnClient(Client& client, uint32_t events);
  void Forward();
  void ForwardSendmsg(std::size_t total);
  void ForwardIoUring(std::size_t total);
  // After a send of runs_ (`total` bytes) to `client` that took `sent` bytes (or -errno): keeps
  // the rest for later, or closes a broken client.
  void Sent(Client& client, ssize_t sent, std::size_t total);
  void Flush(Client& client);
  void Watch(Client& client, bool writable);
  void Close(Client& client);
  void Add(int fd, uint32_t events);

  RelayOptions options_;
  asio::io_context io_;  // the handshakes only (synchronous)
  tcp::acceptor acceptor_{io_};
  int epoll_ = -1;
  int upstream_ = -1;
  std::vector<char> upstream_buffer_ = std::vector<char>(kReadSize);
  std::size_t upstream_end_ = 0;
  std::string welcome_;  // walcastd's welcome frame, header included
  bool closed_ = false;
  std::vector<iovec> runs_;  // the data frames of the last upstream read, adjacent ones merged
  std::vector<std::unique_ptr<Client>> clients_;  // in the order they connected
  std::vector<Client*> by_fd_;
  bool compact_ = false;  // clients_ holds closed clients
#ifdef WALCAST_BENCH_LIBURING
  io_uring ring_{};
  bool ring_ready_ = false;
  unsigned ring_entries_ = 0;
#endif
};

Relay::Relay(const RelayOptions& options) : options_(options) {
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) ThrowErrno("epoll_create1");
  if (options_.send == RelaySend::kIoUring) {
#ifdef WALCAST_BENCH_LIBURING
    // Room for one send per client, so one chunk is one submission (the kernel's maximum is 32768).
    ring_entries_ = std::bit_ceil(static_cast<unsigned>(std::clamp(options_.clients, 8, 32768)));
    io_uring_params params{};
    params.flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
    int error = io_uring_queue_init_params(ring_entries_, &ring_, &params);
    if (error == -EINVAL) {  // an older kernel: without the hints
      params = io_uring_params{};
      error = io_uring_queue_init_params(ring_entries_, &ring_, &params);
    }
    if (error < 0)
      throw std::runtime_error("io_uring_queue_init: " + std::string(strerror(-error)));
    ring_ready_ = true;
#else
    throw std::runtime_error("this stream_bench was built without liburing");
#endif
  }
}

Relay::~Relay() {
  for (auto& client : clients_) {
    if (!client->closed) close(client->fd);
  }
  if (upstream_ >= 0) close(upstream_);
  if (epoll_ >= 0) close(epoll_);
#ifdef WALCAST_BENCH_LIBURING
  if (ring_ready_) io_uring_queue_exit(&ring_);
#endif
}

void Relay::Run() {
  Listen();
  ConnectUpstream();
  Add(upstream_, EPOLLIN);
  Add(acceptor_.native_handle(), EPOLLIN);
  std::vector<epoll_event> events(512);
  while (true) {
    int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      ThrowErrno("epoll_wait");
    }
    for (int i = 0; i < ready; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      const uint32_t what = events[static_cast<std::size_t>(i)].events;
      if (fd == upstream_) {
        if (!OnUpstreamReadable()) return;
      } else if (fd == acceptor_.native_handle()) {
        Accept();
      } else if (static_cast<std::size_t>(fd) < by_fd_.size() && by_fd_[fd] != nullptr) {
        OnClient(*by_fd_[fd], what);
      }
    }
    if (compact_) {
      std::erase_if(clients_, [](const auto& client) { return client->closed; });
      compact_ = false;
    }
  }
}

void Relay::Listen() {
  acceptor_.open(tcp::v4());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(),
                               static_cast<unsigned short>(options_.listen_port)));
  acceptor_.listen(asio::socket_base::max_listen_connections);
  acceptor_.non_blocking(true);
}

void Relay::ConnectUpstream() {
  upstream_ = ConnectLoopback(options_.upstream_port, Clock::now());
  if (upstream_ < 0) throw std::runtime_error("walcastd refused the connection");
  std::string request = "GET " + options_.upstream_target +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n";
  if (send(upstream_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ThrowErrno("upgrade request");
  }
  bool upgraded = false;
  while (welcome_.empty()) {
    ssize_t n = recv(upstream_, upstream_buffer_.data() + upstream_end_,
                     upstream_buffer_.size() - upstream_end_, 0);
    if (n <= 0) {
      if (n == 0) errno = ECONNRESET;
      ThrowErrno("reading the welcome");
    }
    upstream_end_ += static_cast<std::size_t>(n);
    std::size_t at = 0;
    if (!upgraded) {
      std::string_view text(upstream_buffer_.data(), upstream_end_);
      auto head_end = text.find("\r\n\r\n");
      if (head_end == std::string_view::npos) continue;
      if (text.substr(0, 12) != "HTTP/1.1 101") {
        throw std::runtime_error("upgrade refused: " +
                                 std::string(text.substr(0, text.find('\r'))));
      }
      upgraded = true;
      at = head_end + 4;
      std::memmove(upstream_buffer_.data(), upstream_buffer_.data() + at, upstream_end_ - at);
      upstream_end_ -= at;
    }
    std::size_t consumed = ParseUpstream();
    std::memmove(upstream_buffer_.data(), upstream_buffer_.data() + consumed,
                 upstream_end_ - consumed);
    upstream_end_ -= consumed;
    if (closed_) throw std::runtime_error("walcastd closed before its welcome");
  }
  if (fcntl(upstream_, F_SETFL, fcntl(upstream_, F_GETFL) | O_NONBLOCK) != 0) ThrowErrno("fcntl");
}

bool Relay::OnUpstreamReadable() {
  if (upstream_end_ == upstream_buffer_.size())
    upstream_buffer_.resize(upstream_buffer_.size() * 2);
  ssize_t n = recv(upstream_, upstream_buffer_.data() + upstream_end_,
                   upstream_buffer_.size() - upstream_end_, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
  if (n <= 0) {
    if (n == 0) errno = ECONNRESET;
    ThrowErrno("walcastd's connection");
  }
  upstream_end_ += static_cast<std::size_t>(n);
  std::size_t consumed = ParseUpstream();
  if (!runs_.empty()) Forward();
  runs_.clear();
  std::memmove(upstream_buffer_.data(), upstream_buffer_.data() + consumed,
               upstream_end_ - consumed);
  upstream_end_ -= consumed;
  return !closed_;
}

std::size_t Relay::ParseUpstream() {
  std::size_t at = 0;
  while (!closed_) {
    auto frame = WholeFrame(upstream_buffer_.data() + at, upstream_end_ - at);
    if (!frame) break;
    char* bytes = upstream_buffer_.data() + at;
    at += frame->size;
    switch (frame->opcode) {
      case 0x0:
      case 0x1:
      case 0x2:
        if (welcome_.empty()) {
          std::string_view payload(bytes + frame->header, frame->size - frame->header);
          if (payload.starts_with(R"({"event":"welcome")")) welcome_.assign(bytes, frame->size);
          break;
        }
        if (!runs_.empty() &&
            static_cast<char*>(runs_.back().iov_base) + runs_.back().iov_len == bytes) {
          runs_.back().iov_len += frame->size;
        } else {
          runs_.push_back(iovec{bytes, frame->size});
        }
        break;
      case 0x8:
        closed_ = true;
        break;
      case 0x9: {
        // A client's frame is masked (RFC 6455 §5.3); a zero mask keeps the payload as it is.
        const std::size_t length = frame->size - frame->header;
        std::string pong{static_cast<char>(0x8A), static_cast<char>(0x80 | length)};
        pong.append(4, '\0');
        pong.append(bytes + frame->header, length);
        if (send(upstream_, pong.data(), pong.size(), MSG_NOSIGNAL) !=
            static_cast<ssize_t>(pong.size())) {
          ThrowErrno("pong");
        }
        break;
      }
      default:  // a pong: nothing to do
        break;
    }
  }
  return at;
}

void Relay::Accept() {
  while (true) {
    tcp::socket socket(io_);
    beast::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return;
    if (ec) throw std::runtime_error("accept: " + ec.message());
    beast::websocket::stream<tcp::socket> ws(std::move(socket));
    ws.accept(ec);
    if (ec) continue;  // closed before its upgrade (a readiness probe)
    int fd = ws.next_layer().release(ec);
    if (ec) throw std::runtime_error("release: " + ec.message());
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) ThrowErrno("fcntl");
    auto client = std::make_unique<Client>();
    client->fd = fd;
    if (by_fd_.size() <= static_cast<std::size_t>(fd))
      by_fd_.resize(static_cast<std::size_t>(fd) + 1);
    by_fd_[static_cast<std::size_t>(fd)] = client.get();
    Add(fd, EPOLLIN);
    Client& added = *client;
    clients_.push_back(std::move(client));
    runs_.assign(1, iovec{welcome_.data(), welcome_.size()});
    Sent(added, send(fd, welcome_.data(), welcome_.size(), kSendFlags), welcome_.size());
    runs_.clear();
  }
}

void Relay::OnClient(Client& client, uint32_t events) {
  if (events & (EPOLLERR | EPOLLHUP)) return Close(client);
  if (events & EPOLLIN) {
    // Pongs and nothing else: read and dropped.
    char scratch[16384];
    while (true) {
      ssize_t n = recv(client.fd, scratch, sizeof(scratch), MSG_DONTWAIT);
      if (n > 0) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      return Close(client);
    }
  }
  if (events & EPOLLOUT) Flush(client);
}

void Relay::Forward() {
  std::size_t total = 0;
  for (const iovec& run : runs_) total += run.iov_len;
  if (options_.send == RelaySend::kIoUring) {
    ForwardIoUring(total);
  } else {
    ForwardSendmsg(total);
  }
}

void Relay::ForwardSendmsg(std::size_t total) {
  msghdr message{};
  message.msg_iov = runs_.data();
  message.msg_iovlen = runs_.size();
  for (auto& client : clients_) {
    if (client->closed) continue;
    if (!client->backlog.empty()) {
      Sent(*client, 0, total);
      continue;
    }
    ssize_t sent = runs_.size() == 1
                       ? send(client->fd, runs_[0].iov_base, runs_[0].iov_len, kSendFlags)
                       : sendmsg(client->fd, &message, kSendFlags);
    Sent(*client, sent < 0 ? -errno : sent, total);
  }
}

#ifdef WALCAST_BENCH_LIBURING
void Relay::ForwardIoUring(std::size_t total) {
  // Every send of this chunk goes in one submission; all complete (or fail with EAGAIN:
  // MSG_DONTWAIT) before runs_'s bytes move, so they need no copy.
  msghdr message{};
  message.msg_iov = runs_.data();
  message.msg_iovlen = runs_.size();
  unsigned queued = 0;
  auto submit_and_reap = [&] {
    if (queued == 0) return;
    int submitted = io_uring_submit_and_wait(&ring_, queued);
    if (submitted < 0)
      throw std::runtime_error("io_uring_submit: " + std::string(strerror(-submitted)));
    while (queued > 0) {
      io_uring_cqe* cqe = nullptr;
      int error = io_uring_wait_cqe(&ring_, &cqe);
      if (error < 0)
        throw std::runtime_error("io_uring_wait_cqe: " + std::string(strerror(-error)));
      Client& client = *reinterpret_cast<Client*>(io_uring_cqe_get_data(cqe));
      ssize_t result = cqe->res;
      io_uring_cqe_seen(&ring_, cqe);
      --queued;
      if (!client.closed) Sent(client, result, total);
    }
  };
  for (auto& client : clients_) {
    if (client->closed) continue;
    if (!client->backlog.empty()) {
      Sent(*client, 0, total);
      continue;
    }
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {  // more clients than the ring was sized for
      submit_and_reap();
      sqe = io_uring_get_sqe(&ring_);
    }
    if (runs_.size() == 1) {
      io_uring_prep_send(sqe, client->fd, runs_[0].iov_base, runs_[0].iov_len, kSendFlags);
    } else {
      io_uring_prep_sendmsg(sqe, client->fd, &message, kSendFlags);
    }
    io_uring_sqe_set_data(sqe, client.get());
    ++queued;
  }
  submit_and_reap();
}
#else
void Relay::ForwardIoUring(std::size_t) { throw std::logic_error("built without liburing"); }
#endif

void Relay::Sent(Client& client, ssize_t sent, std::size_t total) {
  if (sent < 0) {
    if (sent != -EAGAIN && sent != -EWOULDBLOCK) return Close(client);
    sent = 0;
  }
  if (static_cast<std::size_t>(sent) == total) return;
  auto skip = static_cast<std::size_t>(sent);
  for (const iovec& run : runs_) {
    if (skip >= run.iov_len) {
      skip -= run.iov_len;
      continue;
    }
    client.backlog.append(static_cast<const char*>(run.iov_base) + skip, run.iov_len - skip);
    skip = 0;
  }
  Watch(client, true);
}

void Relay::Flush(Client& client) {
  while (client.backlog_sent < client.backlog.size()) {
    ssize_t n = send(client.fd, client.backlog.data() + client.backlog_sent,
                     client.backlog.size() - client.backlog_sent, kSendFlags);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        if (client.backlog_sent > client.backlog.size() / 2) {
          client.backlog.erase(0, client.backlog_sent);
          client.backlog_sent = 0;
        }
        return;
      }
      return Close(client);
    }
    client.backlog_sent += static_cast<std::size_t>(n);
  }
  client.backlog.clear();
  client.backlog_sent = 0;
  Watch(client, false);
}

void Relay::Watch(Client& client, bool writable) {
  if (client.watching_out == writable || client.closed) return;
  epoll_event event{};
  event.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
  event.data.fd = client.fd;
  if (epoll_ctl(epoll_, EPOLL_CTL_MOD, client.fd, &event) != 0) ThrowErrno("epoll_ctl");
  client.watching_out = writable;
}

void Relay::Close(Client& client) {
  if (client.closed) return;
  client.closed = true;
  by_fd_[static_cast<std::size_t>(client.fd)] = nullptr;
  close(client.fd);
  compact_ = true;
}

void Relay::Add(int fd, uint32_t events) {
  epoll_event event{};
  event.events = events;
  event.data.fd = fd;
  if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) ThrowErrno("epoll_ctl");
}

}  // namespace

bool RelayHasIoUring() {
#ifdef WALCAST_BENCH_LIBURING
  return true;
#else
  return false;
#endif
}

int RunRelay(const RelayOptions& options) {
  try {
    RaiseOpenFileLimit();
    Relay relay(options);
    relay.Run();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_bench relay: %s\n", e.what());
    return 1;
  }
}

}  // namespace walcast::bench
