#include "database/restricted_statement.h"

#include <gtest/gtest.h>

#include "database/order_queries.h"

namespace walcast::database {
namespace {

namespace queries = order_queries;

constexpr std::string_view kVisible12 =
    "orders AS (SELECT * FROM orders WHERE ($1::int8[] IS NULL OR id = ANY($1::int8[])) AND "
    "($2::text IS NULL OR customer_name = $2::text))";

TEST(RestrictedStatement, HighestParameter) {
  EXPECT_EQ(HighestParameter("SELECT 1"), 0);
  EXPECT_EQ(HighestParameter("SELECT $1::int4"), 1);
  EXPECT_EQ(HighestParameter("SELECT $2, $1"), 2);
  EXPECT_EQ(HighestParameter("SELECT $9 + $10"), 10);
  EXPECT_EQ(HighestParameter("SELECT $3::text, $3::text"), 3);
  EXPECT_EQ(HighestParameter("SELECT 'x' || $"), 0);
}

TEST(RestrictedStatement, Predicate) {
  EXPECT_EQ(RowRestrictionPredicate(5, 6),
            "($5::int8[] IS NULL OR id = ANY($5::int8[])) AND ($6::text IS NULL OR customer_name "
            "= $6::text)");
  EXPECT_EQ(RowRestrictionPredicate(3, 4, "orders"),
            "($3::int8[] IS NULL OR orders.id = ANY($3::int8[])) AND ($4::text IS NULL OR "
            "orders.customer_name = $4::text)");
}

TEST(RestrictedStatement, SelectWithoutParametersGetsOneAndTwo) {
  Statement restricted = RestrictedRead({"stats", "SELECT count(*) FROM orders", true});
  EXPECT_EQ(restricted.name, "stats_restricted");
  EXPECT_EQ(restricted.sql, "WITH " + std::string(kVisible12) + " SELECT count(*) FROM orders");
  EXPECT_TRUE(restricted.retry_safe);
}

TEST(RestrictedStatement, ParametersFollowTheStatementsOwn) {
  Statement restricted =
      RestrictedRead({"get", "SELECT * FROM orders WHERE id = $1::int4 LIMIT $2", true});
  EXPECT_EQ(restricted.sql,
            "WITH orders AS (SELECT * FROM orders WHERE ($3::int8[] IS NULL OR id = "
            "ANY($3::int8[])) AND ($4::text IS NULL OR customer_name = $4::text)) SELECT * FROM "
            "orders WHERE id = $1::int4 LIMIT $2");
  EXPECT_EQ(HighestParameter(restricted.sql), 4);
}

TEST(RestrictedStatement, LeadingWithIsMergedAndComesFirst) {
  Statement restricted = RestrictedRead(
      {"list", "  with matching AS (SELECT * FROM orders) SELECT * FROM matching", true});
  EXPECT_EQ(restricted.sql, "WITH " + std::string(kVisible12) +
                                ", matching AS (SELECT * FROM orders) SELECT * FROM matching");
  // Any whitespace after the keyword, any case.
  EXPECT_EQ(RestrictedRead({"w", "WITH\nm AS (SELECT 1) SELECT * FROM m", true}).sql,
            "WITH " + std::string(kVisible12) + ", m AS (SELECT 1) SELECT * FROM m");
  EXPECT_EQ(RestrictedRead({"s", "select 1", true}).sql,
            "WITH " + std::string(kVisible12) + " select 1");
}

TEST(RestrictedStatementDeathTest, AnythingButAReadAborts) {
  EXPECT_DEATH(RestrictedRead({"u", "UPDATE orders SET status = $1", false}), "not a read");
  EXPECT_DEATH(RestrictedRead({"u", "UPDATE orders SET status = $1", true}), "not a read");
  EXPECT_DEATH(RestrictedRead({"s", "SELECT 1", false}), "not a read");
  EXPECT_DEATH(RestrictedRead({"r", "WITH RECURSIVE t AS (SELECT 1) SELECT * FROM t", true}),
               "not a read");
  EXPECT_DEATH(RestrictedRead({"x", "selection", true}), "not a read");
}

// The statements the REST API runs: every read can be restricted, its parameters numbered after
// its own, its name distinct from every unrestricted statement's.
TEST(RestrictedStatement, EveryOrderReadHasARestrictedVariant) {
  const std::vector<std::pair<const Statement*, int>> reads = {
      {&queries::Get(), 1},
      {&queries::List(), 4},
      {&queries::Stats(), 0},
      {&queries::Recent(), 2},
      {&queries::Analytics(), 0},
      {&queries::ExportBatch(), 2},
      {&queries::Search("id", true), 7},
      {&queries::Search("created_at", false), 7},
  };
  for (const auto& [read, own] : reads) {
    SCOPED_TRACE(read->name);
    const Statement& restricted = queries::Restricted(*read);
    EXPECT_EQ(&restricted, &queries::Restricted(*read));  // made once: the pool keys by address
    EXPECT_EQ(restricted.name, read->name + "_restricted");
    EXPECT_EQ(HighestParameter(read->sql), own);
    EXPECT_EQ(HighestParameter(restricted.sql), own + 2);
    EXPECT_TRUE(restricted.sql.starts_with("WITH orders AS (SELECT * FROM orders WHERE ($" +
                                           std::to_string(own + 1) + "::int8[] IS NULL"));
    EXPECT_NE(restricted.sql.find("customer_name = $" + std::to_string(own + 2) + "::text))"),
              std::string::npos);
    // The original statement follows the CTE unchanged (its own WITH merged after it).
    std::string original = read->sql;
    if (original.starts_with("WITH ")) original = ", " + original.substr(5);
    EXPECT_TRUE(restricted.sql.ends_with(original));
    EXPECT_EQ(restricted.retry_safe, read->retry_safe);
  }
  EXPECT_NE(queries::Restricted(queries::Search("id", true)).name,
            queries::Restricted(queries::Search("id", false)).name);
}

TEST(RestrictedStatement, WritesCarryTheRestrictionAfterTheirParameters) {
  EXPECT_EQ(queries::RestrictedUpdate().name, "orders_update_restricted");
  EXPECT_EQ(HighestParameter(queries::RestrictedUpdate().sql), 6);
  EXPECT_NE(queries::RestrictedUpdate().sql.find("WHERE id = $1::int4 AND " +
                                                 RowRestrictionPredicate(5, 6) + " RETURNING"),
            std::string::npos);
  EXPECT_EQ(HighestParameter(queries::RestrictedDelete().sql), 3);
  EXPECT_NE(queries::RestrictedDelete().sql.find("WHERE id = $1::int4 AND " +
                                                 RowRestrictionPredicate(2, 3) + " RETURNING"),
            std::string::npos);
  const std::string& bulk = queries::RestrictedBulkStatus().sql;
  EXPECT_EQ(HighestParameter(bulk), 4);
  EXPECT_NE(bulk.find("FOR UPDATE"), std::string::npos);
  EXPECT_NE(bulk.find(RowRestrictionPredicate(3, 4, "orders")), std::string::npos);
  EXPECT_NE(bulk.find("AS __refused"), std::string::npos);
  for (const Statement* write : {&queries::RestrictedUpdate(), &queries::RestrictedDelete(),
                                 &queries::RestrictedBulkStatus()}) {
    EXPECT_FALSE(write->retry_safe) << write->name;
  }
}

}  // namespace
}  // namespace walcast::database
