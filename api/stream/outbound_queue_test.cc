#include "api/stream/outbound_queue.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

OutboundMessage Text(std::size_t size) {
  return OutboundMessage{nullptr, {}, std::string(size, 'x'), {}};
}

TEST(OutboundQueue, BoundsMessagesAndBytes) {
  OutboundQueue by_count({.max_messages = 2, .max_bytes = 1000});
  EXPECT_TRUE(by_count.Push(Text(1)));
  EXPECT_TRUE(by_count.Push(Text(1)));
  EXPECT_FALSE(by_count.Push(Text(1)));
  EXPECT_EQ(by_count.Messages(), 2u);

  OutboundQueue by_bytes({.max_messages = 100, .max_bytes = 10});
  EXPECT_TRUE(by_bytes.Push(Text(6)));
  EXPECT_FALSE(by_bytes.Push(Text(5)));
  EXPECT_TRUE(by_bytes.Push(Text(4)));
  EXPECT_EQ(by_bytes.Bytes(), 10u);
}

TEST(OutboundQueue, PopFreesRoomInOrder) {
  OutboundQueue queue({.max_messages = 2, .max_bytes = 100});
  ASSERT_TRUE(queue.Push(Text(1)));
  ASSERT_TRUE(queue.Push(Text(2)));
  EXPECT_EQ(queue.Front().Size(), 1u);
  queue.Pop();
  EXPECT_EQ(queue.Front().Size(), 2u);
  EXPECT_TRUE(queue.Push(Text(3)));
  EXPECT_EQ(queue.Bytes(), 5u);
}

TEST(OutboundQueue, SharedEventsCountTheirJson) {
  auto event = std::make_shared<StreamEvent>();
  event->json = std::string(40, 'j');
  OutboundQueue queue({.max_messages = 10, .max_bytes = 50});
  EXPECT_TRUE(queue.Push(OutboundMessage{event, {}, {}, {}}));
  EXPECT_FALSE(queue.Push(OutboundMessage{event, {}, {}, {}}));
  queue.PushUnbounded(Text(20));  // the closing error frame always fits
  EXPECT_EQ(queue.Bytes(), 60u);
}

}  // namespace
}  // namespace walcast::api
