#include "tools/cli/stream_message.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

const char* kUpdate =
    R"({"event":"orders:update","data":{"id":"0000000001A3F2C8-00000003","type":"database_change",)"
    R"("operation":"update","table":"orders","data":{"id":42,"customer_name":"Ada","product_name":)"
    R"("Laptop","status":"shipped","updated_at":"2026-11-24T10:45:55.000000Z"},"old":{"id":42,)"
    R"("customer_name":"Ada","product_name":"Laptop","status":"pending","updated_at":)"
    R"("2026-11-24T10:00:00.000000Z"},"changed":["status","updated_at"],"timestamp":)"
    R"("2026-11-24T10:45:54.991053Z","serverTime":"2026-11-24T10:45:55.000000Z","lsn":"1/A3F2C8",)"
    R"("xid":7}})";

TEST(StreamMessage, ClassifiesEveryKind) {
  auto change = ParseStreamMessage(kUpdate);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->kind, MessageKind::kChange);
  EXPECT_EQ(change->id, "0000000001A3F2C8-00000003");

  auto welcome = ParseStreamMessage(
      R"({"event":"welcome","data":{"message":"hi","clientId":"c7","totalClients":1,"lastEventId":"0000000000000001-00000000"}})");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->kind, MessageKind::kWelcome);
  EXPECT_EQ(welcome->id, "0000000000000001-00000000");
  EXPECT_EQ(welcome->text, "c7");

  auto null_last = ParseStreamMessage(R"({"event":"welcome","data":{"lastEventId":null}})");
  ASSERT_TRUE(null_last);
  EXPECT_EQ(null_last->id, "");

  auto resync = ParseStreamMessage(
      R"({"event":"resync","data":{"reason":"too old","oldestId":"0000000000000002-00000000"}})");
  ASSERT_TRUE(resync);
  EXPECT_EQ(resync->kind, MessageKind::kResync);
  EXPECT_EQ(resync->text, "too old");
  EXPECT_EQ(resync->oldest_id, "0000000000000002-00000000");

  EXPECT_EQ(ParseStreamMessage(R"({"event":"server_shutdown","data":{"message":"bye"}})")->kind,
            MessageKind::kShutdown);
  EXPECT_EQ(ParseStreamMessage(R"({"event":"error","data":{"message":"bad"}})")->kind,
            MessageKind::kError);
  EXPECT_EQ(ParseStreamMessage(R"({"event":"clients","data":{"totalClients":2}})")->kind,
            MessageKind::kOther);
}

TEST(StreamMessage, CursorCarriesWhereToResume) {
  auto cursor = ParseStreamMessage(R"({"event":"cursor","data":{"from":"P1_x"}})");
  ASSERT_TRUE(cursor);
  EXPECT_EQ(cursor->kind, MessageKind::kCursor);
  EXPECT_EQ(cursor->id, "P1_x");
  EXPECT_FALSE(ParseStreamMessage(R"({"event":"cursor","data":{}})"));
}

TEST(StreamMessage, MalformedFramesAreNullopt) {
  for (const char* frame : {"", "not json", "[]", R"({"event":1,"data":{}})",
                            R"({"event":"welcome"})", R"({"event":"orders:insert","data":{}})"}) {
    EXPECT_FALSE(ParseStreamMessage(frame)) << frame;
  }
}

TEST(PrettyLine, UpdateShowsWhatChangedWithoutUpdatedAt) {
  EXPECT_EQ(PrettyLine(kUpdate, false),
            "10:45:54.991  UPDATE  #42     shipped     Ada · Laptop  (status pending → shipped)");
}

TEST(PrettyLine, ColourOnlyWhenAsked) {
  EXPECT_EQ(PrettyLine(kUpdate, false).find('\033'), std::string::npos);
  EXPECT_NE(PrettyLine(kUpdate, true).find("\033[33mUPDATE"), std::string::npos);
}

TEST(PrettyLine, InsertDeleteTruncateAndUnknownShapes) {
  std::string insert =
      R"({"event":"orders:insert","data":{"id":"X","operation":"insert","data":{"id":7,)"
      R"("customer_name":"Bo","product_name":"Pen","status":"pending"},"old":null,)"
      R"("timestamp":"2026-11-24T01:02:03.456789Z"}})";
  EXPECT_EQ(PrettyLine(insert, false), "01:02:03.456  INSERT  #7      pending     Bo · Pen");
  std::string truncate = R"({"event":"orders:truncate","data":{"id":"X","operation":"truncate",)"
                         R"("timestamp":"2026-11-24T01:02:03.456789Z"}})";
  EXPECT_EQ(PrettyLine(truncate, false), "01:02:03.456  TRUNCATE  the orders table was emptied");
  EXPECT_EQ(PrettyLine("garbage", false), "garbage");
}

}  // namespace
}  // namespace walcast::cli
