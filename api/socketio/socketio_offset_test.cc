#include "api/socketio/socketio_offset.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

constexpr std::string_view kEventId = "0000000001A3F2C8-00000003";

SocketIoOffset Offset(std::string from, uint32_t room_event, const std::set<int64_t>& ids,
                      const std::set<std::string>& statuses) {
  SocketIoOffset offset{.from = std::move(from), .room_event = room_event, .rooms = {}};
  EXPECT_EQ(offset.rooms.Join(ids, statuses), std::nullopt);
  return offset;
}

void ExpectSame(const SocketIoOffset& actual, const SocketIoOffset& expected) {
  EXPECT_EQ(actual.from, expected.from);
  EXPECT_EQ(actual.room_event, expected.room_event);
  EXPECT_EQ(actual.rooms, expected.rooms);
}

TEST(SocketIoOffset, EncodesTheHeaderExamples) {
  EXPECT_EQ(Offset(std::string(kEventId), 0, {}, {}).Encode(), "0000000001A3F2C8-00000003");
  EXPECT_EQ(Offset(std::string(kEventId), 1, {5}, {"paid"}).Encode(),
            "0000000001A3F2C8-00000003;e1;o5;spaid");
  EXPECT_EQ(Offset(std::string(kEventId), 0, {5}, {}).Encode(), "0000000001A3F2C8-00000003;o5");
  EXPECT_EQ(Offset(std::string(kEventId), 12, {}, {}).Encode(), "0000000001A3F2C8-00000003;e12");
}

TEST(SocketIoOffset, ParseInvertsEncode) {
  const SocketIoOffset cases[] = {
      Offset(std::string(kEventId), 0, {}, {}),
      Offset(std::string(kEventId), 1, {}, {}),
      Offset(std::string(kEventId), 4294967295u, {}, {}),
      Offset(std::string(kEventId), 0, {5, 7}, {}),
      Offset(std::string(kEventId), 2, {}, {"shipped"}),
      Offset(std::string(kEventId), 3, {5, 7}, {"paid", "a;b,c e"}),
      Offset("P1_0000000001A3F2C8-00000003_0000000001A3F300_2d1_2d5_2d2.2d3_0a1b2c3d", 1, {9},
             {"pending"}),
  };
  for (const auto& offset : cases) {
    std::string text = offset.Encode();
    auto parsed = SocketIoOffset::Parse(text);
    ASSERT_TRUE(parsed) << text;
    ExpectSame(*parsed, offset);
    EXPECT_EQ(parsed->Encode(), text);
  }
}

TEST(SocketIoOffset, ParsesEachPart) {
  auto parsed = SocketIoOffset::Parse("0000000001A3F2C8-00000003;e1;o5;spaid");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->from, kEventId);
  EXPECT_EQ(parsed->room_event, 1u);
  EXPECT_EQ(parsed->rooms.order_ids(), (std::set<int64_t>{5}));
  EXPECT_EQ(parsed->rooms.statuses(), (std::set<std::string>{"paid"}));

  parsed = SocketIoOffset::Parse("X;spaid");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->from, "X");
  EXPECT_EQ(parsed->room_event, 0u);
  EXPECT_EQ(parsed->rooms.statuses(), (std::set<std::string>{"paid"}));
}

TEST(SocketIoOffset, RejectsMalformedText) {
  for (std::string_view text : {"",        ";e1",           ";o5",           "X;",     "X;;o5",
                                "X;e",     "X;e0",          "X;e01",         "X;e-1",  "X;e+1",
                                "X;e1x",   "X;E1",          "X;e4294967296", "X;e1;",  "X;e1;e2",
                                "X;o5;e1", "X;e1;o0",       "X;e1;o5;",      "X;e1;x", "X;o",
                                "X;s",     "X;o5;spaid;o6", "X;e 1"}) {
    EXPECT_FALSE(SocketIoOffset::Parse(text)) << text;
  }
}

TEST(SocketIoOffset, BoundsTheLength) {
  std::string from(4096, 'x');
  auto parsed = SocketIoOffset::Parse(from);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->from.size(), 4096u);
  EXPECT_FALSE(SocketIoOffset::Parse(from + "x"));
  EXPECT_FALSE(SocketIoOffset::Parse(std::string(4094, 'x') + ";e1"));
  EXPECT_TRUE(SocketIoOffset::Parse(std::string(4093, 'x') + ";o5"));
}

}  // namespace
}  // namespace walcast::api
