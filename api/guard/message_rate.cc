#include "api/guard/message_rate.h"

#include <algorithm>

namespace walcast::api {

MessageRate::MessageRate(double per_second, std::chrono::steady_clock::time_point now)
    : per_second_(per_second), capacity_(per_second * 2), tokens_(capacity_), refilled_(now) {}

MessageRate::Verdict MessageRate::Take(std::chrono::steady_clock::time_point now) {
  // A clock read earlier by another path may trail `refilled_`: no refill then, never a debit.
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - refilled_).count());
  refilled_ = std::max(refilled_, now);
  tokens_ = std::min(capacity_, tokens_ + elapsed * per_second_);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    refused_ = 0;
    return Verdict::kAllowed;
  }
  return ++refused_ > kRefusalsBeforeClose ? Verdict::kClose : Verdict::kRefused;
}

}  // namespace walcast::api
