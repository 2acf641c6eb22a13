// App: owns the daemon's long-lived parts in dependency order (database monitor, event hub, change
// source, HTTP listener), wires them together, and runs the io_context on `threads` threads until
// SIGINT or SIGTERM. What each part does lives in its own file; this is only the wiring.
//
// Shutdown order is the reverse of start-up: stop accepting, stop the database work, give open
// connections a moment, then stop the loop, so a stop completes within two seconds.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "api/guard/access_tokens.h"
#include "daemon/config.h"

namespace walcast::api {
class DashboardHistory;
class EngineIoServer;
class EventHub;
class Listener;
class Metrics;
class StaticFiles;
class WriteTracker;
namespace orders {
class OrderRoutes;
class ReadPositions;
}  // namespace orders
struct StreamContext;
}  // namespace walcast::api
namespace walcast::cluster {
class StreamArchive;
}
namespace walcast::database {
class AsyncCommitFlusher;
class DatabaseMonitor;
class PgPool;
}  // namespace walcast::database

namespace walcast::daemon {

class ChangeSource;
class StatusReport;
class TableCatalogRefresher;
class WatchdogPinger;

class App {
 public:
  explicit App(Config config);
  ~App();

  // Reads the schema (with --apply-schema) and binds the listener. On failure logs why and
  // returns false; the caller exits non-zero.
  bool Start();
  // Runs until a stop signal; returns the process exit code.
  int Run();

 private:
  void Shutdown();
  void EverySecond();
  void SampleDashboard();

  Config config_;
  boost::asio::io_context io_context_;
  std::unique_ptr<api::StaticFiles> static_files_;
  std::shared_ptr<database::DatabaseMonitor> database_monitor_;
  std::shared_ptr<database::AsyncCommitFlusher> flusher_;  // --flush-async-commits
  std::shared_ptr<api::EventHub> hub_;
  // The once-a-second chain (EverySecond): these are touched only by it and by Shutdown, which
  // runs on the loop too (signal handler).
  uint64_t last_client_count_ = 0;
  std::atomic<bool> stopping_every_second_{false};
  std::shared_ptr<api::StreamContext> stream_context_;
  std::shared_ptr<const api::AccessTokens> access_tokens_;  // static and per-user tokens
  std::shared_ptr<api::EngineIoServer> engineio_;           // /socket.io/, closed on shutdown
  std::shared_ptr<ChangeSource> change_source_;
  std::shared_ptr<cluster::StreamArchive> archive_;  // with --redis-url: older resumes
  std::shared_ptr<StatusReport> status_;             // /health and /metrics
  std::shared_ptr<api::Metrics> metrics_;
  std::shared_ptr<api::DashboardHistory> dashboard_history_;  // GET /metrics/history
  std::shared_ptr<api::Listener> listener_;
  // REST API (api/orders/): its connection pool, routes, and the eventId matcher.
  std::shared_ptr<database::PgPool> db_pool_;
  // The streamed tables, for GET /api/tables and clients' filters (decoder/table_catalog.h).
  std::shared_ptr<TableCatalogRefresher> catalog_refresher_;
  std::shared_ptr<api::orders::OrderRoutes> order_routes_;
  std::shared_ptr<api::WriteTracker> write_tracker_;
  std::shared_ptr<api::orders::ReadPositions> read_positions_;  // reads' streamPosition
  std::unique_ptr<WatchdogPinger> watchdog_;  // systemd WatchdogSec= pings, on the loop
};

}  // namespace walcast::daemon
