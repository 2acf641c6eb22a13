// What every long-lived database connection loop (DatabaseMonitor, ReplicationStream,
// NotifySource) shares between attempts: capped exponential backoff, and a sleep that a Stop cuts
// short. Each loop keeps its own log lines and states; only the timing lives here.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

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

}  // namespace walcast::database
