// Router: request in, response out, with no sockets (docs/contract.md §3). The HTTP session calls
// Handle for every request that is not a WebSocket upgrade or an event stream.
//
// Pure apart from the services it is given, so it is unit-tested without a network. Handle may
// answer synchronously or later (database routes); `respond` is called exactly once.
// Thread-safe: the router holds no per-request state.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "api/http/respond.h"
#include "api/http/static_files.h"
#include "api/status/health_report.h"
#include "api/stream/access_grant.h"
#include "decoder/table_catalog.h"

namespace walcast::api {

struct RouterServices {
  std::function<HealthReport()> health;
  std::function<std::string()> metrics;       // the Prometheus text of /metrics
  const StaticFiles* static_files = nullptr;  // null: no UI
  // The REST API (api/orders/): answers /api and /api/orders... within what `grant` allows and
  // returns true, or returns false for a path it does not serve. Null: those paths are 404.
  std::function<bool(const Request&, const AccessGrant&, const Respond&)> rest;
  // The dashboard's feed (api/status/dashboard_history.h): its JSON for the samples after a
  // sequence number (all without one). Null: /metrics/history is 404.
  std::function<std::string(std::optional<uint64_t> after)> metrics_history = nullptr;
  // GET /api/tables: the streamed tables (api/http/tables_json.h); null: no such route.
  std::shared_ptr<const decoder::TableCatalog> tables = nullptr;
};

// The route of a path as a fixed label for metrics and logs ("/health", "/api/events", "static",
// "other", ...), so that ids and file names never become metric series.
std::string_view RouteLabel(std::string_view path);

class Router {
 public:
  explicit Router(RouterServices services);

  // `grant`: what the request's token allows (api/guard/request_guard.h decided it).
  void Handle(const Request& request, const AccessGrant& grant, const Respond& respond) const;

 private:
  RouterServices services_;
};

}  // namespace walcast::api
