#include "cluster/stream_entry.h"

#include <gtest/gtest.h>

namespace walcast::cluster {
namespace {

using api::EventKeys;
using decoder::EventId;
using decoder::Lsn;
using decoder::Operation;

api::StreamEventPtr Event(EventId id, EventKeys keys, uint32_t xid,
                          std::string name = "orders:update") {
  auto event = std::make_shared<api::StreamEvent>();
  event->id = id;
  event->name = name;
  event->json = R"({"event":")" + name + R"(","data":{"id":")" + std::string(id.view()) + "\"}}";
  event->ws_header = api::TextFrameHeader(event->json.size());
  event->keys = std::move(keys);
  event->xid = xid;
  api::AddSocketIoText(*event);
  return event;
}

TEST(StreamId, DecimalPartsOfTheEventId) {
  EventId id(Lsn(0x1A3F2C8), 3);
  EXPECT_EQ(StreamIdOf(id), "27521736-3");
  EXPECT_EQ(EventIdOfStreamId("27521736-3"), id);
  EventId top(Lsn(UINT64_MAX), UINT32_MAX);
  EXPECT_EQ(StreamIdOf(top), "18446744073709551615-4294967295");
  EXPECT_EQ(EventIdOfStreamId(StreamIdOf(top)), top);
}

TEST(StreamId, OrderedAsRedisOrdersIds) {
  // Redis compares the two numbers; walcast's ids compare the same way.
  EventId a(Lsn(9), 10), b(Lsn(10), 0), c(Lsn(10), 2);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  auto [ma, sa] = std::pair(a.commit_lsn().value(), a.index());
  auto [mb, sb] = std::pair(b.commit_lsn().value(), b.index());
  EXPECT_TRUE(ma < mb || (ma == mb && sa < sb));
}

TEST(StreamId, AnythingElseIsNotAnEventId) {
  for (const char* text : {"", "1", "1-", "-1", "0-5", "1-4294967296", "01-2", "1-02", "1-2-3",
                           "18446744073709551616-0", "a-1", "1-1 "}) {
    EXPECT_FALSE(EventIdOfStreamId(text)) << text;
  }
}

TEST(Keys, RoundTripWithAbsentValues) {
  EventKeys keys;
  keys.operation = Operation::kUpdate;
  keys.order_id = 42;
  keys.old_order_id = -7;
  keys.status = "shipped";
  std::string text = EncodeKeys(keys, 4711);
  EXPECT_EQ(text,
            "update\x1f"
            "42\x1f-7\x1fshipped\x1f\x1f"
            "4711");
  auto decoded = DecodeKeys(text);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->keys.operation, Operation::kUpdate);
  EXPECT_EQ(decoded->keys.order_id, 42);
  EXPECT_EQ(decoded->keys.old_order_id, -7);
  EXPECT_EQ(decoded->keys.status, "shipped");
  EXPECT_FALSE(decoded->keys.old_status);
  EXPECT_EQ(decoded->xid, 4711u);

  EventKeys truncate;
  truncate.operation = Operation::kTruncate;
  auto bare = DecodeKeys(EncodeKeys(truncate, 0));
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->keys.order_id);
  EXPECT_FALSE(bare->keys.status);
}

TEST(Keys, MalformedKeysAreRefused) {
  for (const char* text : {"", "update",
                           "upsert\x1f\x1f\x1f\x1f\x1f"
                           "0",
                           "update\x1f"
                           "x\x1f\x1f\x1f\x1f"
                           "0",
                           "update\x1f\x1f\x1f\x1f\x1f",
                           "update\x1f\x1f\x1f\x1f\x1f"
                           "0\x1f"}) {
    EXPECT_FALSE(DecodeKeys(text)) << text;
  }
}

TEST(Entries, OnePerEventTheEndLsnOnTheLastOfACompleteTransaction) {
  api::PublishedTransaction txn;
  txn.commit_lsn = Lsn(1000);
  txn.end_lsn = Lsn(1040);
  EventKeys keys;
  keys.order_id = 1;
  txn.events = {Event(EventId(Lsn(1000), 0), keys, 9), Event(EventId(Lsn(1000), 1), keys, 9)};
  auto entries = EntriesOf(txn);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].id, "1000-0");
  EXPECT_EQ(entries[0].fields.size(), 3u);
  EXPECT_EQ(entries[0].fields.back(), (std::pair<std::string, std::string>("e", "1040")));
  EXPECT_EQ(entries[1].fields.back(), (std::pair<std::string, std::string>("z", "1")));

  txn.complete = false;  // a part: the transaction goes on
  EXPECT_EQ(EntriesOf(txn).back().fields.size(), 3u);
}

TEST(Entries, ReadBackAsTheSameEventForEveryTransport) {
  api::PublishedTransaction txn;
  txn.commit_lsn = Lsn(77);
  txn.end_lsn = Lsn(99);
  EventKeys keys;
  keys.operation = Operation::kDelete;
  keys.order_id = 5;
  keys.old_status = "pending";
  auto original = Event(EventId(Lsn(77), 4), keys, 123, "orders:delete");
  txn.events = {original};
  auto entry = EntriesOf(txn).at(0);

  std::string error;
  auto read = EventOfEntry(entry.id, entry.fields, &error);
  ASSERT_TRUE(read) << error;
  const auto& event = *read->event;
  EXPECT_EQ(event.id, original->id);
  EXPECT_EQ(event.name, "orders:delete");
  EXPECT_EQ(event.json, original->json);
  EXPECT_EQ(event.ws_header.view(), original->ws_header.view());
  EXPECT_EQ(event.socketio, original->socketio);
  EXPECT_EQ(event.keys.order_id, 5);
  EXPECT_EQ(event.keys.old_status, "pending");
  EXPECT_EQ(event.xid, 123u);
  EXPECT_EQ(read->end_lsn, Lsn(99));
  EXPECT_TRUE(read->last);
}

TEST(Entries, AnEntryWalcastDidNotWriteIsAnError) {
  std::string error;
  EXPECT_FALSE(EventOfEntry("1700000000000-0", {{"j", "{}"}}, &error));
  EXPECT_NE(error.find("lacks"), std::string::npos) << error;
  EXPECT_FALSE(EventOfEntry("0-1", {}, &error));
  EXPECT_NE(error.find("not a walcast event id"), std::string::npos) << error;
  EXPECT_FALSE(EventOfEntry("5-1",
                            {{"j", "not json"},
                             {"f",
                              "insert\x1f\x1f\x1f\x1f\x1f"
                              "0"},
                             {"e", "9"}},
                            &error));
  EXPECT_NE(error.find("malformed"), std::string::npos) << error;
  EXPECT_FALSE(EventOfEntry("5-1",
                            {{"j", R"({"event":"orders:insert","data":{}})"},
                             {"f",
                              "insert\x1f\x1f\x1f\x1f\x1f"
                              "0"},
                             {"e", "12a"}},
                            &error));
  EXPECT_NE(error.find("end LSN"), std::string::npos) << error;
}

}  // namespace
}  // namespace walcast::cluster
