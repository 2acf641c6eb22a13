#include "api/guard/request_guard.h"

#include "api/guard/bearer_token.h"
#include "api/guard/stream_auth.h"
#include "api/http/json_response.h"
#include "api/http/url.h"
#include "api/status/metrics.h"

namespace walcast::api {
namespace {

bool IsApiPathDecoded(std::string_view path) { return path == "/api" || path.starts_with("/api/"); }

bool IsWrite(http::verb method) {
  return method == http::verb::post || method == http::verb::put || method == http::verb::patch ||
         method == http::verb::delete_;
}

}  // namespace

bool IsApiPath(std::string_view target) {
  std::string_view path = PathOf(target);
  if (path.find('%') == std::string_view::npos) return IsApiPathDecoded(path);
  auto decoded = DecodeUrlPath(path);
  // A malformed escape is no route at all; treating it as API keeps it counted and guarded.
  return !decoded || IsApiPathDecoded(*decoded);
}

RequestGuard::RequestGuard(GuardOptions options, Metrics* metrics, RateLimiter::Clock clock)
    : limiter_(options.rate_limit, std::move(clock)),
      cors_(std::move(options.cors_origins)),
      tokens_(options.tokens ? std::move(options.tokens)
                             : std::make_shared<AccessTokens>(AccessTokenOptions{
                                   std::move(options.api_token), std::string(), nullptr})),
      trusted_proxies_(std::move(options.trusted_proxies)),
      metrics_(metrics) {}

std::optional<Response> RequestGuard::Check(const Request& request, std::string_view client_address,
                                            AccessGrant* grant) {
  // Engine.IO polling from another origin (docs/contract.md §7) is preflighted like the API.
  if (request.method() == http::verb::options &&
      PathOf(request.target()).starts_with("/socket.io/")) {
    return cors_.Preflight(request);
  }
  if (!IsApiPath(request.target())) return std::nullopt;

  if (limiter_.enabled() && PathOf(request.target()) != "/api/events") {
    RateDecision decision = limiter_.Check(client_address);
    if (!decision.allowed) {
      if (metrics_ != nullptr) metrics_->CountRateLimited();
      auto response = JsonError(http::status::too_many_requests, "Too many requests");
      response.set(http::field::retry_after, std::to_string(decision.retry_after.count()));
      return response;
    }
  }

  if (request.method() == http::verb::options) return cors_.Preflight(request);

  // The event stream checks its own token (it may come in the query string).
  if (PathOf(request.target()) == "/api/events") return std::nullopt;
  auto decided = tokens_->ForRequest(BearerToken(request), IsWrite(request.method()));
  if (auto* refusal = std::get_if<TokenRefusal>(&decided)) return RefusalResponse(*refusal);
  if (grant != nullptr) *grant = std::get<AccessGrant>(std::move(decided));
  return std::nullopt;
}

void RequestGuard::AddResponseHeaders(std::string_view origin, Response& response) const {
  cors_.AddResponseHeaders(origin, response);
}

}  // namespace walcast::api
