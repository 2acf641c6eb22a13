// The bulk measurement: one transaction deleting a million orders (REPLICA IDENTITY FULL, so every
// event carries the whole row) delivered to N SSE clients that keep reading (ChangeReceiver: ids
// strictly increasing, every event counted). Figures: time from the COMMIT's return to the last
// event at every client, events/s per client over that time and between its first and last
// event, and walcastd's peak RSS (sampled every 20 ms) above its idle value with the clients
// connected. Blocking; call from the main thread (see ChildProcess).
#pragma once

#include "tools/bench/stream_bench_scenarios.h"

namespace walcast::bench {

struct BulkOptions {
  int rows = 1'000'000;  // deleted in one transaction
  int clients = 1;       // SSE clients, one thread each, all connected before the delete
  double rss_interval_ms = 20;
};

// The rows are inserted before walcastd's slot exists, so only the delete is decoded; the
// delete's session sets walcast.notify = off (the schema's trigger would otherwise queue a
// million notifications, which times PostgreSQL, not walcast).
Figures RunBulk(const BenchSetup& setup, const BulkOptions& options);

}  // namespace walcast::bench
