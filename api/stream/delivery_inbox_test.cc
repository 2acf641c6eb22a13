#include "api/stream/delivery_inbox.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

DeliveryInbox::Batch MakeBatch() { return std::make_shared<const std::vector<StreamEventPtr>>(); }

TEST(DeliveryInbox, OnlyTheFirstAddOfABurstAsksForADrain) {
  DeliveryInbox inbox(8);
  EXPECT_TRUE(inbox.Add(MakeBatch()));
  EXPECT_FALSE(inbox.Add(MakeBatch()));
  EXPECT_FALSE(inbox.Add(MakeBatch()));
  EXPECT_EQ(inbox.Take().batches.size(), 3u);
  EXPECT_TRUE(inbox.Add(MakeBatch())) << "after a drain, the next add posts again";
}

TEST(DeliveryInbox, TakesBatchesInPublishOrder) {
  DeliveryInbox inbox(8);
  std::vector<DeliveryInbox::Batch> added;
  for (int i = 0; i < 5; ++i) {
    added.push_back(MakeBatch());
    inbox.Add(added.back());
  }
  const auto& drained = inbox.Take();
  EXPECT_FALSE(drained.overflowed);
  EXPECT_EQ(drained.batches, added);
  EXPECT_TRUE(inbox.Take().batches.empty());
  inbox.Add(added[0]);
  EXPECT_EQ(inbox.Take().batches, std::vector<DeliveryInbox::Batch>{added[0]});
}

TEST(DeliveryInbox, PastTheBoundItKeepsNothingAndSaysSo) {
  DeliveryInbox inbox(3);
  for (int i = 0; i < 5; ++i) inbox.Add(MakeBatch());
  const auto& drained = inbox.Take();
  EXPECT_TRUE(drained.overflowed);
  EXPECT_TRUE(drained.batches.empty()) << "the window has them all, in one place";
  inbox.Add(MakeBatch());
  const auto& next = inbox.Take();
  EXPECT_FALSE(next.overflowed) << "reset by the drain";
  EXPECT_EQ(next.batches.size(), 1u);
}

}  // namespace
}  // namespace walcast::api
