#include "api/http/http_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <sstream>

#include "api/guard/stream_auth.h"
#include "api/http/json_response.h"
#include "api/http/log_text.h"
#include "api/http/response_headers.h"
#include "api/http/server_context.h"
#include "api/http/sse_session.h"
#include "api/http/stream_request.h"
#include "api/http/url.h"
#include "api/socketio/engineio_server.h"
#include "api/websocket/websocket_session.h"

namespace walcast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// RFC 6455 §4.1: the key is the base64 encoding of a 16-byte nonce, so exactly 22 base64
// characters (the last one's low four bits zero, as a canonical encoder writes it) and "==".
bool IsValidWebSocketKey(std::string_view key) {
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (std::size_t i = 0; i < 22; ++i) {
    auto value = kAlphabet.find(key[i]);
    if (value == std::string_view::npos) return false;
    if (i == 21 && (value & 0x0F) != 0) return false;
  }
  return true;
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context,
                         ConnectionBudget::Ticket ticket)
    : stream_(std::move(socket)), context_(std::move(context)), ticket_(std::move(ticket)) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  peer_address_ = ec ? "unknown" : endpoint.address().to_string();
  peer_ = peer_address_ + ":" + (ec ? "0" : std::to_string(endpoint.port()));
}

void HttpSession::Run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void HttpSession::Reclaim() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    // Only a session still waiting for a request is closed; one that has just got it finishes.
    if (!self->waiting_for_request_) return;
    spdlog::debug("http connection reclaimed at the connection cap peer={}", self->peer_);
    beast::error_code ignored;
    self->stream_.socket().close(ignored);
  });
}

HttpSession::InFlight HttpSession::MakeInFlight(http::verb method, std::string_view target,
                                                unsigned version, bool keep_alive,
                                                std::string_view origin) {
  return InFlight{context_->NextRequestId(),
                  method,
                  std::string(target),
                  LoggableTarget(target),
                  version,
                  keep_alive,
                  std::chrono::steady_clock::now(),
                  std::string(origin),
                  peer_address_,
                  peer_};
}

void HttpSession::DoRead() {
  waiting_for_request_ = true;
  idle_ = context_->budget().Idle(weak_from_this());
  parser_.emplace();
  parser_->body_limit(LargestBody());
  parser_->header_limit(static_cast<std::uint32_t>(context_->limits().max_header_bytes));
  stream_.expires_after(context_->limits().read_timeout);
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->OnHeader(ec, bytes);
                          });
}

std::uint64_t HttpSession::LargestBody() const {
  const auto& engineio = context_->engineio();
  return std::max<std::uint64_t>(context_->limits().max_body_bytes,
                                 engineio ? engineio->settings().max_payload : 0);
}

// The head decides the body's limit: Engine.IO polling bodies may be as large as its maxPayload
// (docs/contract.md §7), everything else keeps --max-body-bytes. The parser was opened with the
// larger one (Beast checks a Content-Length against it as the head is parsed) and no body octet
// is parsed yet, so the limit can still come down.
void HttpSession::OnHeader(beast::error_code ec, std::size_t bytes) {
  if (ec) return OnRead(ec, bytes);
  const auto& engineio = context_->engineio();
  const std::uint64_t limit = engineio && engineio->Serves(PathOf(parser_->get().target()))
                                  ? engineio->settings().max_payload
                                  : context_->limits().max_body_bytes;
  if (auto length = parser_->content_length(); length && *length > limit) {
    return OnRead(http::error::body_limit, bytes);
  }
  parser_->body_limit(limit);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                     self->OnRead(ec, bytes);
                   });
}

void HttpSession::OnRead(beast::error_code ec, std::size_t) {
  waiting_for_request_ = false;
  context_->budget().Busy(idle_);
  idle_ = ConnectionBudget::kNotIdle;
  if (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
      ec == asio::error::operation_aborted) {
    return DoClose();
  }
  if (ec == beast::error::timeout) {
    // An idle keep-alive connection or a client too slow to send its request.
    spdlog::debug("http read timeout peer={}", peer_);
    return DoClose();
  }
  if (ec == http::error::body_limit) {
    return RejectUnreadable(http::status::payload_too_large, "Request body too large");
  }
  if (ec == http::error::header_limit) {
    return RejectUnreadable(http::status::request_header_fields_too_large,
                            "Request headers too large");
  }
  if (ec) {
    spdlog::debug("http malformed request peer={}: {}", peer_, ec.message());
    return RejectUnreadable(http::status::bad_request, "Malformed HTTP request");
  }
  // RFC 9112 §6.3: a request whose Transfer-Encoding does not end in chunked has no length a
  // server can trust, and one with both Transfer-Encoding and Content-Length is a smuggling
  // attempt. Beast reads the first as bodyless (its bytes would become the next request), and
  // takes the length from the second; both are refused and the connection closed.
  if (parser_->get().count(http::field::transfer_encoding) > 0 &&
      (!parser_->chunked() || parser_->get().count(http::field::content_length) > 0)) {
    spdlog::debug("http request with an unusable Transfer-Encoding peer={}", peer_);
    return RejectUnreadable(http::status::bad_request,
                            "Transfer-Encoding must end with chunked (and come without "
                            "Content-Length)");
  }

  Request request = parser_->release();
  in_flight_ = MakeInFlight(request.method(), request.target(), request.version(),
                            request.keep_alive(), request[http::field::origin]);
  in_flight_.client_address = context_->guard().ClientAddress(request, peer_address_);
  in_flight_.client = in_flight_.client_address == peer_address_
                          ? peer_
                          : in_flight_.client_address + " via " + peer_;
  AccessGrant grant;
  if (auto refused = context_->guard().Check(request, in_flight_.client_address, &grant)) {
    return Send(std::move(*refused));
  }
  if (websocket::is_upgrade(request) && PathOf(request.target()) == "/ws") {
    return StartWebSocket(std::move(request));
  }
  if (const auto& engineio = context_->engineio();
      engineio && engineio->Serves(PathOf(request.target()))) {
    return StartEngineIo(std::move(request));
  }
  if (context_->stream() && PathOf(request.target()) == "/api/events") {
    if (request.method() == http::verb::get) return StartEventStream(request);
    if (request.method() == http::verb::head) return Send(EventStreamHead());
  }
  // The router may answer from another thread (database routes): come back to this strand.
  // Routes log with the request id; a client's own X-Request-Id header is replaced.
  request.set("X-Request-Id", in_flight_.request_id);
  auto self = shared_from_this();
  Respond respond(
      [self](Response response) {
        asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
          self->Send(std::move(response));
        });
      },
      [self](Response head, BodyProducer producer) {
        asio::post(self->stream_.get_executor(),
                   [self, head = std::move(head), producer = std::move(producer)]() mutable {
                     self->SendStreamed(std::move(head), std::move(producer));
                   });
      });
  context_->router().Handle(request, grant, respond);
}

// A streamed body (the export): the head, then one piece at a time, each written before the next
// is asked for. HTTP/1.1 gets chunked encoding; HTTP/1.0 has none, so the body is the raw bytes
// and its end is the close. Either way memory holds one piece, whatever the table's size.
void HttpSession::SendStreamed(Response head, BodyProducer producer) {
  AddCommonHeaders(head, in_flight_.request_id, context_->guard(), in_flight_.origin);
  head.version(in_flight_.version);
  head.body().clear();
  streamed_chunked_ = in_flight_.version >= 11;
  if (streamed_chunked_) {
    head.keep_alive(in_flight_.keep_alive);
    head.chunked(true);
  } else {
    head.keep_alive(false);
    head.erase(http::field::content_length);
  }
  context_->metrics().CountHttp(RouteLabel(PathOf(in_flight_.target)), head.result_int());
  spdlog::debug("http {} {} status={} (streamed) request={} peer={}",
                std::string_view(http::to_string(in_flight_.method)), in_flight_.log_target,
                head.result_int(), in_flight_.request_id, in_flight_.client);
  std::ostringstream head_text;
  head_text << head.base();
  // HEAD: the same head, no body; the producer is never asked for a piece.
  producer_ = in_flight_.method == http::verb::head ? nullptr : std::move(producer);
  streamed_close_ = !streamed_chunked_ || head.need_eof();
  auto text = std::make_shared<std::string>(head_text.str());
  stream_.expires_after(context_->limits().read_timeout);
  asio::async_write(stream_, asio::buffer(*text),
                    [self = shared_from_this(), text](beast::error_code ec, std::size_t) {
                      self->OnChunkWritten(ec, !self->producer_);
                    });
}

void HttpSession::OnChunkWritten(beast::error_code ec, bool last) {
  if (ec) {
    spdlog::debug("http streamed write failed peer={}: {}", peer_, ec.message());
    producer_ = nullptr;
    return DoClose();
  }
  if (last) {
    producer_ = nullptr;
    if (streamed_close_) return DoClose();
    return DoRead();
  }
  producer_([self = shared_from_this()](std::optional<std::string> chunk) {
    asio::post(self->stream_.get_executor(),
               [self, chunk = std::move(chunk)]() mutable { self->WriteChunk(std::move(chunk)); });
  });
}

void HttpSession::WriteChunk(std::optional<std::string> chunk) {
  stream_.expires_after(context_->limits().read_timeout);
  if (!streamed_chunked_) {
    if (!chunk) return OnChunkWritten({}, true);  // the close ends the body
    auto data = std::make_shared<std::string>(std::move(*chunk));
    return asio::async_write(stream_, asio::buffer(*data),
                             [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                               self->OnChunkWritten(ec, false);
                             });
  }
  if (!chunk) {
    http::chunk_last<http::chunk_crlf> last;
    return asio::async_write(stream_, last,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               self->OnChunkWritten(ec, true);
                             });
  }
  if (chunk->empty()) return OnChunkWritten({}, false);  // an empty chunk would end the body
  auto data = std::make_shared<std::string>(std::move(*chunk));
  asio::async_write(stream_, http::make_chunk(asio::buffer(*data)),
                    [self = shared_from_this(), data](beast::error_code ec, std::size_t) {
                      self->OnChunkWritten(ec, false);
                    });
}

// A request that could not be read whole: answer and close, since the rest of the stream cannot
// be trusted to start at a message boundary. The client may still be sending (a body over the
// limit): what it sends is drained before the close, or the close would reset the connection and
// destroy the answer in the client's receive buffer.
void HttpSession::RejectUnreadable(http::status status, std::string_view message) {
  const auto& partial = parser_->get();
  in_flight_ =
      MakeInFlight(partial.method(), partial.target(), partial.version() ? partial.version() : 11,
                   false, partial[http::field::origin]);
  drain_after_write_ = true;
  Send(JsonError(status, message));
}

void HttpSession::DrainThenClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  drained_bytes_ = 0;
  stream_.expires_after(context_->limits().drain_timeout);
  // Bytes the parser had buffered beyond the request count as drained.
  buffer_.consume(buffer_.size());
  stream_.async_read_some(asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->OnDrained(ec, bytes);
                          });
}

void HttpSession::OnDrained(beast::error_code ec, std::size_t bytes) {
  drained_bytes_ += bytes;
  if (ec || drained_bytes_ >= context_->limits().drain_max_bytes) {
    // End of the client's data, the time or byte bound, or an error: the connection is done.
    stream_.close();
    return;
  }
  stream_.async_read_some(asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                            self->OnDrained(ec, bytes);
                          });
}

void HttpSession::StartWebSocket(Request request) {
  const auto& stream = context_->stream();
  if (!stream) {
    return Send(JsonError(http::status::service_unavailable, "Change stream unavailable"));
  }
  // Browsers send Origin; a page from a foreign origin must not read the stream.
  if (auto origin = request.find(http::field::origin); origin != request.end()) {
    if (!OriginAllowed(stream->allowed_origins, origin->value())) {
      return Send(JsonError(http::status::forbidden, "Origin not allowed"));
    }
  }
  if (!IsValidWebSocketKey(request[http::field::sec_websocket_key])) {
    return Send(JsonError(http::status::bad_request, "Invalid WebSocket handshake",
                          {{"Sec-WebSocket-Key", "must be the base64 encoding of 16 bytes"}}));
  }
  auto outcome = ParseStreamRequest(request, *stream, in_flight_.client_address);
  if (auto* refused = std::get_if<RefusedStream>(&outcome))
    return Send(std::move(refused->response));
  auto parsed = std::get_if<StreamRequest>(&outcome);
  context_->metrics().CountHttp("/ws", 101);
  stream_.expires_never();
  auto session = std::make_shared<WebSocketSession>(
      stream_.release_socket(), stream, std::move(parsed->filter), std::move(parsed->from),
      in_flight_.request_id, in_flight_.client, std::move(parsed->slot));
  session->KeepTicket(std::move(ticket_));
  session->SetGrant(std::move(parsed->grant));
  if (parsed->invalid) return session->Refuse(std::move(request), parsed->reason);
  session->Run(std::move(request));
}

void HttpSession::StartEngineIo(Request request) {
  auto self = shared_from_this();
  if (websocket::is_upgrade(request)) {
    if (!IsValidWebSocketKey(request[http::field::sec_websocket_key])) {
      return Send(JsonError(http::status::bad_request, "Invalid WebSocket handshake",
                            {{"Sec-WebSocket-Key", "must be the base64 encoding of 16 bytes"}}));
    }
    auto refused = context_->engineio()->HandleUpgrade(
        request, in_flight_.client, in_flight_.client_address, [this] {
          context_->metrics().CountHttp("/socket.io/", 101);
          stream_.expires_never();
          return EngineIoServer::TakenSocket{
              stream_.release_socket(),
              std::make_shared<ConnectionBudget::Ticket>(std::move(ticket_))};
        });
    if (refused) Send(std::move(*refused));
    return;
  }
  Respond respond([self](Response response) {
    asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
      self->Send(std::move(response));
    });
  });
  context_->engineio()->HandleHttp(std::move(request), in_flight_.client, in_flight_.client_address,
                                   respond);
}

void HttpSession::StartEventStream(const Request& request) {
  const auto& stream = context_->stream();
  auto outcome = ParseStreamRequest(request, *stream, in_flight_.client_address);
  if (auto* refused = std::get_if<RefusedStream>(&outcome))
    return Send(std::move(refused->response));
  auto parsed = std::get_if<StreamRequest>(&outcome);
  if (parsed->invalid) return Send(std::move(*parsed->invalid));
  StreamFrom from = std::move(parsed->from);
  StreamFilter filter = std::move(parsed->filter);
  AccessGrant grant = std::move(parsed->grant);
  auto slot = std::move(parsed->slot);

  Response head = EventStreamHead();
  AddCommonHeaders(head, in_flight_.request_id, context_->guard(), in_flight_.origin);
  head.keep_alive(true);
  std::ostringstream head_text;
  head_text << head.base();

  context_->metrics().CountHttp("/api/events", 200);
  spdlog::debug("http GET {} status=200 (event stream) request={} peer={}", in_flight_.log_target,
                in_flight_.request_id, in_flight_.client);
  stream_.expires_never();
  auto session =
      std::make_shared<SseSession>(std::move(stream_), stream, std::move(filter), std::move(from),
                                   in_flight_.request_id, in_flight_.client, std::move(slot));
  session->KeepTicket(std::move(ticket_));
  session->SetGrant(std::move(grant));
  session->Start(head_text.str());
}

Response HttpSession::EventStreamHead() const {
  Response head(http::status::ok, in_flight_.version);
  head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  head.set(http::field::cache_control, "no-store");
  head.set("X-Accel-Buffering", "no");  // proxies must not buffer an event stream
  return head;
}

void HttpSession::Send(Response response) {
  AddCommonHeaders(response, in_flight_.request_id, context_->guard(), in_flight_.origin);
  response.version(in_flight_.version);
  response.keep_alive(in_flight_.keep_alive);
  // A 204 (a CORS preflight) has no body and must not announce one (RFC 9110 §8.6).
  if (response.result() != http::status::no_content && !response.has_content_length() &&
      !response.chunked()) {
    response.prepare_payload();
  }
  // HEAD (RFC 9110 §9.3.2): the GET response's header fields, Content-Length included, and no
  // body, whatever the route or status, or a client reusing the connection goes out of step.
  if (in_flight_.method == http::verb::head) response.body().clear();

  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - in_flight_.started)
                    .count();
  // 503 is expected while the database is down and is logged once by the database monitor.
  auto level =
      response.result_int() >= 500 && response.result() != http::status::service_unavailable
          ? spdlog::level::warn
          : spdlog::level::debug;
  spdlog::log(level, "http {} {} status={} us={} request={} peer={}",
              std::string_view(http::to_string(in_flight_.method)), in_flight_.log_target,
              response.result_int(), micros, in_flight_.request_id, in_flight_.client);

  context_->metrics().CountHttp(RouteLabel(PathOf(in_flight_.target)), response.result_int());
  bool close = response.need_eof() || drain_after_write_;
  writing_ = std::make_shared<Response>(std::move(response));
  // A fresh deadline for the write: the response may come long after the request was read (a
  // held Engine.IO poll, a slow query), and the read's deadline would fail it at once.
  stream_.expires_after(context_->limits().read_timeout);
  http::async_write(stream_, *writing_,
                    [self = shared_from_this(), close](beast::error_code ec, std::size_t bytes) {
                      self->OnWrite(close, ec, bytes);
                    });
}

void HttpSession::OnWrite(bool close, beast::error_code ec, std::size_t) {
  writing_.reset();
  if (ec) {
    spdlog::debug("http write failed peer={}: {}", peer_, ec.message());
    return DoClose();
  }
  if (drain_after_write_) return DrainThenClose();
  if (close) return DoClose();
  DoRead();
}

void HttpSession::DoClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace walcast::api
