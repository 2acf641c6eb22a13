#include "api/http/router.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "api/http/json_response.h"
#include "api/http/url.h"

namespace walcast::api {
namespace {

Response Call(const Router& router, http::verb method, const std::string& target) {
  Request request(method, target, 11);
  std::optional<Response> out;
  router.Handle(request, AccessGrant::Full(), [&](Response r) { out = std::move(r); });
  EXPECT_TRUE(out.has_value());
  return out.value_or(Response{});
}

rapidjson::Document Json(const Response& response) {
  rapidjson::Document doc;
  doc.Parse(response.body().c_str());
  EXPECT_FALSE(doc.HasParseError()) << response.body();
  return doc;
}

TEST(Router, HealthIsOkWhenDatabaseIsUp) {
  HealthReport report;
  report.database_up = true;
  report.stream_expected = false;
  report.source = "auto";
  report.slot = "walcast_orders";
  Router router({[&] { return report; }, nullptr, nullptr, nullptr});
  auto response = Call(router, http::verb::get, "/health");
  EXPECT_EQ(response.result(), http::status::ok);
  auto doc = Json(response);
  EXPECT_STREQ(doc["status"].GetString(), "ok");
  EXPECT_STREQ(doc["slot"].GetString(), "walcast_orders");
  EXPECT_TRUE(doc["confirmedLsn"].IsNull());
  EXPECT_TRUE(doc.HasMember("lagBytes"));
  EXPECT_TRUE(doc.HasMember("lastEventAt"));
  EXPECT_TRUE(doc.HasMember("clients"));
  EXPECT_TRUE(doc.HasMember("uptimeSeconds"));
  EXPECT_STREQ(doc["role"].GetString(), "standalone");
  EXPECT_FALSE(doc.HasMember("redis")) << "absent when standalone (docs/contract.md §8)";
}

TEST(Router, HealthOfAClusterMemberSaysItsRoleAndRedis) {
  HealthReport report;
  report.database_up = true;
  report.stream_up = true;
  report.cluster = HealthReport::Cluster{true, true, "", 12, 3};
  Router router({[&] { return report; }, nullptr, nullptr, nullptr});
  auto doc = Json(Call(router, http::verb::get, "/health"));
  EXPECT_STREQ(doc["status"].GetString(), "ok");
  EXPECT_STREQ(doc["role"].GetString(), "leader");
  EXPECT_STREQ(doc["redis"].GetString(), "up");
  EXPECT_EQ(doc["clusterLagMs"].GetInt64(), 12);
  EXPECT_EQ(doc["term"].GetInt64(), 3);
  EXPECT_FALSE(doc.HasMember("redisProblem"));
}

TEST(Router, HealthOfAMemberWithoutRedisIsDegradedAndSaysWhy) {
  HealthReport report;
  report.database_up = true;
  report.stream_up = false;
  report.problem = "Redis: connection refused";
  report.cluster = HealthReport::Cluster{false, false, "connection refused", 0, 0};
  Router router({[&] { return report; }, nullptr, nullptr, nullptr});
  auto response = Call(router, http::verb::get, "/health");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  auto doc = Json(response);
  EXPECT_STREQ(doc["status"].GetString(), "degraded");
  EXPECT_STREQ(doc["role"].GetString(), "follower");
  EXPECT_STREQ(doc["redis"].GetString(), "down");
  EXPECT_STREQ(doc["redisProblem"].GetString(), "connection refused");
}

TEST(Router, HealthIs503WhenDatabaseIsDown) {
  HealthReport report;
  report.database_up = false;
  Router router({[&] { return report; }, nullptr, nullptr, nullptr});
  auto response = Call(router, http::verb::get, "/health?verbose=1");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_STREQ(Json(response)["status"].GetString(), "down");
}

TEST(Router, HealthIsDegradedWhenStreamIsDown) {
  HealthReport report;
  report.database_up = true;
  report.stream_expected = true;
  report.stream_up = false;
  Router router({[&] { return report; }, nullptr, nullptr, nullptr});
  auto response = Call(router, http::verb::get, "/health");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_STREQ(Json(response)["status"].GetString(), "degraded");
}

TEST(Router, HealthRejectsOtherMethodsWithAllow) {
  Router router({[] { return HealthReport{}; }, nullptr, nullptr, nullptr});
  auto response = Call(router, http::verb::post, "/health");
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  EXPECT_EQ(response[http::field::allow], "GET, HEAD");
}

TEST(Router, MetricsIsPrometheusText) {
  RouterServices services;
  services.metrics = [] { return std::string("walcast_clients 3\n"); };
  Router router(services);
  auto response = Call(router, http::verb::get, "/metrics");
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), "walcast_clients 3\n");
  EXPECT_NE(std::string(response[http::field::content_type]).find("text/plain"), std::string::npos);
}

TEST(Router, TablesListsTheCatalogToReadersOnly) {
  auto catalog = std::make_shared<decoder::TableCatalog>();
  decoder::CatalogTable invoices;
  invoices.schema = "sales";
  invoices.name = "invoices";
  invoices.replica_identity = decoder::ReplicaIdentity::kIndex;
  invoices.columns.push_back({"id", "bigint", 20, true, true});
  invoices.columns.push_back({"total", "numeric(10,2)", 1700, false, false});
  decoder::CatalogTable customers;
  customers.name = "customers";
  customers.replica_identity = decoder::ReplicaIdentity::kFull;
  catalog->Replace({invoices, customers});
  RouterServices services;
  services.tables = catalog;
  Router router(services);
  auto response = Call(router, http::verb::get, "/api/tables");
  ASSERT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(),
            R"({"success":true,"data":[{"schema":"public","name":"customers",)"
            R"("qualifiedName":"customers","replicaIdentity":"full","columns":[]},)"
            R"({"schema":"sales","name":"invoices","qualifiedName":"sales.invoices",)"
            R"("replicaIdentity":"index","columns":[{"name":"id","type":"bigint","key":true,)"
            R"x("notNull":true},{"name":"total","type":"numeric(10,2)","key":false,)x"
            R"("notNull":false}]}],"count":2})");
  EXPECT_EQ(Call(router, http::verb::post, "/api/tables").result(),
            http::status::method_not_allowed);
  AccessGrant writer_only;
  writer_only.read = false;
  std::optional<Response> refused;
  router.Handle(Request(http::verb::get, "/api/tables", 11), writer_only,
                [&](Response r) { refused = std::move(r); });
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->result(), http::status::forbidden);
}

TEST(Router, MetricsHistoryIsJsonAfterASampleNumber) {
  std::vector<std::optional<uint64_t>> asked;
  RouterServices services;
  services.metrics_history = [&](std::optional<uint64_t> after) {
    asked.push_back(after);
    return std::string(R"({"samples":[]})");
  };
  Router router(services);
  auto all = Call(router, http::verb::get, "/metrics/history");
  EXPECT_EQ(all.result(), http::status::ok);
  EXPECT_EQ(all.body(), R"({"samples":[]})");
  EXPECT_NE(std::string(all[http::field::content_type]).find("application/json"),
            std::string::npos);
  EXPECT_EQ(Call(router, http::verb::get, "/metrics/history?after=42").result(), http::status::ok);
  EXPECT_EQ(asked, (std::vector<std::optional<uint64_t>>{std::nullopt, 42}));

  for (const char* bad :
       {"/metrics/history?after=", "/metrics/history?after=-1", "/metrics/history?after=1x",
        "/metrics/history?after=%2B1", "/metrics/history?after=99999999999999999999"}) {
    auto response = Call(router, http::verb::get, bad);
    EXPECT_EQ(response.result(), http::status::bad_request) << bad;
    EXPECT_STREQ(Json(response)["details"][0]["field"].GetString(), "after") << bad;
  }
  EXPECT_EQ(asked.size(), 2u) << "a bad request never reaches the history";
  EXPECT_EQ(Call(router, http::verb::post, "/metrics/history").result(),
            http::status::method_not_allowed);
  // Without a history (a server that keeps none) the path is unknown.
  Router bare({[] { return HealthReport{}; }, nullptr, nullptr, nullptr});
  EXPECT_EQ(Call(bare, http::verb::get, "/metrics/history").result(), http::status::not_found);
}

TEST(Router, RouteLabelsAreAFixedSet) {
  EXPECT_EQ(RouteLabel("/metrics/history"), "/metrics/history");
  EXPECT_EQ(RouteLabel("/health"), "/health");
  EXPECT_EQ(RouteLabel("/api/events"), "/api/events");
  EXPECT_EQ(RouteLabel("/api/orders/12345"), "/api/orders/:id");
  EXPECT_EQ(RouteLabel("/api/orders/stats"), "/api/orders/stats");
  EXPECT_EQ(RouteLabel("/api/orders/customer/Ann%20Lee"), "/api/orders/customer/:name");
  EXPECT_EQ(RouteLabel("/api/orders/1/2"), "/api/other");
  EXPECT_EQ(RouteLabel("/api/nothing"), "/api/other");
  EXPECT_EQ(RouteLabel("/app.js"), "static");
}

TEST(Router, UnknownPathIsJson404) {
  Router router({[] { return HealthReport{}; }, nullptr, nullptr, nullptr});
  for (const char* target : {"/nope", "/api/nope", "/api", "/health/x"}) {
    auto response = Call(router, http::verb::get, target);
    EXPECT_EQ(response.result(), http::status::not_found) << target;
    auto doc = Json(response);
    EXPECT_FALSE(doc["success"].GetBool());
    EXPECT_STREQ(doc["error"].GetString(), "Endpoint not found");
    EXPECT_NE(std::string(response[http::field::content_type]).find("application/json"),
              std::string::npos);
  }
}

class RouterWithFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("walcast-router-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_);
    std::ofstream(root_ / "index.html") << "<h1>walcast</h1>";
    std::ofstream(root_ / "app.js") << "console.log(1)";
    files_ = std::make_unique<StaticFiles>(root_.string());
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::filesystem::path root_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(RouterWithFiles, ServesIndexAndAssets) {
  Router router({[] { return HealthReport{}; }, nullptr, files_.get(), nullptr});
  auto index = Call(router, http::verb::get, "/");
  EXPECT_EQ(index.result(), http::status::ok);
  EXPECT_EQ(index.body(), "<h1>walcast</h1>");
  EXPECT_EQ(index[http::field::content_type], "text/html; charset=utf-8");
  auto js = Call(router, http::verb::get, "/app.js?v=2");
  EXPECT_EQ(js[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body(), "console.log(1)");
}

TEST_F(RouterWithFiles, TheDashboardIsServedWithoutItsExtension) {
  std::ofstream(root_ / "dashboard.html") << "<h1>dashboard</h1>";
  Router router({[] { return HealthReport{}; }, nullptr, files_.get(), nullptr});
  auto page = Call(router, http::verb::get, "/dashboard");
  EXPECT_EQ(page.result(), http::status::ok);
  EXPECT_EQ(page.body(), "<h1>dashboard</h1>");
  EXPECT_EQ(page[http::field::content_type], "text/html; charset=utf-8");
}

TEST_F(RouterWithFiles, HeadHasLengthButNoBody) {
  Router router({[] { return HealthReport{}; }, nullptr, files_.get(), nullptr});
  auto head = Call(router, http::verb::head, "/app.js");
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head.body(), "");
  EXPECT_EQ(head[http::field::content_length], "14");
}

TEST_F(RouterWithFiles, WrongMethodOnFileIs405UnknownIs404) {
  Router router({[] { return HealthReport{}; }, nullptr, files_.get(), nullptr});
  EXPECT_EQ(Call(router, http::verb::post, "/app.js").result(), http::status::method_not_allowed);
  EXPECT_EQ(Call(router, http::verb::post, "/missing.js").result(), http::status::not_found);
}

TEST(Respond, StreamWithoutASinkGathersTheWholeBody) {
  std::optional<Response> out;
  Respond respond([&](Response r) { out = std::move(r); });
  Response head(http::status::ok, 11);
  head.set(http::field::content_type, "text/csv");
  int calls = 0;
  respond.Stream(std::move(head), [&](DeliverChunk deliver) {
    ++calls;
    if (calls <= 3) return deliver("part" + std::to_string(calls) + ";");
    deliver(std::nullopt);
  });
  ASSERT_TRUE(out);
  EXPECT_EQ(out->body(), "part1;part2;part3;");
  EXPECT_EQ((*out)[http::field::content_type], "text/csv");
  EXPECT_EQ(calls, 4);
}

TEST(Router, RestHandlerAnswersBeforeThe404) {
  int calls = 0;
  RouterServices services{[] { return HealthReport{}; }, nullptr, nullptr,
                          [&](const Request& request, const AccessGrant&, const Respond& respond) {
                            ++calls;
                            if (PathOf(request.target()) != "/api/orders") return false;
                            respond(JsonResponse(http::status::ok, "[]"));
                            return true;
                          }};
  Router router(std::move(services));
  EXPECT_EQ(Call(router, http::verb::get, "/api/orders").result(), http::status::ok);
  EXPECT_EQ(Call(router, http::verb::get, "/api/other").result(), http::status::not_found);
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace walcast::api
