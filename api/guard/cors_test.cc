#include "api/guard/cors.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

Request Options(std::string_view origin) {
  Request request(http::verb::options, "/api/orders", 11);
  if (!origin.empty()) {
    request.set(http::field::origin, origin);
    request.set(http::field::access_control_request_method, "POST");
  }
  return request;
}

std::string Header(const Response& response, http::field field) {
  auto it = response.find(field);
  return it == response.end() ? "<none>" : std::string(it->value());
}

TEST(OriginAllowed, WildcardOrExactMatch) {
  struct Case {
    std::vector<std::string> allowed;
    std::string origin;
    bool expected;
  };
  for (const Case& c : std::vector<Case>{
           {{"*"}, "https://any.example", true},
           {{"https://a.example"}, "https://a.example", true},
           {{"https://a.example"}, "https://a.example:8443", false},
           {{"https://a.example"}, "http://a.example", false},
           {{"https://a.example", "https://b.example"}, "https://b.example", true},
           {{"https://a.example"}, "https://a.example.evil", false},
           {{}, "https://a.example", false},
       }) {
    EXPECT_EQ(OriginAllowed(c.allowed, c.origin), c.expected) << c.origin;
  }
}

TEST(CorsPolicy, SimpleResponseHeaders) {
  struct Case {
    std::vector<std::string> allowed;
    std::string origin;  // empty: no Origin header
    std::string allow_origin;
    std::string vary;
    std::string expose;
  };
  const std::string expose(CorsPolicy::kExposeHeaders);
  for (const Case& c : std::vector<Case>{
           {{"*"}, "https://x.example", "*", "<none>", expose},
           {{"*"}, "", "<none>", "<none>", "<none>"},
           {{"https://a.example"}, "https://a.example", "https://a.example", "Origin", expose},
           {{"https://a.example"}, "https://b.example", "<none>", "Origin", "<none>"},
           {{"https://a.example"}, "", "<none>", "Origin", "<none>"},
       }) {
    CorsPolicy policy(c.allowed);
    Response response(http::status::ok, 11);
    policy.AddResponseHeaders(c.origin, response);
    EXPECT_EQ(Header(response, http::field::access_control_allow_origin), c.allow_origin)
        << c.origin;
    EXPECT_EQ(Header(response, http::field::vary), c.vary) << c.origin;
    EXPECT_EQ(Header(response, http::field::access_control_expose_headers), c.expose) << c.origin;
    EXPECT_EQ(Header(response, http::field::access_control_allow_credentials), "<none>");
  }
}

TEST(CorsPolicy, VaryIsAddedToARoutesOwnList) {
  CorsPolicy policy({"https://a.example"});
  Response response(http::status::ok, 11);
  response.set(http::field::vary, "Accept-Encoding");
  policy.AddResponseHeaders("https://a.example", response);
  EXPECT_EQ(Header(response, http::field::vary), "Accept-Encoding, Origin");
  policy.AddResponseHeaders("https://a.example", response);
  EXPECT_EQ(Header(response, http::field::vary), "Accept-Encoding, Origin") << "once only";
}

TEST(CorsPolicy, PreflightFromAnAllowedOrigin) {
  CorsPolicy policy({"https://a.example"});
  Response response = policy.Preflight(Options("https://a.example"));
  EXPECT_EQ(response.result(), http::status::no_content);
  EXPECT_EQ(Header(response, http::field::access_control_allow_methods),
            std::string(CorsPolicy::kAllowMethods));
  EXPECT_EQ(Header(response, http::field::access_control_allow_headers),
            "Content-Type, Authorization, Last-Event-ID, X-Request-Id");
  EXPECT_EQ(Header(response, http::field::access_control_max_age), "600");
  EXPECT_TRUE(response.body().empty());
}

TEST(CorsPolicy, PreflightFromAForeignOriginIsForbidden) {
  CorsPolicy policy({"https://a.example"});
  Response response = policy.Preflight(Options("https://evil.example"));
  EXPECT_EQ(response.result(), http::status::forbidden);
  EXPECT_EQ(Header(response, http::field::access_control_allow_methods), "<none>");
  EXPECT_NE(response.body().find("\"success\":false"), std::string::npos);
}

TEST(CorsPolicy, PlainOptionsWithoutOriginListsTheMethods) {
  CorsPolicy policy({"https://a.example"});
  Response response = policy.Preflight(Options(""));
  EXPECT_EQ(response.result(), http::status::no_content);
  EXPECT_EQ(Header(response, http::field::allow), std::string(CorsPolicy::kAllowMethods));
  EXPECT_EQ(Header(response, http::field::access_control_allow_methods), "<none>");
}

}  // namespace
}  // namespace walcast::api
