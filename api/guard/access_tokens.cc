#include "api/guard/access_tokens.h"

#include "api/guard/bearer_token.h"

namespace walcast::api {
namespace {

TokenRefusal Unauthorized(std::string reason) { return TokenRefusal{std::move(reason), false}; }

}  // namespace

int64_t AccessTokens::SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AccessTokens::AccessTokens(AccessTokenOptions options, Clock now)
    : options_(std::move(options)), now_(std::move(now)) {}

std::optional<std::variant<AccessGrant, TokenRefusal>> AccessTokens::FromJwt(
    std::string_view token) const {
  if (!options_.jwt || !LooksLikeJwt(token)) return std::nullopt;
  auto verified = options_.jwt->Verify(token, now_());
  if (auto* rejected = std::get_if<JwtVerifier::Rejected>(&verified)) {
    return Unauthorized(rejected->reason);
  }
  return std::get<AccessGrant>(std::move(verified));
}

std::variant<AccessGrant, TokenRefusal> AccessTokens::ForRequest(
    std::optional<std::string_view> token, bool write) const {
  if (token) {
    if (!options_.api_token.empty() && ConstantTimeEquals(*token, options_.api_token)) {
      return AccessGrant::Full();
    }
    if (auto grant = FromJwt(*token)) return std::move(*grant);
  }
  // Without per-user tokens reads stay open and writes are open unless --api-token is set.
  if (!PerUser() && (!write || options_.api_token.empty())) return AccessGrant::Full();
  return Unauthorized("Authentication required");
}

std::variant<AccessGrant, TokenRefusal> AccessTokens::ForStream(
    std::optional<std::string_view> token) const {
  if (token) {
    if (!options_.stream_token.empty() && ConstantTimeEquals(*token, options_.stream_token)) {
      return AccessGrant::Full();
    }
    if (auto grant = FromJwt(*token)) {
      if (auto* granted = std::get_if<AccessGrant>(&*grant); granted && !granted->read) {
        return TokenRefusal{"token lacks the read scope", true};
      }
      return std::move(*grant);
    }
  }
  if (!PerUser() && options_.stream_token.empty()) return AccessGrant::Full();
  return Unauthorized("Authentication required");
}

std::variant<AccessGrant, TokenRefusal> AccessTokens::Refresh(const AccessGrant& current,
                                                              std::string_view token) const {
  auto next = ForStream(token);
  auto* grant = std::get_if<AccessGrant>(&next);
  if (grant == nullptr) return next;
  // Another user's token, or one that sees more rows, must open a connection of its own: a
  // refresh only keeps this one alive.
  if (grant->subject != current.subject) {
    return TokenRefusal{"a refresh must carry the same subject (sub)", true};
  }
  if (!grant->rows.Within(current.rows)) {
    return TokenRefusal{"a refresh may not widen the rows this connection sees", true};
  }
  return next;
}

}  // namespace walcast::api
