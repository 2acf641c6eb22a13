#include "api/http/response_headers.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

GuardOptions Origins(std::vector<std::string> origins) {
  GuardOptions options;
  options.cors_origins = std::move(origins);
  return options;
}

TEST(ResponseHeaders, HardeningHeadersOnEveryResponse) {
  RequestGuard guard(Origins({"*"}), nullptr);
  Response response(http::status::not_found, 11);
  AddCommonHeaders(response, "req-7", guard, "");
  EXPECT_EQ(response[http::field::server], "walcast");
  EXPECT_EQ(response["X-Request-Id"], "req-7");
  EXPECT_EQ(response["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(response["X-Frame-Options"], "DENY");
  EXPECT_EQ(response["Referrer-Policy"], "no-referrer");
  std::string csp(response["Content-Security-Policy"]);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
}

TEST(ResponseHeaders, CorsFollowsTheRequestOrigin) {
  RequestGuard guard(Origins({"https://shop.example"}), nullptr);
  Response allowed(http::status::ok, 11);
  AddCommonHeaders(allowed, "r", guard, "https://shop.example");
  EXPECT_EQ(allowed[http::field::access_control_allow_origin], "https://shop.example");
  Response foreign(http::status::ok, 11);
  AddCommonHeaders(foreign, "r", guard, "https://evil.example");
  EXPECT_EQ(foreign.find(http::field::access_control_allow_origin), foreign.end());
}

}  // namespace
}  // namespace walcast::api
