// AccessGrant: what one client may do and see, from its token (docs/protection.md "Tokens"):
// the static tokens grant everything they guard; a per-user token (JWT, api/guard/jwt_verifier.h)
// grants its scopes, until its expiry, over the rows its restriction allows. Streams
// (api/stream/client_stream.h) and the REST API (api/orders/) enforce the same restriction, so a
// user sees the same rows on every path.
//
// Pure value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>

namespace walcast::api {

// The rows a client may see and change. Each criterion that is set must hold (AND); an unset one
// allows any value. No criterion set: every row.
struct RowRestriction {
  std::optional<std::set<int64_t>> order_ids;  // the token's `walcast.orderIds`
  std::optional<std::string> customer;         // the token's `walcast.customer` (customer_name)

  bool Unrestricted() const { return !order_ids && !customer; }

  // Whether a row with this id and customer_name is visible. An unknown value (nullopt) passes
  // no criterion that is set.
  bool Allows(std::optional<int64_t> order_id, const std::optional<std::string>& customer) const {
    if (order_ids && (!order_id || !order_ids->contains(*order_id))) return false;
    if (this->customer && (!customer || *customer != *this->customer)) return false;
    return true;
  }

  // Whether every row this restriction allows, `wider` allows too (a token refresh may narrow
  // what a connection sees, never widen it).
  bool Within(const RowRestriction& wider) const {
    if (wider.order_ids) {
      if (!order_ids) return false;
      for (int64_t id : *order_ids) {
        if (!wider.order_ids->contains(id)) return false;
      }
    }
    if (wider.customer && customer != wider.customer) return false;
    return true;
  }

  bool operator==(const RowRestriction&) const = default;
};

struct AccessGrant {
  // The token's `sub`; empty for a static token or none.
  std::string subject;
  bool read = true;
  bool write = true;
  RowRestriction rows;
  // Unix seconds after which the grant is void (a JWT's `exp`); nullopt: it does not expire.
  std::optional<int64_t> expires_at;

  // Everything: no token configured, or a static token.
  static AccessGrant Full() { return AccessGrant{}; }
};

// Why a token was not accepted: `reason` is short and safe to show and log; `forbidden` when the
// token is valid but lacks what was asked (403 rather than 401).
struct TokenRefusal {
  std::string reason;
  bool forbidden = false;
};

// Who may open a stream and with which grant; implemented by api/guard/access_tokens.h (static
// tokens, JWT), so the stream core needs no crypto. Thread-safe.
class StreamAuthority {
 public:
  virtual ~StreamAuthority() = default;
  // The grant of a stream opened with `token` (nullopt: none given).
  virtual std::variant<AccessGrant, TokenRefusal> ForStream(
      std::optional<std::string_view> token) const = 0;
  // The grant that replaces `current` when the client sends `token` on its open stream, before
  // `current` expires. Refused when it would widen what the connection sees.
  virtual std::variant<AccessGrant, TokenRefusal> Refresh(const AccessGrant& current,
                                                          std::string_view token) const = 0;
};

}  // namespace walcast::api
