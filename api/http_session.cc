#include "http_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <sstream>

#include "json_response.h"
#include "server_context.h"
#include "sse_session.h"
#include "stream_auth.h"
#include "url.h"
#include "websocket_session.h"

namespace walcast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Headers on every response. The UI needs no inline script or style, so the policy forbids both;
// connect-src allows the page's own WebSocket and event stream. CORS headers depend on the
// request's Origin (empty when it had none).
void AddCommonHeaders(Response& response, const std::string& request_id, const RequestGuard& guard,
                      std::string_view origin) {
  guard.AddResponseHeaders(origin, response);
  response.set(http::field::server, "walcast");
  response.set("X-Request-Id", request_id);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Frame-Options", "DENY");
  response.set("Content-Security-Policy",
               "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
               "form-action 'self'");
}

}  // namespace

HttpSession::HttpSession(asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context)
    : stream_(std::move(socket)), context_(std::move(context)) {
  beast::error_code ec;
  auto endpoint = stream_.socket().remote_endpoint(ec);
  peer_address_ = ec ? "unknown" : endpoint.address().to_string();
  peer_ = peer_address_ + ":" + (ec ? "0" : std::to_string(endpoint.port()));
}

void HttpSession::Run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->DoRead(); });
}

void HttpSession::DoRead() {
  parser_.emplace();
  parser_->body_limit(context_->limits().max_body_bytes);
  parser_->header_limit(static_cast<std::uint32_t>(context_->limits().max_header_bytes));
  stream_.expires_after(context_->limits().read_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                     self->OnRead(ec, bytes);
                   });
}

void HttpSession::OnRead(beast::error_code ec, std::size_t) {
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

  Request request = parser_->release();
  in_flight_ = InFlight{context_->NextRequestId(),
                        request.method(),
                        std::string(request.target()),
                        request.version(),
                        request.keep_alive(),
                        std::chrono::steady_clock::now(),
                        std::string(request[http::field::origin])};
  if (auto refused = context_->guard().Check(request, peer_address_)) {
    return Send(std::move(*refused));
  }
  if (websocket::is_upgrade(request) && PathOf(request.target()) == "/ws") {
    return StartWebSocket(std::move(request));
  }
  if (request.method() == http::verb::get && context_->stream() &&
      PathOf(request.target()) == "/api/events") {
    return StartEventStream(request);
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
  context_->router().Handle(request, respond);
}

// A streamed body (the export): the head with chunked transfer encoding, then one chunk per
// piece the producer delivers, each written before the next is asked for.
void HttpSession::SendStreamed(Response head, BodyProducer producer) {
  AddCommonHeaders(head, in_flight_.request_id, context_->guard(), in_flight_.origin);
  head.version(in_flight_.version);
  head.keep_alive(in_flight_.keep_alive);
  head.body().clear();
  if (in_flight_.version < 11) {
    // HTTP/1.0 has no chunked encoding: gather the body and send it whole.
    auto self = shared_from_this();
    return Respond([self](Response response) {
             asio::post(self->stream_.get_executor(),
                        [self, response = std::move(response)]() mutable {
                          self->Send(std::move(response));
                        });
           })
        .Stream(std::move(head), std::move(producer));
  }
  context_->metrics().CountHttp(RouteLabel(PathOf(in_flight_.target)), head.result_int());
  spdlog::debug("http {} {} status={} (streamed) request={} peer={}",
                std::string_view(http::to_string(in_flight_.method)), in_flight_.target,
                head.result_int(), in_flight_.request_id, peer_);
  head.chunked(true);
  std::ostringstream head_text;
  head_text << head.base();
  producer_ = std::move(producer);
  streamed_close_ = head.need_eof();
  auto text = std::make_shared<std::string>(head_text.str());
  stream_.expires_after(context_->limits().read_timeout);
  asio::async_write(stream_, asio::buffer(*text),
                    [self = shared_from_this(), text](beast::error_code ec, std::size_t) {
                      self->OnChunkWritten(ec, false);
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
// be trusted to start at a message boundary.
void HttpSession::RejectUnreadable(http::status status, std::string_view message) {
  in_flight_ = InFlight{context_->NextRequestId(),
                        parser_->get().method(),
                        std::string(parser_->get().target()),
                        parser_->get().version() ? parser_->get().version() : 11,
                        false,
                        std::chrono::steady_clock::now(),
                        std::string(parser_->get()[http::field::origin])};
  Send(JsonError(status, message));
}

// The parts of a stream request both /api/events and /ws take: the token, `from` (or
// Last-Event-ID) and the filters. nullopt after an error response was sent.
std::optional<HttpSession::StreamRequest> HttpSession::ParseStreamRequest(const Request& request) {
  const auto& stream = context_->stream();
  std::string_view query = QueryOf(request.target());
  if (auto denied = CheckStreamToken(request, query, stream->stream_token)) {
    Send(std::move(*denied));
    return std::nullopt;
  }
  StreamRequest parsed;
  std::optional<std::string> from_text = QueryParameter(query, "from");
  if (!from_text) {
    if (auto header = request.find("Last-Event-ID"); header != request.end()) {
      from_text = std::string(header->value());
    }
  }
  if (from_text && !from_text->empty()) {
    parsed.from = decoder::EventId::Parse(*from_text);
    if (!parsed.from) {
      Send(JsonError(http::status::bad_request, "Invalid event id",
                     {{"from", "expected an event id such as 0000000001A3F2C8-00000003"}}));
      return std::nullopt;
    }
  }
  if (auto error = StreamFilter::FromQuery(query, &parsed.filter)) {
    Send(JsonError(http::status::bad_request, "Invalid stream filter", {{"filter", *error}}));
    return std::nullopt;
  }
  parsed.slot = stream->limiter->Acquire(peer_address_);
  if (!parsed.slot) {
    auto response =
        JsonError(http::status::too_many_requests, "Too many stream connections from this address");
    response.set(http::field::retry_after, "5");
    Send(std::move(response));
    return std::nullopt;
  }
  return parsed;
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
  auto parsed = ParseStreamRequest(request);
  if (!parsed) return;
  context_->metrics().CountHttp("/ws", 101);
  stream_.expires_never();
  std::make_shared<WebSocketSession>(stream_.release_socket(), stream, std::move(parsed->filter),
                                     parsed->from, in_flight_.request_id, peer_,
                                     std::move(parsed->slot))
      ->Run(std::move(request));
}

void HttpSession::StartEventStream(const Request& request) {
  const auto& stream = context_->stream();
  auto parsed = ParseStreamRequest(request);
  if (!parsed) return;
  std::optional<decoder::EventId> from = parsed->from;
  StreamFilter filter = std::move(parsed->filter);
  auto slot = std::move(parsed->slot);

  Response head(http::status::ok, in_flight_.version);
  head.set(http::field::content_type, "text/event-stream; charset=utf-8");
  head.set(http::field::cache_control, "no-store");
  head.set("X-Accel-Buffering", "no");  // proxies must not buffer an event stream
  AddCommonHeaders(head, in_flight_.request_id, context_->guard(), in_flight_.origin);
  head.keep_alive(true);
  std::ostringstream head_text;
  head_text << head.base();

  context_->metrics().CountHttp("/api/events", 200);
  spdlog::debug("http GET {} status=200 (event stream) request={} peer={}", in_flight_.target,
                in_flight_.request_id, peer_);
  stream_.expires_never();
  std::make_shared<SseSession>(std::move(stream_), stream, std::move(filter), from,
                               in_flight_.request_id, peer_, std::move(slot))
      ->Start(head_text.str());
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

  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - in_flight_.started)
                    .count();
  // 503 is expected while the database is down and is logged once by the database monitor.
  auto level =
      response.result_int() >= 500 && response.result() != http::status::service_unavailable
          ? spdlog::level::warn
          : spdlog::level::debug;
  spdlog::log(level, "http {} {} status={} us={} request={} peer={}",
              std::string_view(http::to_string(in_flight_.method)), in_flight_.target,
              response.result_int(), micros, in_flight_.request_id, peer_);

  context_->metrics().CountHttp(RouteLabel(PathOf(in_flight_.target)), response.result_int());
  bool close = response.need_eof();
  writing_ = std::make_shared<Response>(std::move(response));
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
  if (close) return DoClose();
  DoRead();
}

void HttpSession::DoClose() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace walcast::api
