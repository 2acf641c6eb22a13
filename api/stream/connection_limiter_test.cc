#include "api/stream/connection_limiter.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

TEST(ConnectionLimiter, LimitsPerAddressAndFreesOnRelease) {
  auto limiter = std::make_shared<ConnectionLimiter>(2);
  auto a1 = limiter->Acquire("10.0.0.1");
  auto a2 = limiter->Acquire("10.0.0.1");
  EXPECT_TRUE(a1 && a2);
  EXPECT_FALSE(limiter->Acquire("10.0.0.1"));
  EXPECT_TRUE(limiter->Acquire("10.0.0.2")) << "other addresses are unaffected";
  a1.reset();
  EXPECT_EQ(limiter->OpenFrom("10.0.0.1"), 1u);
  EXPECT_TRUE(limiter->Acquire("10.0.0.1"));
}

TEST(ConnectionLimiter, ZeroMeansNoLimit) {
  auto limiter = std::make_shared<ConnectionLimiter>(0);
  std::vector<std::unique_ptr<ConnectionLimiter::Slot>> slots;
  for (int i = 0; i < 1000; ++i) slots.push_back(limiter->Acquire("h"));
  EXPECT_TRUE(slots.back());
  slots.clear();
  EXPECT_EQ(limiter->OpenFrom("h"), 0u);
}

}  // namespace
}  // namespace walcast::api
