// App: owns the daemon's long-lived parts in dependency order (database monitor, event hub, change
// source, HTTP listener) and runs the io_context on `threads` threads until SIGINT or SIGTERM.
//
// Shutdown order is the reverse of start-up: stop accepting, stop the database work, give open
// connections a moment, then stop the loop, so a stop completes within two seconds.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <mutex>

#include "config.h"
#include "health_report.h"
#include "notify_source.h"
#include "replication_stream.h"

namespace walcast::api {
class EventHub;
class Metrics;
class Listener;
class ServerContext;
class StaticFiles;
class WriteTracker;
namespace orders {
class OrderRoutes;
}
struct StreamContext;
}  // namespace walcast::api
namespace walcast::database {
class DatabaseMonitor;
class PgPool;
class NotifySource;
class ReplicationStream;
}  // namespace walcast::database

namespace walcast::daemon {

class WatchdogPinger;
class SpillDirectory;

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
  api::HealthReport Health() const;
  std::string MetricsText() const;
  void BroadcastClientCount();

  // Builds the change source; it starts once the database is first reached. With --source auto
  // nothing is built until ChooseChangeSource has probed the database.
  void CreateChangeSource();
  void CreateReplication();
  void CreateNotify();
  // --source auto: probes the server (database/source_probe.h) on a strand of its own, then
  // creates and starts the chosen source. Called once the database is first reached.
  void ChooseChangeSource();
  // Starts whichever source exists; source_mutex_ held.
  void StartChangeSourceLocked();

  Config config_;
  boost::asio::io_context io_context_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<api::StaticFiles> static_files_;
  std::shared_ptr<database::DatabaseMonitor> database_monitor_;
  std::shared_ptr<api::EventHub> hub_;
  // The client-count broadcast runs on one timer chain: these are touched only by it and by
  // Shutdown, which runs on the loop too (signal handler).
  uint64_t last_client_count_ = 0;
  std::atomic<bool> stopping_clients_broadcast_{false};
  std::shared_ptr<api::Metrics> metrics_;
  std::shared_ptr<api::StreamContext> stream_context_;
  // The change source and its pipeline. With --source auto they are created after start-up, on
  // the probe's strand, while Health() and Shutdown() may read them: source_mutex_ guards the
  // pointers (the objects are thread-safe).
  mutable std::mutex source_mutex_;
  bool stopping_ = false;  // under source_mutex_: no source starts after Shutdown
  // Where the replication decoder spills large open transactions; declared before pipeline_ so
  // that it outlives it.
  std::shared_ptr<SpillDirectory> spill_;
  std::unique_ptr<database::ReplicationHandler> pipeline_;
  std::shared_ptr<database::ReplicationStream> replication_;
  std::unique_ptr<database::NotifyHandler> notify_pipeline_;
  std::shared_ptr<database::NotifySource> notify_;
  std::shared_ptr<api::Listener> listener_;
  std::shared_ptr<api::ServerContext> server_context_;  // for the connection gauges
  // REST API (api/orders/): its connection pool, routes, and the eventId matcher.
  std::shared_ptr<database::PgPool> db_pool_;
  std::shared_ptr<api::orders::OrderRoutes> order_routes_;
  std::shared_ptr<api::WriteTracker> write_tracker_;
  std::unique_ptr<WatchdogPinger> watchdog_;  // systemd WatchdogSec= pings, on the loop
};

}  // namespace walcast::daemon
