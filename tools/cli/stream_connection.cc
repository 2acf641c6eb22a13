#include "tools/cli/stream_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "tools/cli/sse_parser.h"

namespace walcast::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

constexpr auto kConnectTimeout = std::chrono::seconds(10);
// walcastd sends an SSE heartbeat every 15 s by default: three missed ones mean a dead peer.
constexpr auto kSseIdleTimeout = std::chrono::seconds(45);

std::string Describe(const error_code& ec) {
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == beast::error::timeout) return "timed out";
  if (ec == asio::error::eof || ec == http::error::end_of_stream) return "closed by the server";
  return ec.message();
}

// The HTTP status of a refused stream: 401/403 need a token, so retrying cannot help; 429 and
// 503 are transient.
StreamClosed Refused(unsigned status, const std::string& body) {
  StreamClosed closed;
  closed.reason = "the server answered " + std::to_string(status);
  if (!body.empty()) closed.reason += ": " + body.substr(0, 200);
  closed.retryable = !(status == 401 || status == 403 || status == 400 || status == 404);
  return closed;
}

// Shared by both transports: resolve, connect with a timeout, then the transport's Start.
template <class Derived>
class ConnectionBase : public StreamConnection, public std::enable_shared_from_this<Derived> {
 public:
  ConnectionBase(asio::io_context& io, Endpoint endpoint, std::string target, std::string token,
                 StreamHandlers handlers)
      : resolver_(io),
        endpoint_(std::move(endpoint)),
        target_(std::move(target)),
        token_(std::move(token)),
        handlers_(std::move(handlers)) {}

  void Close() override {
    closed_ = true;
    resolver_.cancel();
    static_cast<Derived*>(this)->Shutdown();
  }

  void Resolve() {
    resolver_.async_resolve(
        endpoint_.host, endpoint_.port,
        [self = this->shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          if (self->closed_) return;
          if (ec) return self->Fail(ec);
          auto& stream = self->Stream();
          stream.expires_after(kConnectTimeout);
          stream.async_connect(results, [self](error_code ec, const tcp::endpoint&) {
            if (self->closed_) return;
            if (ec) return self->Fail(ec);
            self->Connected();
          });
        });
  }

 protected:
  beast::tcp_stream& Stream() { return static_cast<Derived*>(this)->TcpStream(); }
  void Connected() { static_cast<Derived*>(this)->Start(); }

  void Fail(const error_code& ec) {
    StreamClosed closed;
    closed.reason = Describe(ec);
    closed.was_open = open_;
    Finish(closed);
  }
  void Finish(StreamClosed closed) {
    if (closed_) return;
    closed_ = true;
    closed.was_open = closed.was_open || open_;
    static_cast<Derived*>(this)->Shutdown();
    if (handlers_.on_closed) handlers_.on_closed(closed);
  }
  void Opened() {
    open_ = true;
    if (handlers_.on_open) handlers_.on_open();
  }

  tcp::resolver resolver_;
  Endpoint endpoint_;
  std::string target_;
  std::string token_;
  StreamHandlers handlers_;
  bool closed_ = false;
  bool open_ = false;
};

class WebSocketConnection : public ConnectionBase<WebSocketConnection> {
 public:
  WebSocketConnection(asio::io_context& io, Endpoint endpoint, std::string target,
                      std::string token, StreamHandlers handlers)
      : ConnectionBase(io, std::move(endpoint), std::move(target), std::move(token),
                       std::move(handlers)),
        ws_(io) {}

  beast::tcp_stream& TcpStream() { return beast::get_lowest_layer(ws_); }

  void Start() {
    // Beast's own timeouts replace the TCP stream's from here; keep-alive pings find a peer that
    // vanished without closing.
    TcpStream().expires_never();
    websocket::stream_base::timeout timeouts =
        websocket::stream_base::timeout::suggested(beast::role_type::client);
    timeouts.idle_timeout = std::chrono::seconds(30);
    timeouts.keep_alive_pings = true;
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator([token = token_](websocket::request_type& r) {
      r.set(http::field::user_agent, "walcast-cli");
      if (!token.empty()) r.set(http::field::authorization, "Bearer " + token);
    }));
    ws_.read_message_max(16 * 1024 * 1024);
    ws_.async_handshake(
        response_, endpoint_.host_header, target_, [self = shared_from_this()](error_code ec) {
          if (self->closed_) return;
          if (ec == websocket::error::upgrade_declined) {
            return self->Finish(Refused(self->response_.result_int(), self->response_.body()));
          }
          if (ec) return self->Fail(ec);
          self->Opened();
          self->DoRead();
        });
  }

  void Shutdown() {
    error_code ignored;
    TcpStream().socket().shutdown(tcp::socket::shutdown_both, ignored);
    TcpStream().close();
  }

 private:
  void DoRead() {
    ws_.async_read(buffer_,
                   [self = shared_from_this()](error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(const error_code& ec) {
    if (closed_) return;
    if (ec == websocket::error::closed) {
      auto reason = ws_.reason();
      StreamClosed closed;
      closed.reason =
          "closed by the server (" + std::to_string(reason.code) +
          (reason.reason.empty() ? ""
                                 : " " + std::string(reason.reason.data(), reason.reason.size())) +
          ")";
      // 1008: authentication, rate or message size; reconnecting would be refused the same way.
      closed.retryable = reason.code != websocket::close_code::policy_error;
      return Finish(closed);
    }
    if (ec) return Fail(ec);
    auto data = buffer_.cdata();
    if (handlers_.on_message) {
      handlers_.on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    if (closed_) return;
    buffer_.consume(buffer_.size());
    DoRead();
  }

  websocket::stream<beast::tcp_stream> ws_;
  websocket::response_type response_;
  beast::flat_buffer buffer_;
};

class SseConnection : public ConnectionBase<SseConnection> {
 public:
  SseConnection(asio::io_context& io, Endpoint endpoint, std::string target, std::string token,
                StreamHandlers handlers)
      : ConnectionBase(io, std::move(endpoint), std::move(target), std::move(token),
                       std::move(handlers)),
        stream_(io) {}

  beast::tcp_stream& TcpStream() { return stream_; }

  void Start() {
    request_ = {http::verb::get, target_, 11};
    request_.set(http::field::host, endpoint_.host_header);
    request_.set(http::field::accept, "text/event-stream");
    request_.set(http::field::user_agent, "walcast-cli");
    if (!token_.empty()) request_.set(http::field::authorization, "Bearer " + token_);
    stream_.expires_after(kConnectTimeout);
    http::async_write(stream_, request_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->Fail(ec);
      self->parser_.body_limit(64 * 1024);
      http::async_read_header(self->stream_, self->buffer_, self->parser_,
                              [self](error_code ec, std::size_t) { self->OnHeader(ec); });
    });
  }

  void Shutdown() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void OnHeader(const error_code& ec) {
    if (closed_) return;
    if (ec) return Fail(ec);
    unsigned status = parser_.get().result_int();
    if (status != 200) {
      // Read the (small, JSON) error body for the message, then report.
      http::async_read(stream_, buffer_, parser_,
                       [self = shared_from_this(), status](error_code, std::size_t) {
                         if (self->closed_) return;
                         self->Finish(Refused(status, self->parser_.get().body()));
                       });
      return;
    }
    Opened();
    // The body is an endless event stream: read it raw from here, starting with what the header
    // read already buffered.
    Consume();
    if (!closed_) DoRead();
  }

  void DoRead() {
    stream_.expires_after(kSseIdleTimeout);
    stream_.async_read_some(buffer_.prepare(64 * 1024),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec) return self->Fail(ec);
                              self->buffer_.commit(n);
                              self->Consume();
                              if (!self->closed_) self->DoRead();
                            });
  }

  void Consume() {
    auto data = buffer_.cdata();
    parser_sse_.Feed(std::string_view(static_cast<const char*>(data.data()), data.size()),
                     [this](const SseEvent& event) {
                       if (!closed_ && handlers_.on_message) handlers_.on_message(event.data);
                     });
    buffer_.consume(buffer_.size());
  }

  beast::tcp_stream stream_;
  http::request<http::empty_body> request_;
  http::response_parser<http::string_body> parser_;
  beast::flat_buffer buffer_;
  SseParser parser_sse_;
};

}  // namespace

std::shared_ptr<StreamConnection> OpenWebSocketStream(asio::io_context& io,
                                                      const Endpoint& endpoint,
                                                      const std::string& target,
                                                      const std::string& token,
                                                      StreamHandlers handlers) {
  auto connection =
      std::make_shared<WebSocketConnection>(io, endpoint, target, token, std::move(handlers));
  connection->Resolve();
  return connection;
}

std::shared_ptr<StreamConnection> OpenSseStream(asio::io_context& io, const Endpoint& endpoint,
                                                const std::string& target, const std::string& token,
                                                StreamHandlers handlers) {
  auto connection =
      std::make_shared<SseConnection>(io, endpoint, target, token, std::move(handlers));
  connection->Resolve();
  return connection;
}

}  // namespace walcast::cli
