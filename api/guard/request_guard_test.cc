#include "api/guard/request_guard.h"

#include <gtest/gtest.h>

#include "api/status/metrics.h"

namespace walcast::api {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1)};
  RateLimiter::Clock AsClock() {
    return [this] { return now; };
  }
};

GuardOptions Options(double rate, std::string token = "",
                     std::vector<std::string> origins = {"*"}) {
  GuardOptions options;
  options.rate_limit.requests_per_second = rate;
  options.api_token = std::move(token);
  options.cors_origins = std::move(origins);
  return options;
}

Request Make(http::verb method, std::string_view target,
             std::vector<std::pair<http::field, std::string>> headers = {}) {
  Request request(method, target, 11);
  for (auto& [field, value] : headers) request.set(field, value);
  return request;
}

// The status the guard answers, or 0 when it lets the request through to routing.
unsigned Outcome(RequestGuard& guard, const Request& request, std::string_view client = "1.2.3.4") {
  auto refused = guard.Check(request, client);
  return refused ? refused->result_int() : 0;
}

TEST(IsApiPath, ApiAndBelowOnly) {
  struct Case {
    std::string target;
    bool api;
  };
  for (const Case& c : std::vector<Case>{{"/api", true},
                                         {"/api/", true},
                                         {"/api/orders?limit=5", true},
                                         {"/api/events", true},
                                         {"/%61pi/orders", true},
                                         {"/api%2Forders", true},
                                         {"/ap%zz", true},
                                         {"/apix", false},
                                         {"/health", false},
                                         {"/metrics", false},
                                         {"/ws", false},
                                         {"/", false},
                                         {"/app.js", false}}) {
    EXPECT_EQ(IsApiPath(c.target), c.api) << c.target;
  }
}

TEST(RequestGuard, WriteTokenIsRequiredForWritesOnly) {
  struct Case {
    http::verb method;
    std::string target;
    std::string authorization;  // empty: none
    unsigned status;
  };
  FakeClock clock;
  RequestGuard guard(Options(0, "s3cret"), nullptr, clock.AsClock());
  for (const Case& c : std::vector<Case>{
           {http::verb::get, "/api/orders", "", 0},
           {http::verb::head, "/api/orders", "", 0},
           {http::verb::get, "/api/orders/7", "Bearer wrong", 0},
           {http::verb::post, "/api/orders", "", 401},
           {http::verb::post, "/api/orders", "Bearer wrong", 401},
           {http::verb::post, "/api/orders", "Bearer s3cre", 401},
           {http::verb::post, "/api/orders", "Bearer  s3cret", 401},
           {http::verb::post, "/api/orders", "Bearer s3cret2", 401},
           {http::verb::post, "/api/orders", "Basic s3cret", 401},
           {http::verb::post, "/api/orders", "Bearer s3cret", 0},
           {http::verb::put, "/api/orders/1", "", 401},
           {http::verb::patch, "/api/orders/bulk-status", "", 401},
           {http::verb::delete_, "/api/orders/1", "", 401},
           {http::verb::delete_, "/api/orders/1", "Bearer s3cret", 0},
           {http::verb::post, "/api/no-such-endpoint", "", 401},
           {http::verb::post, "/%61pi/orders", "", 401},
           {http::verb::post, "/health", "", 0},  // not the API: the router's 405
           {http::verb::post, "/", "", 0},
       }) {
    auto request = Make(c.method, c.target);
    if (!c.authorization.empty()) request.set(http::field::authorization, c.authorization);
    EXPECT_EQ(Outcome(guard, request), c.status)
        << http::to_string(c.method) << " " << c.target << " [" << c.authorization << "]";
  }
}

TEST(RequestGuard, NoTokenConfiguredLeavesWritesOpen) {
  RequestGuard guard(Options(0), nullptr);
  EXPECT_EQ(Outcome(guard, Make(http::verb::post, "/api/orders")), 0u);
  EXPECT_EQ(Outcome(guard, Make(http::verb::delete_, "/api/orders/1")), 0u);
}

TEST(RequestGuard, UnauthorizedCarriesTheChallenge) {
  RequestGuard guard(Options(0, "t"), nullptr);
  auto refused = guard.Check(Make(http::verb::post, "/api/orders"), "a");
  ASSERT_TRUE(refused);
  EXPECT_EQ((*refused)[http::field::www_authenticate], "Bearer");
}

TEST(RequestGuard, RateLimitCountsTheApiButNotMonitoringStaticOrTheStream) {
  FakeClock clock;
  Metrics metrics;
  RequestGuard guard(Options(1), &metrics, clock.AsClock());  // burst 2
  EXPECT_EQ(Outcome(guard, Make(http::verb::get, "/api/orders")), 0u);
  EXPECT_EQ(Outcome(guard, Make(http::verb::get, "/api/orders/1")), 0u);
  for (const char* free : {"/health", "/metrics", "/", "/app.js", "/ws", "/api/events"}) {
    EXPECT_EQ(Outcome(guard, Make(http::verb::get, free)), 0u) << free;
  }
  auto refused = guard.Check(Make(http::verb::get, "/api"), "1.2.3.4");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->result(), http::status::too_many_requests);
  EXPECT_EQ((*refused)[http::field::retry_after], "1");
  EXPECT_EQ(refused->body(), R"({"success":false,"error":"Too many requests"})");
  EXPECT_EQ(Outcome(guard, Make(http::verb::get, "/api/orders"), "5.6.7.8"), 0u)
      << "another address has its own bucket";
  EXPECT_NE(metrics.Render({}).find("walcast_rate_limited_requests_total 1\n"), std::string::npos);

  clock.now += 1s;
  EXPECT_EQ(Outcome(guard, Make(http::verb::get, "/api/orders")), 0u) << "refilled";
}

TEST(RequestGuard, RateLimitComesBeforeTheTokenAndPreflight) {
  FakeClock clock;
  RequestGuard guard(Options(0.5, "t"), nullptr, clock.AsClock());  // one request, then 2 s
  EXPECT_EQ(Outcome(guard, Make(http::verb::post, "/api/orders")), 401u);
  EXPECT_EQ(Outcome(guard, Make(http::verb::post, "/api/orders")), 429u)
      << "token guesses are rate limited too";
  EXPECT_EQ(Outcome(guard, Make(http::verb::options, "/api/orders")), 429u);
}

TEST(RequestGuard, ZeroRateDisablesTheLimit) {
  RequestGuard guard(Options(0), nullptr);
  for (int i = 0; i < 10'000; ++i) ASSERT_EQ(Outcome(guard, Make(http::verb::get, "/api")), 0u);
  EXPECT_EQ(guard.rate_limiter().Buckets(), 0u);
}

TEST(RequestGuard, PreflightIsAnsweredBeforeRoutingAndWithoutToken) {
  struct Case {
    std::vector<std::string> origins;
    std::string target;
    std::string origin;
    unsigned status;
  };
  for (const Case& c : std::vector<Case>{
           {{"*"}, "/api/orders", "https://x.example", 204},
           {{"*"}, "/api/no-such", "https://x.example", 204},
           {{"https://a.example"}, "/api/orders/3", "https://a.example", 204},
           {{"https://a.example"}, "/api/orders/3", "https://b.example", 403},
           {{"https://a.example"}, "/api/orders", "", 204},
           {{"https://a.example"}, "/health", "https://a.example", 0},  // not the API
       }) {
    RequestGuard guard(Options(0, "t", c.origins), nullptr);
    auto request = Make(http::verb::options, c.target,
                        {{http::field::access_control_request_method, "DELETE"},
                         {http::field::access_control_request_headers, "authorization"}});
    if (!c.origin.empty()) request.set(http::field::origin, c.origin);
    EXPECT_EQ(Outcome(guard, request), c.status) << c.target << " from " << c.origin;
  }
}

TEST(RequestGuard, ResponseHeadersFollowThePolicy) {
  RequestGuard listed(Options(0, "", {"https://a.example"}), nullptr);
  Response response(http::status::ok, 11);
  listed.AddResponseHeaders("https://a.example", response);
  EXPECT_EQ(response[http::field::access_control_allow_origin], "https://a.example");
  EXPECT_EQ(response[http::field::vary], "Origin");

  RequestGuard any(Options(0), nullptr);
  Response wildcard(http::status::ok, 11);
  any.AddResponseHeaders("https://b.example", wildcard);
  EXPECT_EQ(wildcard[http::field::access_control_allow_origin], "*");
}

}  // namespace
}  // namespace walcast::api
