#include "tests/harness/sse_client.h"

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
  std::array<char, 65536> chunk;
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

SseClient::StreamEnd SseClient::Stream(const std::function<bool(const SseEventView&)>& on_event,
                                       std::chrono::milliseconds idle_timeout) {
  while (true) {
    // Parsed blocks are dropped once per read, not once per event: erasing the front of the
    // buffer for each of a million events would copy the rest of it each time.
    std::string_view pending(buffer_);
    std::size_t end;
    bool stop = false;
    while (!stop && (end = pending.find("\n\n")) != std::string_view::npos) {
      std::string_view block = pending.substr(0, end);
      pending.remove_prefix(end + 2);
      SseEventView event;
      bool any = false, data_seen = false;
      while (!block.empty()) {
        auto line_end = block.find('\n');
        std::string_view line = block.substr(0, line_end);
        block.remove_prefix(line_end == std::string_view::npos ? block.size() : line_end + 1);
        auto colon = line.find(':');
        if (line.empty() || colon == 0) continue;  // a comment (heartbeat)
        std::string_view field = line.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        if (field == "id") event.id = value, any = true;
        if (field == "event") event.event = value, any = true;
        if (field == "data" && !data_seen) event.data = value, any = data_seen = true;
      }
      if (any && event.event != "clients") stop = !on_event(event);
    }
    buffer_.erase(0, buffer_.size() - pending.size());
    if (stop) return StreamEnd::kStopped;
    if (!Fill(idle_timeout)) return closed_ ? StreamEnd::kClosed : StreamEnd::kIdle;
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
