// RateLimiter: a token bucket per client address (docs/contract.md §6: `--rate-limit` requests per
// second, burst 2x). A bucket starts full, refills continuously and pays one token per request;
// an empty bucket refuses with the whole seconds until its next token (Retry-After).
//
// Memory stays bounded under many addresses: a bucket idle long enough to have refilled
// completely is indistinguishable from a new one, so a periodic sweep drops it without changing
// any answer; past `max_buckets` the least recently seen bucket of the shard is evicted.
//
// Thread-safe: buckets are spread over shards, each with its own mutex, so threads checking
// different addresses rarely wait for each other. The clock is injected for tests.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace walcast::api {

struct RateLimitOptions {
  double requests_per_second = 100;   // 0 or less disables the limiter
  double burst_factor = 2;            // bucket capacity = rate x factor, at least one request
  std::size_t max_buckets = 100'000;  // across all shards
  std::size_t shards = 16;
};

struct RateDecision {
  bool allowed = true;
  std::chrono::seconds retry_after{0};  // >= 1 s when refused
};

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit RateLimiter(RateLimitOptions options, Clock clock = &std::chrono::steady_clock::now);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  bool enabled() const { return rate_ > 0; }
  double capacity() const { return capacity_; }

  // Takes one token from `client`'s bucket.
  RateDecision Check(std::string_view client);

  // Buckets currently held (for tests and the memory bound).
  std::size_t Buckets() const;

 private:
  struct Shard;
  Shard& ShardOf(std::string_view client);

  const double rate_;
  const double capacity_;
  const std::chrono::nanoseconds refill_time_;  // empty to full: idle this long, a bucket is new
  const std::size_t max_per_shard_;
  Clock clock_;
  std::unique_ptr<Shard[]> shards_;
  const std::size_t shard_count_;
};

}  // namespace walcast::api
