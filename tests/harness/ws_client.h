// WsClient: a WebSocket client for integration tests (Beast). Reads run asynchronously on a
// private io_context driven for at most the given timeout, so a test never hangs on a silent
// server. Throws on connection or handshake errors. Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace walcast::testing {

class WsClient {
 public:
  // Connects and upgrades `target`; on a refused upgrade, throws with the HTTP status in the text.
  // A `receive_buffer_bytes` above 0 shrinks the socket's receive buffer (a client that stops
  // reading then backs up onto the server soon).
  WsClient(int port, const std::string& target,
           const std::vector<std::pair<std::string, std::string>>& headers = {},
           int receive_buffer_bytes = 0);

  void Send(const std::string& text);
  void SendBinary(const std::string& bytes);
  // The next text message, or nullopt on timeout or once the server closed the connection. The
  // `clients` count broadcasts (they come whenever the number of clients changes) are skipped;
  // NextEvent("clients", ...) reads them.
  std::optional<std::string> Next(std::chrono::milliseconds timeout);
  // Messages until one whose "event" is `name` (included) or the timeout.
  std::optional<std::string> NextEvent(const std::string& name, std::chrono::milliseconds timeout);
  bool Closed() const { return closed_; }
  // The server's close code once closed (0 if none was received).
  int CloseCode() const;

 private:
  std::optional<std::string> NextRaw(std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  bool reading_ = false;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace walcast::testing
