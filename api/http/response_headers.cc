#include "api/http/response_headers.h"

namespace walcast::api {

void AddCommonHeaders(Response& response, const std::string& request_id, const RequestGuard& guard,
                      std::string_view origin) {
  guard.AddResponseHeaders(origin, response);
  response.set(http::field::server, "walcast");
  response.set("X-Request-Id", request_id);
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Referrer-Policy", "no-referrer");
  response.set("X-Frame-Options", "DENY");
  // connect-src 'self' allows the page's own WebSocket and event stream.
  response.set("Content-Security-Policy",
               "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
               "form-action 'self'");
}

}  // namespace walcast::api
