#include "tools/bench/stream_bench_sse.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace walcast::bench {
namespace {

// Big enough that a burst of a thousand ~600-byte events is one or two reads.
constexpr std::size_t kReadSize = 1 << 20;

// The value of a `name: value` line (the one optional space after the colon removed).
std::string_view FieldValue(std::string_view line, std::size_t colon) {
  std::string_view value = line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return value;
}

}  // namespace

SseReader::SseReader(int port, const std::string& target, Clock::time_point connect_deadline)
    : buffer_(new char[kReadSize]), capacity_(kReadSize) {
  fd_ = ConnectLoopback(port, connect_deadline);
  if (fd_ < 0) throw std::runtime_error("walcastd does not listen on port " + std::to_string(port));
  connected_ = Clock::now();
  std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
  if (send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("cannot send the event stream request");
  }
  std::size_t head_end;
  while ((head_end = std::string_view(buffer_.get(), size_).find("\r\n\r\n")) ==
         std::string_view::npos) {
    if (!Fill(std::chrono::seconds(30))) {
      throw std::runtime_error("no response head from /api/events: " +
                               std::string(buffer_.get(), size_));
    }
  }
  std::string head(buffer_.get(), head_end);
  if (head.compare(0, 12, "HTTP/1.1 200") != 0) {
    throw std::runtime_error("/api/events answered: " + std::string(buffer_.get(), size_));
  }
  // walcastd writes the stream raw after the head (no chunked encoding); anything else would
  // need a decoder this client does not have.
  if (head.find("chunked") != std::string::npos) {
    throw std::runtime_error("/api/events uses chunked encoding, which stream_bench cannot read");
  }
  begin_ = head_end + 4;
}

SseReader::~SseReader() {
  if (fd_ >= 0) close(fd_);
}

bool SseReader::Fill(std::chrono::milliseconds timeout) {
  if (closed_) return false;
  pollfd poll_fd{fd_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&poll_fd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready < 0) throw std::runtime_error("poll: " + std::string(strerror(errno)));
  if (ready <= 0) return false;
  // Parsed bytes are dropped first; the buffer grows only for a block longer than it.
  if (begin_ > 0) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, size_ - begin_);
    size_ -= begin_;
    begin_ = 0;
  }
  if (capacity_ - size_ < kReadSize / 4) {
    std::unique_ptr<char[]> bigger(new char[capacity_ * 2]);
    std::memcpy(bigger.get(), buffer_.get(), size_);
    buffer_ = std::move(bigger);
    capacity_ *= 2;
  }
  ssize_t n = read(fd_, buffer_.get() + size_, capacity_ - size_);
  last_read_ = std::chrono::system_clock::now();
  if (n > 0) size_ += static_cast<std::size_t>(n);
  if (n <= 0) {
    closed_ = true;
    return false;
  }
  return true;
}

SseReader::End SseReader::Read(const std::function<bool(const SseEvent&)>& on_event,
                               std::chrono::milliseconds idle_timeout) {
  while (true) {
    std::string_view pending(buffer_.get() + begin_, size_ - begin_);
    std::size_t block_end;
    while ((block_end = pending.find("\n\n")) != std::string_view::npos) {
      std::string_view block = pending.substr(0, block_end);
      pending.remove_prefix(block_end + 2);
      begin_ = size_ - pending.size();
      SseEvent event;
      event.received = last_read_;
      bool any = false;
      while (!block.empty()) {
        std::size_t line_end = block.find('\n');
        std::string_view line = block.substr(0, line_end);
        block.remove_prefix(line_end == std::string_view::npos ? block.size() : line_end + 1);
        std::size_t colon = line.find(':');
        if (line.empty() || colon == 0) continue;  // a comment
        std::string_view field = line.substr(0, colon);
        std::string_view value = colon == std::string_view::npos ? "" : FieldValue(line, colon);
        if (field == "id") event.id = value, any = true;
        if (field == "event") event.name = value, any = true;
        if (field == "data") event.data = value, any = true;
      }
      if (any && !on_event(event)) return End::kStopped;
    }
    if (!Fill(idle_timeout)) return closed_ ? End::kClosed : End::kIdle;
  }
}

}  // namespace walcast::bench
