#include "decoder/notify_payload.h"

#include <gtest/gtest.h>

#include "decoder/event_serializer.h"

namespace walcast::decoder {
namespace {

// What the original trigger sends: row_to_json(NEW) and extract(epoch from now()).
constexpr char kInsert[] =
    R"({"operation":"INSERT","table":"orders","data":{"id":7,"customer_name":"Alice",)"
    R"("product_name":"Laptop","status":"pending","created_at":"2026-11-24T16:15:54.991053+05:30",)"
    R"("updated_at":"2026-11-24T10:45:54.991053+00:00"},"timestamp":1795517154.991053})";

TEST(NotifyPayload, ParsesTheOriginalPayload) {
  NotifyPayloadParser parser;
  Result<OrderEvent> event = parser.Parse(kInsert, EventId(Lsn(0), 5));
  ASSERT_TRUE(event.ok()) << event.error().ToString();
  EXPECT_EQ(event->operation, Operation::kInsert);
  EXPECT_EQ(event->table, "orders");
  EXPECT_EQ(event->id.index(), 5u);
  EXPECT_EQ(event->timestamp, 1'795'517'154'991'053);
  EXPECT_FALSE(event->lsn.has_value());
  EXPECT_FALSE(event->xid.has_value());
  EXPECT_FALSE(event->old.has_value());
  EXPECT_FALSE(event->changed.has_value());
  // Values typed exactly as the replication path types them.
  EXPECT_EQ(
      event->data->json(),
      R"({"id":7,"customer_name":"Alice","product_name":"Laptop","status":"pending",)"
      R"("created_at":"2026-11-24T10:45:54.991053Z","updated_at":"2026-11-24T10:45:54.991053Z"})");
  EXPECT_EQ(
      SerializeEvent(*event, "now"),
      R"({"event":"orders:insert","data":{"id":"0000000000000000-00000005",)"
      R"("type":"database_change","operation":"insert","table":"orders","schema":"public","data":)" +
          std::string(event->data->json()) +
          R"(,"old":null,"changed":null,"timestamp":"2026-11-24T10:45:54.991053Z",)"
          R"("serverTime":"now","lsn":null,"xid":null}})");
}

TEST(NotifyPayload, MapsOperationsAndKeepsDeletedRowAsData) {
  NotifyPayloadParser parser;
  Result<OrderEvent> update = parser.Parse(
      R"({"operation":"UPDATE","table":"orders","data":{"id":1},"timestamp":1})", EventId());
  ASSERT_TRUE(update.ok());
  EXPECT_EQ(update->operation, Operation::kUpdate);
  Result<OrderEvent> del = parser.Parse(
      R"({"timestamp":"2.5","data":{"id":1,"status":"shipped"},"table":"orders","operation":"DELETE"})",
      EventId());
  ASSERT_TRUE(del.ok()) << del.error().ToString();
  EXPECT_EQ(del->operation, Operation::kDelete);
  EXPECT_EQ(del->data->json(), R"({"id":1,"status":"shipped"})");
  EXPECT_EQ(del->timestamp, 2'500'000);
}

TEST(NotifyPayload, RetypesConfiguredColumnsAndKeepsOthers) {
  NotifyPayloadOptions options;
  options.column_types = {{"total", 1700}, {"doc", 3802}, {"flag", 16}, {"id", 20}};
  NotifyPayloadParser parser(options);
  Result<OrderEvent> event = parser.Parse(
      R"({"operation":"INSERT","table":"orders","timestamp":1,"data":{"id":12345678901234567,)"
      R"("total":123.450,"doc":{"a":[1,{"b":null}],"c":"x"},"flag":true,"extra":1.50,)"
      R"("tags":["a","b"],"note":"line\nbreak","missing":null}})",
      EventId());
  ASSERT_TRUE(event.ok()) << event.error().ToString();
  EXPECT_EQ(event->data->json(),
            R"({"id":12345678901234567,"total":"123.450","doc":{"a":[1,{"b":null}],"c":"x"},)"
            R"("flag":true,"extra":1.50,"tags":["a","b"],"note":"line\nbreak","missing":null})");
}

TEST(NotifyPayload, IgnoresUnknownTopLevelKeys) {
  NotifyPayloadParser parser;
  Result<OrderEvent> event = parser.Parse(
      R"({"operation":"INSERT","table":"orders","data":{},"timestamp":1,"v":{"x":[1]},"w":2})",
      EventId());
  ASSERT_TRUE(event.ok()) << event.error().ToString();
  EXPECT_EQ(event->data->json(), "{}");
}

struct BadCase {
  std::string name;
  std::string payload;
  std::string_view field;
  std::string reason_part;
};

TEST(NotifyPayload, RejectsWithReasons) {
  const BadCase cases[] = {
      {"Malformed", R"({"operation":)", "", "malformed JSON"},
      {"Empty", "", "", "malformed JSON"},
      {"TrailingGarbage", R"({"operation":"INSERT"} x)", "", "malformed JSON"},
      {"NotAnObject", R"(["INSERT"])", "", "not a JSON object"},
      {"Scalar", R"("INSERT")", "", "not a JSON object"},
      {"OtherTable", R"({"operation":"INSERT","table":"customers","data":{},"timestamp":1})",
       "table", "\"customers\" is not \"orders\""},
      {"UnknownOperation", R"({"operation":"MERGE","table":"orders","data":{},"timestamp":1})",
       "operation", "unknown operation \"MERGE\""},
      {"LowerCaseOperation", R"({"operation":"insert","table":"orders","data":{},"timestamp":1})",
       "operation", "unknown operation"},
      {"DataArray", R"({"operation":"INSERT","table":"orders","data":[1],"timestamp":1})", "data",
       "not a JSON object"},
      {"DataString", R"({"operation":"INSERT","table":"orders","data":"{}","timestamp":1})", "data",
       "not a JSON object"},
      {"DataNull", R"({"operation":"INSERT","table":"orders","data":null,"timestamp":1})", "data",
       "not a JSON object"},
      {"MissingData", R"({"operation":"INSERT","table":"orders","timestamp":1})", "data",
       "missing"},
      {"MissingOperation", R"({"table":"orders","data":{},"timestamp":1})", "operation", "missing"},
      {"OperationNumber", R"({"operation":1,"table":"orders","data":{},"timestamp":1})",
       "operation", "not a string"},
      {"MissingTable", R"({"operation":"INSERT","data":{},"timestamp":1})", "table", "missing"},
      {"MissingTimestamp", R"({"operation":"INSERT","table":"orders","data":{}})", "timestamp",
       "missing"},
      {"BadTimestamp",
       R"({"operation":"INSERT","table":"orders","data":{},"timestamp":"yesterday"})", "timestamp",
       "not epoch seconds"},
      {"DuplicateKey",
       R"({"operation":"INSERT","operation":"DELETE","table":"orders","data":{},"timestamp":1})",
       "", "duplicate key"},
      {"InvalidUtf8",
       "{\"operation\":\"INSERT\xff\",\"table\":\"orders\",\"data\":{},\"timestamp\":1}", "",
       "malformed JSON"},
  };
  NotifyPayloadParser parser;
  for (const BadCase& c : cases) {
    Result<OrderEvent> event = parser.Parse(c.payload, EventId());
    ASSERT_FALSE(event.ok()) << c.name;
    EXPECT_EQ(event.error().code, ErrorCode::kBadPayload) << c.name;
    EXPECT_EQ(event.error().kind, "NotifyPayload") << c.name;
    EXPECT_EQ(event.error().field, c.field) << c.name << ": " << event.error().ToString();
    EXPECT_NE(event.error().reason.find(c.reason_part), std::string::npos)
        << c.name << ": " << event.error().ToString();
  }
}

TEST(NotifyPayload, AcceptsOtherConfiguredTable) {
  NotifyPayloadOptions options;
  options.table = "customers";
  NotifyPayloadParser parser(options);
  Result<OrderEvent> event = parser.Parse(
      R"({"operation":"INSERT","table":"customers","data":{"id":1},"timestamp":1})", EventId());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(EventName(*event), "customers:insert");
}

}  // namespace
}  // namespace walcast::decoder
