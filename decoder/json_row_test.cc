#include "decoder/json_row.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace walcast::decoder
