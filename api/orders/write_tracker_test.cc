#include "api/orders/write_tracker.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace walcast::api {
namespace {
using namespace std::chrono_literals;

TEST(WriteTracker, WaiterGetsTheEventIdOnPublish) {
  boost::asio::io_context io;
  WriteTracker tracker(true);
  std::optional<std::optional<std::string>> got;
  tracker.Wait(42, 10s, io.get_executor(), [&](auto id) { got = id; });
  io.poll();
  EXPECT_FALSE(got);
  EXPECT_EQ(tracker.WaitersForTest(), 1u);
  tracker.Published(41, "A-0");
  tracker.Published(42, "B-0");
  io.run();  // the cancelled timer completes too, so run() returns
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "B-0");
  EXPECT_EQ(tracker.WaitersForTest(), 0u);
}

TEST(WriteTracker, PublishedBeforeTheWaitIsFound) {
  boost::asio::io_context io;
  WriteTracker tracker(true);
  tracker.Published(7, "C-0");
  std::optional<std::optional<std::string>> got;
  tracker.Wait(7, 10s, io.get_executor(), [&](auto id) { got = id; });
  io.run();
  EXPECT_EQ(*got, "C-0");
}

TEST(WriteTracker, TimesOutWithNull) {
  boost::asio::io_context io;
  WriteTracker tracker(true);
  std::optional<std::optional<std::string>> got;
  tracker.Wait(9, 1ms, io.get_executor(), [&](auto id) { got = id; });
  io.run();
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
  EXPECT_EQ(tracker.WaitersForTest(), 0u);
  tracker.Published(9, "late");  // no waiter left: nothing happens
}

TEST(WriteTracker, DisabledAnswersNullAtOnce) {
  boost::asio::io_context io;
  WriteTracker tracker(false);
  std::optional<std::optional<std::string>> got;
  tracker.Wait(1, 10s, io.get_executor(), [&](auto id) { got = id; });
  io.run();
  ASSERT_TRUE(got);
  EXPECT_FALSE(got->has_value());
}

TEST(WriteTracker, RingForgetsTheOldest) {
  boost::asio::io_context io;
  WriteTracker tracker(true, 2);
  tracker.Published(1, "1");
  tracker.Published(2, "2");
  tracker.Published(3, "3");
  std::optional<std::optional<std::string>> got;
  tracker.Wait(1, 1ms, io.get_executor(), [&](auto id) { got = id; });
  io.run();
  EXPECT_FALSE(got->has_value());
}

TEST(WriteTracker, XidIsTheLow32BitsOfTxid) {
  EXPECT_EQ(XidOfTxid("745"), 745u);
  EXPECT_EQ(XidOfTxid("4294967297"), 1u);  // epoch 1, xid 1
  EXPECT_FALSE(XidOfTxid("x"));
  EXPECT_FALSE(XidOfTxid(""));
}

}  // namespace
}  // namespace walcast::api
