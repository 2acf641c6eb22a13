// What every HTTP session shares: the router and the limits. Owned by the App; outlives every
// session (sessions hold a shared_ptr to it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "api/guard/connection_budget.h"
#include "api/guard/request_guard.h"
#include "api/http/router.h"
#include "api/status/metrics.h"
#include "api/stream/stream_context.h"

namespace walcast::api {

struct ServerLimits {
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  std::chrono::seconds read_timeout{30};  // a request's headers and body, and keep-alive idle
  // Client connections open at once (HTTP, SSE and WebSocket); 0: no cap (ConnectionBudget).
  std::size_t max_connections = 0;
  // After a response that closes a connection while the client may still be sending (a 413),
  // at most this much is read and dropped, for at most this long, so the client reads the answer.
  std::size_t drain_max_bytes = 16u << 20;
  std::chrono::seconds drain_timeout{5};
};

class EngineIoServer;

class ServerContext {
 public:
  // `stream` is null while no change source runs: the event stream routes answer 503.
  ServerContext(Router router, ServerLimits limits, std::shared_ptr<StreamContext> stream,
                std::shared_ptr<Metrics> metrics, GuardOptions guard = {});

  const Router& router() const { return router_; }
  const ServerLimits& limits() const { return limits_; }
  const std::shared_ptr<StreamContext>& stream() const { return stream_; }
  Metrics& metrics() const { return *metrics_; }
  // Rate limit, CORS and write token, checked before routing.
  RequestGuard& guard() const { return *guard_; }
  ConnectionBudget& budget() const { return *budget_; }
  // The Socket.IO endpoint (api/socketio/), null when there is none (no change stream).
  const std::shared_ptr<EngineIoServer>& engineio() const { return engineio_; }
  void SetEngineIo(std::shared_ptr<EngineIoServer> server) { engineio_ = std::move(server); }

  // A short id unique within this run, carried in X-Request-Id and every log line of a request.
  std::string NextRequestId();

 private:
  Router router_;
  ServerLimits limits_;
  std::shared_ptr<StreamContext> stream_;
  std::shared_ptr<Metrics> metrics_;
  std::unique_ptr<RequestGuard> guard_;
  std::shared_ptr<ConnectionBudget> budget_;
  std::shared_ptr<EngineIoServer> engineio_;
  std::string run_prefix_;
  std::atomic<uint64_t> next_request_{1};
};

}  // namespace walcast::api
