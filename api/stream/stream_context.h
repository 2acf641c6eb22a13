// StreamContext: what every stream session (SSE, WebSocket) shares: the hub, the
// limits, the optional bearer token and the counters /metrics reports. Owned by the App; sessions
// hold a shared_ptr to it. Thread-safe (immutable settings, atomic counters, thread-safe hub).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/stream/access_grant.h"
#include "api/stream/connection_limiter.h"
#include "api/stream/event_archive.h"
#include "api/stream/event_hub.h"
#include "api/stream/outbound_queue.h"
#include "decoder/table_catalog.h"

namespace walcast::api {

struct StreamCounters {
  std::atomic<uint64_t> events_sent{0};
  std::atomic<uint64_t> slow_clients_dropped{0};
  std::atomic<uint64_t> connections_total{0};
  // Streams open now, by transport: each ClientStream counts itself while subscribed to the hub
  // (Start to Unsubscribe), as EventHub::Subscribers does, so their sum is the `clients` gauge.
  std::atomic<uint64_t> websocket_open{0};
  std::atomic<uint64_t> sse_open{0};
  std::atomic<uint64_t> socketio_open{0};

  // The gauge of a ClientStream's `transport` ("ws", "sse", "socket.io"); null for another.
  std::atomic<uint64_t>* OpenOf(std::string_view transport) {
    if (transport == "ws") return &websocket_open;
    if (transport == "sse") return &sse_open;
    if (transport == "socket.io") return &socketio_open;
    return nullptr;
  }
};

struct StreamContext {
  std::shared_ptr<EventHub> hub;
  OutboundLimits outbound;
  std::chrono::seconds heartbeat{15};
  // A client being closed (too slow, or the daemon stopping) gets this long to read what is
  // queued for it, its `error` or `server_shutdown` last; then the connection is closed anyway.
  // Before that, no write has a deadline: a slow client may lag as long as the events it still
  // needs are in the replay window (docs/change-stream.md).
  std::chrono::seconds close_grace{30};
  std::chrono::seconds ws_idle_timeout{60};  // WebSocket: ping at half, close at the full time
  // Checks stream tokens and refreshes (api/guard/access_tokens.h); null: the streams are open.
  std::shared_ptr<const StreamAuthority> authority;
  std::vector<std::string> allowed_origins{"*"};  // browsers' Origin for /ws (the CORS allowlist)
  std::shared_ptr<ConnectionLimiter> limiter = std::make_shared<ConnectionLimiter>(0);
  StreamCounters counters;
  // Where resumes from before the replay window are read (api/stream/event_archive.h); none on a
  // single node.
  std::shared_ptr<EventArchive> archive;
  // The streamed tables (decoder/table_catalog.h), against which clients' table names and column
  // filters are checked; the App keeps it current.
  std::shared_ptr<decoder::TableCatalog> tables = std::make_shared<decoder::TableCatalog>();
};

}  // namespace walcast::api
