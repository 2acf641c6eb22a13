// The WebSocket fan-out measurement (the broadcast figures): one walcastd, N WebSocket clients (and
// optionally stalled ones, and Socket.IO or row-restricted clients beside them), paced commits
// through libpq, commit → receipt latency per frame, each kind of client measured apart.
//
// Restricted clients (the per-user tokens of README "Running in production"): walcastd gets a
// random `--jwt-secret` and a random `--stream-token`; with a JWT key every stream needs a token,
// so the unrestricted clients connect with the static one (which sees everything) and restricted
// client j with its own HS256 JWT as `/ws?access_token=`: {"sub":"bench-<j>","scope":"read",
// "exp":<now + 1 h>,"walcast":{"customer":"fan-out <j % customers>"}}. The writers then name the
// customer of commit n (all its rows) `fan-out <n % customers>`, so each restricted client is owed
// the rows of its customer, about 1/customers of the events, and an unrestricted client all of
// them. With `customers` = restricted clients every restriction is distinct; with fewer, clients of
// the same customer share a restriction (distinct `sub`s: walcastd keeps no per-restriction state,
// it checks every client's restriction on every event). Both kinds share one WsFleet (the same
// client threads), connected interleaved, so neither group is favoured by the order of the hand-out
// (which starts at a scattered client per transaction, api/stream/event_hub.cc). A restricted
// client that receives a row of another customer counts in `restricted_foreign_frames` (must be 0;
// the first is printed).
//
// The ceiling (`ceiling`): after walcastd's phase, in the same run and with the same writers, a
// second phase measures what the cheapest broadcaster achieves on this machine: a fresh walcastd
// (stopped, slot dropped and started again, as for the first phase) has one client, `stream_bench
// relay` (a child process, stream_bench_relay.h), and the same fleet connects to the relay, which
// forwards walcastd's frames to it. Both phases are checked alike, and the figures compare them:
// frames/s, CPU-µs per delivered frame (the process's CPU time from the writers' start to the
// fleet's end, over the frames the fleet received, warm-up included in both), commit → receipt
// p99 and the spread between the first and last client to receive an event. Only plain /ws
// clients (no stalled, Socket.IO or restricted ones) can be compared. Blocking; call from the main
// thread (see ChildProcess).
#pragma once

#include <string>

#include "tools/bench/stream_bench_relay.h"
#include "tools/bench/stream_bench_scenarios.h"

namespace walcast::bench {

struct FanoutOptions {
  int clients = 100;
  int stalled = 0;  // clients that read their welcome and then nothing
  // Socket.IO clients over WebSocket in the same run, measured apart (docs/contract.md §7).
  int socketio_clients = 0;
  // /ws clients with per-user tokens restricted to one customer each, measured apart (see above).
  int restricted_clients = 0;
  int customers = 10;  // customer names the writers spread commits over, with restricted clients
  double rate = 1000;  // commits per second, all writers together
  int rows_per_commit = 1;
  int writers = 1;  // libpq connections committing in parallel
  double seconds = 20;
  double warmup_seconds = 2;
  int threads = 1;       // client threads of the load tool
  std::string query;     // added to /ws?, e.g. "status=pending"
  bool ceiling = false;  // a second phase with the relay (see above)
  RelaySend ceiling_send = RelaySend::kSendmsg;
};

Figures RunFanout(const BenchSetup& setup, const FanoutOptions& options);

}  // namespace walcast::bench
