#include "api/status/metrics.h"

#include <fmt/format.h>

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
  gauge("walcast_clients", "Connected stream clients (WebSocket and SSE).", "gauge",
        gauges.clients);
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
  gauge("walcast_stream_up", "1 when the change source is streaming.", "gauge",
        gauges.stream_up ? 1 : 0);
  if (gauges.slot_lag_bytes) {
    gauge("walcast_slot_lag_bytes", "WAL the slot holds beyond walcast's acknowledgement.", "gauge",
          *gauges.slot_lag_bytes);
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
