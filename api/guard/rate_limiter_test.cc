#include "api/guard/rate_limiter.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace walcast::api {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand.
class FakeClock {
 public:
  RateLimiter::Clock AsClock() {
    return [this] { return now_; };
  }
  void Advance(std::chrono::nanoseconds by) { now_ += by; }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::hours(1)};
};

RateLimitOptions Rate(double per_second) {
  RateLimitOptions options;
  options.requests_per_second = per_second;
  return options;
}

// How many back-to-back checks pass before the first refusal (at most `limit`).
int AllowedInARow(RateLimiter& limiter, std::string_view client, int limit = 10'000) {
  for (int i = 0; i < limit; ++i) {
    if (!limiter.Check(client).allowed) return i;
  }
  return limit;
}

TEST(RateLimiter, BurstIsTwiceTheRate) {
  struct Case {
    double rate;
    int burst;
  };
  for (Case c : {Case{100, 200}, Case{1, 2}, Case{2.5, 5}, Case{0.5, 1}, Case{0.1, 1}}) {
    FakeClock clock;
    RateLimiter limiter(Rate(c.rate), clock.AsClock());
    EXPECT_EQ(AllowedInARow(limiter, "10.0.0.1"), c.burst) << "rate " << c.rate;
  }
}

TEST(RateLimiter, RetryAfterIsWholeSecondsUntilTheNextToken) {
  struct Case {
    double rate;
    std::chrono::nanoseconds elapsed;  // after emptying the bucket
    std::chrono::seconds retry_after;
  };
  for (Case c : {Case{100, 0s, 1s}, Case{1, 0s, 1s}, Case{1, 500ms, 1s}, Case{0.5, 0s, 2s},
                 Case{0.25, 0s, 4s}, Case{0.25, 1500ms, 3s}, Case{0.1, 9s, 1s}}) {
    FakeClock clock;
    RateLimiter limiter(Rate(c.rate), clock.AsClock());
    AllowedInARow(limiter, "a");
    clock.Advance(c.elapsed);
    RateDecision decision = limiter.Check("a");
    EXPECT_FALSE(decision.allowed) << "rate " << c.rate;
    EXPECT_EQ(decision.retry_after, c.retry_after)
        << "rate " << c.rate << " elapsed " << c.elapsed.count();
  }
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  FakeClock clock;
  RateLimiter limiter(Rate(10), clock.AsClock());
  EXPECT_EQ(AllowedInARow(limiter, "a"), 20);
  clock.Advance(100ms);  // one token
  EXPECT_EQ(AllowedInARow(limiter, "a"), 1);
  clock.Advance(550ms);  // five and a half
  EXPECT_EQ(AllowedInARow(limiter, "a"), 5);
  clock.Advance(60ms);  // the half left over plus 0.6
  EXPECT_EQ(AllowedInARow(limiter, "a"), 1);
  clock.Advance(1h);  // never more than the burst
  EXPECT_EQ(AllowedInARow(limiter, "a"), 20);
}

TEST(RateLimiter, ClientsHaveSeparateBuckets) {
  FakeClock clock;
  RateLimiter limiter(Rate(1), clock.AsClock());
  EXPECT_EQ(AllowedInARow(limiter, "127.0.0.1"), 2);
  EXPECT_FALSE(limiter.Check("127.0.0.1").allowed);
  EXPECT_TRUE(limiter.Check("127.0.0.2").allowed);
  EXPECT_TRUE(limiter.Check("::1").allowed);
}

TEST(RateLimiter, ZeroDisables) {
  FakeClock clock;
  RateLimiter limiter(Rate(0), clock.AsClock());
  EXPECT_FALSE(limiter.enabled());
  EXPECT_EQ(AllowedInARow(limiter, "a", 100'000), 100'000);
  EXPECT_EQ(limiter.Buckets(), 0u) << "a disabled limiter keeps nothing";
}

TEST(RateLimiter, IdleBucketsArePrunedOnceRefilled) {
  FakeClock clock;
  RateLimiter limiter(Rate(10), clock.AsClock());  // refills in 2 s
  for (int i = 0; i < 1000; ++i)
    limiter.Check("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  EXPECT_EQ(limiter.Buckets(), 1000u);
  clock.Advance(1s);
  limiter.Check("busy");
  EXPECT_GE(limiter.Buckets(), 1000u) << "not refilled yet: kept";
  clock.Advance(3s);
  // A sweep runs at most once per refill time per shard, on that shard's next check; touch them.
  for (int i = 0; i < 200; ++i) limiter.Check("probe" + std::to_string(i));
  EXPECT_LE(limiter.Buckets(), 201u);
}

TEST(RateLimiter, PruningNeverChangesAnAnswer) {
  // An address that comes back after the sweep gets exactly what an unpruned bucket would give.
  FakeClock clock;
  RateLimiter limiter(Rate(1), clock.AsClock());
  EXPECT_EQ(AllowedInARow(limiter, "a"), 2);
  clock.Advance(10s);
  for (int i = 0; i < 100; ++i) limiter.Check("other" + std::to_string(i));
  EXPECT_EQ(AllowedInARow(limiter, "a"), 2);
}

TEST(RateLimiter, MemoryStaysBoundedUnderManyAddresses) {
  FakeClock clock;
  RateLimitOptions options = Rate(1);
  options.max_buckets = 1024;
  options.shards = 4;
  RateLimiter limiter(options, clock.AsClock());
  // All within one refill period, so nothing is prunable: eviction must hold the bound.
  for (int i = 0; i < 50'000; ++i) limiter.Check("addr" + std::to_string(i));
  EXPECT_LE(limiter.Buckets(), 1024u);
  EXPECT_GE(limiter.Buckets(), 256u) << "eviction drops about half a shard, not everything";
}

TEST(RateLimiter, ConcurrentChecksNeverAllowMoreThanTheBucket) {
  FakeClock clock;  // frozen: no refill while the threads run
  RateLimiter limiter(Rate(500), clock.AsClock());
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i) {
        if (limiter.Check("shared").allowed) allowed.fetch_add(1);
        limiter.Check("own" + std::to_string(i % 7));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace walcast::api
