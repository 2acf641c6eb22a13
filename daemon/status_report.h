// StatusReport: what /health and /metrics say (docs/contract.md §3), assembled from the parts
// that know it: the database monitor, the change source, the event hub, the stream sessions'
// counters and the server's connection budget. api/status/ formats; this only gathers.
//
// Thread-safe: every part it reads is.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "api/status/health_report.h"
#include "api/status/metrics.h"
#include "daemon/change_source.h"
#include "daemon/config.h"

namespace walcast::api {
class EventHub;
class ServerContext;
struct StreamContext;
}  // namespace walcast::api
namespace walcast::database {
class AsyncCommitFlusher;
class DatabaseMonitor;
}  // namespace walcast::database

namespace walcast::daemon {

class TableCatalogRefresher;

class StatusReport {
 public:
  StatusReport(const Config& config, std::shared_ptr<database::DatabaseMonitor> database,
               std::shared_ptr<ChangeSource> source, std::shared_ptr<api::EventHub> hub,
               std::shared_ptr<api::StreamContext> streams, std::shared_ptr<api::Metrics> metrics);

  // The connection gauges come from the server, which is built after the router that serves
  // this report (and holds it: held weakly here, or the two would keep each other alive). Call
  // before the loop runs.
  void AttachServer(std::weak_ptr<api::ServerContext> server) { server_ = std::move(server); }

  // With --flush-async-commits: its count of flushes (walcast_async_flushes_total). Call before
  // the loop runs.
  void AttachFlusher(std::shared_ptr<database::AsyncCommitFlusher> flusher) {
    flusher_ = std::move(flusher);
  }

  // What tells whether the table catalog has been read since the publication last changed: the
  // stream is not reported up before, or a client that waited for /health could be told that a
  // streamed table does not exist. Call before the loop runs.
  void AttachCatalog(std::shared_ptr<TableCatalogRefresher> catalog) {
    catalog_ = std::move(catalog);
  }

  api::HealthReport Health() const;
  std::string MetricsText() const;
  // The gauges MetricsText renders, read now (the dashboard's history samples them too).
  api::MetricsGauges Gauges() const;

 private:
  api::HealthReport Health(const ChangeSource::Snapshot& source) const;

  const Config& config_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::shared_ptr<database::DatabaseMonitor> database_;
  std::shared_ptr<ChangeSource> source_;
  std::shared_ptr<api::EventHub> hub_;
  std::shared_ptr<api::StreamContext> streams_;
  std::shared_ptr<api::Metrics> metrics_;
  std::weak_ptr<api::ServerContext> server_;
  std::shared_ptr<database::AsyncCommitFlusher> flusher_;
  std::shared_ptr<TableCatalogRefresher> catalog_;
};

}  // namespace walcast::daemon
