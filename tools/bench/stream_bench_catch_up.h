// One SSE client catching up with changes already in the WAL, the measurement the throughput and
// tables scenarios share: walcastd starts on a slot created before the changes were written and
// one client reads every change. Blocking; call from the main thread (see ChildProcess).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "tools/bench/stream_bench_daemon.h"
#include "tools/bench/stream_bench_pg.h"
#include "tools/bench/stream_bench_sse.h"

namespace walcast::bench {

struct CatchUp {
  double seconds = 0;                // walcastd's process start to the last change received
  double first_to_last_seconds = 0;  // first change received to the last one
  double walcastd_cpu_seconds = 0;
  double walsender_cpu_seconds = 0;  // the walsender serving walcastd's slot
  double client_cpu_seconds = 0;     // this process while the client read
  std::size_t reconnects = 0;        // the client was dropped as slow and resumed
};

// Starts walcastd (setup.daemon_args, then `daemon_args`) on setup.slot, whose start is
// `slot_start_lsn`, and reads `changes` change events with one client, calling `on_change` for
// each; stops walcastd. The client asks for everything after the slot's start, so it misses
// nothing however early or late it connects relative to the daemon's first decoded transaction.
CatchUp RunCatchUp(PgConnection& db, const BenchSetup& setup, const std::string& slot_start_lsn,
                   std::size_t changes, const std::vector<std::string>& daemon_args,
                   const std::function<void(const SseEvent&)>& on_change);

}  // namespace walcast::bench
