#include "api/stream/stream_filter.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

EventKeys Update(int64_t id, std::string old_status, std::string status) {
  return EventKeys{Operation::kUpdate, id, id, std::move(status), std::move(old_status)};
}

TEST(StreamFilter, EmptyMatchesEverything) {
  StreamFilter filter;
  EXPECT_TRUE(filter.Empty());
  EXPECT_TRUE(filter.Matches(Update(1, "pending", "shipped")));
}

TEST(StreamFilter, StatusSubscriberSeesAnOrderLeaveTheStatus) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddStatuses("pending"));
  EXPECT_TRUE(filter.Matches(Update(1, "pending", "shipped")));
  EXPECT_TRUE(filter.Matches(Update(1, "shipped", "pending")));
  EXPECT_FALSE(filter.Matches(Update(1, "shipped", "delivered")));
}

TEST(StreamFilter, DeleteMatchesByItsOldRow) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddOrderIds("7"));
  EventKeys deleted{Operation::kDelete, 7, 7, "pending", "pending"};
  EXPECT_TRUE(filter.Matches(deleted));
  deleted.order_id = deleted.old_order_id = 8;
  EXPECT_FALSE(filter.Matches(deleted));
}

TEST(StreamFilter, CriteriaCombineWithAnd) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddOrderIds("1, 2"));
  ASSERT_FALSE(filter.AddOperations("update"));
  EXPECT_TRUE(filter.Matches(Update(2, "pending", "shipped")));
  EXPECT_FALSE(filter.Matches(Update(3, "pending", "shipped")));
  EXPECT_FALSE(filter.Matches(EventKeys{Operation::kInsert, 1, std::nullopt, "pending", {}}));
}

TEST(StreamFilter, TruncateIgnoresRowCriteria) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddStatuses("shipped"));
  EXPECT_TRUE(filter.Matches(EventKeys{Operation::kTruncate, {}, {}, {}, {}}));
  ASSERT_FALSE(filter.AddOperations("insert"));
  EXPECT_FALSE(filter.Matches(EventKeys{Operation::kTruncate, {}, {}, {}, {}}));
}

TEST(StreamFilter, RejectsMalformedValuesAndKeepsState) {
  StreamFilter filter;
  EXPECT_TRUE(filter.AddOrderIds("1,abc"));
  EXPECT_TRUE(filter.AddOrderIds("0"));
  EXPECT_TRUE(filter.AddOrderIds("-1"));
  EXPECT_TRUE(filter.AddOrderIds("99999999999"));
  EXPECT_TRUE(filter.AddOrderIds("1.5"));
  EXPECT_TRUE(filter.AddStatuses("lost"));
  EXPECT_TRUE(filter.AddOperations("upsert"));
  EXPECT_TRUE(filter.Empty());
}

TEST(StreamFilter, SubscribeAndUnsubscribe) {
  StreamFilter filter, more, less;
  ASSERT_FALSE(filter.AddStatuses("pending"));
  ASSERT_FALSE(more.AddStatuses("shipped"));
  filter.Add(more);
  EXPECT_EQ(filter.statuses().size(), 2u);
  ASSERT_FALSE(less.AddStatuses("pending,shipped"));
  filter.Remove(less);
  EXPECT_TRUE(filter.Empty());
}

}  // namespace
}  // namespace walcast::api
