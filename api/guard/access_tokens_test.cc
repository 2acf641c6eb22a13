// AccessTokens: which token opens what, and which refresh is accepted. Tokens are signed here with
// libjwt (HS256); the clock is fixed.
#include "api/guard/access_tokens.h"

#include <gtest/gtest.h>
#include <jwt.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace walcast::api {
namespace {

constexpr int64_t kNow = 1700000000;
const std::string kSecret = "0123456789abcdef0123456789abcdef";

std::string Sign(const std::string& claims) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(jwt_add_grants_json(jwt, claims.c_str()), 0) << claims;
  EXPECT_EQ(jwt_set_alg(jwt, JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kSecret.data()),
                        static_cast<int>(kSecret.size())),
            0);
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

std::string Token(const std::string& scope, const std::string& extra = "") {
  return Sign(R"({"exp":)" + std::to_string(kNow + 60) + R"(,"scope":")" + scope + "\"" + extra +
              "}");
}

AccessTokens Tokens(std::string api_token, std::string stream_token, bool jwt) {
  std::shared_ptr<const JwtVerifier> verifier;
  if (jwt) {
    auto created = JwtVerifier::Create(JwtKeyOptions{kSecret, ""});
    verifier = std::get<std::shared_ptr<const JwtVerifier>>(created);
  }
  return AccessTokens(AccessTokenOptions{std::move(api_token), std::move(stream_token), verifier},
                      [] { return kNow; });
}

bool Granted(const std::variant<AccessGrant, TokenRefusal>& decided) {
  return std::holds_alternative<AccessGrant>(decided);
}
const TokenRefusal& Refusal(const std::variant<AccessGrant, TokenRefusal>& decided) {
  return std::get<TokenRefusal>(decided);
}

TEST(AccessTokens, WithoutPerUserTokensReadsAreOpenAndWritesNeedTheApiToken) {
  auto open = Tokens("", "", false);
  EXPECT_TRUE(Granted(open.ForRequest(std::nullopt, true)));
  EXPECT_TRUE(Granted(open.ForStream(std::nullopt)));
  auto guarded = Tokens("w", "s", false);
  EXPECT_TRUE(Granted(guarded.ForRequest(std::nullopt, false)));
  EXPECT_EQ(Refusal(guarded.ForRequest(std::nullopt, true)).reason, "Authentication required");
  EXPECT_FALSE(Granted(guarded.ForRequest("x", true)));
  EXPECT_TRUE(Granted(guarded.ForRequest("w", true)));
  EXPECT_FALSE(Granted(guarded.ForStream(std::nullopt)));
  EXPECT_FALSE(Granted(guarded.ForStream("w"))) << "the write token is not the stream token";
  EXPECT_TRUE(Granted(guarded.ForStream("s")));
  // A JWT is just a wrong static token when no key is configured.
  EXPECT_FALSE(Granted(guarded.ForStream(Token("read"))));
}

TEST(AccessTokens, WithPerUserTokensEveryRequestNeedsOne) {
  auto tokens = Tokens("w", "s", true);
  EXPECT_FALSE(Granted(tokens.ForRequest(std::nullopt, false))) << "reads are no longer open";
  EXPECT_FALSE(Granted(tokens.ForStream(std::nullopt)));
  EXPECT_TRUE(Granted(tokens.ForRequest("w", true))) << "static tokens keep working";
  EXPECT_TRUE(Granted(tokens.ForStream("s")));
  auto grant = std::get<AccessGrant>(
      tokens.ForRequest(Token("read", R"(,"sub":"u1","walcast":{"customer":"Ann"})"), false));
  EXPECT_EQ(grant.subject, "u1");
  EXPECT_TRUE(grant.read);
  EXPECT_FALSE(grant.write) << "the routes answer 403 for a write";
  EXPECT_EQ(grant.rows.customer, "Ann");
  EXPECT_EQ(grant.expires_at, kNow + 60);
  auto expired = Sign(R"({"exp":)" + std::to_string(kNow) + R"(,"scope":"read"})");
  EXPECT_EQ(Refusal(tokens.ForRequest(expired, false)).reason, "token expired");
  EXPECT_FALSE(Refusal(tokens.ForStream(expired)).forbidden);
}

TEST(AccessTokens, AStreamNeedsTheReadScope) {
  auto tokens = Tokens("", "", true);
  auto decided = tokens.ForStream(Token("write"));
  const auto& refusal = Refusal(decided);
  EXPECT_TRUE(refusal.forbidden);
  EXPECT_EQ(refusal.reason, "token lacks the read scope");
  EXPECT_TRUE(Granted(tokens.ForStream(Token("read write"))));
}

TEST(AccessTokens, ARefreshKeepsTheSubjectAndNeverWidensTheRows) {
  auto tokens = Tokens("", "s", true);
  auto current = std::get<AccessGrant>(
      tokens.ForStream(Token("read", R"(,"sub":"u1","walcast":{"orderIds":[1,2]})")));
  auto same = tokens.Refresh(current, Token("read", R"(,"sub":"u1","walcast":{"orderIds":[2,1]})"));
  EXPECT_TRUE(Granted(same));
  EXPECT_TRUE(
      Granted(tokens.Refresh(current, Token("read", R"(,"sub":"u1","walcast":{"orderIds":[2]})"))))
      << "narrower is fine";
  auto wider = tokens.Refresh(current, Token("read", R"(,"sub":"u1","walcast":{"orderIds":[3]})"));
  EXPECT_TRUE(Refusal(wider).forbidden);
  EXPECT_FALSE(Granted(tokens.Refresh(current, Token("read", R"(,"sub":"u1")"))))
      << "unrestricted is wider";
  EXPECT_FALSE(
      Granted(tokens.Refresh(current, Token("read", R"(,"sub":"u2","walcast":{"orderIds":[1]})"))))
      << "another user's token";
  EXPECT_FALSE(Granted(tokens.Refresh(current, "s"))) << "the static token sees everything";
  EXPECT_FALSE(Granted(tokens.Refresh(current, "garbage")));
}

}  // namespace
}  // namespace walcast::api
