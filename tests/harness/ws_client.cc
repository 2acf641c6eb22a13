#include "tests/harness/ws_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <stdexcept>

namespace walcast::testing {
namespace beast = boost::beast;
namespace websocket = beast::websocket;

WsClient::WsClient(int port, const std::string& target,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   int receive_buffer_bytes)
    : ws_(io_) {
  auto& socket = beast::get_lowest_layer(ws_).socket();
  socket.open(boost::asio::ip::tcp::v4());
  if (receive_buffer_bytes > 0) {
    socket.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer_bytes));
  }
  beast::get_lowest_layer(ws_).connect(boost::asio::ip::tcp::endpoint(
      boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  websocket::response_type response;
  beast::error_code ec;
  ws_.handshake(response, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    throw std::runtime_error("upgrade refused: " + std::to_string(response.result_int()) + " " +
                             response.body());
  }
}

void WsClient::Send(const std::string& text) {
  ws_.text(true);
  ws_.write(boost::asio::buffer(text));
}

void WsClient::SendBinary(const std::string& bytes) {
  ws_.binary(true);
  ws_.write(boost::asio::buffer(bytes));
}

std::optional<std::string> WsClient::Next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto message = NextRaw(std::max(left, std::chrono::milliseconds(0)));
    if (!message || message->rfind("{\"event\":\"clients\"", 0) != 0) return message;
  }
}

std::optional<std::string> WsClient::NextRaw(std::chrono::milliseconds timeout) {
  if (closed_) return std::nullopt;
  if (!reading_) {
    reading_ = true;
    ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      reading_ = false;
      if (ec) {
        closed_ = true;
      } else {
        ready_ = true;
      }
    });
  }
  io_.restart();
  io_.run_for(timeout);
  if (!ready_) return std::nullopt;
  ready_ = false;
  std::string message = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  return message;
}

std::optional<std::string> WsClient::NextEvent(const std::string& name,
                                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string needle = "{\"event\":\"" + name + "\"";
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto message = NextRaw(left);
    if (!message) return std::nullopt;
    if (message->rfind(needle, 0) == 0) return message;
  }
}

int WsClient::CloseCode() const { return ws_.reason().code; }

}  // namespace walcast::testing
