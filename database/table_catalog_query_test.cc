#include "database/table_catalog_query.h"

#include <gtest/gtest.h>

#include "decoder/json_row.h"
#include "decoder/value_format.h"

namespace walcast::database::table_catalog_query {
namespace {

constexpr uint32_t kText = 25;
constexpr uint32_t kInt8 = 20;
constexpr uint32_t kBool = 16;

// One row of Tables() as RenderRows renders it: text values as libpq returns them ("t"/"f" for
// booleans), std::nullopt for NULL.
struct CatalogRow {
  std::string schema, table, identity;
  std::optional<std::string> column, type, oid, not_null, key;
};

Rows Render(const std::vector<CatalogRow>& input) {
  Rows rows;
  for (const auto& r : input) {
    decoder::RowBuilder builder(128, 8);
    auto add = [&](std::string_view name, uint32_t oid, const std::optional<std::string>& value) {
      if (value) {
        builder.AddValue(decoder::JsonKey(name), decoder::ValueKindOf(oid), *value);
      } else {
        builder.AddNull(decoder::JsonKey(name));
      }
    };
    add("schema_name", kText, r.schema);
    add("table_name", kText, r.table);
    add("replica_identity", kText, r.identity);
    add("column_name", kText, r.column);
    add("column_type", kText, r.type);
    add("type_oid", kInt8, r.oid);
    add("not_null", kBool, r.not_null);
    add("is_key", kBool, r.key);
    rows.rows.push_back(std::move(builder).Finish());
  }
  return rows;
}

TEST(TableCatalogQuery, GroupsColumnsByTableAndSortsByQualifiedName) {
  auto rows = Render({
      {"public", "orders", "f", "id", "integer", "23", "t", "t"},
      {"public", "orders", "f", "status", "character varying(20)", "1043", "f", "f"},
      {"public", "zeta", "d", "at", "timestamp with time zone", "1184", "f", "f"},
      {"accounts", "users", "i", "email", "text", "25", "t", "t"},
      {"sales", "empty", "n", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  });
  decoder::CatalogTables tables;
  std::string error;
  ASSERT_TRUE(FromRows(rows, &tables, &error)) << error;
  ASSERT_EQ(tables.size(), 4u);
  // "accounts.users" < "orders" < "sales.empty" < "zeta": public tables sort by bare name.
  EXPECT_EQ(tables[0].QualifiedName(), "accounts.users");
  EXPECT_EQ(tables[1].QualifiedName(), "orders");
  EXPECT_EQ(tables[2].QualifiedName(), "sales.empty");
  EXPECT_EQ(tables[3].QualifiedName(), "zeta");

  const auto& orders = tables[1];
  EXPECT_EQ(orders.replica_identity, decoder::ReplicaIdentity::kFull);
  ASSERT_EQ(orders.columns.size(), 2u);
  EXPECT_EQ(orders.columns[0].name, "id");
  EXPECT_EQ(orders.columns[0].type, "integer");
  EXPECT_EQ(orders.columns[0].type_oid, 23u);
  EXPECT_TRUE(orders.columns[0].key);
  EXPECT_TRUE(orders.columns[0].not_null);
  EXPECT_EQ(orders.columns[1].name, "status");
  EXPECT_EQ(orders.columns[1].type, "character varying(20)");
  EXPECT_FALSE(orders.columns[1].key);
  EXPECT_FALSE(orders.columns[1].not_null);

  EXPECT_EQ(tables[0].replica_identity, decoder::ReplicaIdentity::kIndex);
  EXPECT_EQ(tables[2].replica_identity, decoder::ReplicaIdentity::kNothing);
  EXPECT_TRUE(tables[2].columns.empty());
  EXPECT_EQ(tables[3].replica_identity, decoder::ReplicaIdentity::kDefault);
}

TEST(TableCatalogQuery, NamesNeedingJsonEscapesComeBackAsStored) {
  auto rows =
      Render({{"My \"Schema\"", "tab\\le\n", "d", "col\x01umn", "\"Enum\"", "16390", "f", "f"}});
  decoder::CatalogTables tables;
  std::string error;
  ASSERT_TRUE(FromRows(rows, &tables, &error)) << error;
  ASSERT_EQ(tables.size(), 1u);
  EXPECT_EQ(tables[0].schema, "My \"Schema\"");
  EXPECT_EQ(tables[0].name, "tab\\le\n");
  ASSERT_EQ(tables[0].columns.size(), 1u);
  EXPECT_EQ(tables[0].columns[0].name, "col\x01umn");
  EXPECT_EQ(tables[0].columns[0].type, "\"Enum\"");
  EXPECT_EQ(tables[0].columns[0].type_oid, 16390u);
}

TEST(TableCatalogQuery, NoRowsNoTables) {
  decoder::CatalogTables tables{decoder::CatalogTable{}};
  std::string error;
  EXPECT_TRUE(FromRows(Rows{}, &tables, &error));
  EXPECT_TRUE(tables.empty());
}

TEST(TableCatalogQuery, RejectsRowsItDidNotAskFor) {
  decoder::CatalogTables tables;
  std::string error;
  EXPECT_FALSE(
      FromRows(Render({{"public", "t", "x", "id", "integer", "23", "t", "t"}}), &tables, &error));
  EXPECT_NE(error.find("unknown replica identity 'x'"), std::string::npos) << error;
  EXPECT_FALSE(FromRows(Render({{"public", "t", "d", "id", std::nullopt, "23", "t", "t"}}), &tables,
                        &error));
  EXPECT_TRUE(tables.empty());
  decoder::RowBuilder builder(16, 1);
  builder.AddValue(decoder::JsonKey("unrelated"), decoder::ValueKindOf(kText), "x");
  Rows unrelated;
  unrelated.rows.push_back(std::move(builder).Finish());
  EXPECT_FALSE(FromRows(unrelated, &tables, &error));
}

TEST(TableCatalogQuery, ParamsNameThePublicationAndTheListedTables) {
  auto all = TablesParams("pub", {});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0], "pub");
  EXPECT_FALSE(all[1]);  // NULL: every table of the publication
  EXPECT_FALSE(all[2]);
  auto listed = TablesParams("pub", {decoder::TableName{}, {"Sales", "a\"b,c\\d"}});
  EXPECT_EQ(listed[1], R"({"public","Sales"})");
  EXPECT_EQ(listed[2], R"({"orders","a\"b,c\\d"})");
}

TEST(TableCatalogQuery, TextArrayQuotesEveryElement) {
  EXPECT_EQ(TextArray({}), "{}");
  EXPECT_EQ(TextArray({"", "NULL", " x "}), R"({"","NULL"," x "})");
}

}  // namespace
}  // namespace walcast::database::table_catalog_query
