// HttpSession: one HTTP/1.1 connection. Reads one request at a time (a fresh parser each, with
// body and header limits and a timeout), hands it to the Router, writes the response with the
// common headers, and reads the next one if the connection is kept alive. Reading pauses while a
// response is pending, which caps pipelining at one.
//
// Lives as long as a pending handler holds shared_from_this(); runs on its socket's strand.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "connection_limiter.h"
#include "event_id.h"
#include "http_types.h"
#include "stream_filter.h"

namespace walcast::api {

class ServerContext;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context);

  void Run();

 private:
  struct InFlight {
    std::string request_id;
    http::verb method;
    std::string target;
    unsigned version;
    bool keep_alive;
    std::chrono::steady_clock::time_point started;
    std::string origin;  // the request's Origin header, for the CORS response headers
  };

  void DoRead();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void Send(Response response);
  void OnWrite(bool close, boost::beast::error_code ec, std::size_t bytes);
  // A response whose body comes in pieces (Respond::Stream), sent with chunked encoding.
  void SendStreamed(Response head, BodyProducer producer);
  void WriteChunk(std::optional<std::string> chunk);
  void OnChunkWritten(boost::beast::error_code ec, bool last);
  void RejectUnreadable(http::status status, std::string_view message);
  struct StreamRequest {
    std::optional<decoder::EventId> from;
    StreamFilter filter;
    std::unique_ptr<ConnectionLimiter::Slot> slot;
  };
  std::optional<StreamRequest> ParseStreamRequest(const Request& request);
  // GET /api/events: validates the request and hands the socket to an SseSession.
  void StartEventStream(const Request& request);
  // An upgrade of /ws: validates it and hands the socket to a WebSocketSession.
  void StartWebSocket(Request request);
  void DoClose();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<ServerContext> context_;
  std::string peer_;          // address:port, for logs
  std::string peer_address_;  // for per-address limits
  InFlight in_flight_;
  std::shared_ptr<Response> writing_;
  BodyProducer producer_;  // while a streamed body is being sent
  bool streamed_close_ = false;
};

}  // namespace walcast::api
