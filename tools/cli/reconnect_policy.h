// ReconnectPolicy: when `walcast tail` tries again after a lost or refused connection, and when
// it gives up. Pure (the caller passes the time); unit-tested.
//
// Backoff starts at 100 ms and doubles to 2 s, so a daemon restart (tens of milliseconds) costs
// little and a long outage costs the server one attempt every 2 s. The --retry-for budget counts
// from the first failure since the last successful connection (or from the start), so a tail
// that has run for days still rides out a restart; the last attempt lands on the deadline.
#pragma once

#include <chrono>
#include <optional>

namespace walcast::cli {

class ReconnectPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFirstDelay{100};
  static constexpr std::chrono::milliseconds kMaxDelay{2000};

  explicit ReconnectPolicy(std::chrono::milliseconds retry_for) : retry_for_(retry_for) {}

  // A connection was established (the stream answered): the next failure starts a new budget.
  void Connected();
  // A connection attempt failed or an established one was lost at `now`: the delay before the
  // next attempt, or nullopt when the --retry-for budget is spent.
  std::optional<std::chrono::milliseconds> NextDelay(Clock::time_point now);

 private:
  std::chrono::milliseconds retry_for_;
  std::optional<Clock::time_point> failing_since_;
  std::chrono::milliseconds delay_ = kFirstDelay;
};

}  // namespace walcast::cli
