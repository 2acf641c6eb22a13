// The walcastd under measurement: started on a free port of its own with the replication source
// and warnings only (logging is not what is measured), probed over HTTP, stopped with SIGTERM.
// Blocking; start from the main thread (see ChildProcess).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tools/bench/stream_bench_process.h"

namespace walcast::bench {

struct BenchSetup {
  std::string walcastd;                 // path of the daemon binary
  std::string conninfo;                 // libpq conninfo of the database with the schema
  std::string slot = "walcast_orders";  // walcastd's slot
  std::string publication = "walcast_orders";
  std::string daemon_log;                // walcastd's stdout and stderr ("" = /dev/null)
  std::vector<std::string> daemon_args;  // extra walcastd flags
};

class Daemon {
 public:
  // `extra_args` follow setup.daemon_args (a scenario's own flags; the user's come first).
  explicit Daemon(const BenchSetup& setup, const std::vector<std::string>& extra_args = {});

  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  Clock::time_point process_started() const { return process_.started(); }

  // Waits until /health answers 200 (database reachable and the stream up).
  Clock::time_point WaitHealthy(std::chrono::milliseconds timeout);

  // SIGTERM; returns the exit (a clean stop is status 0, anything else throws).
  ChildProcess::Exit Stop();

 private:
  int port_;
  ChildProcess process_;
};

}  // namespace walcast::bench
