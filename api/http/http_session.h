// HttpSession: one HTTP/1.1 connection. Reads one request at a time (a fresh parser each, with
// body and header limits and a timeout), hands it to the Router, writes the response with the
// common headers, and reads the next one if the connection is kept alive. Reading pauses while a
// response is pending, which caps pipelining at one. A response to HEAD is the GET response's
// head without its body. A request that cannot be read whole (malformed, too large, a
// Transfer-Encoding other than chunked) is answered and the connection closed after draining
// what the client still sends (bounded), so the client can read the answer.
//
// While it waits for a request the session is idle in the ConnectionBudget and may be reclaimed
// (closed) to make room for a new connection at the cap.
//
// Lives as long as a pending handler holds shared_from_this(); runs on its socket's strand.
#pragma once

#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/guard/connection_budget.h"
#include "api/http/respond.h"

namespace walcast::api {

class ServerContext;

class HttpSession : public ReclaimableConnection, public std::enable_shared_from_this<HttpSession> {
 public:
  // `ticket` is the connection's place in the server's ConnectionBudget, held until it closes
  // (handed on to the stream session it may become).
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context,
              ConnectionBudget::Ticket ticket = {});

  void Run();
  void Reclaim() override;

 private:
  struct InFlight {
    std::string request_id;
    http::verb method;
    std::string target;
    std::string log_target;  // redacted and escaped, for log lines
    unsigned version;
    bool keep_alive;
    std::chrono::steady_clock::time_point started;
    std::string origin;  // the request's Origin header, for the CORS response headers
    // Whom the request counts against (per-address limits): the peer, or the client a trusted
    // proxy forwarded it for (api/guard/trusted_proxies.h). A kept-alive connection from a proxy
    // carries requests of many clients, so this is per request.
    std::string client_address;
    std::string client;  // for logs: the peer's address:port, or "<client> via <address:port>"
  };
  InFlight MakeInFlight(http::verb method, std::string_view target, unsigned version,
                        bool keep_alive, std::string_view origin);

  void DoRead();
  void OnHeader(boost::beast::error_code ec, std::size_t bytes);
  // The body limit a request may need before its head says which one applies.
  std::uint64_t LargestBody() const;
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void Send(Response response);
  void OnWrite(bool close, boost::beast::error_code ec, std::size_t bytes);
  // A response whose body comes in pieces (Respond::Stream): chunked for HTTP/1.1, and for
  // HTTP/1.0 (which has no chunked encoding) the raw bytes until the connection closes.
  void SendStreamed(Response head, BodyProducer producer);
  void WriteChunk(std::optional<std::string> chunk);
  void OnChunkWritten(boost::beast::error_code ec, bool last);
  // Answers a request that could not be read whole, then drains and closes.
  void RejectUnreadable(http::status status, std::string_view message);
  // After a response that ends the connection while the client may still be sending (a 413):
  // stops sending, reads and drops what arrives (bounded in bytes and time), then closes.
  void DrainThenClose();
  void OnDrained(boost::beast::error_code ec, std::size_t bytes);
  // GET /api/events: validates the request and hands the socket to an SseSession.
  void StartEventStream(const Request& request);
  // An upgrade of /ws: validates it and hands the socket to a WebSocketSession.
  void StartWebSocket(Request request);
  // A request under /socket.io/ (polling or an upgrade), for the EngineIoServer.
  void StartEngineIo(Request request);
  void DoClose();
  // The event stream's response head (for GET, and without a body for HEAD).
  Response EventStreamHead() const;

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
  bool streamed_chunked_ = true;    // false: HTTP/1.0, the body is delimited by the close
  bool drain_after_write_ = false;  // the response ends the connection after a drain
  std::size_t drained_bytes_ = 0;
  std::array<char, 16 * 1024> drain_buffer_;
  ConnectionBudget::Ticket ticket_;
  ConnectionBudget::IdleHandle idle_ = ConnectionBudget::kNotIdle;
  bool waiting_for_request_ = false;  // a read of the next request is pending
};

}  // namespace walcast::api
