#include "api/socketio/socketio_rooms.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

using Events = std::vector<std::string>;

EventKeys Insert(int64_t id, std::string status) {
  return EventKeys{Operation::kInsert, id, std::nullopt, std::move(status), std::nullopt};
}

EventKeys Update(int64_t id, std::string old_status, std::string status) {
  return EventKeys{Operation::kUpdate, id, id, std::move(status), std::move(old_status)};
}

SocketIoRooms Rooms(const std::set<int64_t>& ids, const std::set<std::string>& statuses) {
  SocketIoRooms rooms;
  EXPECT_EQ(rooms.Join(ids, statuses), std::nullopt);
  return rooms;
}

TEST(SocketIoRooms, NoRoomsNoRoomEvents) {
  SocketIoRooms rooms;
  EXPECT_TRUE(rooms.Empty());
  EXPECT_EQ(rooms.RoomEvents(Update(1, "pending", "shipped")), Events{});
}

TEST(SocketIoRooms, OrderRoomThenNewStatusThenOldStatus) {
  auto rooms = Rooms({7}, {"pending", "shipped"});
  EXPECT_EQ(rooms.RoomEvents(Update(7, "pending", "shipped")),
            (Events{"order_7:update", "status_shipped:update", "status_pending:update"}));
  EXPECT_EQ(rooms.RoomEvents(Insert(7, "pending")),
            (Events{"order_7:insert", "status_pending:insert"}));
  EXPECT_EQ(rooms.RoomEvents(Insert(8, "delivered")), Events{});
}

TEST(SocketIoRooms, OrderLeavingAJoinedStatusReachesIt) {
  auto rooms = Rooms({}, {"pending"});
  EXPECT_EQ(rooms.RoomEvents(Update(1, "pending", "shipped")), Events{"status_pending:update"});
  EXPECT_EQ(rooms.RoomEvents(Update(1, "shipped", "pending")), Events{"status_pending:update"});
  EXPECT_EQ(rooms.RoomEvents(Update(1, "shipped", "delivered")), Events{});
}

TEST(SocketIoRooms, UnchangedStatusIsOneEvent) {
  auto rooms = Rooms({}, {"pending"});
  EXPECT_EQ(rooms.RoomEvents(Update(1, "pending", "pending")), Events{"status_pending:update"});
}

TEST(SocketIoRooms, DeleteMatchesByTheOldRow) {
  auto rooms = Rooms({7}, {"shipped"});
  // A delete's keys carry the old row as the row (EventKeys).
  EventKeys deleted{Operation::kDelete, 7, 7, "shipped", "shipped"};
  EXPECT_EQ(rooms.RoomEvents(deleted), (Events{"order_7:delete", "status_shipped:delete"}));
}

TEST(SocketIoRooms, OldOrderIdWhenTheKeyChanged) {
  auto rooms = Rooms({7}, {});
  EventKeys moved{Operation::kUpdate, 9, 7, "pending", "pending"};
  EXPECT_EQ(rooms.RoomEvents(moved), Events{"order_7:update"});
  ASSERT_EQ(rooms.Join({9}, {}), std::nullopt);
  // Each room event once: the new id wins.
  EXPECT_EQ(rooms.RoomEvents(moved), Events{"order_9:update"});
}

TEST(SocketIoRooms, UpdateWithoutOldRowUsesTheNewOne) {
  auto rooms = Rooms({3}, {"pending"});
  EventKeys update{Operation::kUpdate, 3, std::nullopt, "pending", std::nullopt};
  EXPECT_EQ(rooms.RoomEvents(update), (Events{"order_3:update", "status_pending:update"}));
  EventKeys missing_status{Operation::kUpdate, 3, std::nullopt, std::nullopt, "pending"};
  EXPECT_EQ(rooms.RoomEvents(missing_status), (Events{"order_3:update", "status_pending:update"}));
}

TEST(SocketIoRooms, TruncateProducesNone) {
  auto rooms = Rooms({1}, {"pending"});
  EXPECT_EQ(rooms.RoomEvents(EventKeys{Operation::kTruncate, {}, {}, {}, {}}), Events{});
}

TEST(SocketIoRooms, JoinAndLeaveAreAdditive) {
  SocketIoRooms rooms;
  ASSERT_EQ(rooms.Join({1, 2}, {"pending"}), std::nullopt);
  ASSERT_EQ(rooms.Join({2, 3}, {"shipped"}), std::nullopt);
  EXPECT_EQ(rooms.order_ids(), (std::set<int64_t>{1, 2, 3}));
  EXPECT_EQ(rooms.statuses(), (std::set<std::string>{"pending", "shipped"}));
  rooms.Leave({2, 99}, {"pending", "lost"});
  EXPECT_EQ(rooms.order_ids(), (std::set<int64_t>{1, 3}));
  EXPECT_EQ(rooms.statuses(), (std::set<std::string>{"shipped"}));
  rooms.Leave({1, 3}, {"shipped"});
  EXPECT_TRUE(rooms.Empty());
}

TEST(SocketIoRooms, RefusesInvalidJoinsWhole) {
  auto rooms = Rooms({1}, {"pending"});
  const SocketIoRooms before = rooms;
  EXPECT_TRUE(rooms.Join({2, 0}, {}));
  EXPECT_TRUE(rooms.Join({-5}, {}));
  EXPECT_TRUE(rooms.Join({2}, {""}));
  EXPECT_TRUE(rooms.Join({2}, {std::string(65, 's')}));
  EXPECT_TRUE(rooms.Join({2}, {"ok", "bad\xff"}));
  EXPECT_TRUE(rooms.Join({2}, {"\xed\xa0\x80"}));  // an encoded surrogate
  EXPECT_EQ(rooms, before);
  EXPECT_EQ(rooms.Join({}, {std::string(64, 's')}), std::nullopt);
}

TEST(SocketIoRooms, BoundsTheNumberOfRooms) {
  SocketIoRooms rooms;
  std::set<int64_t> ids;
  for (int64_t id = 1; id <= 60; ++id) ids.insert(id);
  ASSERT_EQ(rooms.Join(ids, {"a", "b", "c"}), std::nullopt);
  // Rooms already joined do not count twice.
  ASSERT_EQ(rooms.Join({1, 2, 61}, {"a"}), std::nullopt);
  auto error = rooms.Join({62}, {"d"});
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("64"), std::string::npos) << *error;
  EXPECT_EQ(rooms.order_ids().size(), 61u);
  EXPECT_TRUE(rooms.Join({62}, {}));
  EXPECT_TRUE(rooms.Join({}, {"d"}));
  rooms.Leave({61}, {});
  EXPECT_EQ(rooms.Join({62}, {}), std::nullopt);
}

TEST(SocketIoRooms, EncodesSortedAndPercentEncoded) {
  EXPECT_EQ(SocketIoRooms().Encoded(), "");
  EXPECT_EQ(Rooms({7, 5}, {}).Encoded(), "o5,7");
  EXPECT_EQ(Rooms({}, {"shipped", "paid"}).Encoded(), "spaid,shipped");
  EXPECT_EQ(Rooms({5, 7}, {"paid", "shipped"}).Encoded(), "o5,7;spaid,shipped");
  EXPECT_EQ(Rooms({}, {"a b;c,d%e", "x-y_z.W9"}).Encoded(), "sa%20b%3Bc%2Cd%25e,x-y_z.W9");
  EXPECT_EQ(Rooms({}, {"caf\xc3\xa9"}).Encoded(), "scaf%C3%A9");
}

TEST(SocketIoRooms, EncodedFollowsJoinAndLeave) {
  SocketIoRooms rooms;
  EXPECT_EQ(rooms.Encoded(), "");
  ASSERT_EQ(rooms.Join({5}, {}), std::nullopt);
  EXPECT_EQ(rooms.Encoded(), "o5");
  ASSERT_EQ(rooms.Join({5}, {}), std::nullopt);
  EXPECT_EQ(rooms.Encoded(), "o5");
  ASSERT_EQ(rooms.Join({}, {"paid"}), std::nullopt);
  EXPECT_EQ(rooms.Encoded(), "o5;spaid");
  EXPECT_TRUE(rooms.Join({0}, {}));
  EXPECT_EQ(rooms.Encoded(), "o5;spaid");
  rooms.Leave({5}, {});
  EXPECT_EQ(rooms.Encoded(), "spaid");
  rooms.Leave({}, {"paid"});
  EXPECT_EQ(rooms.Encoded(), "");
}

TEST(SocketIoRooms, DecodeInvertsEncoded) {
  const SocketIoRooms cases[] = {
      SocketIoRooms(),
      Rooms({5}, {}),
      Rooms({1, 2, 9223372036854775807}, {}),
      Rooms({}, {"pending"}),
      Rooms({5, 7}, {"paid", "shipped"}),
      Rooms({}, {"a b;c,d%e", "caf\xc3\xa9", std::string(64, '\x7f'), "\xf0\x9f\x98\x80"}),
  };
  for (const auto& rooms : cases) {
    auto decoded = SocketIoRooms::Decode(rooms.Encoded());
    ASSERT_TRUE(decoded) << rooms.Encoded();
    EXPECT_EQ(*decoded, rooms) << rooms.Encoded();
    EXPECT_EQ(decoded->Encoded(), rooms.Encoded());
  }
}

TEST(SocketIoRooms, DecodeAcceptsLowerCaseHexAndEscapedUnreserved) {
  auto decoded = SocketIoRooms::Decode("s%41,caf%c3%a9");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->statuses(), (std::set<std::string>{"A", "caf\xc3\xa9"}));
}

TEST(SocketIoRooms, DecodeAcceptsExactlyMaxRooms) {
  std::string text = "o";
  for (int id = 1; id <= 60; ++id) text += (id > 1 ? "," : "") + std::to_string(id);
  auto decoded = SocketIoRooms::Decode(text + ";sa,b,c,d");
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->order_ids().size() + decoded->statuses().size(), 64u);
  EXPECT_FALSE(SocketIoRooms::Decode(text + ";sa,b,c,d,e"));
  EXPECT_FALSE(SocketIoRooms::Decode(text + ",61,62,63,64,65"));
}

TEST(SocketIoRooms, DecodeRejectsMalformedText) {
  for (std::string_view text : {"x",
                                "o",
                                "s",
                                ";",
                                "o5;",
                                ";spaid",
                                "o5;o6",
                                "spaid;o5",
                                "o5;spaid;",
                                "o5;spaid;sx",
                                "o5;;spaid",
                                "o0",
                                "o-1",
                                "o+1",
                                "o05",
                                "o5,",
                                "o,5",
                                "o5,,7",
                                "o7,5",
                                "o5,5",
                                "o1.5",
                                "o5 ",
                                "o9223372036854775808",
                                "oa",
                                "s,",
                                "spaid,",
                                "spaid,paid",
                                "sshipped,paid",
                                "sa b",
                                "sa;b",
                                "sa%2",
                                "sa%",
                                "sa%G0",
                                "sa%-1",
                                "s%FF",
                                "s%ED%A0%80",
                                "s%C3",
                                "o5;p",
                                "O5",
                                "S5"}) {
    EXPECT_FALSE(SocketIoRooms::Decode(text)) << text;
  }
  EXPECT_FALSE(SocketIoRooms::Decode("s" + std::string(65, 'a')));
  EXPECT_TRUE(SocketIoRooms::Decode("s" + std::string(64, 'a')));
}

// Every offset carries the rooms: a join that would make them long is refused whole, and text
// that long is not rooms.
TEST(SocketIoRooms, RoomsThatWouldMakeLongOffsetsAreRefused) {
  SocketIoRooms rooms;
  std::set<std::string> statuses;
  for (int i = 0; i < 20; ++i) statuses.insert(std::string(60, 'a') + std::to_string(i));
  auto error = rooms.Join({}, statuses);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("bytes in every offset"), std::string::npos) << *error;
  EXPECT_TRUE(rooms.Empty());
  std::set<std::string> few(statuses.begin(), std::next(statuses.begin(), 10));
  EXPECT_FALSE(rooms.Join({}, few));
  EXPECT_LE(rooms.Encoded().size(), SocketIoRooms::kMaxEncodedBytes);
  std::string ids = "o";
  for (int64_t i = 0; i < 60; ++i) {
    ids += (i ? "," : "") + std::to_string(1000000000000000000 + i);  // 60 rooms, 1,200 bytes
  }
  EXPECT_FALSE(SocketIoRooms::Decode(ids));
  EXPECT_TRUE(SocketIoRooms::Decode(ids.substr(0, 20 * 20)));
}

}  // namespace
}  // namespace walcast::api
