// App: owns the daemon's long-lived parts in dependency order (database monitor, HTTP listener)
// and runs the io_context on `threads` threads until SIGINT or SIGTERM.
//
// Shutdown order is the reverse of start-up: stop accepting, stop the database work, give open
// connections a moment, then stop the loop, so a stop completes within two seconds.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>

#include "config.h"
#include "health_report.h"

namespace walcast::api {
class Listener;
class StaticFiles;
}  // namespace walcast::api
namespace walcast::database {
class DatabaseMonitor;
}

namespace walcast::daemon {

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

  Config config_;
  boost::asio::io_context io_context_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<api::StaticFiles> static_files_;
  std::shared_ptr<database::DatabaseMonitor> database_monitor_;
  std::shared_ptr<api::Listener> listener_;
};

}  // namespace walcast::daemon
