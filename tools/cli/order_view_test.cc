#include "tools/cli/order_view.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

TEST(OrderView, TableWithTotals) {
  std::string body =
      R"({"success":true,"data":[{"id":12,"customer_name":"Ada Lovelace","product_name":"Laptop",)"
      R"("status":"shipped","created_at":"x","updated_at":"2026-11-24T10:00:00.000000Z"},)"
      R"({"id":3,"customer_name":"Bo","product_name":"Pen","status":"pending","created_at":"x",)"
      R"("updated_at":"2026-11-23T10:00:00.000000Z"}],"count":2,"pagination":{"limit":50,)"
      R"("offset":0,"total":7}})";
  EXPECT_EQ(OrderTable(body),
            "ID  STATUS   CUSTOMER      PRODUCT  UPDATED\n"
            "12  shipped  Ada Lovelace  Laptop   2026-11-24T10:00:00.000000Z\n"
            "3   pending  Bo            Pen      2026-11-23T10:00:00.000000Z\n"
            "2 of 7 orders");
}

TEST(OrderView, LongNamesAreClippedByCharacter) {
  std::string name;
  for (int i = 0; i < 40; ++i) name += "é";
  std::string body = R"({"data":[{"id":1,"customer_name":")" + name +
                     R"(","product_name":"p","status":"pending","updated_at":"t"}]})";
  std::string table = OrderTable(body);
  std::string clipped;
  for (int i = 0; i < 31; ++i) clipped += "é";
  EXPECT_NE(table.find(clipped + "…"), std::string::npos) << table;
}

TEST(OrderView, DetailsWithMessageAndEventId) {
  std::string body =
      R"({"success":true,"data":{"id":5,"status":"pending"},"message":"Order created )"
      R"(successfully","eventId":"0000000001A3F2C8-00000000"})";
  EXPECT_EQ(OrderDetails(body),
            "Order created successfully\n"
            "id:       5\n"
            "status:   pending\n"
            "event id: 0000000001A3F2C8-00000000");
}

TEST(OrderView, StatsLines) {
  EXPECT_EQ(StatsView(R"({"success":true,"data":{"total_orders":3,"pending_orders":1}})"),
            "total_orders:      3\npending_orders:    1");
}

TEST(OrderView, ErrorsShowEveryDetail) {
  EXPECT_EQ(ErrorView(400, R"({"success":false,"error":"Validation failed","details":[)"
                           R"({"field":"customer_name","message":"is required"},)"
                           R"({"field":"status","message":"must be one of …"}]})"),
            "400 Validation failed\n  customer_name: is required\n  status: must be one of …");
  EXPECT_EQ(ErrorView(404, R"({"success":false,"error":"Order not found"})"),
            "404 Order not found");
  EXPECT_EQ(ErrorView(502, "Bad gateway"), "502 Bad gateway");
}

TEST(OrderView, UnexpectedBodiesAreShownAsIs) {
  EXPECT_EQ(OrderTable("[1,2]"), "[1,2]");
  EXPECT_EQ(OrderDetails("oops"), "oops");
  EXPECT_EQ(StatsView("{}"), "{}");
}

}  // namespace
}  // namespace walcast::cli
