#include "daemon/status_report.h"

#include <unistd.h>

#include <fstream>

#include "api/http/server_context.h"
#include "api/status/metrics.h"
#include "api/stream/event_hub.h"
#include "api/stream/stream_context.h"
#include "daemon/table_catalog_refresher.h"
#include "database/async_commit_flusher.h"
#include "database/database_monitor.h"
#include "decoder/pg_time.h"

namespace walcast::daemon {
namespace {

// The second field of /proc/self/statm is resident pages; nullopt where there is no procfs.
std::optional<uint64_t> ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0;
  uint64_t resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return std::nullopt;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

StatusReport::StatusReport(const Config& config,
                           std::shared_ptr<database::DatabaseMonitor> database,
                           std::shared_ptr<ChangeSource> source, std::shared_ptr<api::EventHub> hub,
                           std::shared_ptr<api::StreamContext> streams,
                           std::shared_ptr<api::Metrics> metrics)
    : config_(config),
      database_(std::move(database)),
      source_(std::move(source)),
      hub_(std::move(hub)),
      streams_(std::move(streams)),
      metrics_(std::move(metrics)) {}

api::HealthReport StatusReport::Health() const { return Health(source_->State()); }

api::HealthReport StatusReport::Health(const ChangeSource::Snapshot& source) const {
  auto db = database_->Snapshot();
  api::HealthReport report;
  report.database_up = db.up;
  report.source = std::string(SourceModeName(config_.source));
  report.slot = config_.slot;
  report.clients = hub_->Subscribers();
  if (auto at = hub_->LastEventAt()) {
    report.last_event_at = decoder::FormatRfc3339(decoder::UnixMicros(*at));
  }
  // --source auto before the probe has decided: expected, not yet up.
  report.stream_expected =
      source.replication || source.notify || source.cluster || config_.source == SourceMode::kAuto;
  if (source.cluster) {
    // A member's stream is the cluster's Redis stream; the slot is the leader's business.
    const auto& cluster = *source.cluster;
    report.source = "replication";
    report.stream_up = cluster.redis_up;
    if (!cluster.redis_up) report.problem = "Redis: " + cluster.redis_problem;
    if (cluster.replication && cluster.replication->confirmed_lsn.valid()) {
      const auto& stream = *cluster.replication;
      report.confirmed_lsn = stream.confirmed_lsn.ToString();
      if (stream.server_wal_end.valid()) {
        report.lag_bytes = stream.server_wal_end > stream.confirmed_lsn
                               ? stream.server_wal_end.value() - stream.confirmed_lsn.value()
                               : 0;
      }
    }
    report.cluster = api::HealthReport::Cluster{
        cluster.leader, cluster.redis_up, cluster.redis_problem, cluster.lag_ms, cluster.term};
    // Only the leader decodes the slot, so only it can tell.
    if (cluster.leader) report.wal_flush_lag = metrics_->WalFlushVerdict();
  } else if (source.replication) {
    const auto& stream = *source.replication;
    report.source = "replication";
    report.stream_up = stream.streaming;
    if (stream.confirmed_lsn.valid()) report.confirmed_lsn = stream.confirmed_lsn.ToString();
    if (stream.server_wal_end.valid()) {
      report.lag_bytes = stream.server_wal_end > stream.confirmed_lsn
                             ? stream.server_wal_end.value() - stream.confirmed_lsn.value()
                             : 0;
    }
    if (!stream.streaming && db.up) report.problem = stream.problem;
    report.wal_flush_lag = metrics_->WalFlushVerdict();
    // A failure that keeps coming back (a transaction that cannot be handed on) must not look
    // healthy during each attempt in between.
    if (stream.streaming && db.up && !stream.last_failure.empty() &&
        std::chrono::steady_clock::now() - stream.last_failure_at < std::chrono::seconds(60)) {
      report.problem = "recovering from: " + stream.last_failure;
    }
  } else if (source.notify) {
    const auto& state = *source.notify;
    report.source = "notify";
    report.slot.clear();  // no slot in NOTIFY mode
    report.stream_up = state.listening;
    if (!state.listening && db.up) report.problem = state.problem;
  } else if (config_.source == SourceMode::kAuto && db.up) {
    report.problem = "choosing the change source";
  }
  if (report.stream_up && catalog_ && !catalog_->Current()) {
    // Milliseconds after the publication was created or extended, unless the read fails.
    report.stream_up = false;
    // The error says "cannot read the table catalog: ..." (database/table_catalog_query.cc).
    std::string error = catalog_->LastError();
    report.problem = error.empty() ? "reading the table catalog" : error;
  }
  report.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  if (!db.up) report.problem = "database unreachable";
  return report;
}

std::string StatusReport::MetricsText() const { return metrics_->Render(Gauges()); }

api::MetricsGauges StatusReport::Gauges() const {
  const auto source = source_->State();
  const auto health = Health(source);
  api::MetricsGauges gauges;
  gauges.clients = health.clients;
  gauges.slot_lag_bytes = health.lag_bytes;
  gauges.retained_events = hub_->RetainedEvents();
  gauges.database_up = health.database_up;
  gauges.stream_up = health.stream_up;
  gauges.slow_clients_dropped = streams_->counters.slow_clients_dropped.load();
  gauges.events_sent = streams_->counters.events_sent.load();
  gauges.uptime_seconds = health.uptime_seconds;
  gauges.resident_memory_bytes = ResidentMemoryBytes();
  gauges.retained_wal_bytes = database_->Snapshot().retained_wal_bytes;
  if (health.wal_flush_lag) gauges.wal_flush_lag_detected = health.wal_flush_lag->detected;
  if (flusher_) gauges.async_flushes = flusher_->Flushes();
  if (auto lag = metrics_->LastCommitLag()) {
    gauges.slot_lag_seconds = std::chrono::duration<double>(*lag).count();
  }
  gauges.websocket_clients = streams_->counters.websocket_open.load();
  gauges.sse_clients = streams_->counters.sse_open.load();
  gauges.socketio_clients = streams_->counters.socketio_open.load();
  if (auto server = server_.lock()) {
    const auto& budget = server->budget();
    gauges.connections = budget.open();
    gauges.max_connections = budget.max_open();
    gauges.connections_refused = budget.refused();
    gauges.connections_reclaimed = budget.reclaimed();
  }
  gauges.replay_window_bytes = hub_->RetainedBytes();
  gauges.spill_bytes = source.spill_bytes;
  gauges.spilled_transactions = source.spilled_transactions;
  if (source.replication) {
    gauges.decode_errors = source.replication->decode_failures;
  } else if (source.cluster && source.cluster->replication) {
    // A cluster member decodes only while it leads; its count starts again with each term, which
    // Prometheus reads as a counter reset.
    gauges.decode_errors = source.cluster->replication->decode_failures;
  }
  if (source.cluster) {
    gauges.cluster =
        api::MetricsGauges::Cluster{source.cluster->leader, source.cluster->redis_up,
                                    source.cluster->leader_changes, source.cluster->lag_ms};
  }
  return gauges;
}

}  // namespace walcast::daemon
