#include "tools/cli/table_event.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

const char* kOrdersUpdate =
    R"({"event":"orders:update","data":{"id":"0000000001A3F2C8-00000003","type":"database_change",)"
    R"("operation":"update","table":"orders","schema":"public","data":{"id":42,"customer_name":)"
    R"("Ada","product_name":"Laptop","status":"shipped","updated_at":"2026-11-24T10:45:55.000000Z"},)"
    R"("old":{"id":42,"customer_name":"Ada","product_name":"Laptop","status":"pending",)"
    R"("updated_at":"2026-11-24T10:00:00.000000Z"},"changed":["status","updated_at"],"timestamp":)"
    R"("2026-11-24T10:45:54.991053Z"}})";

const char* kCustomerInsert =
    R"({"event":"customers:insert","data":{"id":"0000000001A3F2C8-00000004","operation":"insert",)"
    R"("table":"customers","schema":"public","data":{"id":7,"name":"Ada L","country":"DE",)"
    R"("email":null,"tags":{"vip":true}},"old":null,"timestamp":"2026-11-24T10:45:55.002000Z"}})";

TEST(TableEvent, ChangeEventNamesCarryTheTable) {
  EXPECT_TRUE(IsChangeEvent("orders:insert"));
  EXPECT_TRUE(IsChangeEvent("customers:truncate"));
  EXPECT_TRUE(IsChangeEvent("sales.invoices:update"));
  EXPECT_FALSE(IsChangeEvent("welcome"));
  EXPECT_FALSE(IsChangeEvent(":insert"));
  EXPECT_FALSE(IsChangeEvent("customers:upsert"));
  EXPECT_FALSE(IsChangeEvent("cursor"));
}

TEST(TableEvent, EveryTablesChangeIsAChangeWithItsId) {
  auto orders = ParseTailMessage(kOrdersUpdate);
  ASSERT_TRUE(orders);
  EXPECT_EQ(orders->kind, MessageKind::kChange);
  EXPECT_EQ(orders->id, "0000000001A3F2C8-00000003");
  auto customers = ParseTailMessage(kCustomerInsert);
  ASSERT_TRUE(customers);
  EXPECT_EQ(customers->kind, MessageKind::kChange);
  EXPECT_EQ(customers->event, "customers:insert");
  EXPECT_EQ(customers->id, "0000000001A3F2C8-00000004");
  EXPECT_FALSE(ParseTailMessage(R"({"event":"customers:insert","data":{}})"))
      << "a change without an id";
  auto error =
      ParseTailMessage(R"({"event":"error","data":{"message":"table 'x' is not streamed"}})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->kind, MessageKind::kError);
  EXPECT_EQ(error->text, "table 'x' is not streamed");
  EXPECT_EQ(ParseTailMessage(R"({"event":"clients","data":{"totalClients":2}})")->kind,
            MessageKind::kOther);
}

TEST(TableEvent, LinesLeadWithTimeAndEventName) {
  EXPECT_EQ(EventLine(kOrdersUpdate, false),
            "10:45:54.991  orders:update       #42     shipped     Ada · Laptop  (status pending → "
            "shipped)");
  EXPECT_EQ(EventLine(kCustomerInsert, false),
            "10:45:55.002  customers:insert    id=7 name=\"Ada L\" country=DE email=null "
            "tags={\"vip\":true}");
  EXPECT_EQ(
      EventLine(
          R"({"event":"sales.invoices:truncate","data":{"operation":"truncate","table":"invoices",)"
          R"("schema":"sales","timestamp":"2026-11-24T10:45:56.120000Z"}})",
          false),
      "10:45:56.120  sales.invoices:truncate  the sales.invoices table was emptied");
}

TEST(TableEvent, UpdateShowsWhatChangedOnlyWhenTheOldRowIsKnown) {
  const char* full =
      R"({"event":"customers:update","data":{"id":"1-1","operation":"update","data":{"id":7,)"
      R"("country":"FR"},"old":{"id":7,"country":"DE"},"changed":["country"],"timestamp":"t"}})";
  EXPECT_EQ(EventLine(full, false), "t  customers:update    id=7 country=FR  (country DE → FR)");
  const char* keyed =
      R"({"event":"customers:update","data":{"id":"1-1","operation":"update","data":{"id":7,)"
      R"("country":"FR"},"old":null,"changed":null,"replicaIdentity":"default","timestamp":"t"}})";
  EXPECT_EQ(EventLine(keyed, false), "t  customers:update    id=7 country=FR");
  const char* deleted =
      R"({"event":"customers:delete","data":{"id":"1-2","operation":"delete","data":{"id":7},)"
      R"("replicaIdentity":"default","timestamp":"t"}})";
  EXPECT_EQ(EventLine(deleted, false), "t  customers:delete    id=7");
}

TEST(TableEvent, ValuesCannotDriveTheTerminal) {
  const char* hostile =
      R"({"event":"customers:insert","data":{"id":"1-1","operation":"insert","data":{"name":)"
      R"("\u001b[2Jgone","note\u001b":"a\u007fb"},"timestamp":"t"}})";
  std::string line = EventLine(hostile, true);
  EXPECT_EQ(line.find("\033[2J"), std::string::npos) << line;
  EXPECT_EQ(line.find('\x7f'), std::string::npos) << line;
  EXPECT_NE(EventLine(hostile, false).find(R"(name="\u001B[2Jgone" note\u001b="a\u007fb")"),
            std::string::npos)
      << EventLine(hostile, false);
}

TEST(TableEvent, ColourOnlyWhenAskedAndOtherFramesAsTheyAre) {
  EXPECT_EQ(EventLine(kCustomerInsert, false).find('\033'), std::string::npos);
  EXPECT_NE(EventLine(kCustomerInsert, true).find("\033[32mcustomers:insert"), std::string::npos);
  EXPECT_EQ(EventLine("garbage", false), "garbage");
  EXPECT_EQ(EventLine(R"({"event":"welcome","data":{}})", false),
            R"({"event":"welcome","data":{}})");
}

}  // namespace
}  // namespace walcast::cli
