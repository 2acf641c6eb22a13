#include "tools/cli/reconnect_policy.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

using namespace std::chrono_literals;
using Clock = ReconnectPolicy::Clock;

TEST(ReconnectPolicy, BacksOffExponentiallyToTheCap) {
  ReconnectPolicy policy(60s);
  auto now = Clock::time_point{} + 1000s;
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 7; ++i) delays.push_back(*policy.NextDelay(now));
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1600ms,
                                                            2000ms, 2000ms}));
}

TEST(ReconnectPolicy, GivesUpWhenTheBudgetIsSpentAndLandsTheLastTryOnTheDeadline) {
  ReconnectPolicy policy(1s);
  auto start = Clock::time_point{} + 1000s;
  EXPECT_EQ(*policy.NextDelay(start), 100ms);
  EXPECT_EQ(*policy.NextDelay(start + 950ms), 50ms) << "clamped to what is left";
  EXPECT_FALSE(policy.NextDelay(start + 1s));
}

TEST(ReconnectPolicy, ASuccessfulConnectionResetsTheBudgetAndTheBackoff) {
  ReconnectPolicy policy(1s);
  auto start = Clock::time_point{} + 1000s;
  policy.NextDelay(start);
  policy.NextDelay(start + 500ms);
  policy.Connected();
  EXPECT_EQ(*policy.NextDelay(start + 10s), 100ms);
  EXPECT_TRUE(policy.NextDelay(start + 10s + 900ms));
}

TEST(ReconnectPolicy, ZeroMeansNoRetry) {
  ReconnectPolicy policy(0s);
  EXPECT_FALSE(policy.NextDelay(Clock::now()));
}

}  // namespace
}  // namespace walcast::cli
