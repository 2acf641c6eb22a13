#include "api/http/listener.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "api/http/http_session.h"
#include "api/http/server_context.h"

namespace walcast::api {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kFirstPause{50};
constexpr std::chrono::milliseconds kLongestPause{1000};
constexpr std::chrono::seconds kFailureLogInterval{10};

bool IsResourceExhaustion(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
         ec == asio::error::no_memory ||
         ec == boost::system::error_code(ENFILE, boost::system::system_category());
}

constexpr std::string_view kRefusal =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Retry-After: 1\r\n"
    "Connection: close\r\n"
    "Content-Length: 61\r\n"
    "\r\n"
    R"({"success":false,"error":"Too many connections, retry later"})";

}  // namespace

Listener::Listener(asio::io_context& io_context, std::shared_ptr<ServerContext> context)
    : io_context_(io_context),
      acceptor_(asio::make_strand(io_context)),
      context_(std::move(context)),
      pause_(acceptor_.get_executor()) {}

boost::system::error_code Listener::Open(const tcp::endpoint& endpoint) {
  boost::system::error_code ec;
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  return ec;
}

tcp::endpoint Listener::LocalEndpoint() const {
  boost::system::error_code ec;
  return acceptor_.local_endpoint(ec);
}

void Listener::Start() { DoAccept(); }

void Listener::Stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    self->pause_.cancel();
  });
}

void Listener::DoAccept() {
  // Each connection gets its own strand, so its handlers never run concurrently.
  acceptor_.async_accept(
      asio::make_strand(io_context_),
      [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
        self->OnAccept(ec, std::move(socket));
      });
}

void Listener::OnAccept(boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (IsResourceExhaustion(ec)) return PauseAccepting(ec);
  if (ec) {
    // A connection reset before it was accepted (ECONNABORTED) and the like: nothing to do.
    spdlog::debug("accept failed: {}", ec.message());
    return DoAccept();
  }
  pause_length_ = std::chrono::milliseconds(0);
  auto ticket = context_->budget().Admit();
  if (!ticket) {
    Refuse(std::move(socket));
    return DoAccept();
  }
  // Every response and frame is written whole (event streams gather theirs), so Nagle's
  // algorithm only adds delay: with the peer's delayed ACK a small event frame could wait
  // 40 ms for the previous one to be acknowledged.
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<HttpSession>(std::move(socket), context_, std::move(ticket))->Run();
  DoAccept();
}

void Listener::PauseAccepting(const boost::system::error_code& ec) {
  // Retrying at once would spin: the pending connection stays in the backlog and the next
  // accept fails the same way. Descriptors come back as connections close.
  pause_length_ = std::clamp(pause_length_ * 2, kFirstPause, kLongestPause);
  ++failures_unlogged_;
  auto now = std::chrono::steady_clock::now();
  if (now - last_failure_log_ >= kFailureLogInterval) {
    spdlog::warn(
        "accept failed {} time(s) in the last {} s: {} (open connections {}, cap {}); pausing "
        "accepts up to {} ms at a time",
        failures_unlogged_, kFailureLogInterval.count(), ec.message(), context_->budget().open(),
        context_->budget().max_open(), kLongestPause.count());
    failures_unlogged_ = 0;
    last_failure_log_ = now;
  }
  pause_.expires_after(pause_length_);
  pause_.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
    if (wait_ec || !self->acceptor_.is_open()) return;
    self->DoAccept();
  });
}

void Listener::Refuse(tcp::socket socket) {
  // Best effort, never waiting: read what the client already sent (closing with unread data
  // would reset the connection and lose the answer), write the answer, close.
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  std::array<char, 4096> discard;
  for (int i = 0; i < 16 && !ec; ++i) socket.read_some(asio::buffer(discard), ec);
  socket.write_some(asio::buffer(kRefusal.data(), kRefusal.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace walcast::api
