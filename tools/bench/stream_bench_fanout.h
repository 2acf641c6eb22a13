// The WebSocket fan-out measurement (the broadcast figures): one walcastd, N WebSocket clients (and
// optionally stalled ones, and Socket.IO clients beside them), paced commits through libpq,
// commit → receipt latency per frame.
// Blocking; call from the main thread (see ChildProcess).
#pragma once

#include <string>

#include "tools/bench/stream_bench_scenarios.h"

namespace walcast::bench {

struct FanoutOptions {
  int clients = 100;
  int stalled = 0;  // clients that read their welcome and then nothing
  // Socket.IO clients over WebSocket in the same run, measured apart (docs/contract.md §7).
  int socketio_clients = 0;
  double rate = 1000;  // commits per second, all writers together
  int rows_per_commit = 1;
  int writers = 1;  // libpq connections committing in parallel
  double seconds = 20;
  double warmup_seconds = 2;
  int threads = 1;    // client threads of the load tool
  std::string query;  // added to /ws?, e.g. "status=pending"
};

Figures RunFanout(const BenchSetup& setup, const FanoutOptions& options);

}  // namespace walcast::bench
