#include "api/orders/order_access.h"

#include <gtest/gtest.h>

namespace walcast::api::orders {
namespace {

AccessGrant Scopes(bool read, bool write) {
  AccessGrant grant;
  grant.read = read;
  grant.write = write;
  return grant;
}

RowRestriction Customer(std::string name) {
  RowRestriction rows;
  rows.customer = std::move(name);
  return rows;
}

RowRestriction Ids(std::set<int64_t> ids) {
  RowRestriction rows;
  rows.order_ids = std::move(ids);
  return rows;
}

OrderFields Fields(std::optional<std::string> customer) {
  OrderFields fields;
  fields.customer_name = std::move(customer);
  fields.product_name = "Pen";
  return fields;
}

void ExpectForbidden(const std::optional<Invalid>& refused, std::string_view error) {
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, http::status::forbidden);
  EXPECT_EQ(refused->error, error);
  EXPECT_TRUE(refused->details.empty());
}

TEST(OrderAccess, ReadsNeedReadAndWritesNeedWrite) {
  for (auto method : {http::verb::get, http::verb::head}) {
    EXPECT_FALSE(CheckScope(method, Scopes(true, false)));
    ExpectForbidden(CheckScope(method, Scopes(false, true)), "token lacks the read scope");
  }
  for (auto method : {http::verb::post, http::verb::put, http::verb::patch, http::verb::delete_}) {
    EXPECT_FALSE(CheckScope(method, Scopes(false, true)));
    ExpectForbidden(CheckScope(method, Scopes(true, false)), "token lacks the write scope");
  }
  // Other methods are 405 whatever the token.
  EXPECT_FALSE(CheckScope(http::verb::options, Scopes(false, false)));
  for (auto method : {http::verb::get, http::verb::post, http::verb::delete_}) {
    EXPECT_FALSE(CheckScope(method, AccessGrant::Full()));
  }
}

TEST(OrderAccess, CreateOnlyForTheTokensCustomer) {
  EXPECT_FALSE(CheckCreate({}, Fields("Ann")));
  EXPECT_FALSE(CheckCreate(Customer("Ann"), Fields("Ann")));
  ExpectForbidden(CheckCreate(Customer("Ann"), Fields("Bob")), "outside this token's rows");
  ExpectForbidden(CheckCreate(Customer("Ann"), Fields("ann")), "outside this token's rows");
  // A new id cannot be in a list of ids.
  ExpectForbidden(CheckCreate(Ids({1, 2}), Fields("Ann")), "outside this token's rows");
  RowRestriction both = Ids({1});
  both.customer = "Ann";
  ExpectForbidden(CheckCreate(both, Fields("Ann")), "outside this token's rows");
}

TEST(OrderAccess, UpdateMayNotMoveARowOut) {
  EXPECT_FALSE(CheckUpdate({}, Fields("Bob")));
  EXPECT_FALSE(CheckUpdate(Customer("Ann"), Fields(std::nullopt)));  // customer unchanged
  EXPECT_FALSE(CheckUpdate(Customer("Ann"), Fields("Ann")));
  ExpectForbidden(CheckUpdate(Customer("Ann"), Fields("Bob")), "outside this token's rows");
  // An id restriction follows the id, whatever the customer becomes.
  EXPECT_FALSE(CheckUpdate(Ids({1}), Fields("Bob")));
}

TEST(OrderAccess, BulkIdsMustAllBeListed) {
  EXPECT_FALSE(CheckBulkIds({}, {1, 2, 3}));
  EXPECT_FALSE(CheckBulkIds(Customer("Ann"), {1, 2, 3}));  // checked in SQL
  EXPECT_FALSE(CheckBulkIds(Ids({1, 2, 3}), {3, 1, 1}));
  ExpectForbidden(CheckBulkIds(Ids({1, 2}), {1, 2, 3}), "outside this token's rows");
  ExpectForbidden(CheckBulkIds(Ids({}), {1}), "outside this token's rows");
}

TEST(OrderAccess, RestrictionParams) {
  using Params = std::vector<std::optional<std::string>>;
  EXPECT_EQ(RestrictionParams({}), (Params{std::nullopt, std::nullopt}));
  EXPECT_EQ(RestrictionParams(Customer("O'Brien")), (Params{std::nullopt, "O'Brien"}));
  EXPECT_EQ(RestrictionParams(Ids({7, 3, 4294967296})), (Params{"{3,7,4294967296}", std::nullopt}));
  // An empty list allows no row: "{}", never NULL (which would allow every row).
  EXPECT_EQ(RestrictionParams(Ids({})), (Params{"{}", std::nullopt}));
  RowRestriction both = Ids({5});
  both.customer = "Ann";
  EXPECT_EQ(RestrictionParams(both), (Params{"{5}", "Ann"}));
}

}  // namespace
}  // namespace walcast::api::orders
