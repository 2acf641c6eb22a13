// MessageRate from explicit times: the burst, the refill, the refusals and the close.
#include "api/guard/message_rate.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

using namespace std::chrono_literals;
using Verdict = MessageRate::Verdict;
const auto kStart = std::chrono::steady_clock::time_point{} + 1h;

TEST(MessageRate, ABurstOfTwiceTheRateThenRefusals) {
  MessageRate rate(20, kStart);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(rate.Take(kStart), Verdict::kAllowed) << i;
  EXPECT_EQ(rate.Take(kStart), Verdict::kRefused);
}

TEST(MessageRate, RefillsAtTheRate) {
  MessageRate rate(20, kStart);
  for (int i = 0; i < 40; ++i) rate.Take(kStart);
  EXPECT_EQ(rate.Take(kStart + 49ms), Verdict::kRefused) << "0.98 of a token";
  EXPECT_EQ(rate.Take(kStart + 51ms), Verdict::kAllowed) << "one token after 1/20 s";
  EXPECT_EQ(rate.Take(kStart + 51ms), Verdict::kRefused);
  // Never more than the burst, however long the pause.
  auto later = kStart + 1h;
  for (int i = 0; i < 40; ++i) ASSERT_EQ(rate.Take(later), Verdict::kAllowed) << i;
  EXPECT_EQ(rate.Take(later), Verdict::kRefused);
}

TEST(MessageRate, ClosesAfterTooManyRefusalsInARow) {
  MessageRate rate(20, kStart);
  for (int i = 0; i < 40; ++i) rate.Take(kStart);
  for (int i = 0; i < MessageRate::kRefusalsBeforeClose; ++i) {
    ASSERT_EQ(rate.Take(kStart), Verdict::kRefused) << i;
  }
  EXPECT_EQ(rate.Take(kStart), Verdict::kClose);
}

TEST(MessageRate, AnAllowedMessageStartsTheRefusalsAgain) {
  MessageRate rate(20, kStart);
  for (int i = 0; i < 40; ++i) rate.Take(kStart);
  auto now = kStart;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < MessageRate::kRefusalsBeforeClose; ++i) {
      ASSERT_EQ(rate.Take(now), Verdict::kRefused) << round << " " << i;
    }
    now += 60ms;
    ASSERT_EQ(rate.Take(now), Verdict::kAllowed) << round;
  }
}

TEST(MessageRate, AnEarlierTimeNeitherRefillsNorDebits) {
  MessageRate rate(1, kStart);
  EXPECT_EQ(rate.Take(kStart), Verdict::kAllowed);
  EXPECT_EQ(rate.Take(kStart - 10s), Verdict::kAllowed);
  EXPECT_EQ(rate.Take(kStart - 10s), Verdict::kRefused);
  EXPECT_EQ(rate.Take(kStart + 1s), Verdict::kAllowed) << "refilled from the latest time seen";
}

}  // namespace
}  // namespace walcast::api
