#include "api/stream/stream_filter.h"

#include <gtest/gtest.h>

#include "decoder/json_row.h"

namespace walcast::api {
namespace {

// An event of the orders table with these keys (what these filters look at).
StreamEvent Orders(EventKeys keys) {
  StreamEvent event;
  event.table = "orders";
  event.keys = std::move(keys);
  return event;
}

EventKeys Update(int64_t id, std::string old_status, std::string status) {
  return EventKeys{Operation::kUpdate, id, id, std::move(status), std::move(old_status)};
}

TEST(StreamFilter, EmptyMatchesEverything) {
  StreamFilter filter;
  EXPECT_TRUE(filter.Empty());
  EXPECT_TRUE(filter.Matches(Orders(Update(1, "pending", "shipped"))));
}

TEST(StreamFilter, StatusSubscriberSeesAnOrderLeaveTheStatus) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddStatuses("pending"));
  EXPECT_TRUE(filter.Matches(Orders(Update(1, "pending", "shipped"))));
  EXPECT_TRUE(filter.Matches(Orders(Update(1, "shipped", "pending"))));
  EXPECT_FALSE(filter.Matches(Orders(Update(1, "shipped", "delivered"))));
}

TEST(StreamFilter, DeleteMatchesByItsOldRow) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddOrderIds("7"));
  EventKeys deleted{Operation::kDelete, 7, 7, "pending", "pending"};
  EXPECT_TRUE(filter.Matches(Orders(deleted)));
  deleted.order_id = deleted.old_order_id = 8;
  EXPECT_FALSE(filter.Matches(Orders(deleted)));
}

TEST(StreamFilter, CriteriaCombineWithAnd) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddOrderIds("1, 2"));
  ASSERT_FALSE(filter.AddOperations("update"));
  EXPECT_TRUE(filter.Matches(Orders(Update(2, "pending", "shipped"))));
  EXPECT_FALSE(filter.Matches(Orders(Update(3, "pending", "shipped"))));
  EXPECT_FALSE(
      filter.Matches(Orders(EventKeys{Operation::kInsert, 1, std::nullopt, "pending", {}})));
}

TEST(StreamFilter, TruncateIgnoresRowCriteria) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddStatuses("shipped"));
  EXPECT_TRUE(filter.Matches(Orders(EventKeys{Operation::kTruncate, {}, {}, {}, {}})));
  ASSERT_FALSE(filter.AddOperations("insert"));
  EXPECT_FALSE(filter.Matches(Orders(EventKeys{Operation::kTruncate, {}, {}, {}, {}})));
}

TEST(StreamFilter, RejectsMalformedValuesAndKeepsState) {
  StreamFilter filter;
  EXPECT_TRUE(filter.AddOrderIds("1,abc"));
  EXPECT_TRUE(filter.AddOrderIds("0"));
  EXPECT_TRUE(filter.AddOrderIds("-1"));
  EXPECT_TRUE(filter.AddOrderIds("99999999999"));
  EXPECT_TRUE(filter.AddOrderIds("1.5"));
  EXPECT_TRUE(filter.AddStatuses("lost"));
  EXPECT_TRUE(filter.AddOperations("upsert"));
  EXPECT_TRUE(filter.Empty());
}

TEST(StreamFilter, SubscribeAndUnsubscribe) {
  StreamFilter filter, more, less;
  ASSERT_FALSE(filter.AddStatuses("pending"));
  ASSERT_FALSE(more.AddStatuses("shipped"));
  ASSERT_FALSE(filter.Add(more));
  EXPECT_EQ(filter.statuses().size(), 2u);
  ASSERT_FALSE(less.AddStatuses("pending,shipped"));
  filter.Remove(less);
  EXPECT_TRUE(filter.Empty());
}

decoder::CatalogTables Catalog() {
  decoder::CatalogTable orders;
  orders.name = "orders";
  orders.columns = {{"id", "integer", 23, true, true}, {"status", "text", 25, false, true}};
  decoder::CatalogTable customers;
  customers.name = "customers";
  customers.columns = {{"id", "integer", 23, true, true}, {"country", "text", 25, false, false}};
  decoder::CatalogTable invoices;
  invoices.schema = "sales";
  invoices.name = "invoices";
  invoices.columns = {{"id", "bigint", 20, true, true}};
  return {orders, customers, invoices};
}

// A customers event whose new row (and old row, when given) has that country.
StreamEvent Customer(Operation operation, std::string country,
                     std::optional<std::string> old_country = std::nullopt) {
  auto row = [](const std::string& value) {
    decoder::RowBuilder builder(64, 2);
    builder.AddRaw(decoder::JsonKey("id"), "1");
    builder.AddRaw(decoder::JsonKey("country"), "\"" + value + "\"");
    return std::move(builder).Finish();
  };
  StreamEvent event;
  event.table = "customers";
  event.keys.operation = operation;
  event.row = row(country);
  if (old_country) event.old_row = row(*old_country);
  return event;
}

StreamEvent Of(std::string table, Operation operation) {
  StreamEvent event;
  event.table = std::move(table);
  event.keys.operation = operation;
  return event;
}

TEST(StreamFilter, TablesNarrowTheStreamToThoseTables) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddTables("customers, public.orders", Catalog()));
  EXPECT_EQ(filter.tables(), (std::set<std::string>{"customers", "orders"}));
  EXPECT_TRUE(filter.Matches(Customer(Operation::kInsert, "DE")));
  EXPECT_TRUE(filter.Matches(Orders(Update(1, "pending", "shipped"))));
  EXPECT_FALSE(filter.Matches(Of("sales.invoices", Operation::kInsert)));
  auto unknown = filter.AddTables("nosuch", Catalog());
  ASSERT_TRUE(unknown);
  EXPECT_NE(unknown->find("'nosuch' is not streamed"), std::string::npos) << *unknown;
  EXPECT_EQ(filter.tables().size(), 2u) << "a refused name changes nothing";
}

TEST(StreamFilter, AColumnFilterSelectsItsTableAndSeesARowLeave) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddColumnFilter("customers:country=in.(DE,FR)", Catalog()));
  EXPECT_TRUE(filter.Matches(Customer(Operation::kInsert, "DE")));
  EXPECT_FALSE(filter.Matches(Customer(Operation::kInsert, "US")));
  EXPECT_TRUE(filter.Matches(Customer(Operation::kUpdate, "US", "FR"))) << "leaves the filter";
  EXPECT_TRUE(filter.Matches(Of("customers", Operation::kTruncate)));
  EXPECT_FALSE(filter.Matches(Orders(Update(1, "pending", "shipped"))))
      << "naming a table in a filter selects that table only";
  ASSERT_FALSE(filter.AddTables("orders", Catalog()));
  EXPECT_TRUE(filter.Matches(Orders(Update(1, "pending", "shipped"))));
  EXPECT_TRUE(filter.AddColumnFilter("customers:cuntry=eq.DE", Catalog()));
  EXPECT_TRUE(filter.AddColumnFilter("customers:id=eq.abc", Catalog()));
}

TEST(StreamFilter, OrderCriteriaNeverMatchOtherTables) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddStatuses("pending"));
  EXPECT_FALSE(filter.Matches(Of("customers", Operation::kTruncate)));
  EXPECT_TRUE(filter.Matches(Orders(EventKeys{Operation::kTruncate, {}, {}, {}, {}})));
  StreamFilter ids;
  ASSERT_FALSE(ids.AddOrderIds("1"));
  EXPECT_FALSE(ids.Matches(Customer(Operation::kInsert, "DE")));
  StreamFilter operations;
  ASSERT_FALSE(operations.AddOperations("insert"));
  EXPECT_TRUE(operations.Matches(Customer(Operation::kInsert, "DE"))) << "operations: any table";
}

TEST(StreamFilter, SubscribeAddsAndUnsubscribeRemovesTablesAndFilters) {
  StreamFilter filter, more;
  ASSERT_FALSE(more.AddTables("sales.invoices", Catalog()));
  ASSERT_FALSE(more.AddColumnFilter("public.customers:country=eq.DE", Catalog()));
  ASSERT_FALSE(filter.Add(more));
  EXPECT_TRUE(filter.Matches(Of("sales.invoices", Operation::kInsert)));
  EXPECT_TRUE(filter.Matches(Customer(Operation::kInsert, "DE")));
  EXPECT_FALSE(filter.Matches(Customer(Operation::kInsert, "FR")));
  filter.Remove(more);
  EXPECT_TRUE(filter.Empty());
  // The per-connection bound holds across subscribes: the failed one changes nothing.
  StreamFilter full, many;
  for (int i = 0; i < 32; ++i) {
    ASSERT_FALSE(full.AddColumnFilter("customers:id=neq." + std::to_string(i), Catalog()));
  }
  ASSERT_FALSE(many.AddColumnFilter("customers:id=neq.99", Catalog()));
  ASSERT_FALSE(many.AddTables("orders", Catalog()));
  EXPECT_TRUE(full.Add(many));
  EXPECT_TRUE(full.tables().empty());
}

// An unsubscribe names tables and filters without the catalog: what was dropped since (here, an
// empty catalog) can still be removed, in any of the forms a client may write.
TEST(StreamFilter, RemoveNamedNeedsNoCatalog) {
  StreamFilter filter;
  ASSERT_FALSE(filter.AddTables("sales.invoices, orders, customers", Catalog()));
  ASSERT_FALSE(filter.AddColumnFilter("customers:country=eq.DE", Catalog()));
  ASSERT_FALSE(filter.AddColumnFilter("customers:id=gt.1", Catalog()));
  filter.RemoveNamed({"public.orders,sales.invoices", "nosuch"},
                     {"public.customers:country=eq.DE", "customers:id=lt.1"});
  EXPECT_EQ(filter.tables(), (std::set<std::string>{"customers"}));
  EXPECT_EQ(filter.columns().Texts(), (std::vector<std::string>{"customers:id=gt.1"}));
  EXPECT_FALSE(filter.Matches(Of("orders", Operation::kInsert))) << "no longer selected";
  filter.RemoveNamed({"customers"}, {"customers:id=gt.1"});
  EXPECT_TRUE(filter.Empty());
}

}  // namespace
}  // namespace walcast::api
