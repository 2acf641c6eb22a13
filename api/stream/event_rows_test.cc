// A cluster member rebuilds an event's rows from its JSON (api/stream/event_rows.h): they must be
// the rows the decoding node holds, byte for byte, so that a column filter decides the same on
// every node. The leader's event here is made as the daemon makes it (MakeStreamEvent over rows
// written by the decoder's value formatting); the member's from that event's JSON alone.
#include "api/stream/event_rows.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "api/stream/column_filter.h"
#include "decoder/value_format.h"

namespace walcast::api {
namespace {

using decoder::Operation;

constexpr uint32_t kInt8 = 20;
constexpr uint32_t kText = 25;
constexpr uint32_t kBool = 16;
constexpr uint32_t kNumeric = 1700;
constexpr uint32_t kTimestamptz = 1184;
constexpr uint32_t kJsonb = 3802;

// A customers row as the decoder writes it: every kind of value, and a name that needs escapes
// (a quote, a backslash, a tab, and a control character whose escape has a hex letter).
decoder::Row CustomerRow(std::string_view name, std::string_view country) {
  decoder::RowBuilder row(256, 7);
  row.AddValue(decoder::JsonKey("id"), decoder::ValueKindOf(kInt8), "9223372036854775807");
  row.AddValue(decoder::JsonKey("name"), decoder::ValueKindOf(kText), name);
  row.AddValue(decoder::JsonKey("country"), decoder::ValueKindOf(kText), country);
  row.AddValue(decoder::JsonKey("balance"), decoder::ValueKindOf(kNumeric), "-12345678901234.50");
  row.AddValue(decoder::JsonKey("active"), decoder::ValueKindOf(kBool), "t");
  row.AddValue(decoder::JsonKey("updated_at"), decoder::ValueKindOf(kTimestamptz),
               "2026-11-24 10:45:54.991053+00");
  row.AddNull(decoder::JsonKey("profile"));
  return std::move(row).Finish();
}

StreamEventPtr LeaderEvent(std::string schema, std::string table, Operation operation,
                           std::optional<decoder::Row> data, std::optional<decoder::Row> old) {
  decoder::OrderEvent event;
  event.id = decoder::EventId(decoder::Lsn(0x1A3F2C8), 3);
  event.operation = operation;
  event.schema = std::move(schema);
  event.table = std::move(table);
  event.data = std::move(data);
  event.old = std::move(old);
  event.xid = 1234;
  return MakeStreamEvent(event, "2026-12-07T00:00:00Z");
}

// What a cluster member has of `leader`: its name and JSON, then the rows rebuilt.
StreamEvent MemberEvent(const StreamEvent& leader) {
  StreamEvent member;
  member.id = leader.id;
  member.name = leader.name;
  member.json = leader.json;
  AddRowsFromJson(member);
  return member;
}

void ExpectSameRow(const std::optional<decoder::Row>& member,
                   const std::optional<decoder::Row>& leader) {
  ASSERT_EQ(member.has_value(), leader.has_value());
  if (!leader) return;
  ASSERT_EQ(member->size(), leader->size());
  for (size_t i = 0; i < leader->size(); ++i) {
    EXPECT_EQ(member->name(i), leader->name(i));
    EXPECT_EQ(member->value(i), leader->value(i)) << "column " << leader->name(i);
  }
}

ColumnFilter Filter(const std::string& text) {
  decoder::CatalogTable customers{"public", "customers", decoder::ReplicaIdentity::kFull, {}};
  customers.columns = {{"id", "bigint", kInt8, true, true},
                       {"name", "text", kText, false, false},
                       {"country", "text", kText, false, false},
                       {"balance", "numeric", kNumeric, false, false},
                       {"active", "boolean", kBool, false, false},
                       {"updated_at", "timestamp with time zone", kTimestamptz, false, false},
                       {"profile", "jsonb", kJsonb, false, false}};
  auto parsed = ParseColumnPredicate(text, decoder::CatalogTables{customers});
  ColumnFilter filter;
  if (auto* error = std::get_if<ColumnFilterError>(&parsed)) {
    ADD_FAILURE() << text << ": " << error->message;
    return filter;
  }
  EXPECT_EQ(filter.Add(std::get<ColumnPredicate>(std::move(parsed))), std::nullopt);
  return filter;
}

bool Passes(const ColumnFilter& filter, const StreamEvent& event) {
  return filter.Matches(event.table, event.row ? &*event.row : nullptr,
                        event.old_row ? &*event.old_row : nullptr);
}

TEST(EventRows, AnUpdateRebuiltFromJsonHasTheLeadersTableAndRowsByteForByte) {
  const std::string name = "Ada \"the\" \\Countess\\\t\x1f";
  auto leader = LeaderEvent("public", "customers", Operation::kUpdate, CustomerRow(name, "FR"),
                            CustomerRow(name, "DE"));
  ASSERT_TRUE(leader->row && leader->old_row);
  const StreamEvent member = MemberEvent(*leader);
  EXPECT_EQ(member.table, "customers");
  EXPECT_EQ(member.table, leader->table);
  ExpectSameRow(member.row, leader->row);
  ExpectSameRow(member.old_row, leader->old_row);
}

TEST(EventRows, FiltersDecideTheSameOnTheLeaderAndOnAMember) {
  const std::string name = "Tab\there \x1f and \"quotes\"";
  auto leader = LeaderEvent("public", "customers", Operation::kUpdate, CustomerRow(name, "FR"),
                            CustomerRow(name, "DE"));
  const StreamEvent member = MemberEvent(*leader);
  const std::vector<std::pair<std::string, bool>> cases = {
      {"customers:name=eq." + name, true},  // needs the decoder's escapes on both sides
      {"customers:country=eq.DE", true},    // the old row: the row left the filter
      {"customers:country=eq.IT", false},
      {"customers:id=gte.9223372036854775807", true},
      {"customers:balance=lt.-12345678901234.4", true},
      {"customers:active=is.true", true},
      {"customers:updated_at=gt.2026-11-24T10:45:54Z", true},
      {"customers:profile=is.null", true},
  };
  for (const auto& [text, expected] : cases) {
    const ColumnFilter filter = Filter(text);
    EXPECT_EQ(Passes(filter, *leader), expected) << "leader, " << text;
    EXPECT_EQ(Passes(filter, member), expected) << "member, " << text;
  }
}

TEST(EventRows, AnotherSchemaAnInsertADeleteAndATruncate) {
  auto insert =
      LeaderEvent("sales", "invoices", Operation::kInsert, CustomerRow("x", "ES"), std::nullopt);
  const StreamEvent inserted = MemberEvent(*insert);
  EXPECT_EQ(inserted.table, "sales.invoices");
  ExpectSameRow(inserted.row, insert->row);
  EXPECT_FALSE(inserted.old_row);

  auto remove =
      LeaderEvent("public", "customers", Operation::kDelete, CustomerRow("y", "IT"), std::nullopt);
  const StreamEvent removed = MemberEvent(*remove);
  ExpectSameRow(removed.row, remove->row);
  EXPECT_FALSE(removed.old_row);

  auto truncate =
      LeaderEvent("public", "customers", Operation::kTruncate, std::nullopt, std::nullopt);
  const StreamEvent truncated = MemberEvent(*truncate);
  EXPECT_EQ(truncated.table, "customers");
  EXPECT_FALSE(truncated.row);
  EXPECT_FALSE(truncated.old_row);
  EXPECT_TRUE(Passes(Filter("customers:country=eq.DE"), truncated)) << "a truncate passes";
}

TEST(EventRows, TheTableIsNamedAsOnTheLeaderWhenItsNameNeedsEscapes) {
  auto leader =
      LeaderEvent("public", "q\"t", Operation::kInsert, CustomerRow("x", "DE"), std::nullopt);
  EXPECT_EQ(MemberEvent(*leader).table, leader->table);
  StreamEvent escaped;  // the event's name as JSON escapes it
  escaped.name = "q\\\"t:insert";
  escaped.json = leader->json;
  AddRowsFromJson(escaped);
  EXPECT_EQ(escaped.table, leader->table);
  EXPECT_EQ(escaped.table, "q\"t");
}

TEST(EventRows, JsonOfAnotherShapeLeavesTheRowsUnset) {
  for (const std::string json :
       {"", "not json", "[]", R"({"event":"customers:insert"})", R"({"data":"x"})",
        R"({"event":"customers:insert","data":{"data":[1,2],"old":7}})"}) {
    StreamEvent event;
    event.name = "customers:insert";
    event.json = json;
    AddRowsFromJson(event);
    EXPECT_EQ(event.table, "customers") << json;
    EXPECT_FALSE(event.row) << json;
    EXPECT_FALSE(event.old_row) << json;
  }
}

}  // namespace
}  // namespace walcast::api
