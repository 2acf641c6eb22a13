// HTTP defects found by probing walcastd from outside, each pinned through the real daemon and a
// real socket, with the class of input around it: HTTP/1.0 exports streamed until close,
// request framing that could smuggle a second request (Transfer-Encoding, Content-Length), HEAD
// answered without a body on every route, a body over the limit answered with a readable 413,
// input PostgreSQL would refuse (invalid UTF-8, lone surrogates, year 0) refused with 400 before
// any query, the analytics keys of the original app, the self-description, and secrets kept out
// of the log.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"
#include "tests/harness/ws_client.h"
#include "tests/integration/raw_http.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class HttpHardening : public StreamingDaemonTest {
 protected:
  void Start(const std::string& name, std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--rate-limit", "0"});
    StartDaemon(name, extra);
  }
  void InsertRows(int count) {
    session_->Exec(
        "INSERT INTO orders (customer_name, product_name, status) SELECT 'Customer ' || i, "
        "'Product ' || (i % 7), (ARRAY['pending','shipped','delivered'])[1 + i % 3] FROM "
        "generate_series(1, " +
        std::to_string(count) + ") i");
  }
  std::string Snapshot() {
    return session_->Scalar(
        "SELECT coalesce(string_agg(format('%s|%s|%s|%s', id, customer_name, product_name, "
        "status), E'\\n' ORDER BY id), '') FROM orders");
  }
};

// HTTP/1.0 has no chunked encoding: the export used to be gathered whole in memory (and sent with
// a Content-Length). Now it is the raw body until the close, one batch in memory at a time.
TEST_F(HttpHardening, Http10ExportIsStreamedUntilCloseNotBuffered) {
  Start("hard_export10");
  InsertRows(2500);
  for (std::string format : {"json", "csv"}) {
    std::string response = RawExchange(
        port_, "GET /api/orders/export?format=" + format + " HTTP/1.0\r\nHost: x\r\n\r\n", 60s);
    ASSERT_EQ(StatusOf(response), 200) << response.substr(0, 300);
    EXPECT_EQ(HeaderOf(response, "content-length"), "") << format << ": not gathered whole";
    EXPECT_EQ(HeaderOf(response, "transfer-encoding"), "") << format << ": no chunked in 1.0";
    std::string body = BodyOf(response);
    if (format == "json") {
      auto doc = ParseJson(body);
      ASSERT_TRUE(doc.IsObject());
      EXPECT_EQ(doc["count"].GetInt(), 2500);
      EXPECT_EQ(doc["data"].Size(), 2500u);
    } else {
      EXPECT_EQ(std::count(body.begin(), body.end(), '\n'), 2501) << "header + every row";
    }
  }
  // HTTP/1.1 keeps chunked encoding and the connection.
  std::string chunked = RawExchange(
      port_, "GET /api/orders/export HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 60s);
  EXPECT_EQ(HeaderOf(chunked, "transfer-encoding"), "chunked");
}

// RFC 9112 §6.3: a Transfer-Encoding that does not end in chunked, or one beside Content-Length,
// leaves the body's length unknown. Each answer is one 400 and the connection closes: the body
// (here a second request) is never parsed as the next request.
TEST_F(HttpHardening, AmbiguousRequestFramingIsRefusedAndNeverSmuggles) {
  Start("hard_framing");
  const std::string smuggled = "GET /api/orders/7 HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::vector<std::string> framings = {
      "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: gzip\r\n",
      "Transfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked, gzip\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n",
      "Transfer-Encoding: gzip\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n",
      "Content-Length: " + std::to_string(smuggled.size()) + "\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 3\r\nContent-Length: 4\r\n",
      "Content-Length: 3, 4\r\n",
      "Content-Length: -1\r\n",
  };
  const std::string before = Snapshot();
  for (const auto& framing : framings) {
    std::string response = RawExchange(port_,
                                       "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                       "application/json\r\n" +
                                           framing + "\r\n" + smuggled);
    EXPECT_EQ(StatusOf(response), 400) << framing << response;
    EXPECT_EQ(response.find("HTTP/1.1", 8), std::string::npos)
        << framing << ": a second response means the body was read as a request";
  }
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200);
}

// HEAD gets GET's head (Content-Length included) and no body, on every route and status, so the
// next response on the same connection starts right after the head.
TEST_F(HttpHardening, HeadHasNoBodyOnAnyRouteOrStatus) {
  Start("hard_head");
  InsertRows(3);
  const std::string id = session_->Scalar("SELECT min(id) FROM orders");
  const std::vector<std::pair<std::string, int>> targets = {
      {"/health", 200},
      {"/api", 200},
      {"/api/orders", 200},
      {"/api/orders/" + id, 200},
      {"/api/orders/999999", 404},
      {"/api/orders/abc", 400},
      {"/api/orders/stats", 200},
      {"/api/orders/analytics", 200},
      {"/api/orders/export", 200},
      {"/api/orders/bulk-status", 405},
      {"/api/orders/search?date_from=nonsense", 400},
      {"/api/no-such", 404},
      {"/metrics", 200},
      {"/api/events", 200},
      {"/", 200},
      {"/no-such-file", 404},
  };
  for (const auto& [target, status] : targets) {
    RawSocket socket(port_);
    socket.Send("HEAD " + target +
                " HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string both = socket.ReadUntil("\"status\"", 20s);
    EXPECT_EQ(StatusOf(both), status) << target << "\n" << both;
    auto head_end = both.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << target;
    EXPECT_EQ(both.substr(head_end + 4, 9), "HTTP/1.1 ") << target << ": HEAD sent a body";
  }
  // The announced length is GET's.
  std::string head =
      RawExchange(port_, "HEAD /api HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(HeaderOf(head, "content-length"), std::to_string(HttpGet(port_, "/api").body.size()));
}

// A body over the limit: the 413 arrives whole and readable while the client is still sending.
TEST_F(HttpHardening, BodyOverTheLimitGetsA413TheClientCanRead) {
  Start("hard_413");
  for (std::size_t size : {std::size_t{100} << 10, std::size_t{1} << 20, std::size_t{11} << 20}) {
    RawSocket socket(port_);
    std::string head =
        "POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::to_string(size) + "\r\n\r\n";
    ASSERT_TRUE(socket.Send(head));
    // A client that sends the whole body before reading (as most do): the server must let it
    // finish (no EPIPE or reset while sending), then it reads the answer.
    bool sent_all = false;
    std::thread sender([&] { sent_all = socket.Send(std::string(size, 'x')); });
    sender.join();
    EXPECT_TRUE(sent_all) << size << ": the server closed while the client was sending";
    std::string response = socket.ReadUntilClose(30s);
    EXPECT_EQ(StatusOf(response), 413) << size << ": " << response.substr(0, 200);
    EXPECT_NE(response.find("Request body too large"), std::string::npos) << size;
  }
  // Chunked, past the limit in the middle of the body.
  RawSocket socket(port_);
  ASSERT_TRUE(
      socket.Send("POST /api/orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n"));
  std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  bool sent_all = true;
  for (int i = 0; i < 32 && sent_all; ++i) sent_all = socket.Send(chunk);
  EXPECT_TRUE(sent_all) << "chunked: the server closed while the client was sending";
  EXPECT_EQ(StatusOf(socket.ReadUntilClose(30s)), 413);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200);
}

// Text PostgreSQL would refuse (not UTF-8, lone surrogates) and dates it has no year for are a
// 400 with details, decided before any query; nothing changes in the table.
TEST_F(HttpHardening, InputPostgresWouldRefuseIs400WithDetails) {
  Start("hard_input");
  InsertRows(2);
  const std::string before = Snapshot();
  const std::vector<std::string> bad_text = {"%FF",       "%C0%AF",         "%ED%A0%80",
                                             "%ED%B0%80", "%F4%90%80%80",   "%E2%82",
                                             "a%80b",     "%F8%88%80%80%80"};
  std::vector<std::string> targets;
  for (const auto& bad : bad_text) {
    targets.push_back("/api/orders?customer_name=" + bad);
    targets.push_back("/api/orders/search?search=" + bad);
    targets.push_back("/api/orders/customer/" + bad);
    targets.push_back("/api/orders/customer/Ann" + bad + "?limit=5");
    targets.push_back("/api/orders?status=" + bad);
  }
  for (std::string date :
       {"0000-01-01", "0000-12-31T23:59:59Z", "0001-01-01T00:00:00%2B01:00", "10000-01-01",
        "2024-02-30", "2024-13-01", "-001-01-01", "2024-01-01T24:00:00Z"}) {
    targets.push_back("/api/orders/search?date_from=" + date);
    targets.push_back("/api/orders/search?date_to=" + date);
  }
  for (const auto& target : targets) {
    HttpResult result = HttpGet(port_, target);
    EXPECT_EQ(result.status, 400) << target << " " << result.body;
    auto doc = ParseJson(result.body);
    EXPECT_TRUE(doc.IsObject() && doc.HasMember("details") && doc["details"].IsArray())
        << target << " " << result.body;
  }
  // The edges of the range are served.
  EXPECT_EQ(HttpGet(port_, "/api/orders/search?date_from=0001-01-01&date_to=9999-12-31").status,
            200);
  EXPECT_EQ(HttpGet(port_, "/api/orders/search?date_to=9999-12-31T23:59:59Z").status, 200);

  const std::vector<std::string> bad_bodies = {
      R"({"customer_name":"a\udc00b","product_name":"p"})",
      R"({"customer_name":"a","product_name":"\udfff"})",
      R"({"customer_name":"a\ud800","product_name":"p"})",
      R"({"customer_name":"a\ud800\u0041","product_name":"p"})",
      R"({"customer_name":"a","product_name":"p","\udc00":1})",
      "{\"customer_name\":\"\xC0\xAF\",\"product_name\":\"p\"}",
      "{\"customer_name\":\"\xED\xA0\x80\",\"product_name\":\"p\"}",
  };
  for (const auto& body : bad_bodies) {
    for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"POST", "/api/orders"}, {"PUT", "/api/orders/1"}}) {
      HttpResult result =
          HttpRequest(port_, method, target, body, {{"Content-Type", "application/json"}});
      EXPECT_EQ(result.status, 400) << method << " " << body << " " << result.body;
      EXPECT_NE(result.body.find("\"details\""), std::string::npos) << body;
    }
  }
  HttpResult bulk = HttpRequest(port_, "PATCH", "/api/orders/bulk-status",
                                R"({"order_ids":[1],"status":"shipped","x":"\udc00"})",
                                {{"Content-Type", "application/json"}});
  EXPECT_EQ(bulk.status, 400) << bulk.body;
  EXPECT_EQ(Snapshot(), before);
  // Valid text outside ASCII still works, astral characters included.
  HttpResult ok = HttpRequest(port_, "POST", "/api/orders",
                              R"({"customer_name":"Zoë \ud83d\ude00","product_name":"Café"})",
                              {{"Content-Type", "application/json"}});
  EXPECT_EQ(ok.status, 201) << ok.body;
}

// GET /api/orders/analytics carries the original app's keys with its meaning: numbers, RFC 3339
// times, top 5, the last 7 days newest first, generated_at beside data.
TEST_F(HttpHardening, AnalyticsHasTheOriginalAppsKeys) {
  Start("hard_analytics");
  auto empty = ParseJson(HttpGet(port_, "/api/orders/analytics").body);
  ASSERT_TRUE(empty.IsObject());
  EXPECT_EQ(empty["data"]["overview"]["pending_percentage"].GetDouble(), 0);
  EXPECT_TRUE(empty["data"]["overview"]["latest_order"].IsNull());

  InsertRows(21);  // 21 customers, 7 products, 7 of each status
  session_->Exec(
      "SET session_replication_role = replica; UPDATE orders SET created_at = now() - interval "
      "'2 days' WHERE id % 7 = 0; UPDATE orders SET created_at = now() - interval '20 days' "
      "WHERE id % 7 = 1; SET session_replication_role = origin");
  HttpResult result = HttpGet(port_, "/api/orders/analytics");
  ASSERT_EQ(result.status, 200) << result.body;
  auto doc = ParseJson(result.body);
  ASSERT_TRUE(doc["generated_at"].IsString()) << "beside data";
  const auto& overview = doc["data"]["overview"];
  for (const char* key : {"total_orders", "pending_count", "shipped_count", "delivered_count",
                          "unique_customers", "orders_today", "orders_this_week"}) {
    ASSERT_TRUE(overview.HasMember(key) && overview[key].IsInt()) << key << " " << result.body;
  }
  for (const char* key : {"pending_percentage", "shipped_percentage", "delivered_percentage"}) {
    ASSERT_TRUE(overview.HasMember(key) && overview[key].IsNumber()) << key;
    EXPECT_NEAR(overview[key].GetDouble(), 33.33, 0.01) << key;
  }
  for (const char* key : {"latest_order", "earliest_order"}) {
    ASSERT_TRUE(overview.HasMember(key) && overview[key].IsString()) << key;
    EXPECT_EQ(std::string(overview[key].GetString()).size(), 27u) << "RFC 3339 UTC";
  }
  EXPECT_EQ(overview["total_orders"].GetInt(), 21);
  EXPECT_EQ(overview["pending_count"].GetInt(), 7);
  EXPECT_EQ(overview["unique_customers"].GetInt(), 21);
  EXPECT_EQ(overview["orders_today"].GetInt(), 21 - 3 - 3);

  const auto& customers = doc["data"]["top_customers"];
  ASSERT_EQ(customers.Size(), 5u) << "top 5";
  EXPECT_TRUE(customers[0]["customer_name"].IsString());
  EXPECT_TRUE(customers[0]["order_count"].IsInt());
  ASSERT_TRUE(customers[0]["statuses"].IsArray());
  EXPECT_TRUE(customers[0]["statuses"][0].IsString());
  const auto& products = doc["data"]["top_products"];
  ASSERT_EQ(products.Size(), 5u);
  EXPECT_EQ(products[0]["order_count"].GetInt(), 3);
  EXPECT_TRUE(products[0]["most_common_status"].IsString());
  const auto& trend = doc["data"]["daily_trend"];
  ASSERT_EQ(trend.Size(), 2u) << "the 20-day-old orders are outside the last 7 days";
  EXPECT_GT(std::string(trend[0]["date"].GetString()), std::string(trend[1]["date"].GetString()))
      << "newest first";
  for (const char* key : {"orders_count", "pending", "shipped", "delivered"}) {
    EXPECT_TRUE(trend[0][key].IsInt()) << key;
  }
  EXPECT_EQ(trend[0]["orders_count"].GetInt(), 15);
}

// GET /api names every endpoint and every event in both directions.
TEST_F(HttpHardening, ApiDescriptionListsEveryEventBothWays) {
  Start("hard_api");
  auto doc = ParseJson(HttpGet(port_, "/api").body);
  std::set<std::string> events, client_events, paths;
  for (const auto& e : doc["data"]["events"].GetArray()) events.insert(e.GetString());
  for (const auto& e : doc["data"]["clientEvents"].GetArray()) client_events.insert(e.GetString());
  for (const auto& e : doc["data"]["endpoints"].GetArray()) paths.insert(e["path"].GetString());
  for (const char* name :
       {"welcome", "orders:insert", "orders:update", "orders:delete", "orders:truncate", "resync",
        "pong", "error", "server_shutdown", "clients", "subscribe", "unsubscribe", "ping"}) {
    EXPECT_TRUE(events.count(name)) << name;
  }
  for (const char* name : {"subscribe", "unsubscribe", "ping"}) {
    EXPECT_TRUE(client_events.count(name)) << name;
  }
  for (const char* path :
       {"/api", "/api/orders", "/api/orders/:id", "/api/orders/bulk-status", "/api/orders/stats",
        "/api/orders/analytics", "/api/orders/recent", "/api/orders/search", "/api/orders/export",
        "/api/orders/customer/:name", "/api/events", "/ws", "/health", "/metrics"}) {
    EXPECT_TRUE(paths.count(path)) << path;
  }
}

// Tokens never reach the log (query or header, any status, any level), control bytes of a target
// are escaped, and PostgreSQL's notices go through the logger instead of raw stderr.
TEST_F(HttpHardening, LogsCarryNoSecretsNoRawControlBytesAndNoRawNotices) {
  // A schema file that only raises a notice (the database has the real schema already).
  const char* tmp = std::getenv("WALCAST_TEST_TMPDIR");
  const std::string schema = std::string(tmp ? tmp : "/tmp") + "/notice_schema.sql";
  std::ofstream(schema) << "DO $$ BEGIN RAISE NOTICE 'walcast test notice'; END $$;\n";
  Start("hard_logs", {"--log-level", "debug", "--stream-token", "streamsecret123", "--api-token",
                      "apisecret456", "--apply-schema", "--schema-file", schema});
  SseClient sse(port_, "/api/events?access_token=streamsecret123&status=pending");
  EXPECT_EQ(sse.status(), 200);
  HttpGet(port_, "/api/orders?access_token=streamsecret123&token=apisecret456");
  HttpRequest(port_, "POST", "/api/orders", "{}",
              {{"Authorization", "Bearer apisecret456"}, {"Content-Type", "application/json"}});
  HttpRequest(port_, "POST", "/api/orders", "{}", {{"Authorization", "Bearer wrongsecret789"}});
  RawExchange(port_,
              "GET /api/x%0d%0a\x01?access_token=streamsecret123 HTTP/1.1\r\nHost: x\r\n"
              "Connection: close\r\n\r\n");
  WsClient ws(port_, "/ws?access_token=streamsecret123");
  ASSERT_TRUE(ws.NextEvent("welcome", 30s));
  EXPECT_TRUE(daemon_->WaitForLog("[redacted]", 10s));
  std::string log = daemon_->Log();
  for (const char* secret : {"streamsecret123", "apisecret456", "wrongsecret789"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret << " in the log";
  }
  EXPECT_EQ(log.find('\x01'), std::string::npos);
  EXPECT_EQ(log.find("NOTICE:  "), std::string::npos) << "libpq's raw notice format";
  EXPECT_NE(log.find("postgres NOTICE db=" + db_.name), std::string::npos) << log.substr(0, 3000);
  EXPECT_NE(log.find("walcast test notice"), std::string::npos);
}

}  // namespace
}  // namespace walcast::testing
