#include "database/sql_quote.h"

#include <gtest/gtest.h>

namespace walcast::database {
namespace {

TEST(SqlQuote, DoublesQuotesAndDropsNul) {
  EXPECT_EQ(QuoteIdentifier("walcast_orders"), "\"walcast_orders\"");
  EXPECT_EQ(QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral(std::string_view("a\0b", 3)), "'ab'");
  EXPECT_EQ(QuoteLiteral("back\\slash"), "'back\\slash'");
}

TEST(SqlQuote, QualifiedNames) {
  EXPECT_EQ(QuoteQualifiedName("public.orders"), "\"public\".\"orders\"");
  EXPECT_EQ(QuoteQualifiedName("orders"), "\"orders\"");
}

}  // namespace
}  // namespace walcast::database
