// SseReader: the Server-Sent Events client of stream_bench. One blocking GET /api/events on
// 127.0.0.1, parsed as `id:`/`event:`/`data:` blocks straight from a large read buffer, so the
// client costs little next to the daemon it measures. Every block completed by one read() gets
// that read's system_clock time (the same clock PostgreSQL stamps commits with).
//
// Not thread-safe; one reader per thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tools/bench/stream_bench_process.h"

namespace walcast::bench {

struct SseEvent {
  // Views into the reader's buffer, valid only during the callback.
  std::string_view id;
  std::string_view name;
  std::string_view data;  // one data line (walcastd never splits its JSON over lines)
  std::chrono::system_clock::time_point received;
};

class SseReader {
 public:
  // Connects (retrying until `connect_deadline`, so it can wait for a daemon that is starting),
  // sends the GET and reads the response head; throws unless the status is 200.
  SseReader(int port, const std::string& target, Clock::time_point connect_deadline);
  ~SseReader();
  SseReader(const SseReader&) = delete;
  SseReader& operator=(const SseReader&) = delete;

  // When the TCP connection was established.
  Clock::time_point connected() const { return connected_; }

  enum class End { kStopped, kClosed, kIdle };
  // Calls `on_event` for every block until it returns false (kStopped), the server closes
  // (kClosed) or no byte arrives for `idle_timeout` (kIdle). Comments (heartbeats) are skipped.
  End Read(const std::function<bool(const SseEvent&)>& on_event,
           std::chrono::milliseconds idle_timeout);

 private:
  // Appends what the socket has within `timeout`; false on timeout or close.
  bool Fill(std::chrono::milliseconds timeout);

  int fd_ = -1;
  Clock::time_point connected_;
  // Received bytes [begin_, size_) are not parsed yet. A plain array, not a std::string, because
  // resizing a string would clear the whole read area before every read.
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t begin_ = 0;
  bool closed_ = false;
  std::chrono::system_clock::time_point last_read_;
};

}  // namespace walcast::bench
