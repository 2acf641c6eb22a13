#include "api/orders/order_json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace walcast::api::orders {
namespace {

decoder::Row OrderRow(std::string_view customer) {
  decoder::RowBuilder builder(128, 6);
  builder.AddValue(decoder::JsonKey("id"), decoder::ValueKind::kNumber, "7");
  builder.AddValue(decoder::JsonKey("customer_name"), decoder::ValueKind::kText, customer);
  builder.AddValue(decoder::JsonKey("product_name"), decoder::ValueKind::kText, "Pen, \"blue\"");
  builder.AddValue(decoder::JsonKey("status"), decoder::ValueKind::kText, "pending");
  builder.AddValue(decoder::JsonKey("created_at"), decoder::ValueKind::kTimestamp,
                   "2026-11-24 10:45:54.991053+00");
  builder.AddNull(decoder::JsonKey("updated_at"));
  return std::move(builder).Finish();
}

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

TEST(OrderJson, WriteBodyCarriesRowMessageAndEventId) {
  auto doc = Parse(WriteBody(OrderRow("Ann"), "Order created successfully",
                             std::string("0000000001A3F2C8-00000000")));
  EXPECT_TRUE(doc["success"].GetBool());
  EXPECT_EQ(doc["data"]["id"].GetInt(), 7);
  EXPECT_STREQ(doc["data"]["created_at"].GetString(), "2026-11-24T10:45:54.991053Z");
  EXPECT_STREQ(doc["message"].GetString(), "Order created successfully");
  EXPECT_STREQ(doc["eventId"].GetString(), "0000000001A3F2C8-00000000");
  EXPECT_TRUE(Parse(WriteBody(OrderRow("Ann"), "m", std::nullopt))["eventId"].IsNull());
}

TEST(OrderJson, ListBodyHasNumbersForCounts) {
  auto doc = Parse(ListBody({OrderRow("a"), OrderRow("b")}, {10, 20, 42}));
  EXPECT_EQ(doc["count"].GetInt(), 2);
  EXPECT_EQ(doc["pagination"]["limit"].GetInt(), 10);
  EXPECT_EQ(doc["pagination"]["offset"].GetInt(), 20);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 42);
  EXPECT_EQ(doc["data"].Size(), 2u);
}

TEST(OrderJson, SearchBodyPagesAndFilters) {
  SearchQuery query;
  query.search = "ann";
  query.limit = 10;
  query.offset = 20;
  query.sort_by = SortColumn::kId;
  query.ascending = true;
  auto doc = Parse(SearchBody({}, query, 41));
  EXPECT_EQ(doc["pagination"]["pages"].GetInt(), 5);
  EXPECT_EQ(doc["pagination"]["current_page"].GetInt(), 3);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 41);
  EXPECT_STREQ(doc["filters"]["search"].GetString(), "ann");
  EXPECT_TRUE(doc["filters"]["status"].IsNull());
  EXPECT_STREQ(doc["filters"]["sort_by"].GetString(), "id");
  EXPECT_STREQ(doc["filters"]["sort_order"].GetString(), "asc");
  EXPECT_EQ(Parse(SearchBody({}, query, 0))["pagination"]["pages"].GetInt(), 0);
}

TEST(OrderJson, BulkBodyMessage) {
  auto doc = Parse(BulkBody({OrderRow("a"), OrderRow("b"), OrderRow("c")}));
  EXPECT_EQ(doc["updated_count"].GetInt(), 3);
  EXPECT_STREQ(doc["message"].GetString(), "Successfully updated 3 orders");
}

TEST(OrderJson, ApiDescriptionListsEndpointsAndEvents) {
  auto doc = Parse(ApiDescriptionBody());
  EXPECT_GE(doc["data"]["endpoints"].Size(), 15u);
  bool has_insert = false;
  for (const auto& e : doc["data"]["events"].GetArray()) {
    has_insert |= std::string_view(e.GetString()) == "orders:insert";
  }
  EXPECT_TRUE(has_insert);
}

TEST(OrderJson, CsvQuotingAndFormulaNeutralisation) {
  struct Case {
    std::string in, out;
  };
  for (const auto& c : std::vector<Case>{{"plain", "plain"},
                                         {"a,b", "\"a,b\""},
                                         {"say \"hi\"", "\"say \"\"hi\"\"\""},
                                         {"two\nlines", "\"two\nlines\""},
                                         {"=1+2", "\"'=1+2\""},
                                         {"+SUM(A1)", "\"'+SUM(A1)\""},
                                         {"-2", "\"'-2\""},
                                         {"@cmd", "\"'@cmd\""},
                                         {"", ""}}) {
    std::string out;
    AppendCsvCell(c.in, &out);
    EXPECT_EQ(out, c.out) << c.in;
  }
}

TEST(OrderJson, CsvRowUsesTextOfEachValue) {
  std::string out;
  AppendCsvRow(OrderRow("=HYPERLINK(\"x\")"), &out);
  EXPECT_EQ(out,
            "7,\"'=HYPERLINK(\"\"x\"\")\",\"Pen, \"\"blue\"\"\",pending,"
            "2026-11-24T10:45:54.991053Z,\r\n");
}

TEST(OrderJson, StreamPositionIsATopLevelMember) {
  EXPECT_EQ(WithStreamPosition(R"({"success":true,"data":[]})", "P1_x"),
            R"({"success":true,"data":[],"streamPosition":"P1_x"})");
  EXPECT_EQ(WithStreamPosition(R"({"success":true})", std::nullopt),
            R"({"success":true,"streamPosition":null})");
  EXPECT_EQ(WithStreamPosition("{}", "P1_y"), R"({"streamPosition":"P1_y"})");
}

}  // namespace
}  // namespace walcast::api::orders
