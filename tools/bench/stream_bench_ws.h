// WsFleet: the WebSocket clients of stream_bench's fan-out figures. N Beast WebSocket clients on
// `threads` io_contexts (one thread each, clients spread round-robin, so no client needs a lock)
// connect to /ws, wait for `welcome`, then count change frames. Each client checks that ids only
// go up (a duplicate or a reordering counts as out of order) and every frame's commit → receipt
// latency goes into its thread's histogram (against the event's `timestamp`, PostgreSQL's commit
// time, on the same system clock). Optional stalled clients read their welcome and then nothing,
// with a small receive buffer: the slow consumers walcastd must isolate. The same fleet can speak
// Socket.IO over WebSocket (FleetOptions::socketio), for the side-by-side figures. Clients may each
// have their own target (a per-user token), the one customer whose rows they may receive (a change
// of another customer is counted in FleetResult::foreign, not failed, so a run still ends) and a
// group: each group gets its own FleetResult, so kinds of clients whose connections are interleaved
// in one fleet are measured apart. Per event, each group also records when its first and its last
// client received it (the spread of one broadcast).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_stats.h"

namespace walcast::bench {

struct FleetOptions {
  int port = 0;
  std::string target = "/ws";  // with query parameters, if any
  int clients = 100;           // reading clients
  int stalled = 0;             // clients that stop reading after the welcome
  int threads = 1;
  int connects_in_flight = 200;  // per thread: the listen backlog is finite
  // Socket.IO clients instead (docs/contract.md §7): `target` is /socket.io/?EIO=4&transport=
  // websocket, each client joins the namespace ("40") and answers the server's pings ("3"), and
  // frames are Engine.IO messages: 42["<name>",{...},"<offset>"].
  bool socketio = false;
  // Per reading client (each of size `clients`, or empty): its own target, replacing `target`
  // (e.g. with its own access_token); the customer_name of every row it may receive ("" = any; a
  // change without one counts as another customer's); its group, 0 … groups - 1 (stalled clients
  // are in group 0). Clients connect in index order; groups measured side by side should be
  // interleaved, so that neither is favoured by where walcastd's hand-out of an event starts.
  std::vector<std::string> client_targets;
  std::vector<std::string> client_customers;
  std::vector<int> client_groups;
  int groups = 1;
};

struct FleetResult {
  std::size_t change_frames = 0;  // received by all reading clients
  std::size_t min_per_client = 0;
  std::size_t max_per_client = 0;
  std::size_t out_of_order = 0;  // frames whose id was not above the previous one
  std::size_t closed_slow = 0;   // reading clients closed with 4008
  std::size_t closed_other = 0;  // reading clients closed for another reason
  LatencyHistogram latency;      // frames committed at or after MeasureFrom
  // Per event committed at or after MeasureFrom that every reading client of the group received:
  // its last receipt minus its first (ms, the clock the latency uses). `spread.count` is how many
  // such events there were.
  Percentiles spread;
  // Each reading client's mean commit -> receipt latency (ms), sorted: how evenly the broadcast
  // treats its clients (one always served last has the highest mean by about the spread).
  std::vector<double> client_mean_latency_ms;
  Clock::time_point first_frame, last_frame;
  double cpu_seconds = 0;  // used by the fleet's threads (all groups), from ConnectAll to Finish
  // Change frames whose row is not of the client's customer (FleetOptions::client_customers), and
  // the first of them.
  std::size_t foreign = 0;
  std::string first_foreign;
};

class WsFleet {
 public:
  explicit WsFleet(FleetOptions options);
  ~WsFleet();
  WsFleet(const WsFleet&) = delete;
  WsFleet& operator=(const WsFleet&) = delete;

  // Opens every client and waits for all welcomes; throws on a failed connection or timeout.
  void ConnectAll(std::chrono::milliseconds timeout);

  // Latency counts only frames committed at or after `commit_time` (the warm-up is skipped).
  void MeasureFrom(std::chrono::system_clock::time_point commit_time);

  // Waits until the reading clients together hold `expected_frames` change frames (all clients'
  // sum), or no frame arrived for `idle_timeout`; then stops the clients and returns what they saw,
  // one result per group.
  std::vector<FleetResult> Finish(std::size_t expected_frames,
                                  std::chrono::milliseconds idle_timeout);

  struct Shard;

 private:
  FleetOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<int64_t> measured_from_micros_{INT64_MAX};  // system_clock µs since the epoch
  bool finished_ = false;
};

}  // namespace walcast::bench
