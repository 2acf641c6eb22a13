// ChangeReceiver: the SSE client the figures are measured with. It behaves like a browser's
// EventSource: when walcastd ends the stream because the client fell too far behind (an `error`
// event "slow consumer", then close), it connects again with from=<last id received>. It
// counts change events, checks that their ids only go up (no duplicate, no reordering), skips the
// `clients` count and fails on anything else (resync, an unexpected close, silence).
//
// Not thread-safe; one receiver per thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_sse.h"

namespace walcast::bench {

class ChangeReceiver {
 public:
  // `from` is the first connection's cursor ("" for live events only).
  ChangeReceiver(int port, std::string from);
  ~ChangeReceiver();

  // Connects, retrying until `deadline` so it can wait for a daemon that is starting, and reads
  // the welcome event.
  void Connect(Clock::time_point deadline);

  // Reads until `total` change events have arrived since Connect, calling `on_change` for each.
  // Throws on a failure or when nothing arrives for `idle_timeout`.
  void ReceiveUntil(std::size_t total, const std::function<void(const SseEvent&)>& on_change,
                    std::chrono::milliseconds idle_timeout);

  std::size_t count() const { return count_; }
  std::size_t reconnects() const { return reconnects_; }
  const std::string& first_id() const { return first_id_; }
  const std::string& last_id() const { return last_id_; }
  Clock::time_point connected() const { return connected_; }  // the first connection
  Clock::time_point first_change() const { return first_change_; }
  Clock::time_point last_change() const { return last_change_; }

 private:
  void Open(Clock::time_point deadline);
  // Returns whether to keep reading.
  bool Handle(const SseEvent& event, std::size_t total,
              const std::function<void(const SseEvent&)>& on_change);

  int port_;
  std::string from_;
  std::unique_ptr<SseReader> reader_;
  std::size_t count_ = 0;
  std::size_t reconnects_ = 0;
  bool dropped_ = false;
  std::string problem_;
  std::string first_id_;
  std::string last_id_;
  Clock::time_point connected_, first_change_, last_change_;
};

}  // namespace walcast::bench
