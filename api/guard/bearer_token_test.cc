#include "api/guard/bearer_token.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

TEST(BearerToken, ReadsTheBearerSchemeOnly) {
  struct Case {
    const char* header;  // null: no Authorization header
    std::optional<std::string> token;
  };
  for (const Case& c : std::vector<Case>{
           {nullptr, std::nullopt},
           {"Bearer s3cret", "s3cret"},
           {"bearer s3cret", "s3cret"},
           {"BEARER s3cret", "s3cret"},
           {"Bearer ", std::nullopt},  // header values are trimmed: just the scheme
           {"Bearer  s3cret", " s3cret"},
           {"Basic dXNlcjpwYXNz", std::nullopt},
           {"Bearers3cret", std::nullopt},
           {"Bear", std::nullopt},
       }) {
    Request request(http::verb::post, "/api/orders", 11);
    if (c.header) request.set(http::field::authorization, c.header);
    auto token = BearerToken(request);
    EXPECT_EQ(token ? std::optional<std::string>(std::string(*token)) : std::nullopt, c.token)
        << (c.header ? c.header : "(none)");
  }
}

TEST(ConstantTimeEquals, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_FALSE(ConstantTimeEquals("ab", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(AuthenticationRequired, Is401WithTheBearerChallenge) {
  Response response = AuthenticationRequired();
  EXPECT_EQ(response.result(), http::status::unauthorized);
  EXPECT_EQ(response[http::field::www_authenticate], "Bearer");
  EXPECT_EQ(response.body(), R"({"success":false,"error":"Authentication required"})");
}

}  // namespace
}  // namespace walcast::api
