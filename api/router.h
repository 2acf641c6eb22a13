// Router: request in, response out, with no sockets (CONTRACT.md §3). The HTTP session calls
// Handle for every request that is not a WebSocket upgrade or an event stream.
//
// Pure apart from the services it is given, so it is unit-tested without a network. Handle may
// answer synchronously or later (database routes); `respond` is called exactly once.
// Thread-safe: the router holds no per-request state.
#pragma once

#include <functional>

#include "health_report.h"
#include "http_types.h"
#include "static_files.h"

namespace walcast::api {

struct RouterServices {
  std::function<HealthReport()> health;
  const StaticFiles* static_files = nullptr;  // null: no UI
};

class Router {
 public:
  explicit Router(RouterServices services);

  void Handle(const Request& request, const Respond& respond) const;

 private:
  RouterServices services_;
};

}  // namespace walcast::api
