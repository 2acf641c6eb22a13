#include "sse_client.h"

#include <poll.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

namespace walcast::testing {

std::vector<SseEvent> ChangeEvents(const std::vector<SseEvent>& events) {
  std::vector<SseEvent> out;
  for (const auto& event : events) {
    if (event.event.rfind("orders:", 0) == 0) out.push_back(event);
  }
  return out;
}

SseClient::SseClient(int port, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers)
    : socket_(io_) {
  socket_.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  boost::asio::write(socket_, boost::asio::buffer(request));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (buffer_.find("\r\n\r\n") == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !Fill(left)) throw std::runtime_error("no response head: " + buffer_);
  }
  auto end = buffer_.find("\r\n\r\n");
  head_ = buffer_.substr(0, end);
  buffer_.erase(0, end + 4);
  status_ = std::stoi(head_.substr(head_.find(' ') + 1, 3));
}

bool SseClient::Fill(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  pollfd fd{socket_.native_handle(), POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) return false;
  std::array<char, 16384> chunk;
  boost::system::error_code ec;
  std::size_t n = socket_.read_some(boost::asio::buffer(chunk), ec);
  if (ec || n == 0) {
    closed_ = true;
    return false;
  }
  buffer_.append(chunk.data(), n);
  return true;
}

std::string SseClient::ReadRest(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!closed_ && std::chrono::steady_clock::now() < deadline) {
    Fill(std::chrono::milliseconds(100));
  }
  return buffer_;
}

std::optional<SseEvent> SseClient::Next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto end = buffer_.find("\n\n");
    if (end != std::string::npos) {
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      SseEvent event;
      bool any = false;
      std::size_t start = 0;
      while (start <= block.size()) {
        auto line_end = block.find('\n', start);
        if (line_end == std::string::npos) line_end = block.size();
        std::string line = block.substr(start, line_end - start);
        start = line_end + 1;
        if (line.empty() || line[0] == ':') continue;
        auto colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") event.id = value, any = true;
        if (field == "event") event.event = value, any = true;
        if (field == "data") event.data += value, any = true;
      }
      // Comments (heartbeats) and the `clients` count broadcasts, which come whenever the number
      // of clients changes, are not what tests wait for.
      if (any && event.event != "clients") return event;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !Fill(left)) return std::nullopt;
  }
}

std::vector<SseEvent> SseClient::ReadChanges(std::size_t count, std::chrono::milliseconds timeout) {
  std::vector<SseEvent> events;
  std::size_t changes = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (changes < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto event = Next(left);
    if (!event) break;
    if (event->event.rfind("orders:", 0) == 0) ++changes;
    events.push_back(std::move(*event));
  }
  return events;
}

}  // namespace walcast::testing
