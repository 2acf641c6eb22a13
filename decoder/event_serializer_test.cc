#include "decoder/event_serializer.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "decoder/pg_time.h"

namespace walcast::decoder {
namespace {

Row MakeRow(std::initializer_list<std::pair<std::string, std::string>> raw) {
  RowBuilder builder(64, raw.size());
  for (const auto& [name, json] : raw) builder.AddRaw(JsonKey(name), json);
  return std::move(builder).Finish();
}

OrderEvent SampleUpdate() {
  OrderEvent event;
  event.id = EventId(Lsn(0x1A3F2C8), 3);
  event.operation = Operation::kUpdate;
  event.table = "orders";
  event.data = MakeRow({{"id", "1"}, {"status", "\"shipped\""}});
  event.old = MakeRow({{"id", "1"}, {"status", "\"pending\""}});
  event.changed = std::vector<std::string>{"status"};
  event.timestamp = 1'795'517'154'991'053;
  event.lsn = Lsn(0x1A3F2C8);
  event.xid = 1234;
  return event;
}

TEST(EventSerializer, WritesTheContractFrame) {
  EXPECT_EQ(SerializeEvent(SampleUpdate(), "2026-11-24T10:45:55.000001Z"),
            R"({"event":"orders:update","data":{"id":"0000000001A3F2C8-00000003",)"
            R"("type":"database_change","operation":"update","table":"orders","schema":"public",)"
            R"("data":{"id":1,"status":"shipped"},"old":{"id":1,"status":"pending"},)"
            R"("changed":["status"],"timestamp":"2026-11-24T10:45:54.991053Z",)"
            R"("serverTime":"2026-11-24T10:45:55.000001Z","lsn":"0/1A3F2C8","xid":1234}})");
}

TEST(EventSerializer, WritesNullsForNotifyModeAndUnchangedWhenPresent) {
  OrderEvent event;
  event.id = EventId(Lsn(0), 42);
  event.operation = Operation::kDelete;
  event.table = "orders";
  event.data = MakeRow({{"id", "9"}});
  event.unchanged = {"product_name"};
  event.timestamp = 0;
  EXPECT_EQ(SerializeEvent(event, "now"),
            R"({"event":"orders:delete","data":{"id":"0000000000000000-0000002A",)"
            R"("type":"database_change","operation":"delete","table":"orders","schema":"public",)"
            R"("data":{"id":9},"old":null,"changed":null,"unchanged":["product_name"],)"
            R"("timestamp":"1970-01-01T00:00:00.000000Z","serverTime":"now","lsn":null,)"
            R"("xid":null}})");
}

TEST(EventSerializer, TruncateHasNullData) {
  OrderEvent event;
  event.operation = Operation::kTruncate;
  event.table = "orders";
  std::string frame = SerializeEvent(event, "now");
  EXPECT_NE(frame.find(R"("event":"orders:truncate")"), std::string::npos);
  EXPECT_NE(frame.find(R"("data":null,"old":null)"), std::string::npos);
  EXPECT_EQ(EventName(event), "orders:truncate");
}

TEST(EventSerializer, EscapesCallerStringsAndParsesBack) {
  OrderEvent event = SampleUpdate();
  event.table = "we\"ird";
  std::string frame = SerializeEvent(event, "a\"b\n");
  rapidjson::Document document;
  document.Parse(frame.c_str());
  ASSERT_FALSE(document.HasParseError()) << frame;
  EXPECT_STREQ(document["event"].GetString(), "we\"ird:update");
  EXPECT_STREQ(document["data"]["serverTime"].GetString(), "a\"b\n");
  EXPECT_EQ(document["data"]["xid"].GetUint(), 1234u);
  EXPECT_STREQ(document["data"]["data"]["status"].GetString(), "shipped");
}

TEST(EventSerializer, QualifiesTheNameOutsidePublicAndSaysWhenOnlyTheKeyIsKnown) {
  OrderEvent event;
  event.id = EventId(Lsn(0x10), 1);
  event.operation = Operation::kDelete;
  event.table = "invoices";
  event.schema = "sales";
  event.replica_identity = ReplicaIdentity::kDefault;
  event.data = MakeRow({{"id", "7"}});
  event.timestamp = 0;
  EXPECT_EQ(EventName(event), "sales.invoices:delete");
  EXPECT_EQ(SerializeEvent(event, "now"),
            R"({"event":"sales.invoices:delete","data":{"id":"0000000000000010-00000001",)"
            R"("type":"database_change","operation":"delete","table":"invoices",)"
            R"("schema":"sales","replicaIdentity":"default","data":{"id":7},"old":null,)"
            R"("changed":null,"timestamp":"1970-01-01T00:00:00.000000Z","serverTime":"now",)"
            R"("lsn":null,"xid":null}})");
  event.replica_identity = ReplicaIdentity::kIndex;
  EXPECT_NE(SerializeEvent(event, "now").find(R"("replicaIdentity":"index")"), std::string::npos);
  event.replica_identity = ReplicaIdentity::kNothing;
  EXPECT_NE(SerializeEvent(event, "now").find(R"("replicaIdentity":"nothing")"), std::string::npos);
}

TEST(EventSerializer, EscapesQualifiedNamesAsTheirParts) {
  OrderEvent event = SampleUpdate();
  event.schema = "s\"q";
  event.table = "t\n";
  std::string frame = SerializeEvent(event, "now");
  rapidjson::Document document;
  document.Parse(frame.c_str());
  ASSERT_FALSE(document.HasParseError()) << frame;
  EXPECT_STREQ(document["event"].GetString(), "s\"q.t\n:update");
  EXPECT_EQ(EventName(event), "s\"q.t\n:update");
  EXPECT_STREQ(document["data"]["schema"].GetString(), "s\"q");
  EXPECT_STREQ(document["data"]["table"].GetString(), "t\n");
}

}  // namespace
}  // namespace walcast::decoder
