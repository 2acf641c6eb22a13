#include "api/http/router.h"

#include <charconv>

#include "api/http/json_response.h"
#include "api/http/tables_json.h"
#include "api/http/url.h"

namespace walcast::api {
namespace {

Response MethodNotAllowed(std::string_view allow) {
  auto response = JsonError(http::status::method_not_allowed, "Method not allowed");
  response.set(http::field::allow, allow);
  return response;
}

// Digits only (no sign, no spaces), within uint64_t.
std::optional<uint64_t> ParseSequence(std::string_view text) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace

std::string_view RouteLabel(std::string_view path) {
  for (std::string_view fixed : {"/health", "/metrics", "/metrics/history", "/api/events", "/ws",
                                 "/api", "/api/orders", "/api/tables"}) {
    if (path == fixed) return fixed;
  }
  if (path.starts_with("/api/orders/")) {
    std::string_view rest = path.substr(12);
    for (std::string_view fixed :
         {"/api/orders/bulk-status", "/api/orders/stats", "/api/orders/analytics",
          "/api/orders/recent", "/api/orders/search", "/api/orders/export"}) {
      if (path == fixed) return fixed;
    }
    if (rest.starts_with("customer/")) return "/api/orders/customer/:name";
    if (rest.find('/') == std::string_view::npos) return "/api/orders/:id";
  }
  if (path.starts_with("/api/")) return "/api/other";
  if (path.starts_with("/socket.io/")) return "/socket.io/";
  return "static";
}

Router::Router(RouterServices services) : services_(std::move(services)) {}

void Router::Handle(const Request& request, const AccessGrant& grant,
                    const Respond& respond) const {
  std::string_view path = PathOf(request.target());
  const auto method = request.method();
  const bool read_method = method == http::verb::get || method == http::verb::head;

  if (path == "/health") {
    if (!read_method) return respond(MethodNotAllowed("GET, HEAD"));
    HealthReport report = services_.health ? services_.health() : HealthReport{};
    auto status =
        HealthStatus(report) == "ok" ? http::status::ok : http::status::service_unavailable;
    return respond(JsonResponse(status, HealthJson(report)));
  }

  if (path == "/api/events") {
    // GET and HEAD are taken over by the HTTP session when a change source runs.
    if (!read_method) return respond(MethodNotAllowed("GET, HEAD"));
    return respond(JsonError(http::status::service_unavailable, "Change stream unavailable"));
  }

  if (path == "/metrics") {
    if (!read_method) return respond(MethodNotAllowed("GET, HEAD"));
    Response response(http::status::ok, 11);
    response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    response.body() = services_.metrics ? services_.metrics() : std::string();
    return respond(std::move(response));
  }

  if (path == "/metrics/history" && services_.metrics_history) {
    if (!read_method) return respond(MethodNotAllowed("GET, HEAD"));
    std::optional<uint64_t> after;
    if (auto text = QueryParameter(QueryOf(request.target()), "after")) {
      after = ParseSequence(*text);
      if (!after) {
        return respond(JsonError(http::status::bad_request, "Invalid query parameters",
                                 {{"after", "expected a sample number (a non-negative integer)"}}));
      }
    }
    return respond(JsonResponse(http::status::ok, services_.metrics_history(after)));
  }

  if (path == "/api/tables" && services_.tables) {
    if (!read_method) return respond(MethodNotAllowed("GET, HEAD"));
    if (!grant.read)
      return respond(JsonError(http::status::forbidden, "token lacks the read scope"));
    return respond(JsonResponse(http::status::ok, TablesJson(*services_.tables->Snapshot())));
  }

  if (services_.rest) {
    if (method == http::verb::head) {
      // HEAD is answered as GET; the session sends the head without the body.
      Request as_get = request;
      as_get.method(http::verb::get);
      if (services_.rest(as_get, grant, respond)) return;
    } else if (services_.rest(request, grant, respond)) {
      return;
    }
  }

  // Everything under /api is the JSON API: an unknown path there is never a file.
  if (path == "/api" || path.starts_with("/api/")) {
    return respond(JsonError(http::status::not_found, "Endpoint not found"));
  }

  // The operators' page (web/dashboard.html) has a name without the extension.
  if (path == "/dashboard") path = "/dashboard.html";

  if (services_.static_files != nullptr) {
    if (!read_method) {
      // A known file answers 405 to other methods; an unknown path stays 404.
      if (services_.static_files->Serve(path, /*head_only=*/true)) {
        return respond(MethodNotAllowed("GET, HEAD"));
      }
    } else if (auto file = services_.static_files->Serve(path, method == http::verb::head)) {
      return respond(std::move(*file));
    }
  }
  respond(JsonError(http::status::not_found, "Endpoint not found"));
}

}  // namespace walcast::api
