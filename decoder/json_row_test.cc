#include "decoder/json_row.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <utility>

namespace walcast::decoder {
namespace {

TEST(JsonRow, RendersAndIndexesColumns) {
  RowBuilder builder(16, 4);
  builder.AddValue(JsonKey("id"), ValueKind::kNumber, "7");
  builder.AddValue(JsonKey("status"), ValueKind::kText, "shipped");
  builder.AddNull(JsonKey("note"));
  builder.AddRaw(JsonKey("doc"), "{\"a\":1}");
  Row row = std::move(builder).Finish();
  EXPECT_EQ(row.json(), R"({"id":7,"status":"shipped","note":null,"doc":{"a":1}})");
  ASSERT_EQ(row.size(), 4u);
  EXPECT_EQ(row.name(1), "status");
  EXPECT_EQ(row.value(1), "\"shipped\"");
  EXPECT_EQ(row.Find("id"), "7");
  EXPECT_EQ(row.Find("note"), "null");
  EXPECT_EQ(row.Find("doc"), "{\"a\":1}");
  EXPECT_FALSE(row.Find("missing").has_value());
}

TEST(JsonRow, EmptyRowIsAnEmptyObject) {
  EXPECT_EQ(Row().json(), "{}");
  EXPECT_EQ(RowBuilder(0, 0).Finish().json(), "{}");
}

TEST(JsonRow, EscapesKeys) {
  RowBuilder builder(0, 1);
  builder.AddNull(JsonKey("we\"ird"));
  Row row = std::move(builder).Finish();
  EXPECT_EQ(row.json(), R"({"we\"ird":null})");
  EXPECT_EQ(row.name(0), "we\\\"ird");
}

// An update's new and old row: one block, each row with its own JSON and index; a value copied
// from the first row reads as if rendered again.
TEST(JsonRow, TwoRowsShareOneBlock) {
  RowBuilder builder(64, 6);
  builder.AddValue(JsonKey("id"), ValueKind::kNumber, "7");
  builder.AddValue(JsonKey("status"), ValueKind::kText, "shipped");
  builder.AddValue(JsonKey("at"), ValueKind::kTimestamp, "2026-11-24 10:45:54.5+00");
  builder.StartSecondRow();
  builder.AddFirstRowValue(JsonKey("id"), 0);
  builder.AddValue(JsonKey("status"), ValueKind::kText, "pending");
  builder.AddFirstRowValue(JsonKey("at"), 2);
  auto [first, second] = std::move(builder).FinishBoth();
  EXPECT_EQ(first.json(), R"({"id":7,"status":"shipped","at":"2026-11-24T10:45:54.500000Z"})");
  EXPECT_EQ(second.json(), R"({"id":7,"status":"pending","at":"2026-11-24T10:45:54.500000Z"})");
  ASSERT_EQ(second.size(), 3u);
  EXPECT_EQ(second.name(2), "at");
  EXPECT_EQ(second.Find("status"), "\"pending\"");
  EXPECT_EQ(first.Find("status"), "\"shipped\"");
  // Each row's raw form is its own part of the block, and reads back alone.
  std::optional<Row> copy = Row::FromRaw(second.raw(), second.raw_json_size(), second.raw_count());
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(*copy, second);
  EXPECT_EQ(copy->Find("id"), "7");
  EXPECT_GT(first.ApproxBytes(), second.ApproxBytes());  // the block's header is the first's
}

// Copies share the block, which lives until the last row referring to it goes.
TEST(JsonRow, CopiesShareTheBlockAndOutliveTheOriginal) {
  std::optional<Row> copy;
  {
    RowBuilder builder(8, 1);
    builder.AddValue(JsonKey("customer"), ValueKind::kText, "Alice");
    builder.StartSecondRow();
    builder.AddFirstRowValue(JsonKey("customer"), 0);
    auto rows = std::move(builder).FinishBoth();
    copy = rows.second;
    Row assigned;
    assigned = rows.first;
    EXPECT_EQ(assigned.json(), R"({"customer":"Alice"})");
    Row moved = std::move(assigned);
    EXPECT_EQ(moved.json(), R"({"customer":"Alice"})");
    EXPECT_EQ(assigned.json(), "{}");  // NOLINT(bugprone-use-after-move): moved-from is empty
  }
  EXPECT_EQ(copy->json(), R"({"customer":"Alice"})");
  EXPECT_EQ(copy->Find("customer"), "\"Alice\"");
}

// A reserve far too small (long, escaped values) grows the block; indexes stay right, also for
// a second row copying from the first after the block moved.
TEST(JsonRow, GrowsPastItsReserve) {
  RowBuilder builder(0, 0);
  std::string expected = "{";
  for (int i = 0; i < 40; ++i) {
    const std::string value(static_cast<size_t>(i * 7), i % 2 == 0 ? 'x' : '"');
    builder.AddValue(JsonKey("c" + std::to_string(i)), ValueKind::kText, value);
    std::string json;
    AppendJsonString(value, &json);
    expected += (i > 0 ? "," : "") + JsonKey("c" + std::to_string(i)) + json;
  }
  expected += "}";
  builder.StartSecondRow();
  for (int i = 39; i >= 0; --i) builder.AddFirstRowValue(JsonKey("c" + std::to_string(i)), i);
  auto [first, second] = std::move(builder).FinishBoth();
  EXPECT_EQ(first.json(), expected);
  ASSERT_EQ(second.size(), 40u);
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_EQ(second.name(i), "c" + std::to_string(39 - i));
    EXPECT_EQ(second.value(i), first.value(39 - i));
  }
}

}  // namespace
}  // namespace walcast::decoder
