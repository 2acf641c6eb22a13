#include "tools/cli/order_input.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

TEST(OrderInput, OrderIdsArePositiveInt4) {
  EXPECT_EQ(CheckOrderId("1"), std::nullopt);
  EXPECT_EQ(CheckOrderId("2147483647"), std::nullopt);
  for (const char* bad : {"0", "-5", "2147483648", "1.5", "abc", "", " 1", "1 "}) {
    auto problem = CheckOrderId(bad);
    ASSERT_TRUE(problem) << bad;
    EXPECT_EQ(problem->rfind("Invalid order ID", 0), 0u);
  }
}

TEST(OrderInput, NamesAreTrimmedAndCountedInCharacters) {
  EXPECT_EQ(CheckName("customer_name", "  Ada "), std::nullopt);
  EXPECT_TRUE(CheckName("customer_name", "   "));
  EXPECT_EQ(CheckName("product_name", std::string(255, 'x')), std::nullopt);
  EXPECT_TRUE(CheckName("product_name", std::string(256, 'x')));
  std::string accents;
  for (int i = 0; i < 255; ++i) accents += "é";  // 510 bytes, 255 characters
  EXPECT_EQ(CheckName("product_name", accents), std::nullopt);
  EXPECT_EQ(Trim("\t a b \n"), "a b");
}

TEST(OrderInput, Statuses) {
  for (const auto& s : kOrderStatuses) EXPECT_EQ(CheckStatus(s), std::nullopt);
  EXPECT_TRUE(CheckStatus("Pending"));
  EXPECT_TRUE(CheckStatus(""));
}

TEST(OrderInput, BodiesCarryOnlyTheGivenFieldsAndEscape) {
  OrderFields fields;
  fields.status = "shipped";
  EXPECT_EQ(OrderBody(fields), R"({"status":"shipped"})");
  fields.customer_name = "A \"quoted\" name";
  fields.product_name = "P";
  EXPECT_EQ(OrderBody(fields),
            R"({"customer_name":"A \"quoted\" name","product_name":"P","status":"shipped"})");
  EXPECT_EQ(BulkStatusBody({"1", "22"}, "delivered"),
            R"({"order_ids":[1,22],"status":"delivered"})");
}

TEST(OrderInput, ListQueryEncodes) {
  EXPECT_EQ(ListQuery({}), "");
  ListFilter filter;
  filter.status = "pending";
  filter.customer_name = "Ada L&co";
  filter.limit = 5;
  filter.offset = 0;
  EXPECT_EQ(ListQuery(filter), "?status=pending&customer_name=Ada%20L%26co&limit=5&offset=0");
}

}  // namespace
}  // namespace walcast::cli
