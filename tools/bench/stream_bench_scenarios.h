// The three change-stream measurements (docs/performance.md), one run each. Every run starts its
// own walcastd (and, for throughput, pg_recvlogical) against an existing database that has the
// walcast schema, and drops or recreates the replication slots it uses, so runs are independent of
// each other. Blocking; call from the main thread (see ChildProcess).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tools/bench/stream_bench_daemon.h"

namespace walcast::bench {

// One run's figures in the order they are printed: name (with its unit) and value.
using Figures = std::vector<std::pair<std::string, double>>;

struct ThroughputOptions {
  int transactions = 200;
  int rows_per_transaction = 1000;
  std::string pg_recvlogical = "/usr/lib/postgresql/15/bin/pg_recvlogical";
  std::string recvlogical_slot = "bench_recvlogical";
  bool walcast_first = false;  // which consumer reads the fresh WAL first
};
// Catch-up throughput: both slots are created, the rows are written while nothing consumes them,
// then, one after the other, pg_recvlogical reads its slot up to the WAL end, and walcastd starts
// and one SSE client receives every change.
Figures RunThroughput(const BenchSetup& setup, const ThroughputOptions& options);

struct LatencyOptions {
  int rate = 1000;      // single-row commits per second
  double seconds = 25;  // measured, after the warm-up
  double warmup_seconds = 2;
};
// Commit → SSE receipt for paced single-row commits against a live walcastd.
Figures RunLatency(const BenchSetup& setup, const LatencyOptions& options);

struct RestartOptions {
  int transactions = 100;
  int rows_per_transaction = 1000;
};
// walcastd retains the written changes in its replay window, is stopped with SIGTERM and started
// again; measures how long until it listens, until /health says the stream is up and until a
// client resuming from the first retained id has every later event.
Figures RunRestart(const BenchSetup& setup, const RestartOptions& options);

}  // namespace walcast::bench
