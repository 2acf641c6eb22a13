#include "api/stream/restricted_view.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <thread>
#include <vector>

namespace walcast::api {
namespace {

using decoder::Operation;

decoder::Row OrderRow(int64_t id, std::string_view customer, std::string_view status) {
  decoder::RowBuilder row(128, 3);
  row.AddRaw(decoder::JsonKey("id"), std::to_string(id));
  row.AddRaw(decoder::JsonKey("customer_name"), "\"" + std::string(customer) + "\"");
  row.AddRaw(decoder::JsonKey("status"), "\"" + std::string(status) + "\"");
  return std::move(row).Finish();
}

StreamEventPtr Event(Operation operation, std::optional<decoder::Row> data,
                     std::optional<decoder::Row> old = std::nullopt) {
  decoder::OrderEvent event;
  event.id = decoder::EventId(decoder::Lsn(0x10), 2);
  event.operation = operation;
  event.table = "orders";
  event.data = std::move(data);
  event.old = std::move(old);
  if (operation == Operation::kUpdate && event.old) event.changed = {{"customer_name"}};
  event.xid = 7;
  return MakeStreamEvent(event, "2026-12-06T00:00:00Z");
}

RowRestriction Customer(std::string name) { return RowRestriction{std::nullopt, std::move(name)}; }
RowRestriction Ids(std::set<int64_t> ids) { return RowRestriction{std::move(ids), std::nullopt}; }

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document document;
  document.Parse(json.c_str());
  EXPECT_FALSE(document.HasParseError()) << json;
  return document;
}

TEST(RestrictedView, UnrestrictedAndTruncateAreSharedAsIs) {
  auto insert = Event(Operation::kInsert, OrderRow(1, "Ann", "pending"));
  EXPECT_EQ(RestrictedView(insert, RowRestriction{}), insert);
  auto truncate = Event(Operation::kTruncate, std::nullopt);
  EXPECT_EQ(RestrictedView(truncate, Customer("Ann")), truncate);
  EXPECT_EQ(RestrictedView(truncate, Ids({1})), truncate);
}

TEST(RestrictedView, InsertsAndDeletesPassOnlyForAllowedRows) {
  auto insert = Event(Operation::kInsert, OrderRow(1, "Ann", "pending"));
  EXPECT_EQ(RestrictedView(insert, Customer("Ann")), insert);
  EXPECT_EQ(RestrictedView(insert, Customer("Bob")), nullptr);
  EXPECT_EQ(RestrictedView(insert, Ids({1, 2})), insert);
  EXPECT_EQ(RestrictedView(insert, Ids({2})), nullptr);
  EXPECT_EQ(RestrictedView(insert, RowRestriction{std::set<int64_t>{1}, "Bob"}), nullptr)
      << "criteria combine with AND";
  auto deleted = Event(Operation::kDelete, OrderRow(3, "Bob", "shipped"));
  EXPECT_EQ(RestrictedView(deleted, Customer("Bob")), deleted);
  EXPECT_EQ(RestrictedView(deleted, Customer("Ann")), nullptr);
}

TEST(RestrictedView, AnUpdateInsideIsSharedAsIsAndOneOutsideIsHidden) {
  auto update =
      Event(Operation::kUpdate, OrderRow(1, "Ann", "shipped"), OrderRow(1, "Ann", "pending"));
  EXPECT_EQ(RestrictedView(update, Customer("Ann")), update);
  EXPECT_EQ(RestrictedView(update, Customer("Bob")), nullptr);
  EXPECT_EQ(RestrictedView(update, Ids({1})), update);
  EXPECT_EQ(RestrictedView(update, Ids({9})), nullptr);
}

TEST(RestrictedView, ARowLeavingArrivesAsTheDeleteOfWhatTheClientSaw) {
  auto update = Event(Operation::kUpdate, OrderRow(1, "Bob", "shipped"),
                      OrderRow(1, "Ann", "pending"));  // Ann's order given to Bob
  auto view = RestrictedView(update, Customer("Ann"));
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->id, update->id) << "same id: resume and exactly-once are unchanged";
  EXPECT_EQ(view->name, "orders:delete");
  EXPECT_EQ(view->keys.operation, Operation::kDelete);
  EXPECT_EQ(view->keys.order_id, 1);
  EXPECT_EQ(view->keys.status, "pending");
  EXPECT_FALSE(view->keys.old_order_id);
  EXPECT_EQ(view->xid, 7u);
  auto json = Parse(view->json);
  EXPECT_STREQ(json["event"].GetString(), "orders:delete");
  EXPECT_STREQ(json["data"]["operation"].GetString(), "delete");
  EXPECT_STREQ(json["data"]["data"]["customer_name"].GetString(), "Ann");
  EXPECT_TRUE(json["data"]["old"].IsNull()) << "nothing of Bob's row";
  EXPECT_TRUE(json["data"]["changed"].IsNull());
  EXPECT_EQ(view->json.find("Bob"), std::string::npos);
  EXPECT_EQ(view->socketio.find("Bob"), std::string::npos);
  EXPECT_NE(view->socketio.find("orders:delete"), std::string::npos);
  EXPECT_EQ(view->ws_header.view(), TextFrameHeader(view->json.size()).view());
  EXPECT_EQ(RestrictedView(update, Customer("Ann")), view) << "built once, shared";
}

TEST(RestrictedView, ARowEnteringArrivesAsTheInsertOfTheNewRow) {
  auto update =
      Event(Operation::kUpdate, OrderRow(1, "Bob", "shipped"), OrderRow(1, "Ann", "pending"));
  auto view = RestrictedView(update, Customer("Bob"));
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->name, "orders:insert");
  EXPECT_EQ(view->keys.operation, Operation::kInsert);
  EXPECT_EQ(view->keys.status, "shipped");
  auto json = Parse(view->json);
  EXPECT_STREQ(json["data"]["operation"].GetString(), "insert");
  EXPECT_STREQ(json["data"]["data"]["customer_name"].GetString(), "Bob");
  EXPECT_TRUE(json["data"]["old"].IsNull());
  EXPECT_EQ(view->json.find("Ann"), std::string::npos) << "nothing of the row Bob could not see";
  EXPECT_STREQ(json["data"]["id"].GetString(), update->id.view().data());
}

TEST(RestrictedView, AnUpdateWithoutItsOldRowIsJudgedByTheNewOne) {
  auto update = Event(Operation::kUpdate, OrderRow(1, "Ann", "shipped"));
  EXPECT_EQ(RestrictedView(update, Customer("Ann")), update);
  EXPECT_EQ(RestrictedView(update, Customer("Bob")), nullptr);
}

TEST(RestrictedView, EscapedCustomerNamesCompareByTheirText) {
  auto insert = Event(Operation::kInsert, OrderRow(1, "Ann \\\"A\\\" \\u00e9", "pending"));
  EXPECT_EQ(RestrictedView(insert, Customer("Ann \"A\" \xC3\xA9")), insert);
  EXPECT_EQ(RestrictedView(insert, Customer("Ann")), nullptr);
}

TEST(RestrictedView, EventsThatAreNotOrdersAreHiddenFromRestrictedClients) {
  auto event = std::make_shared<StreamEvent>();
  event->table = "orders";
  event->keys.operation = Operation::kUpdate;
  event->keys.order_id = 1;
  event->keys.old_order_id = 1;
  event->json = "not json";
  EXPECT_EQ(RestrictedView(event, Customer("Ann")), nullptr);
  EXPECT_EQ(RestrictedView(event, Ids({1})), event) << "ids come from the keys";
}

TEST(RestrictedView, ManyThreadsBuildTheFormsOnce) {
  auto update =
      Event(Operation::kUpdate, OrderRow(1, "Bob", "shipped"), OrderRow(1, "Ann", "pending"));
  std::vector<StreamEventPtr> seen(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] { seen[i] = RestrictedView(update, Customer("Ann")); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& view : seen) EXPECT_EQ(view, seen[0]);
}

TEST(RowRestriction, WithinNeverWidens) {
  EXPECT_TRUE(Ids({1}).Within(Ids({1, 2})));
  EXPECT_FALSE(Ids({1, 3}).Within(Ids({1, 2})));
  EXPECT_FALSE(RowRestriction{}.Within(Ids({1})));
  EXPECT_TRUE(Ids({1}).Within(RowRestriction{}));
  EXPECT_TRUE(Customer("Ann").Within(Customer("Ann")));
  EXPECT_FALSE(Customer("Bob").Within(Customer("Ann")));
  EXPECT_FALSE(Ids({1}).Within(Customer("Ann")));
  EXPECT_TRUE((RowRestriction{std::set<int64_t>{1}, "Ann"}).Within(Customer("Ann")));
}

}  // namespace
}  // namespace walcast::api
