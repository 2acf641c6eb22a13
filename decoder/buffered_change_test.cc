#include "decoder/buffered_change.h"

#include <gtest/gtest.h>

namespace walcast::decoder {
namespace {

Row MakeRow(std::initializer_list<std::pair<std::string, std::string>> columns) {
  RowBuilder builder(64, columns.size());
  for (const auto& [name, value] : columns) {
    builder.AddValue(JsonKey(name), ValueKind::kText, value);
  }
  return std::move(builder).Finish();
}

BufferedChange FullUpdate() {
  BufferedChange change;
  change.xid = 0x01020304;
  change.slots = 1;
  OrderEvent& event = change.event.emplace();
  event.operation = Operation::kUpdate;
  event.table = "orders";
  event.schema = "sales";
  event.replica_identity = ReplicaIdentity::kIndex;
  event.data = MakeRow({{"id", "7"}, {"status", "shipped"}, {"note", "é \"q\""}});
  event.old = MakeRow({{"id", "7"}, {"status", "pending"}});
  event.changed = std::vector<std::string>{"status"};
  event.unchanged = {"blob"};
  return change;
}

void ExpectSame(const BufferedChange& a, const BufferedChange& b) {
  EXPECT_EQ(a.xid, b.xid);
  EXPECT_EQ(a.slots, b.slots);
  ASSERT_EQ(a.event.has_value(), b.event.has_value());
  if (!a.event) return;
  EXPECT_EQ(a.event->operation, b.event->operation);
  EXPECT_EQ(a.event->table, b.event->table);
  EXPECT_EQ(a.event->schema, b.event->schema);
  EXPECT_EQ(a.event->replica_identity, b.event->replica_identity);
  ASSERT_EQ(a.event->data.has_value(), b.event->data.has_value());
  if (a.event->data) {
    EXPECT_EQ(a.event->data->json(), b.event->data->json());
    ASSERT_EQ(a.event->data->size(), b.event->data->size());
    for (size_t i = 0; i < a.event->data->size(); ++i) {
      EXPECT_EQ(a.event->data->name(i), b.event->data->name(i));
      EXPECT_EQ(a.event->data->value(i), b.event->data->value(i));
    }
  }
  ASSERT_EQ(a.event->old.has_value(), b.event->old.has_value());
  if (a.event->old) {
    EXPECT_EQ(a.event->old->json(), b.event->old->json());
  }
  EXPECT_EQ(a.event->changed, b.event->changed);
  EXPECT_EQ(a.event->unchanged, b.event->unchanged);
}

TEST(BufferedChange, RoundTripsEveryShape) {
  BufferedChange skipped;
  skipped.xid = 12;
  skipped.slots = 40000;
  BufferedChange truncate;
  truncate.event.emplace().operation = Operation::kTruncate;
  truncate.event->table = "orders";
  BufferedChange empty_row;
  empty_row.event.emplace().operation = Operation::kInsert;
  empty_row.event->data = Row();
  for (const BufferedChange& change : {FullUpdate(), skipped, truncate, empty_row}) {
    std::string record;
    AppendBufferedChange(change, &record);
    auto read = ReadBufferedChange(record);
    ASSERT_TRUE(read.ok()) << read.error().ToString();
    ExpectSame(change, *read);
    // The row's column index survives: values are found without parsing.
    if (change.event && change.event->data && change.event->data->size() > 0) {
      EXPECT_EQ(read->event->data->Find("status"), change.event->data->Find("status"));
    }
  }
}

TEST(BufferedChange, TruncationAtEveryOffsetIsAnError) {
  std::string record;
  AppendBufferedChange(FullUpdate(), &record);
  for (size_t size = 0; size < record.size(); ++size) {
    auto read = ReadBufferedChange(std::string_view(record).substr(0, size));
    EXPECT_FALSE(read.ok()) << "accepted a record cut to " << size << " bytes";
  }
  auto extra = ReadBufferedChange(record + "x");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.error().code, ErrorCode::kTrailingBytes);
}

TEST(BufferedChange, DamagedFieldsAreRefusedNotTrusted) {
  std::string record;
  AppendBufferedChange(FullUpdate(), &record);
  // Byte 8 is has_event, byte 9 the operation.
  std::string bad_flag = record;
  bad_flag[8] = 2;
  EXPECT_EQ(ReadBufferedChange(bad_flag).error().code, ErrorCode::kBadValue);
  std::string bad_operation = record;
  bad_operation[9] = 9;
  EXPECT_EQ(ReadBufferedChange(bad_operation).error().field, "operation");
  // The replica identity (after the table "orders" and the schema "sales": 10 + 4 + 6 + 4 + 5).
  std::string bad_identity = record;
  bad_identity[29] = 'x';
  EXPECT_EQ(ReadBufferedChange(bad_identity).error().field, "replica_identity");
  // The data row's json_size (after the identity and 1 presence byte) set larger than its bytes:
  // the index would point outside the JSON.
  std::string bad_row = record;
  bad_row[31] = 0x7f;
  auto read = ReadBufferedChange(bad_row);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().field, "data");
  // Every single-byte corruption is either refused or read as some well-formed change: never a
  // crash or an out-of-bounds read (ASan checks the latter).
  for (size_t i = 0; i < record.size(); ++i) {
    std::string damaged = record;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    (void)ReadBufferedChange(damaged);
  }
}

}  // namespace
}  // namespace walcast::decoder
