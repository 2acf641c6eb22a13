// AccessTokens: the one place that turns what a client presents into an AccessGrant
// (api/stream/access_grant.h), for REST requests and for streams (docs/protection.md "Tokens").
//
//   --api-token      static; grants everything on REST (writes need it when set)
//   --stream-token   static; grants everything on the streams (they need a token when set)
//   --jwt-secret / --jwt-public-key
//                    per-user tokens (api/guard/jwt_verifier.h), accepted wherever a token is:
//                    their scopes, expiry and row restriction apply. With them configured every
//                    /api request and every stream needs a token (a static one or a JWT):
//                    reads are no longer open, or the row restriction would mean nothing.
//
// Tokens are told apart by shape (LooksLikeJwt) only when a JWT key is configured; a static
// token is compared in constant time. Pure apart from the clock; thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/guard/jwt_verifier.h"
#include "api/stream/access_grant.h"

namespace walcast::api {

struct AccessTokenOptions {
  std::string api_token;                   // empty: none
  std::string stream_token;                // empty: none
  std::shared_ptr<const JwtVerifier> jwt;  // null: no per-user tokens
};

class AccessTokens final : public StreamAuthority {
 public:
  using Clock = std::function<int64_t()>;  // Unix seconds
  static int64_t SystemNow();

  explicit AccessTokens(AccessTokenOptions options, Clock now = &SystemNow);

  bool PerUser() const { return options_.jwt != nullptr; }

  // A REST request under /api with this bearer token (nullopt: none); `write` for
  // POST/PUT/PATCH/DELETE. Scopes are the routes' to check (403), validity is checked here (401).
  std::variant<AccessGrant, TokenRefusal> ForRequest(std::optional<std::string_view> token,
                                                     bool write) const;

  std::variant<AccessGrant, TokenRefusal> ForStream(
      std::optional<std::string_view> token) const override;
  std::variant<AccessGrant, TokenRefusal> Refresh(const AccessGrant& current,
                                                  std::string_view token) const override;

 private:
  // A JWT's grant, or why not; nullopt when `token` is no JWT (or none is configured).
  std::optional<std::variant<AccessGrant, TokenRefusal>> FromJwt(std::string_view token) const;

  AccessTokenOptions options_;
  Clock now_;
};

}  // namespace walcast::api
