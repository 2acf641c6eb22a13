#include "tools/cli/reconnect_policy.h"

#include <algorithm>

namespace walcast::cli {

void ReconnectPolicy::Connected() {
  failing_since_.reset();
  delay_ = kFirstDelay;
}

std::optional<std::chrono::milliseconds> ReconnectPolicy::NextDelay(Clock::time_point now) {
  if (!failing_since_) failing_since_ = now;
  auto deadline = *failing_since_ + retry_for_;
  if (now >= deadline) return std::nullopt;
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
  auto delay = std::min(delay_, left);
  delay_ = std::min(delay_ * 2, kMaxDelay);
  return delay;
}

}  // namespace walcast::cli
