// RequestGuard: the checks every HTTP request passes before it is routed (the contract's
// "Security" section and docs/protection.md), in this order:
//   1. the per-client-IP rate limit, for the JSON API only (`/api` and `/api/...` except the
//      event stream, whose connections are capped separately); /health, /metrics, /ws and the
//      static UI are not counted, so monitoring and page loads never eat a client's REST budget;
//   2. OPTIONS on an API path: answered here (CORS preflight), never routed;
//   3. the token (api/guard/access_tokens.h): with `--api-token`, POST/PUT/PATCH/DELETE on an
//      API path needs `Authorization: Bearer <token>`, checked before routing so an unknown
//      write path is 401 too (a client without the token learns nothing about which paths
//      exist); reads stay open. With per-user tokens (JWT) every API request needs one, and its
//      grant goes to the routes, which enforce its scopes and rows.
// Rate limiting comes first so token guesses are rate limited as well.
//
// Also adds the CORS headers to every response. No I/O; thread-safe (the rate limiter is).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/guard/access_tokens.h"
#include "api/guard/cors.h"
#include "api/guard/rate_limiter.h"
#include "api/guard/trusted_proxies.h"
#include "api/http/respond.h"

namespace walcast::api {

class Metrics;

struct GuardOptions {
  RateLimitOptions rate_limit;
  std::string api_token;  // empty: writes are open (used when `tokens` is null)
  // Static and per-user tokens; null: AccessTokens of `api_token` alone.
  std::shared_ptr<const AccessTokens> tokens;
  std::vector<std::string> cors_origins{"*"};
  // Peers whose X-Forwarded-For / Forwarded name the client (api/guard/trusted_proxies.h).
  TrustedProxies trusted_proxies;
};

class RequestGuard {
 public:
  // `metrics` (may be null) counts the requests refused by the rate limit.
  RequestGuard(GuardOptions options, Metrics* metrics,
               RateLimiter::Clock clock = &std::chrono::steady_clock::now);

  // The address a request counts against (rate limit, per-address stream cap) and is logged
  // with: `peer`, or the client a trusted proxy forwarded it for.
  std::string ClientAddress(const Request& request, std::string_view peer) const {
    return trusted_proxies_.ClientAddress(request, peer);
  }

  // nullopt: route the request, with what its token allows in `*grant` (when given); else the
  // response to send instead.
  std::optional<Response> Check(const Request& request, std::string_view client_address,
                                AccessGrant* grant = nullptr);

  // The CORS headers for a request whose Origin header was `origin` (empty: none).
  void AddResponseHeaders(std::string_view origin, Response& response) const;

  const RateLimiter& rate_limiter() const { return limiter_; }

 private:
  RateLimiter limiter_;
  CorsPolicy cors_;
  std::shared_ptr<const AccessTokens> tokens_;
  TrustedProxies trusted_proxies_;
  Metrics* metrics_;
};

// Whether a request path belongs to the JSON API ("/api" or below), percent-escapes decoded so
// "/%61pi/orders" cannot slip past the checks.
bool IsApiPath(std::string_view target);

}  // namespace walcast::api
