#include "api/status/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace walcast::api {

void Metrics::CountEvent(decoder::Operation operation) {
  events_[static_cast<std::size_t>(operation)].fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::Observe(std::chrono::microseconds latency) {
  uint64_t micros = latency.count() < 0 ? 0 : static_cast<uint64_t>(latency.count());
  double seconds = static_cast<double>(micros) / 1e6;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      buckets_[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
}

std::array<uint64_t, LatencyHistogram::kBuckets.size() + 1> LatencyHistogram::BucketCounts() const {
  std::array<uint64_t, kBuckets.size() + 1> counts{};
  uint64_t below_overflow = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
    below_overflow += counts[i];
  }
  // Observe counts the total after the bucket: a reader in between sees at most a moment's skew.
  const uint64_t total = count_.load(std::memory_order_relaxed);
  counts[kBuckets.size()] = total > below_overflow ? total - below_overflow : 0;
  return counts;
}

MetricsCounters Metrics::Counters() const {
  MetricsCounters counters;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    counters.events[i] = events_[i].load(std::memory_order_relaxed);
  }
  counters.commit_to_send = commit_to_send_.BucketCounts();
  std::lock_guard lock(http_mutex_);
  for (const auto& [key, count] : http_) {
    // REST only: not the UI's files, /health, /metrics or a stream's handshake.
    const std::string_view route = key.first;
    if ((route != "/api" && !route.starts_with("/api/")) || route == "/api/events") continue;
    const unsigned status_class = key.second / 100;
    if (status_class >= 1 && status_class <= 5) counters.http_by_class[status_class - 1] += count;
  }
  return counters;
}

void LatencyHistogram::Render(std::string_view name, std::string_view help,
                              std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += buckets_[i].load();
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBuckets[i], cumulative);
  }
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, count_.load());
  out += fmt::format("{}_sum {}\n", name, static_cast<double>(sum_micros_.load()) / 1e6);
  out += fmt::format("{}_count {}\n", name, count_.load());
}

void Metrics::CountHttp(std::string_view route, unsigned status) {
  std::lock_guard lock(http_mutex_);
  ++http_[{std::string(route), status}];
}

void Metrics::SetLastCommitLag(std::chrono::microseconds lag) {
  last_commit_lag_micros_.store(std::max<int64_t>(lag.count(), 0), std::memory_order_relaxed);
}

std::optional<std::chrono::microseconds> Metrics::LastCommitLag() const {
  const int64_t micros = last_commit_lag_micros_.load(std::memory_order_relaxed);
  if (micros == kNoCommitLag) return std::nullopt;
  return std::chrono::microseconds(micros);
}

void Metrics::ConfigureWalFlushDiagnosis(WalFlushDiagnosisOptions options) {
  std::lock_guard lock(wal_flush_mutex_);
  wal_flush_ = WalFlushDiagnosis(options);
}

void Metrics::ObserveCommitDelay(std::chrono::microseconds delay, std::size_t events) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(wal_flush_mutex_);
  wal_flush_.ObserveTransaction(delay, events, now);
}

WalFlushTransition Metrics::ObserveWalFlushCheck(const WalFlushCheck& check) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(wal_flush_mutex_);
  return wal_flush_.ObserveCheck(check, now);
}

WalFlushLag Metrics::WalFlushVerdict() const {
  std::lock_guard lock(wal_flush_mutex_);
  return wal_flush_.Verdict();
}

void Metrics::CountRateLimited() { rate_limited_.fetch_add(1, std::memory_order_relaxed); }

void Metrics::CountRejectedNotification() {
  rejected_notifications_.fetch_add(1, std::memory_order_relaxed);
}

std::string Metrics::Render(const MetricsGauges& gauges) const {
  std::string out;
  auto append = [&out](std::string_view text) { out.append(text); };

  append("# HELP walcast_events_total Change events published, by operation.\n");
  append("# TYPE walcast_events_total counter\n");
  for (auto operation : {decoder::Operation::kInsert, decoder::Operation::kUpdate,
                         decoder::Operation::kDelete, decoder::Operation::kTruncate}) {
    out += fmt::format("walcast_events_total{{operation=\"{}\"}} {}\n",
                       decoder::OperationName(operation),
                       events_[static_cast<std::size_t>(operation)].load());
  }

  commit_to_send_.Render("walcast_commit_to_send_seconds",
                         "From the PostgreSQL commit to the hand-off to clients.", out);

  append("# HELP walcast_http_requests_total HTTP requests, by route and status.\n");
  append("# TYPE walcast_http_requests_total counter\n");
  {
    std::lock_guard lock(http_mutex_);
    for (const auto& [key, count] : http_) {
      out += fmt::format("walcast_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                         key.first, key.second, count);
    }
  }

  auto gauge = [&](std::string_view name, std::string_view help, std::string_view type,
                   auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  gauge("walcast_clients", "Connected stream clients (WebSocket, SSE and Socket.IO).", "gauge",
        gauges.clients);
  append("# HELP walcast_clients_by_transport Connected stream clients, by transport.\n");
  append("# TYPE walcast_clients_by_transport gauge\n");
  for (const auto& [transport, count] :
       {std::pair<std::string_view, uint64_t>{"websocket", gauges.websocket_clients},
        {"sse", gauges.sse_clients},
        {"socket.io", gauges.socketio_clients}}) {
    out += fmt::format("walcast_clients_by_transport{{transport=\"{}\"}} {}\n", transport, count);
  }
  gauge("walcast_events_sent_total", "Events written to stream clients.", "counter",
        gauges.events_sent);
  gauge("walcast_slow_clients_dropped_total", "Stream clients disconnected for falling behind.",
        "counter", gauges.slow_clients_dropped);
  gauge("walcast_rate_limited_requests_total", "Requests refused by the rate limit.", "counter",
        rate_limited_.load());
  gauge("walcast_rejected_notifications_total", "NOTIFY payloads of an unexpected shape.",
        "counter", rejected_notifications_.load());
  gauge("walcast_replay_window_events", "Events retained for resuming clients.", "gauge",
        gauges.retained_events);
  gauge("walcast_replay_window_bytes", "Bytes of serialized events retained for resuming clients.",
        "gauge", gauges.replay_window_bytes);
  gauge("walcast_spill_bytes", "Bytes of open transactions spilled to disk now.", "gauge",
        gauges.spill_bytes);
  gauge("walcast_spilled_transactions_total", "Transactions whose changes spilled to disk.",
        "counter", gauges.spilled_transactions);
  gauge("walcast_decode_errors_total",
        "Replication connections ended by a message walcast could not decode or hand on.",
        "counter", gauges.decode_errors);
  gauge("walcast_database_up", "1 when the database answers.", "gauge", gauges.database_up ? 1 : 0);
  gauge("walcast_stream_up",
        "1 when the change stream is up (as /health `stream`: streaming, the table catalog read).",
        "gauge", gauges.stream_up ? 1 : 0);
  if (gauges.slot_lag_bytes) {
    gauge("walcast_slot_lag_bytes", "WAL the slot holds beyond walcast's acknowledgement.", "gauge",
          *gauges.slot_lag_bytes);
  }
  if (gauges.retained_wal_bytes) {
    gauge("walcast_slot_retained_wal_bytes",
          "WAL the server keeps for the slot (its WAL position minus the slot's restart_lsn).",
          "gauge", *gauges.retained_wal_bytes);
  }
  if (gauges.slot_lag_seconds) {
    gauge("walcast_slot_lag_seconds",
          "From the commit of the last transaction handed to clients to that hand-off.", "gauge",
          *gauges.slot_lag_seconds);
  }
  if (gauges.wal_flush_lag_detected) {
    gauge("walcast_wal_flush_lag_detected",
          "1 while commits reach walcast late because the server flushes their WAL late "
          "(asynchronous commits; /health walFlushLag says why and what to do).",
          "gauge", *gauges.wal_flush_lag_detected ? 1 : 0);
  }
  if (gauges.async_flushes) {
    gauge("walcast_async_flushes_total",
          "Transactions --flush-async-commits ran to flush unflushed WAL (one xid and one WAL "
          "flush each).",
          "counter", *gauges.async_flushes);
  }
  gauge("walcast_connections", "Open client connections (HTTP, SSE and WebSocket).", "gauge",
        gauges.connections);
  gauge("walcast_connections_max", "The cap on open client connections (0: none).", "gauge",
        gauges.max_connections);
  gauge("walcast_connections_refused_total",
        "Connections refused at the cap (answered 503 and closed).", "counter",
        gauges.connections_refused);
  gauge("walcast_connections_reclaimed_total",
        "Idle connections closed at the cap to make room for new ones.", "counter",
        gauges.connections_reclaimed);
  gauge("walcast_uptime_seconds", "Seconds since walcastd started.", "gauge",
        gauges.uptime_seconds);
  if (gauges.resident_memory_bytes) {
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
          *gauges.resident_memory_bytes);
  }
  if (gauges.cluster) {
    const auto& cluster = *gauges.cluster;
    gauge("walcast_cluster_role", "1 while this member leads (holds the slot and appends).",
          "gauge", cluster.leader ? 1 : 0);
    gauge("walcast_cluster_leader_changes_total", "Times this member became the leader.", "counter",
          cluster.leader_changes);
    gauge("walcast_cluster_stream_lag_ms",
          "How long this member has been behind the end of the cluster's Redis stream.", "gauge",
          cluster.stream_lag_ms);
    gauge("walcast_redis_up", "1 when Redis answers this member.", "gauge",
          cluster.redis_up ? 1 : 0);
    redis_roundtrip_.Render("walcast_redis_roundtrip_seconds",
                            "A cluster member's liveness check of Redis, sent to answered.", out);
  }
  return out;
}

}  // namespace walcast::api
