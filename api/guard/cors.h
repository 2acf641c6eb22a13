// CORS for the JSON API (docs/contract.md §3: `--cors-origins`, default `*` without credentials).
//
// An allowed Origin gets `Access-Control-Allow-Origin` (`*` when the allowlist has `*`, else the
// origin echoed, with `Vary: Origin` so caches keep per-origin copies); a disallowed one gets no
// CORS header at all, so the browser withholds the response. Credentials are never allowed: the
// write token travels in `Authorization`, which a preflight allows as an ordinary header.
// Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http/respond.h"

namespace walcast::api {

// Whether a browser's Origin is on the allowlist: "*" in the allowlist allows any origin.
bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin);

class CorsPolicy {
 public:
  // The methods the API answers and the request headers a page may send to it.
  static constexpr std::string_view kAllowMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
  static constexpr std::string_view kAllowHeaders =
      "Content-Type, Authorization, Last-Event-ID, X-Request-Id";
  static constexpr std::string_view kExposeHeaders = "X-Request-Id, Retry-After";
  static constexpr std::string_view kMaxAgeSeconds = "600";

  explicit CorsPolicy(std::vector<std::string> allowed_origins);

  bool AnyOrigin() const { return any_origin_; }
  bool Allows(std::string_view origin) const;

  // The CORS headers of an actual response to a request whose Origin header is `origin` (empty
  // when the request had none).
  void AddResponseHeaders(std::string_view origin, Response& response) const;

  // The answer to OPTIONS on an API path: 204 with the preflight headers for an allowed origin,
  // 403 for a disallowed one, and a plain 204 with `Allow` when no Origin was sent.
  Response Preflight(const Request& request) const;

 private:
  std::vector<std::string> allowed_;
  bool any_origin_ = false;
};

}  // namespace walcast::api
