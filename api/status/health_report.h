// What /health reports (docs/contract.md §3). The daemon fills it from the database monitor and,
// once it exists, the change stream; the router only formats it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/status/wal_flush_diagnosis.h"

namespace walcast::api {

struct HealthReport {
  bool database_up = false;
  bool stream_up = false;       // the change source is connected and consuming
  bool stream_expected = true;  // false while no change source is configured to run
  std::string source;           // "replication", "notify", or the configured mode while starting
  std::string slot;
  std::optional<std::string> confirmed_lsn;  // "X/Y"
  std::optional<uint64_t> lag_bytes;
  std::optional<std::string> last_event_at;  // RFC 3339
  uint64_t clients = 0;
  double uptime_seconds = 0;
  std::string problem;  // short operator-facing reason when not ok; no addresses or secrets
  // A cluster member's (--redis-url; docs/cluster.md): its role, Redis's state, how long it has
  // been behind the end of the cluster's stream, the leader's term.
  struct Cluster {
    bool leader = false;
    bool redis_up = false;
    std::string redis_problem;
    int64_t lag_ms = 0;
    int64_t term = 0;
  };
  std::optional<Cluster> cluster;
  // Whether commits reach walcast late because the server flushes their WAL late
  // (api/status/wal_flush_diagnosis.h): a warning with its fix, never a reason for "degraded".
  // nullopt where it is not diagnosed (NOTIFY mode).
  std::optional<WalFlushLag> wal_flush_lag;
};

// "ok" when everything is up, "down" when the database is unreachable, "degraded" otherwise.
std::string_view HealthStatus(const HealthReport& report);

// The /health JSON body.
std::string HealthJson(const HealthReport& report);

}  // namespace walcast::api
