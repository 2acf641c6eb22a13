// Metrics: the counters and histogram /metrics exposes in the Prometheus text format
// (docs/contract.md §3): events by operation, HTTP requests by route and status, commit-to-send
// latency, dropped slow clients, rate-limited requests; gauges (clients, slot lag) are read at
// render time from the parts that own them.
//
// Thread-safe: counters are atomics; the (route, status) table takes a mutex.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "api/status/wal_flush_diagnosis.h"
#include "decoder/order_event.h"

namespace walcast::api {

// Read when /metrics is rendered.
struct MetricsGauges {
  uint64_t clients = 0;
  std::optional<uint64_t> slot_lag_bytes;
  // The process's resident memory (Linux: /proc/self/statm), under Prometheus' standard name.
  std::optional<uint64_t> resident_memory_bytes;
  // WAL the server keeps for the slot (current WAL position − the slot's restart_lsn), as the
  // database monitor last read it; nullopt without a slot or before the first read.
  std::optional<uint64_t> retained_wal_bytes;
  // Between the commit of the last transaction handed to clients and that hand-off (what
  // Debezium calls MilliSecondsBehindSource); nullopt before the first transaction.
  std::optional<double> slot_lag_seconds;
  // Whether commits reach walcast late because their WAL is flushed late (WalFlushDiagnosis);
  // nullopt where it is not diagnosed (NOTIFY mode).
  std::optional<bool> wal_flush_lag_detected;
  // Transactions --flush-async-commits ran to flush the WAL; nullopt without it.
  std::optional<uint64_t> async_flushes;
  // Open stream clients by transport (their sum is `clients`).
  uint64_t websocket_clients = 0;
  uint64_t sse_clients = 0;
  uint64_t socketio_clients = 0;
  uint64_t retained_events = 0;
  bool database_up = false;
  bool stream_up = false;
  uint64_t slow_clients_dropped = 0;
  uint64_t events_sent = 0;
  double uptime_seconds = 0;
  // Large transactions (replication source only).
  uint64_t replay_window_bytes = 0;
  uint64_t spill_bytes = 0;           // on disk now
  uint64_t spilled_transactions = 0;  // ever
  uint64_t decode_errors = 0;  // replication connections ended by a message it could not handle
  // ConnectionBudget: client connections open, the cap (0: none), refused and reclaimed.
  uint64_t connections = 0;
  uint64_t max_connections = 0;
  uint64_t connections_refused = 0;
  uint64_t connections_reclaimed = 0;
  // A cluster member's (--redis-url; docs/cluster.md).
  struct Cluster {
    bool leader = false;
    bool redis_up = false;
    uint64_t leader_changes = 0;
    int64_t stream_lag_ms = 0;
  };
  std::optional<Cluster> cluster;
};

// A Prometheus histogram of durations with fixed buckets, lock-free.
class LatencyHistogram {
 public:
  // Upper bounds of the buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    5};

  void Observe(std::chrono::microseconds latency);
  // Per bucket (not cumulative), the overflow bucket last.
  std::array<uint64_t, kBuckets.size() + 1> BucketCounts() const;
  void Render(std::string_view name, std::string_view help, std::string& out) const;

 private:
  std::array<std::atomic<uint64_t>, kBuckets.size()> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

// The cumulative counters of Metrics at one moment (api/status/dashboard_history.h turns two of
// them into rates and quantiles).
struct MetricsCounters {
  std::array<uint64_t, 4> events{};  // by decoder::Operation
  // commit_to_send, per bucket of LatencyHistogram::kBuckets (not cumulative); the last entry is
  // the overflow bucket (+Inf).
  std::array<uint64_t, LatencyHistogram::kBuckets.size() + 1> commit_to_send{};
  // REST requests (/api/ routes but the /api/events stream) by status class: [0] 1xx, [1] 2xx,
  // [2] 3xx, [3] 4xx, [4] 5xx.
  std::array<uint64_t, 5> http_by_class{};
};

class Metrics {
 public:
  MetricsCounters Counters() const;
  void CountEvent(decoder::Operation operation);
  // Time from the commit (PostgreSQL's commit timestamp) to the event's hand-off to clients.
  void ObserveCommitToSend(std::chrono::microseconds latency) { commit_to_send_.Observe(latency); }
  // The same figure for the last transaction handed to clients alone (MetricsGauges::
  // slot_lag_seconds): what the histogram averages away, a lag building up right now. Negative
  // (clock skew) counts as 0, as in the histogram.
  void SetLastCommitLag(std::chrono::microseconds lag);
  // nullopt before the first transaction.
  std::optional<std::chrono::microseconds> LastCommitLag() const;
  // The late-WAL-flush diagnosis (api/status/wal_flush_diagnosis.h), kept here because the
  // change pipeline, which knows each transaction's delay, holds only this object. Configure
  // before the first observation.
  void ConfigureWalFlushDiagnosis(WalFlushDiagnosisOptions options);
  // The commit → hand-off delay of one transaction of `events` events (signed: clock skew).
  void ObserveCommitDelay(std::chrono::microseconds delay, std::size_t events);
  // One check of the database monitor; returns whether the verdict changed.
  WalFlushTransition ObserveWalFlushCheck(const WalFlushCheck& check);
  WalFlushLag WalFlushVerdict() const;
  // A cluster member's liveness check of Redis, sent to answered.
  void ObserveRedisRoundtrip(std::chrono::microseconds latency) {
    redis_roundtrip_.Observe(latency);
  }
  // `route` is a fixed label (RouteLabel), never a raw path, so the series stay few.
  void CountHttp(std::string_view route, unsigned status);
  void CountRateLimited();
  void CountRejectedNotification();

  std::string Render(const MetricsGauges& gauges) const;

 private:
  std::array<std::atomic<uint64_t>, 4> events_{};
  LatencyHistogram commit_to_send_;
  LatencyHistogram redis_roundtrip_;
  std::atomic<uint64_t> rate_limited_{0};
  std::atomic<uint64_t> rejected_notifications_{0};
  static constexpr int64_t kNoCommitLag = -1;  // LastCommitLag: none yet
  std::atomic<int64_t> last_commit_lag_micros_{kNoCommitLag};
  mutable std::mutex wal_flush_mutex_;
  WalFlushDiagnosis wal_flush_;  // under wal_flush_mutex_
  mutable std::mutex http_mutex_;
  std::map<std::pair<std::string, unsigned>, uint64_t> http_;
};

}  // namespace walcast::api
