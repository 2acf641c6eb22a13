#include "listener.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "http_session.h"

namespace walcast::api {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Listener::Listener(asio::io_context& io_context, std::shared_ptr<ServerContext> context)
    : io_context_(io_context),
      acceptor_(asio::make_strand(io_context)),
      context_(std::move(context)) {}

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
  if (ec) {
    // Usually EMFILE: keep accepting; the session count is bounded elsewhere.
    spdlog::warn("accept failed: {}", ec.message());
  } else {
    // Every response and frame is written whole (event streams gather theirs), so Nagle's
    // algorithm only adds delay: with the peer's delayed ACK a small event frame could wait
    // 40 ms for the previous one to be acknowledged.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<HttpSession>(std::move(socket), context_)->Run();
  }
  DoAccept();
}

}  // namespace walcast::api
