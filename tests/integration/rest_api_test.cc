// The REST API (docs/contract.md §3) through the real daemon and a real PostgreSQL: every
// endpoint's happy path, the table of bad inputs (each a JSON error with the contract's status, the
// server up, the table unchanged), SQL injection in every string parameter, literal % and _ in
// searches, the database stopped and restarted under a running daemon, and eventId matching the
// change event on the stream.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

class RestApi : public StreamingDaemonTest {
 protected:
  void Start(const std::string& name) { StartDaemon(name, {"--rate-limit", "0"}); }

  HttpResult Post(const std::string& target, const std::string& body) {
    return HttpRequest(port_, "POST", target, body);
  }

  // Every row, for comparing the table before and after requests that must change nothing.
  std::string Snapshot() {
    return session_->Scalar(
        "SELECT coalesce(string_agg(format('%s|%s|%s|%s|%s|%s', id, customer_name, product_name,"
        " status, created_at, updated_at), E'\\n' ORDER BY id), '') FROM orders");
  }

  std::string InsertRow(const std::string& customer, const std::string& product,
                        const std::string& status = "pending") {
    return session_->Scalar(
        "INSERT INTO orders (customer_name, product_name, status) VALUES ($1, $2, $3) "
        "RETURNING id",
        {customer, product, status});
  }
};

TEST_F(RestApi, CreateReadUpdateDelete) {
  Start("rest_crud");
  auto created = Post("/api/orders", R"({"customer_name":"  Ann Lee ","product_name":"Pen"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto doc = ParseJson(created.body);
  EXPECT_TRUE(doc["success"].GetBool());
  EXPECT_STREQ(doc["message"].GetString(), "Order created successfully");
  EXPECT_STREQ(doc["data"]["customer_name"].GetString(), "Ann Lee");
  EXPECT_STREQ(doc["data"]["status"].GetString(), "pending");
  ASSERT_TRUE(doc["data"]["id"].IsInt());
  EXPECT_EQ(std::string(doc["data"]["created_at"].GetString()).size(), 27u);  // RFC 3339 µs Z
  EXPECT_TRUE(doc["eventId"].IsString());
  std::string id = std::to_string(doc["data"]["id"].GetInt());

  auto read = HttpGet(port_, "/api/orders/" + id);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(ParseJson(read.body)["data"]["product_name"], "Pen");
  EXPECT_FALSE(read.Header("x-request-id").empty());

  auto updated = HttpRequest(port_, "PUT", "/api/orders/" + id, R"({"status":"shipped"})");
  ASSERT_EQ(updated.status, 200) << updated.body;
  doc = ParseJson(updated.body);
  EXPECT_STREQ(doc["data"]["status"].GetString(), "shipped");
  EXPECT_STREQ(doc["data"]["customer_name"].GetString(), "Ann Lee");
  EXPECT_STREQ(doc["message"].GetString(), "Order updated successfully");
  EXPECT_EQ(session_->Scalar("SELECT status FROM orders WHERE id = $1", {id}), "shipped");

  auto deleted = HttpRequest(port_, "DELETE", "/api/orders/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  doc = ParseJson(deleted.body);
  EXPECT_STREQ(doc["message"].GetString(), "Order deleted successfully");
  EXPECT_STREQ(doc["data"]["status"].GetString(), "shipped");
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders"), "0");

  EXPECT_EQ(HttpGet(port_, "/api/orders/" + id).status, 404);
  EXPECT_EQ(HttpRequest(port_, "DELETE", "/api/orders/" + id).status, 404);
  auto missing = HttpRequest(port_, "PUT", "/api/orders/" + id, R"({"status":"shipped"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_STREQ(ParseJson(missing.body)["error"].GetString(), "Order not found");
}

TEST_F(RestApi, ListPaginatesNewestFirstWithNumericTotals) {
  Start("rest_list");
  for (int i = 0; i < 5; ++i) InsertRow("Customer " + std::to_string(i), "P");
  session_->Exec("UPDATE orders SET status = 'shipped' WHERE customer_name = 'Customer 1'");
  auto page = HttpGet(port_, "/api/orders?limit=2&offset=1");
  ASSERT_EQ(page.status, 200) << page.body;
  auto doc = ParseJson(page.body);
  EXPECT_EQ(doc["count"].GetInt(), 2);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 5);
  EXPECT_EQ(doc["pagination"]["limit"].GetInt(), 2);
  EXPECT_EQ(doc["pagination"]["offset"].GetInt(), 1);
  // Newest updated_at first: Customer 1 (updated last), then 4, 3, ...
  EXPECT_STREQ(doc["data"][0]["customer_name"].GetString(), "Customer 4");

  doc = ParseJson(HttpGet(port_, "/api/orders?status=shipped").body);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 1);
  doc = ParseJson(HttpGet(port_, "/api/orders?customer_name=CUSTOMER%203").body);
  ASSERT_EQ(doc["count"].GetInt(), 1);
  EXPECT_STREQ(doc["data"][0]["customer_name"].GetString(), "Customer 3");
  doc = ParseJson(HttpGet(port_, "/api/orders?offset=100").body);
  EXPECT_EQ(doc["count"].GetInt(), 0);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 5);

  doc = ParseJson(HttpGet(port_, "/api/orders/customer/customer%202").body);
  ASSERT_EQ(doc["count"].GetInt(), 1);
  EXPECT_STREQ(doc["customer_name"].GetString(), "customer 2");
}

TEST_F(RestApi, StatsAnalyticsRecentSearchOnEmptyAndFullTable) {
  Start("rest_reports");
  auto stats = HttpGet(port_, "/api/orders/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  auto doc = ParseJson(stats.body);
  EXPECT_EQ(doc["data"]["total_orders"].GetInt(), 0);
  EXPECT_TRUE(doc["data"]["last_updated"].IsNull());
  auto analytics = HttpGet(port_, "/api/orders/analytics");
  ASSERT_EQ(analytics.status, 200) << analytics.body;
  doc = ParseJson(analytics.body);
  EXPECT_EQ(doc["data"]["overview"]["total_orders"].GetInt(), 0);
  EXPECT_TRUE(doc["data"]["top_customers"].IsArray());
  EXPECT_EQ(doc["data"]["daily_trend"].Size(), 0u);
  EXPECT_TRUE(doc["data"]["generated_at"].IsString());

  InsertRow("Ann", "Pen", "pending");
  InsertRow("Ann", "Ink", "shipped");
  InsertRow("Bob", "Pen", "delivered");
  doc = ParseJson(HttpGet(port_, "/api/orders/stats").body);
  EXPECT_EQ(doc["data"]["total_orders"].GetInt(), 3);
  EXPECT_EQ(doc["data"]["pending_orders"].GetInt(), 1);
  EXPECT_EQ(doc["data"]["shipped_orders"].GetInt(), 1);
  EXPECT_EQ(doc["data"]["delivered_orders"].GetInt(), 1);
  EXPECT_EQ(doc["data"]["unique_customers"].GetInt(), 2);
  EXPECT_TRUE(doc["data"]["last_updated"].IsString());
  doc = ParseJson(HttpGet(port_, "/api/orders/analytics").body);
  EXPECT_EQ(doc["data"]["overview"]["total_orders"].GetInt(), 3);
  EXPECT_STREQ(doc["data"]["top_customers"][0]["customer_name"].GetString(), "Ann");
  EXPECT_EQ(doc["data"]["top_customers"][0]["order_count"].GetInt(), 2);
  EXPECT_STREQ(doc["data"]["top_products"][0]["product_name"].GetString(), "Pen");
  EXPECT_EQ(doc["data"]["daily_trend"][0]["orders"].GetInt(), 3);

  doc = ParseJson(HttpGet(port_, "/api/orders/recent?hours=1&limit=2").body);
  EXPECT_EQ(doc["count"].GetInt(), 2);
  // Without triggers, so updated_at keeps the value set here.
  session_->Exec(
      "SET session_replication_role = replica; UPDATE orders SET updated_at = now() - interval "
      "'3 hours' WHERE product_name = 'Ink'; SET session_replication_role = origin");
  doc = ParseJson(HttpGet(port_, "/api/orders/recent?hours=1").body);
  EXPECT_EQ(doc["count"].GetInt(), 2);

  auto search =
      HttpGet(port_, "/api/orders/search?search=pen&sort_by=customer_name&sort_order=desc&limit=1");
  ASSERT_EQ(search.status, 200) << search.body;
  doc = ParseJson(search.body);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 2);
  EXPECT_EQ(doc["pagination"]["pages"].GetInt(), 2);
  EXPECT_EQ(doc["pagination"]["current_page"].GetInt(), 1);
  EXPECT_STREQ(doc["data"][0]["customer_name"].GetString(), "Bob");
  EXPECT_STREQ(doc["filters"]["search"].GetString(), "pen");
  EXPECT_STREQ(doc["filters"]["sort_by"].GetString(), "customer_name");
  EXPECT_STREQ(doc["filters"]["sort_order"].GetString(), "desc");
  std::string today = session_->Scalar("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')");
  doc = ParseJson(
      HttpGet(port_, "/api/orders/search?status=pending&date_from=" + today + "&date_to=" + today)
          .body);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 1);
  doc = ParseJson(HttpGet(port_, "/api/orders/search?date_to=2000-01-01").body);
  EXPECT_EQ(doc["pagination"]["total"].GetInt(), 0);

  auto api = HttpGet(port_, "/api");
  ASSERT_EQ(api.status, 200);
  doc = ParseJson(api.body);
  EXPECT_GE(doc["data"]["endpoints"].Size(), 15u);
}

TEST_F(RestApi, BulkStatusUpdatesInOneTransaction) {
  Start("rest_bulk");
  std::string a = InsertRow("A", "p"), b = InsertRow("B", "p");
  // Updates only: the inserts above may reach the stream after this client connects.
  SseClient events(port_, "/api/events?operation=update");
  ASSERT_EQ(events.status(), 200);
  auto response =
      HttpRequest(port_, "PATCH", "/api/orders/bulk-status",
                  R"({"order_ids":[)" + a + "," + b + R"(,999999],"status":"delivered"})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto doc = ParseJson(response.body);
  EXPECT_EQ(doc["updated_count"].GetInt(), 2);
  EXPECT_EQ(doc["data"].Size(), 2u);
  EXPECT_STREQ(doc["message"].GetString(), "Successfully updated 2 orders");
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders WHERE status = 'delivered'"), "2");
  // One transaction: both update events carry the same xid.
  auto changes = ChangeEvents(events.ReadChanges(2, 30s));
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(ParseJson(changes[0].data)["data"]["xid"].GetUint(),
            ParseJson(changes[1].data)["data"]["xid"].GetUint());
}

TEST_F(RestApi, ExportStreamsCsvAndJson) {
  Start("rest_export");
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name) "
      "SELECT 'Customer ' || g, 'Product ' || g FROM generate_series(1, 2500) g");
  InsertRow("=HYPERLINK(\"http://x\")", "a,b \"quoted\"");
  auto csv = HttpGet(port_, "/api/orders/export?format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("transfer-encoding"), "chunked");
  EXPECT_NE(csv.Header("content-type").find("text/csv"), std::string::npos);
  size_t lines = 0;
  for (char c : csv.body) lines += c == '\n';
  EXPECT_EQ(lines, 2502u);  // header + rows
  EXPECT_EQ(csv.body.rfind("id,customer_name,product_name,status,created_at,updated_at\r\n", 0),
            0u);
  EXPECT_NE(csv.body.find(",\"'=HYPERLINK(\"\"http://x\"\")\",\"a,b \"\"quoted\"\"\",pending,"),
            std::string::npos);

  auto json = HttpGet(port_, "/api/orders/export");
  ASSERT_EQ(json.status, 200);
  EXPECT_EQ(json.Header("transfer-encoding"), "chunked");
  auto doc = ParseJson(json.body);
  EXPECT_EQ(doc["count"].GetInt(), 2501);
  EXPECT_EQ(doc["data"].Size(), 2501u);
  EXPECT_LT(doc["data"][0]["id"].GetInt(), doc["data"][1]["id"].GetInt());  // in id order
}

struct BadRequest {
  std::string method;
  std::string target;
  std::string body;
  Headers headers;
  int status;
  std::string error;  // "" to check only the status
};

TEST_F(RestApi, BadInputsGetContractErrorsAndChangeNothing) {
  Start("rest_bad");
  std::string id = InsertRow("Ann", "Pen");
  const std::string before = Snapshot();
  std::string ids_1001;
  for (int i = 1; i <= 1001; ++i) ids_1001 += (i > 1 ? "," : "") + std::to_string(i);
  const Headers text{{"Content-Type", "text/plain"}};
  const std::vector<BadRequest> cases = {
      {"POST", "/api/orders", R"({"customer_name":)", {}, 400, "Invalid JSON"},
      {"POST", "/api/orders", "not json", {}, 400, "Invalid JSON"},
      {"POST", "/api/orders", R"({"customer_name":"a","product_name":"b"})", text, 415, ""},
      {"POST",
       "/api/orders",
       R"({"customer_name":"a","product_name":"b"})",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       415,
       ""},
      {"POST",
       "/api/orders",
       R"({"customer_name":5,"product_name":"b"})",
       {},
       400,
       "Validation failed"},
      {"POST",
       "/api/orders",
       R"({"customer_name":")" + std::string(256, 'x') + R"(","product_name":"b"})",
       {},
       400,
       "Validation failed"},
      {"POST",
       "/api/orders",
       R"({"customer_name":"   ","product_name":"b"})",
       {},
       400,
       "Validation failed"},
      {"POST",
       "/api/orders",
       R"({"customer_name":"a","product_name":"b","status":"lost"})",
       {},
       400,
       "Validation failed"},
      {"POST", "/api/orders", R"({"product_name":"b"})", {}, 400, "Validation failed"},
      {"POST", "/api/orders", R"([])", {}, 400, "Validation failed"},
      {"PUT", "/api/orders/" + id, R"({})", {}, 400, "Validation failed"},
      {"PUT", "/api/orders/" + id, R"({"status":"gone"})", {}, 400, "Validation failed"},
      {"PUT", "/api/orders/999999", R"({"status":"gone"})", {}, 400, "Validation failed"},
      {"PUT", "/api/orders/" + id, R"({"status":"shipped"})", text, 415, ""},
      {"GET", "/api/orders/abc", "", {}, 400, "Invalid order ID"},
      {"GET", "/api/orders/1abc", "", {}, 400, "Invalid order ID"},
      {"GET", "/api/orders/1.5", "", {}, 400, "Invalid order ID"},
      {"GET", "/api/orders/-1", "", {}, 400, "Invalid order ID"},
      {"GET", "/api/orders/0", "", {}, 400, "Invalid order ID"},
      {"GET", "/api/orders/99999999999", "", {}, 400, "Invalid order ID"},
      {"DELETE", "/api/orders/abc", "", {}, 400, "Invalid order ID"},
      {"PUT", "/api/orders/-1", R"({"status":"shipped"})", {}, 400, "Invalid order ID"},
      {"GET", "/api/orders?limit=abc", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders?limit=0", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders?limit=1001", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders?offset=-1", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders?status=lost", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/recent?hours=0", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/recent?hours=721", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/recent?hours=x", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/search?date_from=yesterday", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/search?date_to=2026-02-30", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/search?sort_by=password", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/search?sort_order=sideways", "", {}, 400, "Validation failed"},
      {"GET", "/api/orders/export?format=xml", "", {}, 400, "Validation failed"},
      {"PATCH",
       "/api/orders/bulk-status",
       R"({"order_ids":[],"status":"shipped"})",
       {},
       400,
       "Validation failed"},
      {"PATCH",
       "/api/orders/bulk-status",
       R"({"order_ids":"1","status":"shipped"})",
       {},
       400,
       "Validation failed"},
      {"PATCH",
       "/api/orders/bulk-status",
       R"({"order_ids":[1,"x"],"status":"shipped"})",
       {},
       400,
       "Validation failed"},
      {"PATCH",
       "/api/orders/bulk-status",
       R"({"order_ids":[)" + ids_1001 + R"(],"status":"shipped"})",
       {},
       400,
       "Validation failed"},
      {"PATCH",
       "/api/orders/bulk-status",
       R"({"order_ids":[)" + id + R"(],"status":"x"})",
       {},
       400,
       "Validation failed"},
      {"GET", "/api/nothing/here", "", {}, 404, "Endpoint not found"},
      {"GET", "/api/orders/1/2", "", {}, 404, "Endpoint not found"},
      {"DELETE", "/api/orders", "", {}, 405, "Method not allowed"},
      {"POST", "/api/orders/stats", "{}", {}, 405, "Method not allowed"},
      {"GET", "/api/orders/bulk-status", "", {}, 405, "Method not allowed"},
      {"PATCH", "/api/orders/" + id, R"({"status":"shipped"})", {}, 405, "Method not allowed"},
      {"POST", "/api/orders", std::string(70 * 1024, ' '), {}, 413, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.target + " " + c.body.substr(0, 60));
    auto response = HttpRequest(port_, c.method, c.target, c.body, c.headers);
    EXPECT_EQ(response.status, c.status) << response.body;
    EXPECT_NE(response.Header("content-type").find("application/json"), std::string::npos);
    auto doc = ParseJson(response.body);
    ASSERT_TRUE(doc.IsObject());
    EXPECT_FALSE(doc["success"].GetBool());
    if (!c.error.empty()) {
      EXPECT_EQ(std::string(doc["error"].GetString()), c.error);
    }
    if (c.status == 405) {
      EXPECT_FALSE(response.Header("allow").empty());
    }
    if (c.error == "Validation failed") {
      ASSERT_TRUE(doc.HasMember("details"));
      EXPECT_TRUE(doc["details"][0]["field"].IsString());
    }
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200) << "the server stays up";
}

TEST_F(RestApi, SqlInjectionInEveryStringParameterChangesNothing) {
  Start("rest_injection");
  session_->Exec("CREATE TABLE canary (x int); INSERT INTO canary VALUES (1)");
  InsertRow("Ann", "Pen");
  const std::string before = Snapshot();
  const std::vector<std::string> payloads = {"'; DROP TABLE canary; --",
                                             "' OR '1'='1",
                                             "\"; DELETE FROM orders; --",
                                             "1; UPDATE orders SET status='delivered'",
                                             "%' OR 1=1 --",
                                             "\\'; TRUNCATE orders; --"};
  auto encode = [](const std::string& text) {
    std::string out;
    for (unsigned char c : text) {
      if (std::isalnum(c)) {
        out.push_back(static_cast<char>(c));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
  };
  for (const auto& p : payloads) {
    SCOPED_TRACE(p);
    std::string e = encode(p);
    for (const std::string& target :
         {"/api/orders?customer_name=" + e, "/api/orders?status=" + e,
          "/api/orders/search?search=" + e, "/api/orders/search?status=" + e,
          "/api/orders/search?sort_by=" + e, "/api/orders/search?sort_order=" + e,
          "/api/orders/search?date_from=" + e, "/api/orders/customer/" + e, "/api/orders/" + e,
          "/api/orders/recent?hours=" + e, "/api/orders/export?format=" + e}) {
      auto response = HttpGet(port_, target);
      EXPECT_TRUE(response.status == 200 || response.status == 400 || response.status == 404)
          << target << " " << response.status << " " << response.body;
      if (response.status == 200) {
        // A substring search for the payload finds nothing: it is a literal.
        auto doc = ParseJson(response.body);
        EXPECT_EQ(doc["count"].GetInt(), 0) << target;
      }
    }
    auto put = HttpRequest(port_, "PUT", "/api/orders/" + e, R"({"status":"shipped"})");
    EXPECT_TRUE(put.status == 400 || put.status == 404) << put.status;
    auto bad_status = Post("/api/orders", R"({"customer_name":"x","product_name":"y","status":")" +
                                              std::string("'; DROP TABLE canary; --") + R"("})");
    EXPECT_EQ(bad_status.status, 400);
  }
  EXPECT_EQ(Snapshot(), before);
  // Names are stored as given, literally.
  auto stored =
      Post("/api/orders", R"({"customer_name":"'); DROP TABLE canary; --","product_name":"x"})");
  ASSERT_EQ(stored.status, 201) << stored.body;
  EXPECT_STREQ(ParseJson(stored.body)["data"]["customer_name"].GetString(),
               "'); DROP TABLE canary; --");
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM canary"), "1");
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders"), "2");
}

TEST_F(RestApi, PercentAndUnderscoreAreLiteralInSearches) {
  Start("rest_like");
  InsertRow("100% Cotton Ltd", "a");
  InsertRow("100x Cotton", "b");
  InsertRow("snake_case", "c");
  InsertRow("snakeXcase", "d");
  InsertRow("back\\slash", "e");
  auto count = [&](const std::string& target) {
    auto response = HttpGet(port_, target);
    EXPECT_EQ(response.status, 200) << response.body;
    return ParseJson(response.body)["count"].GetInt();
  };
  EXPECT_EQ(count("/api/orders?customer_name=100%25"), 1);
  EXPECT_EQ(count("/api/orders?customer_name=e_c"), 1);
  EXPECT_EQ(count("/api/orders/search?search=100%25%20cotton"), 1);
  EXPECT_EQ(count("/api/orders/search?search=_"), 1);
  EXPECT_EQ(count("/api/orders/search?search=%5C"), 1);
  EXPECT_EQ(count("/api/orders/customer/100%25"), 1);
  EXPECT_EQ(count("/api/orders/customer/_"), 1);
}

TEST_F(RestApi, EventIdMatchesTheStreamEvent) {
  Start("rest_event_id");
  SseClient events(port_, "/api/events");
  ASSERT_EQ(events.status(), 200);
  auto created = ParseJson(Post("/api/orders", R"({"customer_name":"E","product_name":"v"})").body);
  ASSERT_TRUE(created["eventId"].IsString()) << "eventId within the wait";
  std::string id = std::to_string(created["data"]["id"].GetInt());
  auto updated =
      ParseJson(HttpRequest(port_, "PUT", "/api/orders/" + id, R"({"status":"delivered"})").body);
  auto deleted = ParseJson(HttpRequest(port_, "DELETE", "/api/orders/" + id).body);
  auto changes = ChangeEvents(events.ReadChanges(3, 30s));
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].event, "orders:insert");
  EXPECT_EQ(changes[0].id, created["eventId"].GetString());
  EXPECT_EQ(changes[1].event, "orders:update");
  EXPECT_EQ(changes[1].id, updated["eventId"].GetString());
  EXPECT_EQ(changes[2].event, "orders:delete");
  EXPECT_EQ(changes[2].id, deleted["eventId"].GetString());
  // The REST row and the event's row are the same JSON (docs/contract.md §2).
  auto event = ParseJson(changes[0].data);
  EXPECT_STREQ(event["data"]["data"]["created_at"].GetString(),
               created["data"]["created_at"].GetString());
  EXPECT_STREQ(event["data"]["data"]["updated_at"].GetString(),
               created["data"]["updated_at"].GetString());
}

TEST_F(RestApi, StatementTimeoutIs503AndNeverBlocksTheServer) {
  StartDaemon("rest_timeout",
              {"--rate-limit", "0", "--statement-timeout-ms", "3000", "--db-pool-size", "1"});
  std::string id = InsertRow("T", "p");
  // Another session holds a lock every statement on orders waits for.
  PgSession locker(db_.conninfo);
  locker.Exec("BEGIN; LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");
  std::atomic<bool> slow_done{false};
  std::thread slow([&] {
    auto response = HttpGet(port_, "/api/orders/" + id);
    slow_done = true;
    EXPECT_EQ(response.status, 503) << response.body;
    EXPECT_STREQ(ParseJson(response.body)["error"].GetString(), "Database timeout");
  });
  // Meanwhile (the blocked query waits 3 s) the server answers what needs no database.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(HttpGet(port_, "/api").status, 200);
  EXPECT_FALSE(slow_done) << "answered while the database query was blocked";
  slow.join();
  locker.Exec("COMMIT");
  auto after = HttpGet(port_, "/api/orders/" + id);
  EXPECT_EQ(after.status, 200) << after.body;
}

TEST(RestApiNotify, EventIdIsNullInNotifyMode) {
  auto db = CreateOrdersDatabase("rest_notify");
  DaemonProcess daemon(
      {"--port", "0", "--db-url", db.conninfo, "--source", "notify", "--rate-limit", "0"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  auto response =
      HttpRequest(port, "POST", "/api/orders", R"({"customer_name":"N","product_name":"p"})");
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_TRUE(ParseJson(response.body)["eventId"].IsNull());
}

TEST(RestApiDatabase, StoppedDatabaseGives503ThenRecoversWithoutRestart) {
  PgCluster cluster({"wal_level = logical"});
  cluster.Start();
  auto db = CreateOrdersDatabase("rest_down", cluster.ConnInfo());
  DaemonProcess daemon(
      {"--port", "0", "--db-url", db.conninfo, "--source", "notify", "--rate-limit", "0"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  auto created =
      HttpRequest(port, "POST", "/api/orders", R"({"customer_name":"D","product_name":"p"})");
  ASSERT_EQ(created.status, 201) << created.body << daemon.Log();
  std::string id = std::to_string(ParseJson(created.body)["data"]["id"].GetInt());

  cluster.Stop();
  for (const std::string& target :
       std::vector<std::string>{"/api/orders/" + id, "/api/orders", "/api/orders/stats"}) {
    auto down = HttpGet(port, target);
    EXPECT_EQ(down.status, 503) << target << " " << down.body;
    auto doc = ParseJson(down.body);
    EXPECT_STREQ(doc["error"].GetString(), "Database unavailable");
    EXPECT_EQ(down.body.find("connect"), std::string::npos) << "no database text for clients";
  }
  EXPECT_EQ(HttpRequest(port, "POST", "/api/orders", R"({"customer_name":"D","product_name":"p"})")
                .status,
            503);

  cluster.Start();
  int status = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline && status != 200;
       std::this_thread::sleep_for(100ms)) {
    status = HttpGet(port, "/api/orders/" + id).status;
  }
  EXPECT_EQ(status, 200) << daemon.Log();
  auto again =
      HttpRequest(port, "POST", "/api/orders", R"({"customer_name":"E","product_name":"p"})");
  EXPECT_EQ(again.status, 201) << again.body;
  EXPECT_FALSE(daemon.WaitExit(0ms).has_value());
}

}  // namespace
}  // namespace walcast::testing
