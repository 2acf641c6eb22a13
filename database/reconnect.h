// What every long-lived database connection loop (DatabaseMonitor, ReplicationStream,
// NotifySource) shares: the loop itself (RetryUntilStopped), capped exponential backoff, and a
// sleep that a Stop cuts short. Each loop keeps its own log lines, states and backoff policy.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string>

namespace walcast::database {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max) : min_(min), max_(max) {}

  // The wait before the next attempt: min first, then doubling up to max.
  std::chrono::milliseconds Next() {
    auto wait = next_;
    next_ = std::min(next_ * 2, max_);
    return wait;
  }
  // After a connection that worked: the next failure retries fast again.
  void Reset() { next_ = min_; }

 private:
  std::chrono::milliseconds min_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_ = min_;
};

// Waits `duration` on `timer` (whose cancel() is how Stop wakes the loop); returns whether the
// loop should go on, i.e. `stopped` is still false. Run on the loop's strand.
boost::asio::awaitable<bool> SleepUnlessStopped(boost::asio::steady_timer& timer,
                                                std::chrono::milliseconds duration,
                                                const bool& stopped);

// Connects and serves until the connection ends, again and again until `stopped`. `attempt()`
// returns an awaitable of why its connection ended (it closes the connection itself); unless
// stopped by then, `after(reason, how_long_it_lasted)` logs, updates the loop's state and returns
// the wait before the next attempt. Run on the loop's strand, where `stopped` is set.
template <class Attempt, class After>
boost::asio::awaitable<void> RetryUntilStopped(boost::asio::steady_timer& timer,
                                               const bool& stopped, Attempt attempt, After after) {
  while (!stopped) {
    const auto started = std::chrono::steady_clock::now();
    std::string reason = co_await attempt();
    if (stopped) break;
    std::chrono::milliseconds wait = after(reason, std::chrono::steady_clock::now() - started);
    if (!co_await SleepUnlessStopped(timer, wait, stopped)) break;
  }
}

}  // namespace walcast::database
