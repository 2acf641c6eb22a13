// Per-user tokens on the REST API (docs/rest-api.md "Per-user tokens"): OrderRoutes on a real
// PgPool and PostgreSQL 15, called with hand-made AccessGrants (walcastd does not issue them yet).
// Every read endpoint under a customer and an order_ids restriction returns exactly the visible
// rows, with counts, totals and aggregates over them (which proves that the CTE named `orders`
// shadows the table in every statement: subqueries, LATERAL joins, sibling CTEs, aggregates, and
// the snapshot wrapper of reads with a stream position); an invisible order reads as missing;
// writes inside the restriction succeed, beyond it are 403 and change nothing, also when a
// concurrent transaction moves the row out while the write waits for it; scopes are enforced.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "api/orders/order_routes.h"
#include "api/orders/read_positions.h"
#include "api/stream/event_hub.h"
#include "database/pg_pool.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using api::AccessGrant;
using api::RowRestriction;
namespace http = api::http;

constexpr std::string_view kOutside = R"({"success":false,"error":"outside this token's rows"})";
constexpr std::string_view kNotFound = R"({"success":false,"error":"Order not found"})";

struct Answer {
  int status = 0;
  std::string body;
};

AccessGrant CustomerGrant(const std::string& customer) {
  AccessGrant grant;
  grant.subject = "user-" + customer;
  grant.rows.customer = customer;
  return grant;
}

AccessGrant IdsGrant(std::set<int64_t> ids) {
  AccessGrant grant;
  grant.subject = "user-ids";
  grant.rows.order_ids = std::move(ids);
  return grant;
}

class RestRestriction : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = "rr_";
    for (char c : std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    db_ = CreateOrdersDatabase(name);
    session_ = std::make_unique<PgSession>(db_.conninfo);

    database::PgPoolOptions pool_options;
    pool_options.params = {{"dbname", db_.conninfo}};
    pool_options.size = 4;
    // An export's lease is given back asynchronously after its body ends: room for the next.
    pool_options.max_leases = 4;
    pool_ = std::make_shared<database::PgPool>(io_.get_executor(), std::move(pool_options));
    thread_ = std::thread([this] { io_.run(); });

    api::orders::OrderRoutesOptions options;
    options.write_event_wait = 0ms;
    options.export_batch_rows = 2;  // several keyset batches through the restriction
    routes_ =
        std::make_unique<api::orders::OrderRoutes>(pool_, nullptr, io_.get_executor(), options);
    // The same routes with stream positions: reads then run wrapped in the pool's snapshot
    // statement (a LATERAL around the restricted statement).
    hub_ = std::make_shared<api::EventHub>(api::ReplayLimits{});
    positions_ = std::make_shared<api::orders::ReadPositions>(hub_);
    positions_->SetEnabled(true);
    positioned_routes_ = std::make_unique<api::orders::OrderRoutes>(
        pool_, nullptr, io_.get_executor(), options, positions_);
  }

  void TearDown() override {
    pool_->Stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // Starts a request; the future is ready when OrderRoutes answers.
  std::future<Answer> Start(http::verb method, const std::string& target, const AccessGrant& grant,
                            const std::string& body = {}, bool positioned = false) {
    api::Request request(method, target, 11);
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
      request.prepare_payload();
    }
    auto promise = std::make_shared<std::promise<Answer>>();
    auto future = promise->get_future();
    const auto& routes = positioned ? *positioned_routes_ : *routes_;
    bool handled =
        routes.Handle(request, grant, api::Respond([promise](api::Response response) {
                        promise->set_value(Answer{static_cast<int>(response.result_int()),
                                                  std::move(response.body())});
                      }));
    EXPECT_TRUE(handled) << target;
    if (!handled) promise->set_value(Answer{});
    return future;
  }

  Answer Call(http::verb method, const std::string& target, const AccessGrant& grant,
              const std::string& body = {}, bool positioned = false) {
    auto future = Start(method, target, grant, body, positioned);
    if (future.wait_for(30s) != std::future_status::ready) {
      ADD_FAILURE() << target << ": no answer";
      return {};
    }
    return future.get();
  }

  Answer Get(const std::string& target, const AccessGrant& grant, bool positioned = false) {
    return Call(http::verb::get, target, grant, {}, positioned);
  }

  std::string Insert(const std::string& customer, const std::string& product,
                     const std::string& status) {
    return session_->Scalar(
        "INSERT INTO orders (customer_name, product_name, status) VALUES ($1, $2, $3) "
        "RETURNING id",
        {customer, product, status});
  }

  // Ann has three orders, Bob two, Cy one.
  void InsertSampleRows() {
    ann_pen_ = Insert("Ann", "Pen", "pending");
    ann_ink_ = Insert("Ann", "Ink", "shipped");
    ann_cup_ = Insert("Ann", "Cup", "delivered");
    bob_pen_ = Insert("Bob", "Pen", "pending");
    bob_hat_ = Insert("Bob", "Hat", "shipped");
    cy_mug_ = Insert("Cy", "Mug", "pending");
  }

  // Every row, for comparing the table before and after requests that must change nothing.
  std::string Table() {
    return session_->Scalar(
        "SELECT coalesce(string_agg(format('%s|%s|%s|%s|%s', id, customer_name, product_name,"
        " status, updated_at), E'\\n' ORDER BY id), '') FROM orders");
  }

  // The sorted ids of a response's data array.
  static std::set<std::string> Ids(const rapidjson::Value& data) {
    std::set<std::string> ids;
    for (const auto& row : data.GetArray()) ids.insert(std::to_string(row["id"].GetInt()));
    return ids;
  }

  // Waits until a REST connection waits for a row lock.
  void WaitForLockWait() {
    for (int i = 0; i < 3000; ++i) {
      if (session_->Scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                           "'walcast-rest' AND wait_event_type = 'Lock'") != "0") {
        return;
      }
      std::this_thread::sleep_for(10ms);
    }
    FAIL() << "no REST statement waited for the lock";
  }

  // Declared first: destroyed last, after everything that posts to it.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::thread thread_;
  OrdersDatabase db_;
  std::unique_ptr<PgSession> session_;
  std::shared_ptr<database::PgPool> pool_;
  std::shared_ptr<api::EventHub> hub_;
  std::shared_ptr<api::orders::ReadPositions> positions_;
  std::unique_ptr<api::orders::OrderRoutes> routes_;
  std::unique_ptr<api::orders::OrderRoutes> positioned_routes_;
  std::string ann_pen_, ann_ink_, ann_cup_, bob_pen_, bob_hat_, cy_mug_;
};

// Checks every read endpoint under `grant`, which must allow exactly `visible` of the sample
// rows; `customers` and `products` are their distinct values, `statuses` their counts
// (pending, shipped, delivered).
struct Expected {
  std::set<std::string> ids;
  int customers = 0;
  int products = 0;
  int pending = 0, shipped = 0, delivered = 0;
  std::string invisible_id;  // one existing order the grant does not allow ("": none)
};

class ReadCase : public RestRestriction {
 protected:
  void ExpectReads(const AccessGrant& grant, const Expected& expected, bool positioned) {
    SCOPED_TRACE(positioned ? "with stream positions" : "without stream positions");
    const int total = static_cast<int>(expected.ids.size());

    auto list = Get("/api/orders?limit=1000", grant, positioned);
    ASSERT_EQ(list.status, 200) << list.body;
    auto doc = ParseJson(list.body);
    EXPECT_EQ(Ids(doc["data"]), expected.ids);
    EXPECT_EQ(doc["count"].GetInt(), total);
    EXPECT_EQ(doc["pagination"]["total"].GetInt(), total);
    EXPECT_TRUE(doc.HasMember("streamPosition"));
    EXPECT_EQ(doc["streamPosition"].IsNull(), !positioned);

    // Pagination over the visible rows: the page is within them, the total is theirs.
    doc = ParseJson(Get("/api/orders?limit=1&offset=1", grant, positioned).body);
    EXPECT_EQ(doc["count"].GetInt(), total > 1 ? 1 : 0);
    EXPECT_EQ(doc["pagination"]["total"].GetInt(), total);
    if (total > 1) {
      EXPECT_TRUE(expected.ids.contains(*Ids(doc["data"]).begin()));
    }

    // Filters narrow the visible rows, never widen them.
    doc = ParseJson(Get("/api/orders?status=pending", grant, positioned).body);
    EXPECT_EQ(doc["pagination"]["total"].GetInt(), expected.pending);
    doc = ParseJson(Get("/api/orders?customer_name=bob", grant, positioned).body);
    for (const auto& row : doc["data"].GetArray()) {
      EXPECT_TRUE(expected.ids.contains(std::to_string(row["id"].GetInt())));
    }

    // Customer: a name substring over the visible rows.
    for (std::string name : {"Ann", "Bob", "Cy"}) {
      doc = ParseJson(Get("/api/orders/customer/" + name, grant, positioned).body);
      for (const auto& row : doc["data"].GetArray()) {
        EXPECT_TRUE(expected.ids.contains(std::to_string(row["id"].GetInt()))) << name;
        EXPECT_EQ(row["customer_name"].GetString(), name);
      }
      EXPECT_EQ(doc["pagination"]["total"].GetInt(), static_cast<int>(doc["count"].GetInt()));
    }

    // Get: visible ids read, an invisible one reads exactly as a missing one.
    for (const auto& id : expected.ids) {
      auto one = Get("/api/orders/" + id, grant, positioned);
      EXPECT_EQ(one.status, 200) << id;
    }
    auto missing = Get("/api/orders/999999", grant, positioned);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.body, kNotFound);
    if (!expected.invisible_id.empty()) {
      auto invisible = Get("/api/orders/" + expected.invisible_id, grant, positioned);
      EXPECT_EQ(invisible.status, 404);
      EXPECT_EQ(invisible.body, missing.body);
    }

    // Recent and search.
    doc = ParseJson(Get("/api/orders/recent?limit=1000", grant, positioned).body);
    EXPECT_EQ(Ids(doc["data"]), expected.ids);
    doc = ParseJson(Get("/api/orders/search?limit=1000&sort_by=id", grant, positioned).body);
    EXPECT_EQ(Ids(doc["data"]), expected.ids);
    EXPECT_EQ(doc["pagination"]["total"].GetInt(), total);
    doc = ParseJson(Get("/api/orders/search?search=pen&limit=1", grant, positioned).body);
    int pens = 0;
    for (const auto& id : {ann_pen_, bob_pen_}) pens += expected.ids.contains(id) ? 1 : 0;
    EXPECT_EQ(doc["pagination"]["total"].GetInt(), pens);

    // Export, JSON and CSV, in batches of 2 by keyset.
    auto exported = Get("/api/orders/export", grant, positioned);
    ASSERT_EQ(exported.status, 200) << exported.body;
    doc = ParseJson(exported.body);
    EXPECT_EQ(Ids(doc["data"]), expected.ids);
    EXPECT_EQ(doc["count"].GetInt(), total);
    auto csv = Get("/api/orders/export?format=csv", grant, positioned);
    ASSERT_EQ(csv.status, 200);
    size_t lines = 0;
    for (size_t at = csv.body.find("\r\n"); at != std::string::npos;
         at = csv.body.find("\r\n", at + 2)) {
      ++lines;
    }
    EXPECT_EQ(lines, expected.ids.size() + 1);  // the header and one line per visible row

    // Stats and analytics: aggregates over the visible rows only.
    auto stats = Get("/api/orders/stats", grant);
    ASSERT_EQ(stats.status, 200) << stats.body;
    doc = ParseJson(stats.body);
    EXPECT_EQ(doc["data"]["total_orders"].GetInt(), total);
    EXPECT_EQ(doc["data"]["pending_orders"].GetInt(), expected.pending);
    EXPECT_EQ(doc["data"]["shipped_orders"].GetInt(), expected.shipped);
    EXPECT_EQ(doc["data"]["delivered_orders"].GetInt(), expected.delivered);
    EXPECT_EQ(doc["data"]["unique_customers"].GetInt(), expected.customers);
    EXPECT_EQ(doc["data"]["last_updated"].IsNull(), total == 0);

    auto analytics = Get("/api/orders/analytics", grant);
    ASSERT_EQ(analytics.status, 200) << analytics.body;
    doc = ParseJson(analytics.body);
    const auto& data = doc["data"];
    EXPECT_EQ(data["overview"]["total_orders"].GetInt(), total);
    EXPECT_EQ(data["overview"]["pending_count"].GetInt(), expected.pending);
    EXPECT_EQ(data["overview"]["shipped_count"].GetInt(), expected.shipped);
    EXPECT_EQ(data["overview"]["delivered_count"].GetInt(), expected.delivered);
    EXPECT_EQ(data["overview"]["unique_customers"].GetInt(), expected.customers);
    EXPECT_EQ(data["overview"]["unique_products"].GetInt(), expected.products);
    EXPECT_EQ(static_cast<int>(data["top_customers"].Size()), expected.customers);
    int customer_orders = 0;
    for (const auto& customer : data["top_customers"].GetArray()) {
      customer_orders += customer["order_count"].GetInt();
    }
    EXPECT_EQ(customer_orders, total);
    EXPECT_EQ(static_cast<int>(data["top_products"].Size()), std::min(expected.products, 5));
    int trend_orders = 0;
    for (const auto& day : data["daily_trend"].GetArray()) {
      trend_orders += day["orders_count"].GetInt();
    }
    EXPECT_EQ(trend_orders, total);
  }

  void ExpectReadsBothWays(const AccessGrant& grant, const Expected& expected) {
    ExpectReads(grant, expected, /*positioned=*/false);
    ExpectReads(grant, expected, /*positioned=*/true);
  }
};

TEST_F(ReadCase, CustomerRestrictionSeesOnlyThatCustomersRows) {
  InsertSampleRows();
  ExpectReadsBothWays(CustomerGrant("Ann"),
                      {{ann_pen_, ann_ink_, ann_cup_}, 1, 3, 1, 1, 1, bob_pen_});
  ExpectReadsBothWays(CustomerGrant("Cy"), {{cy_mug_}, 1, 1, 1, 0, 0, ann_pen_});
  // Exact, case-sensitive match, as in the change stream's filter.
  ExpectReadsBothWays(CustomerGrant("ann"), {{}, 0, 0, 0, 0, 0, ann_pen_});
}

TEST_F(ReadCase, OrderIdsRestrictionSeesOnlyThoseOrders) {
  InsertSampleRows();
  // Ids that do not exist, one beyond int4, are allowed in the list and match nothing.
  ExpectReadsBothWays(IdsGrant({std::stoll(ann_pen_), std::stoll(bob_hat_), 999999, 4294967296}),
                      {{ann_pen_, bob_hat_}, 2, 2, 1, 1, 0, ann_ink_});
  ExpectReadsBothWays(IdsGrant({}), {{}, 0, 0, 0, 0, 0, ann_pen_});
}

TEST_F(ReadCase, BothCriteriaMustHold) {
  InsertSampleRows();
  AccessGrant grant = IdsGrant({std::stoll(ann_pen_), std::stoll(bob_hat_)});
  grant.rows.customer = "Ann";
  ExpectReadsBothWays(grant, {{ann_pen_}, 1, 1, 1, 0, 0, bob_hat_});
}

TEST_F(ReadCase, FullGrantSeesEverything) {
  InsertSampleRows();
  ExpectReadsBothWays(
      AccessGrant::Full(),
      {{ann_pen_, ann_ink_, ann_cup_, bob_pen_, bob_hat_, cy_mug_}, 3, 5, 3, 2, 1, ""});
}

TEST_F(RestRestriction, CustomerRestrictedWrites) {
  InsertSampleRows();
  const AccessGrant ann = CustomerGrant("Ann");

  // Create: only as Ann.
  auto created = Call(http::verb::post, "/api/orders", ann,
                      R"({"customer_name":" Ann ","product_name":"Box"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string before = Table();
  auto refused =
      Call(http::verb::post, "/api/orders", ann, R"({"customer_name":"Bob","product_name":"Box"})");
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.body, kOutside);
  EXPECT_EQ(Table(), before);

  // Update: Ann's row yes; Bob's 403 and untouched; a missing one 404.
  auto updated = Call(http::verb::put, "/api/orders/" + ann_pen_, ann, R"({"status":"shipped"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_STREQ(ParseJson(updated.body)["data"]["status"].GetString(), "shipped");
  updated = Call(http::verb::put, "/api/orders/" + ann_pen_, ann,
                 R"({"customer_name":"Ann","product_name":"Pencil"})");
  EXPECT_EQ(updated.status, 200) << updated.body;
  before = Table();
  auto foreign = Call(http::verb::put, "/api/orders/" + bob_pen_, ann, R"({"status":"shipped"})");
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.body, kOutside);
  auto missing = Call(http::verb::put, "/api/orders/999999", ann, R"({"status":"shipped"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, kNotFound);
  // Moving Ann's row to Bob is refused before the database is asked.
  auto moved = Call(http::verb::put, "/api/orders/" + ann_ink_, ann,
                    R"({"customer_name":"Bob","status":"delivered"})");
  EXPECT_EQ(moved.status, 403);
  EXPECT_EQ(moved.body, kOutside);
  // A bad body is still a 400 first.
  EXPECT_EQ(Call(http::verb::put, "/api/orders/" + bob_pen_, ann, R"({"status":"lost"})").status,
            400);
  EXPECT_EQ(Table(), before);

  // Delete: Bob's 403 (still there), a missing one 404, Ann's own 200.
  auto deleted = Call(http::verb::delete_, "/api/orders/" + bob_hat_, ann);
  EXPECT_EQ(deleted.status, 403);
  EXPECT_EQ(deleted.body, kOutside);
  EXPECT_EQ(Call(http::verb::delete_, "/api/orders/999999", ann).status, 404);
  EXPECT_EQ(Table(), before);
  deleted = Call(http::verb::delete_, "/api/orders/" + ann_cup_, ann);
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders WHERE id = $1", {ann_cup_}), "0");

  // Bulk: Ann's rows (a missing id is ignored, as without a token); one of Bob's refuses all.
  auto bulk =
      Call(http::verb::patch, "/api/orders/bulk-status", ann,
           R"({"order_ids":[)" + ann_pen_ + "," + ann_ink_ + R"(,999999],"status":"delivered"})");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(ParseJson(bulk.body)["updated_count"].GetInt(), 2);
  before = Table();
  bulk = Call(http::verb::patch, "/api/orders/bulk-status", ann,
              R"({"order_ids":[)" + ann_pen_ + "," + bob_pen_ + R"(],"status":"pending"})");
  EXPECT_EQ(bulk.status, 403);
  EXPECT_EQ(bulk.body, kOutside);
  EXPECT_EQ(Table(), before);
  // Nothing but missing ids: nothing to refuse, nothing updated.
  bulk = Call(http::verb::patch, "/api/orders/bulk-status", ann,
              R"({"order_ids":[999998,999999],"status":"pending"})");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(ParseJson(bulk.body)["updated_count"].GetInt(), 0);
  EXPECT_EQ(Table(), before);
}

TEST_F(RestRestriction, OrderIdsRestrictedWrites) {
  InsertSampleRows();
  const AccessGrant grant = IdsGrant({std::stoll(ann_pen_), std::stoll(bob_pen_), 999999});
  std::string before = Table();

  // No create: a new id is not in the list.
  auto created = Call(http::verb::post, "/api/orders", grant,
                      R"({"customer_name":"Ann","product_name":"Box"})");
  EXPECT_EQ(created.status, 403);
  EXPECT_EQ(created.body, kOutside);
  // An unlisted existing order is 403, an unlisted missing one 404, a listed missing one 404.
  EXPECT_EQ(Call(http::verb::put, "/api/orders/" + ann_ink_, grant, R"({"status":"pending"})").body,
            kOutside);
  EXPECT_EQ(Call(http::verb::put, "/api/orders/888888", grant, R"({"status":"pending"})").status,
            404);
  EXPECT_EQ(Call(http::verb::put, "/api/orders/999999", grant, R"({"status":"pending"})").status,
            404);
  EXPECT_EQ(Call(http::verb::delete_, "/api/orders/" + cy_mug_, grant).body, kOutside);
  // Bulk with one unlisted id: refused without the database, whether that order exists or not.
  auto bulk = Call(http::verb::patch, "/api/orders/bulk-status", grant,
                   R"({"order_ids":[)" + ann_pen_ + "," + ann_ink_ + R"(],"status":"delivered"})");
  EXPECT_EQ(bulk.status, 403);
  EXPECT_EQ(bulk.body, kOutside);
  bulk = Call(http::verb::patch, "/api/orders/bulk-status", grant,
              R"({"order_ids":[)" + ann_pen_ + R"(,777777],"status":"delivered"})");
  EXPECT_EQ(bulk.status, 403);
  EXPECT_EQ(Table(), before);

  // Listed orders: any change, another customer included (the id stays in the list).
  auto updated = Call(http::verb::put, "/api/orders/" + ann_pen_, grant,
                      R"({"customer_name":"Cy","status":"shipped"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(session_->Scalar("SELECT customer_name FROM orders WHERE id = $1", {ann_pen_}), "Cy");
  bulk =
      Call(http::verb::patch, "/api/orders/bulk-status", grant,
           R"({"order_ids":[)" + ann_pen_ + "," + bob_pen_ + R"(,999999],"status":"delivered"})");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(ParseJson(bulk.body)["updated_count"].GetInt(), 2);
  EXPECT_EQ(Call(http::verb::delete_, "/api/orders/" + bob_pen_, grant).status, 200);
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders"), "5");
}

// The restriction is in the UPDATE's WHERE, so a row moved out of it by a transaction the write
// had to wait for is left alone: the write re-checks the row's new version, changes nothing and
// answers 403.
TEST_F(RestRestriction, RowMovedOutWhileTheWriteWaitsIsNotChanged) {
  InsertSampleRows();
  const AccessGrant ann = CustomerGrant("Ann");
  PgSession other(db_.conninfo);
  other.Exec("BEGIN; UPDATE orders SET customer_name = 'Bob' WHERE id = " + ann_pen_);
  auto put = Start(http::verb::put, "/api/orders/" + ann_pen_, ann, R"({"status":"delivered"})");
  WaitForLockWait();
  other.Exec("COMMIT");
  ASSERT_EQ(put.wait_for(30s), std::future_status::ready);
  auto answer = put.get();
  EXPECT_EQ(answer.status, 403);
  EXPECT_EQ(answer.body, kOutside);
  EXPECT_EQ(session_->Scalar("SELECT status FROM orders WHERE id = $1", {ann_pen_}), "pending");

  // The same for a bulk update: its listed rows are locked, then counted as they are now.
  other.Exec("BEGIN; UPDATE orders SET customer_name = 'Bob' WHERE id = " + ann_ink_);
  std::string before_ids = ann_ink_ + "," + ann_cup_;
  auto bulk = Start(http::verb::patch, "/api/orders/bulk-status", ann,
                    R"({"order_ids":[)" + before_ids + R"(],"status":"pending"})");
  WaitForLockWait();
  other.Exec("COMMIT");
  ASSERT_EQ(bulk.wait_for(30s), std::future_status::ready);
  answer = bulk.get();
  EXPECT_EQ(answer.status, 403);
  EXPECT_EQ(answer.body, kOutside);
  EXPECT_EQ(
      session_->Scalar("SELECT string_agg(status, ',' ORDER BY id) FROM orders WHERE id IN (" +
                       before_ids + ")"),
      "shipped,delivered");
}

TEST_F(RestRestriction, ScopesAreChecked) {
  InsertSampleRows();
  AccessGrant write_only = CustomerGrant("Ann");
  write_only.read = false;
  AccessGrant read_only = CustomerGrant("Ann");
  read_only.write = false;
  constexpr std::string_view kNoRead = R"({"success":false,"error":"token lacks the read scope"})";
  constexpr std::string_view kNoWrite =
      R"({"success":false,"error":"token lacks the write scope"})";

  for (const std::string& target : std::vector<std::string>{
           "/api", "/api/orders", "/api/orders/" + ann_pen_, "/api/orders/" + bob_pen_,
           "/api/orders/customer/Ann", "/api/orders/recent", "/api/orders/search",
           "/api/orders/export", "/api/orders/stats", "/api/orders/analytics", "/api/orders/x/y"}) {
    auto answer = Get(target, write_only);
    EXPECT_EQ(answer.status, 403) << target;
    EXPECT_EQ(answer.body, kNoRead) << target;
    EXPECT_EQ(Get(target, read_only).status == 403, false) << target;
  }

  std::string before = Table();
  const std::string body = R"({"customer_name":"Ann","product_name":"Box","status":"shipped"})";
  for (auto [method, target] : std::vector<std::pair<http::verb, std::string>>{
           {http::verb::post, "/api/orders"},
           {http::verb::put, "/api/orders/" + ann_pen_},
           {http::verb::delete_, "/api/orders/" + ann_pen_},
           {http::verb::patch, "/api/orders/bulk-status"}}) {
    std::string payload = method == http::verb::patch
                              ? R"({"order_ids":[)" + ann_pen_ + R"(],"status":"shipped"})"
                              : body;
    auto answer = Call(method, target, read_only, payload);
    EXPECT_EQ(answer.status, 403) << target;
    EXPECT_EQ(answer.body, kNoWrite) << target;
  }
  EXPECT_EQ(Table(), before);
  // A write-only token writes (and gets the row it wrote back).
  EXPECT_EQ(Call(http::verb::post, "/api/orders", write_only, body).status, 201);
  // Not our path: untouched whatever the token.
  api::Request other(http::verb::get, "/api/ordersx", 11);
  EXPECT_FALSE(routes_->Handle(other, write_only, api::Respond([](api::Response) {
                                 ADD_FAILURE() << "answered a path that is not ours";
                               })));
}

TEST_F(RestRestriction, FullGrantWritesAsBefore) {
  InsertSampleRows();
  const AccessGrant full = AccessGrant::Full();
  EXPECT_EQ(
      Call(http::verb::post, "/api/orders", full, R"({"customer_name":"Dee","product_name":"Box"})")
          .status,
      201);
  EXPECT_EQ(
      Call(http::verb::put, "/api/orders/" + bob_pen_, full, R"({"customer_name":"Ann"})").status,
      200);
  EXPECT_EQ(Call(http::verb::put, "/api/orders/999999", full, R"({"status":"shipped"})").body,
            kNotFound);
  EXPECT_EQ(Call(http::verb::delete_, "/api/orders/999999", full).body, kNotFound);
  auto bulk = Call(http::verb::patch, "/api/orders/bulk-status", full,
                   R"({"order_ids":[)" + ann_pen_ + "," + bob_hat_ + "," + cy_mug_ +
                       R"(],"status":"delivered"})");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(ParseJson(bulk.body)["updated_count"].GetInt(), 3);
  EXPECT_EQ(Call(http::verb::delete_, "/api/orders/" + cy_mug_, full).status, 200);
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders"), "6");
}

}  // namespace
}  // namespace walcast::testing
