#include "api/guard/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace walcast::api {
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

struct Bucket {
  double tokens;
  TimePoint last;  // when `tokens` was last brought up to date
};

// Lets the map be searched with a string_view, so a check allocates only for a new address.
struct AddressHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

struct RateLimiter::Shard {
  std::mutex mutex;
  std::unordered_map<std::string, Bucket, AddressHash, std::equal_to<>> buckets;
  TimePoint next_sweep{};

  // Drops the buckets that have refilled completely: a new bucket would answer the same.
  void Sweep(TimePoint now, std::chrono::nanoseconds refill_time) {
    std::erase_if(buckets,
                  [&](const auto& entry) { return now - entry.second.last >= refill_time; });
    next_sweep = now + std::max<std::chrono::nanoseconds>(refill_time, std::chrono::seconds(1));
  }

  // Still full after a sweep: more addresses are active than the bound allows. Evicting the less
  // recently seen half (one pass to find the median, one to erase) keeps inserts O(1) amortized;
  // an evicted client merely starts again with a full bucket.
  void EvictOlderHalf() {
    std::vector<TimePoint> seen;
    seen.reserve(buckets.size());
    for (const auto& entry : buckets) seen.push_back(entry.second.last);
    auto middle = seen.begin() + static_cast<std::ptrdiff_t>(seen.size() / 2);
    std::nth_element(seen.begin(), middle, seen.end());
    TimePoint cut = *middle;
    std::size_t to_remove = buckets.size() - buckets.size() / 2;
    std::size_t removed =
        std::erase_if(buckets, [&](const auto& entry) { return entry.second.last < cut; });
    // Ties at the median (one burst of new addresses in the same instant) go until half is free.
    for (auto it = buckets.begin(); it != buckets.end() && removed < to_remove;) {
      if (it->second.last == cut) {
        it = buckets.erase(it);
        ++removed;
      } else {
        ++it;
      }
    }
  }
};

RateLimiter::RateLimiter(RateLimitOptions options, Clock clock)
    : rate_(std::max(0.0, options.requests_per_second)),
      capacity_(std::max(1.0, rate_ * options.burst_factor)),
      refill_time_(rate_ > 0 ? std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::duration<double>(capacity_ / rate_))
                             : std::chrono::nanoseconds(0)),
      max_per_shard_(
          std::max<std::size_t>(1, options.max_buckets / std::max<std::size_t>(1, options.shards))),
      clock_(std::move(clock)),
      shards_(std::make_unique<Shard[]>(std::max<std::size_t>(1, options.shards))),
      shard_count_(std::max<std::size_t>(1, options.shards)) {}

RateLimiter::~RateLimiter() = default;

RateLimiter::Shard& RateLimiter::ShardOf(std::string_view client) {
  return shards_[AddressHash{}(client) % shard_count_];
}

RateDecision RateLimiter::Check(std::string_view client) {
  if (!enabled()) return {};
  const TimePoint now = clock_();
  Shard& shard = ShardOf(client);
  std::lock_guard lock(shard.mutex);
  if (now >= shard.next_sweep) shard.Sweep(now, refill_time_);

  auto it = shard.buckets.find(client);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= max_per_shard_) {
      shard.Sweep(now, refill_time_);
      if (shard.buckets.size() >= max_per_shard_) shard.EvictOlderHalf();
    }
    it = shard.buckets.try_emplace(std::string(client), Bucket{capacity_, now}).first;
  } else {
    Bucket& bucket = it->second;
    double elapsed = std::chrono::duration<double>(now - bucket.last).count();
    if (elapsed > 0) {
      bucket.tokens = std::min(capacity_, bucket.tokens + elapsed * rate_);
      bucket.last = now;
    }
  }

  Bucket& bucket = it->second;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {};
  }
  // Whole seconds until one token has accrued, never 0 (a client told "retry after 0" would).
  // The epsilon keeps rounding noise (0.9999999999999998 tokens) from adding a whole second.
  double wait = (1.0 - bucket.tokens) / rate_;
  auto seconds = static_cast<int64_t>(std::ceil(wait - 1e-9));
  return {false, std::chrono::seconds(std::max<int64_t>(1, seconds))};
}

std::size_t RateLimiter::Buckets() const {
  std::size_t total = 0;
  for (std::size_t i = 0; i < shard_count_; ++i) {
    std::lock_guard lock(shards_[i].mutex);
    total += shards_[i].buckets.size();
  }
  return total;
}

}  // namespace walcast::api
