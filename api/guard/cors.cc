#include "api/guard/cors.h"

#include <algorithm>

#include "api/http/json_response.h"

namespace walcast::api {

bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin) {
  for (const auto& entry : allowed) {
    if (entry == "*" || entry == origin) return true;
  }
  return false;
}

CorsPolicy::CorsPolicy(std::vector<std::string> allowed_origins)
    : allowed_(std::move(allowed_origins)),
      any_origin_(std::find(allowed_.begin(), allowed_.end(), "*") != allowed_.end()) {}

bool CorsPolicy::Allows(std::string_view origin) const { return OriginAllowed(allowed_, origin); }

void CorsPolicy::AddResponseHeaders(std::string_view origin, Response& response) const {
  // With a list, the answer depends on Origin even when it carries no CORS header. A route may
  // already vary on something else: add to its list rather than replace it.
  if (!any_origin_) {
    auto vary = response.find(http::field::vary);
    if (vary == response.end()) {
      response.set(http::field::vary, "Origin");
    } else if (vary->value().find("Origin") == std::string_view::npos) {
      response.set(http::field::vary, std::string(vary->value()) + ", Origin");
    }
  }
  if (origin.empty() || !Allows(origin)) return;
  response.set(http::field::access_control_allow_origin, any_origin_ ? "*" : origin);
  response.set(http::field::access_control_expose_headers, kExposeHeaders);
}

Response CorsPolicy::Preflight(const Request& request) const {
  std::string_view origin;
  if (auto header = request.find(http::field::origin); header != request.end()) {
    origin = header->value();
  }
  if (!origin.empty() && !Allows(origin)) {
    return JsonError(http::status::forbidden, "Origin not allowed");
  }
  Response response(http::status::no_content, 11);
  response.set(http::field::allow, kAllowMethods);
  response.set(http::field::cache_control, "no-store");
  if (!origin.empty()) {
    response.set(http::field::access_control_allow_methods, kAllowMethods);
    response.set(http::field::access_control_allow_headers, kAllowHeaders);
    response.set(http::field::access_control_max_age, kMaxAgeSeconds);
  }
  return response;
}

}  // namespace walcast::api
