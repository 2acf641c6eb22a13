#include "tools/bench/stream_bench_fanout.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <thread>

#include "tools/bench/stream_bench_daemon.h"
#include "tools/bench/stream_bench_jwt.h"
#include "tools/bench/stream_bench_pg.h"
#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_ws.h"

namespace walcast::bench {
namespace {

using namespace std::chrono_literals;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The first and last of sorted figures (0 when there are none).
double Front(const std::vector<double>& sorted) { return sorted.empty() ? 0 : sorted.front(); }
double Back(const std::vector<double>& sorted) { return sorted.empty() ? 0 : sorted.back(); }

// A counter's value in walcastd's Prometheus text (0 when absent).
double MetricValue(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return std::stod(text.substr(at + name.size() + 2));
}

// The customer_name of commit n's rows: spread over `customers` names when restricted clients are
// measured (0: the single name of the other configurations).
std::string CustomerOf(std::size_t commit, int customers) {
  if (customers == 0) return "fan-out";
  return "fan-out " + std::to_string(commit % static_cast<std::size_t>(customers));
}

// How many of `commits` commits (numbered from 0) belong to customer `c` of `customers`.
std::size_t CommitsOf(std::size_t commits, int customers, int c) {
  const auto k = static_cast<std::size_t>(customers);
  return commits / k + (static_cast<std::size_t>(c) < commits % k);
}

struct WriterReport {
  std::size_t commits = 0;
  std::size_t late_starts = 0;  // a commit sent more than 1 ms after its slot
};

// Commits `commits` times at absolute deadlines start + n * period, n = i * writers + index (the
// commit's number among all writers'), so a slow commit does not shift the later ones and all
// writers together offer the target rate.
WriterReport WriteAtRate(const std::string& conninfo, Clock::time_point start,
                         Clock::duration period, int index, int writers, std::size_t commits,
                         int rows_per_commit, int customers) {
  PgConnection db(conninfo);
  WriterReport report;
  const std::string rows = std::to_string(rows_per_commit);
  for (std::size_t i = 0; i < commits; ++i) {
    const auto n = i * static_cast<std::size_t>(writers) + static_cast<std::size_t>(index);
    auto deadline = start + period * n;
    std::this_thread::sleep_until(deadline);
    if (Clock::now() - deadline > 1ms) ++report.late_starts;
    if (rows_per_commit == 1) {
      db.Query("INSERT INTO orders (customer_name, product_name) VALUES ($1, 'probe')",
               {CustomerOf(n, customers)});
    } else {
      db.Query(
          "INSERT INTO orders (customer_name, product_name) "
          "SELECT $1, 'probe' FROM generate_series(1, $2)",
          {CustomerOf(n, customers), rows});
    }
    ++report.commits;
  }
  return report;
}

struct Writing {
  std::size_t committed = 0;
  std::size_t late = 0;
  double seconds = 0;  // from `start` until the last writer finished
};

// The writers of one phase: rate × (warm-up + seconds) commits from `start`, spread over
// options.writers connections; rethrows a writer's failure.
Writing WriteAll(const BenchSetup& setup, const FanoutOptions& options, Clock::time_point start,
                 int customers) {
  const auto commits =
      static_cast<std::size_t>(options.rate * (options.warmup_seconds + options.seconds));
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options.rate));
  std::vector<WriterReport> reports(static_cast<std::size_t>(options.writers));
  std::vector<std::exception_ptr> errors(reports.size());
  std::vector<std::thread> writers;
  for (int w = 0; w < options.writers; ++w) {
    auto share =
        commits / static_cast<std::size_t>(options.writers) +
        (static_cast<std::size_t>(w) < commits % static_cast<std::size_t>(options.writers));
    writers.emplace_back([&, w, share] {
      try {
        reports[static_cast<std::size_t>(w)] =
            WriteAtRate(setup.conninfo, start, period, w, options.writers, share,
                        options.rows_per_commit, customers);
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
      }
    });
  }
  for (auto& writer : writers) writer.join();
  Writing writing;
  writing.seconds = Seconds(Clock::now() - start);
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  for (const auto& report : reports) {
    writing.committed += report.commits;
    writing.late += report.late_starts;
  }
  return writing;
}

// The first commit time whose latency counts, for writers that start at `start`.
std::chrono::system_clock::time_point MeasuredFrom(Clock::time_point start,
                                                   const FanoutOptions& options) {
  return std::chrono::system_clock::now() +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(
             start - Clock::now() + std::chrono::duration<double>(options.warmup_seconds));
}

// This program, to start its relay.
std::string SelfPath() {
  char path[PATH_MAX];
  ssize_t length = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0) throw std::runtime_error("cannot read /proc/self/exe");
  return std::string(path, static_cast<std::size_t>(length));
}

double PerFrameMicros(double cpu_seconds, std::size_t frames) {
  return frames > 0 ? cpu_seconds * 1e6 / static_cast<double>(frames) : 0;
}

double FramesPerSecond(const FleetResult& result) {
  double seconds = Seconds(result.last_frame - result.first_frame);
  return seconds > 0 ? static_cast<double>(result.change_frames) / seconds : 0;
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

struct CeilingPhase {
  Writing writing;
  FleetResult result;
  double relay_cpu_seconds = 0;     // writers' start → fleet's end
  double walcastd_cpu_seconds = 0;  // the same window; it serves the relay alone
};

// The ceiling's phase (see the header): a fresh walcastd, the relay as its one client, the same
// fleet on the relay, the same writers.
CeilingPhase RunCeiling(const BenchSetup& setup, const FanoutOptions& options,
                        const std::vector<std::string>& daemon_args, const std::string& target) {
  {
    PgConnection db(setup.conninfo);
    DropSlot(db, setup.slot, 10s);
  }
  Daemon daemon(setup, daemon_args);
  daemon.WaitHealthy(30s);
  const int relay_port = FreeTcpPort();
  ChildProcess relay({SelfPath(), "relay", "--upstream-port", std::to_string(daemon.port()),
                      "--upstream-target", target, "--listen-port", std::to_string(relay_port),
                      "--clients", std::to_string(options.clients), "--send",
                      options.ceiling_send == RelaySend::kIoUring ? "io_uring" : "sendmsg"},
                     setup.daemon_log);
  // The relay listens before it connects upstream; a probe that closes at once is dropped.
  int probe = ConnectLoopback(relay_port, Clock::now() + 10s);
  if (probe < 0) throw std::runtime_error("the relay did not listen");
  close(probe);
  std::this_thread::sleep_for(1s);

  FleetOptions fleet_options;
  fleet_options.port = relay_port;
  fleet_options.clients = options.clients;
  fleet_options.threads = options.threads;
  WsFleet fleet(fleet_options);
  fleet.ConnectAll(300s);
  std::this_thread::sleep_for(2s);

  CeilingPhase phase;
  auto start = Clock::now() + 10ms;
  fleet.MeasureFrom(MeasuredFrom(start, options));
  const double relay_before = ProcessCpuSeconds(relay.pid());
  const double walcastd_before = ProcessCpuSeconds(daemon.pid());
  phase.writing = WriteAll(setup, options, start, 0);
  const std::size_t events =
      phase.writing.committed * static_cast<std::size_t>(options.rows_per_commit);
  phase.result = fleet.Finish(events * static_cast<std::size_t>(options.clients), 15s)[0];
  phase.relay_cpu_seconds = ProcessCpuSeconds(relay.pid()) - relay_before;
  phase.walcastd_cpu_seconds = ProcessCpuSeconds(daemon.pid()) - walcastd_before;
  if (!relay.running()) throw std::runtime_error("the relay is gone");
  relay.Signal(SIGTERM);
  relay.Wait(5s);
  daemon.Stop();
  return phase;
}

}  // namespace

Figures RunFanout(const BenchSetup& setup, const FanoutOptions& options) {
  const bool restricted = options.restricted_clients > 0;
  if (restricted && options.socketio_clients > 0) {
    throw std::invalid_argument("restricted clients and Socket.IO clients cannot share a run");
  }
  if (restricted && options.customers < 1) throw std::invalid_argument("customers must be >= 1");
  if (options.ceiling &&
      (restricted || options.socketio_clients > 0 || options.stalled > 0 || options.clients < 1)) {
    throw std::invalid_argument("the ceiling compares plain /ws clients only");
  }
  if (options.ceiling_send == RelaySend::kIoUring && !RelayHasIoUring()) {
    throw std::invalid_argument("--ceiling-send=io_uring: this stream_bench has no liburing");
  }
  RaiseOpenFileLimit();
  {
    // A fresh slot: a window left by an earlier run would be decoded again during the warm-up.
    PgConnection db(setup.conninfo);
    DropSlot(db, setup.slot, 10s);
  }
  double load = LoadAverage();
  // Every client comes from 127.0.0.1: lift the per-address cap.
  std::vector<std::string> daemon_args{"--max-connections-per-ip", "0"};
  std::string jwt_secret, stream_token;
  if (restricted) {
    jwt_secret = RandomSecret(48);
    stream_token = "bench-" + RandomSecret(32);
    daemon_args.insert(daemon_args.end(),
                       {"--jwt-secret", jwt_secret, "--stream-token", stream_token});
  }
  Daemon daemon(setup, daemon_args);
  daemon.WaitHealthy(30s);
  std::this_thread::sleep_for(1s);
  const std::size_t rss_before = ProcessRssBytes(daemon.pid());

  // /ws with `token` (none: "") and the --query.
  auto ws_target = [&](const std::string& token) {
    std::string query = token.empty() ? "" : "access_token=" + token;
    if (!options.query.empty()) query += (query.empty() ? "" : "&") + options.query;
    return query.empty() ? std::string("/ws") : "/ws?" + query;
  };
  FleetOptions fleet_options;
  fleet_options.port = daemon.port();
  fleet_options.target = ws_target(stream_token);
  fleet_options.clients = options.clients;
  fleet_options.stalled = options.stalled;
  fleet_options.threads = options.threads;
  FleetOptions socketio_options = fleet_options;  // before the restricted clients join
  if (restricted) {
    // One fleet, the restricted clients (group 1) spread evenly among the others (group 0).
    // walcastd once handed each event to its clients in the order they connected, so a group
    // connected first was served first (at 300 events/s the ratio of the p99s was 1.40 with the
    // unrestricted clients connected first, 0.87 with them last); its hand-out now starts at a
    // scattered client per transaction, and the interleaving keeps runs comparable with those.
    const int all = options.clients + options.restricted_clients;
    const auto expires = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch() + 1h)
                             .count();
    fleet_options.clients = all;
    fleet_options.groups = 2;
    int j = 0;  // the restricted clients' own count
    for (int c = 0; c < all; ++c) {
      if ((c + 1) * options.clients / all > c * options.clients / all) {
        fleet_options.client_targets.push_back(fleet_options.target);
        fleet_options.client_customers.emplace_back();
        fleet_options.client_groups.push_back(0);
        continue;
      }
      std::string customer = CustomerOf(static_cast<std::size_t>(j), options.customers);
      fleet_options.client_targets.push_back(ws_target(SignHs256(
          jwt_secret, R"({"sub":"bench-)" + std::to_string(j) + R"(","exp":)" +
                          std::to_string(expires) + R"(,"scope":"read","walcast":{"customer":")" +
                          customer + R"("}})")));
      fleet_options.client_customers.push_back(std::move(customer));
      fleet_options.client_groups.push_back(1);
      ++j;
    }
  }
  std::optional<WsFleet> fleet;
  if (fleet_options.clients + options.stalled > 0) fleet.emplace(fleet_options);
  std::optional<WsFleet> socketio;
  if (options.socketio_clients > 0) {
    socketio_options.target = "/socket.io/?EIO=4&transport=websocket";
    socketio_options.clients = options.socketio_clients;
    socketio_options.stalled = 0;
    socketio_options.socketio = true;
    socketio.emplace(socketio_options);
  }
  auto connect_started = Clock::now();
  if (fleet) fleet->ConnectAll(300s);
  if (socketio) socketio->ConnectAll(300s);
  double connect_seconds = Seconds(Clock::now() - connect_started);
  std::this_thread::sleep_for(2s);  // idle: welcomes sent, nothing else
  const std::size_t rss_idle = ProcessRssBytes(daemon.pid());
  const auto connections = static_cast<double>(
      options.clients + options.stalled + options.socketio_clients + options.restricted_clients);

  auto start = Clock::now() + 10ms;
  const auto measured_from = MeasuredFrom(start, options);
  if (fleet) fleet->MeasureFrom(measured_from);
  if (socketio) socketio->MeasureFrom(measured_from);
  double client_cpu_before = SelfCpuSeconds();
  const double walcastd_cpu_before = ProcessCpuSeconds(daemon.pid());
  const Writing writing = WriteAll(setup, options, start, restricted ? options.customers : 0);
  const double writing_seconds = writing.seconds;
  const std::size_t committed = writing.committed, late = writing.late;
  const std::size_t events = committed * static_cast<std::size_t>(options.rows_per_commit);
  const std::size_t rss_loaded = ProcessRssBytes(daemon.pid());

  const auto rows = static_cast<std::size_t>(options.rows_per_commit);
  std::size_t restricted_expected = 0;
  for (int j = 0; j < options.restricted_clients; ++j) {
    restricted_expected += CommitsOf(committed, options.customers, j % options.customers) * rows;
  }
  std::vector<FleetResult> results =
      fleet ? fleet->Finish(
                  events * static_cast<std::size_t>(options.clients) + restricted_expected, 15s)
            : std::vector<FleetResult>(1);
  const FleetResult& result = results[0];
  FleetResult socketio_result =
      socketio
          ? socketio->Finish(events * static_cast<std::size_t>(options.socketio_clients), 15s)[0]
          : FleetResult{};
  const double walcastd_cpu_measured = ProcessCpuSeconds(daemon.pid()) - walcastd_cpu_before;
  double client_cpu = SelfCpuSeconds() - client_cpu_before;
  auto metrics = HttpGet(daemon.port(), "/metrics", 5s);
  double slow_dropped =
      metrics ? MetricValue(metrics->body, "walcast_slow_clients_dropped_total") : -1;
  auto exit = daemon.Stop();

  auto latency = result.latency.Summary();
  double delivery_seconds = Seconds(result.last_frame - result.first_frame);
  const double expected_frames = static_cast<double>(events) * options.clients;
  Figures figures = {
      {"clients (reading)", static_cast<double>(options.clients)},
      {"stalled_clients", static_cast<double>(options.stalled)},
      {"connect_all_s", connect_seconds},
      {"idle_rss_per_connection_kib",
       (static_cast<double>(rss_idle) - static_cast<double>(rss_before)) / connections / 1024},
      {"commits_per_s (achieved)", static_cast<double>(committed) / writing_seconds},
      {"events_per_s (achieved)", static_cast<double>(events) / writing_seconds},
      {"frames_per_s (delivered)",
       delivery_seconds > 0 ? static_cast<double>(result.change_frames) / delivery_seconds : 0},
      {"latency_p50_ms", latency.p50},
      {"latency_p90_ms", latency.p90},
      {"latency_p99_ms", latency.p99},
      {"latency_max_ms", latency.max},
      {"received_frames (all clients)", static_cast<double>(result.change_frames)},
      {"measured_frames", static_cast<double>(latency.count)},
      {"expected_frames_per_client", static_cast<double>(events)},
      {"fewest_frames_one_client", static_cast<double>(result.min_per_client)},
      {"most_frames_one_client", static_cast<double>(result.max_per_client)},
      {"missing_frames (all clients)", expected_frames - static_cast<double>(result.change_frames)},
      {"out_of_order_frames", static_cast<double>(result.out_of_order)},
      {"reading_clients_closed_4008", static_cast<double>(result.closed_slow)},
      {"reading_clients_closed_other", static_cast<double>(result.closed_other)},
      {"slow_clients_dropped (metrics)", slow_dropped},
      {"writer_late_starts (>1 ms)", static_cast<double>(late)},
      {"walcastd_rss_idle_mib", static_cast<double>(rss_idle) / (1 << 20)},
      {"walcastd_rss_loaded_mib", static_cast<double>(rss_loaded) / (1 << 20)},
      {"walcastd_cpu_s", exit.cpu_seconds},
      {"client_cpu_s", client_cpu},
      {"ws_clients_cpu_s (their threads)", result.cpu_seconds},
      {"load1_before", load},
      {"walcastd_cpu_s_measured (writers -> end)", walcastd_cpu_measured},
      {"walcastd_cpu_us_per_frame (measured)",
       PerFrameMicros(walcastd_cpu_measured, result.change_frames)},
      {"spread_p50_ms (last - first receipt)", result.spread.p50},
      {"spread_p99_ms", result.spread.p99},
      {"spread_max_ms", result.spread.max},
      {"spread_events (got by every client)", static_cast<double>(result.spread.count)},
      {"fastest_client_mean_latency_ms", Front(result.client_mean_latency_ms)},
      {"slowest_client_mean_latency_ms", Back(result.client_mean_latency_ms)},
  };
  if (socketio) {
    auto socketio_latency = socketio_result.latency.Summary();
    double socketio_seconds = Seconds(socketio_result.last_frame - socketio_result.first_frame);
    const double socketio_expected = static_cast<double>(events) * options.socketio_clients;
    Figures more = {
        {"socketio_clients", static_cast<double>(options.socketio_clients)},
        {"socketio_frames_per_s (delivered)",
         socketio_seconds > 0
             ? static_cast<double>(socketio_result.change_frames) / socketio_seconds
             : 0},
        {"socketio_latency_p50_ms", socketio_latency.p50},
        {"socketio_latency_p90_ms", socketio_latency.p90},
        {"socketio_latency_p99_ms", socketio_latency.p99},
        {"socketio_latency_max_ms", socketio_latency.max},
        {"socketio_missing_frames (all clients)",
         socketio_expected - static_cast<double>(socketio_result.change_frames)},
        {"socketio_out_of_order_frames", static_cast<double>(socketio_result.out_of_order)},
        {"socketio_clients_closed",
         static_cast<double>(socketio_result.closed_slow + socketio_result.closed_other)},
    };
    figures.insert(figures.end(), more.begin(), more.end());
  }
  if (restricted) {
    const FleetResult& restricted_result = results[1];
    auto restricted_latency = restricted_result.latency.Summary();
    double restricted_seconds =
        Seconds(restricted_result.last_frame - restricted_result.first_frame);
    if (restricted_result.foreign > 0) {
      std::fprintf(stderr, "stream_bench: %zu frame(s) of another customer; the first: %s\n",
                   restricted_result.foreign, restricted_result.first_foreign.c_str());
    }
    Figures more = {
        {"restricted_clients", static_cast<double>(options.restricted_clients)},
        {"customers", static_cast<double>(options.customers)},
        {"restricted_frames_per_s (delivered)",
         restricted_seconds > 0
             ? static_cast<double>(restricted_result.change_frames) / restricted_seconds
             : 0},
        {"restricted_latency_p50_ms", restricted_latency.p50},
        {"restricted_latency_p90_ms", restricted_latency.p90},
        {"restricted_latency_p99_ms", restricted_latency.p99},
        {"restricted_latency_max_ms", restricted_latency.max},
        {"restricted_p99_ratio (to unrestricted p99)",
         latency.p99 > 0 ? restricted_latency.p99 / latency.p99 : 0},
        {"restricted_received_frames (all clients)",
         static_cast<double>(restricted_result.change_frames)},
        {"restricted_measured_frames", static_cast<double>(restricted_latency.count)},
        {"restricted_expected_frames (all clients)", static_cast<double>(restricted_expected)},
        {"restricted_fewest_frames_one_client",
         static_cast<double>(restricted_result.min_per_client)},
        {"restricted_missing_frames (all clients)",
         static_cast<double>(restricted_expected) -
             static_cast<double>(restricted_result.change_frames)},
        {"restricted_out_of_order_frames", static_cast<double>(restricted_result.out_of_order)},
        {"restricted_foreign_frames (must be 0)", static_cast<double>(restricted_result.foreign)},
        {"restricted_clients_closed",
         static_cast<double>(restricted_result.closed_slow + restricted_result.closed_other)},
    };
    figures.insert(figures.end(), more.begin(), more.end());
  }
  if (options.ceiling) {
    // The first phase's clients are gone with its walcastd; the ceiling gets the machine alike.
    fleet.reset();
    CeilingPhase ceiling = RunCeiling(setup, options, daemon_args, fleet_options.target);
    const FleetResult& relayed = ceiling.result;
    auto relayed_latency = relayed.latency.Summary();
    const double relayed_events = static_cast<double>(ceiling.writing.committed) *
                                  static_cast<double>(options.rows_per_commit);
    const double relay_us = PerFrameMicros(ceiling.relay_cpu_seconds, relayed.change_frames);
    const double walcastd_us = PerFrameMicros(walcastd_cpu_measured, result.change_frames);
    Figures more = {
        {"ceiling_send_io_uring (0: sendmsg)",
         options.ceiling_send == RelaySend::kIoUring ? 1.0 : 0.0},
        {"ceiling_commits_per_s (achieved)",
         static_cast<double>(ceiling.writing.committed) / ceiling.writing.seconds},
        {"ceiling_frames_per_s (delivered)", FramesPerSecond(relayed)},
        {"ceiling_latency_p50_ms", relayed_latency.p50},
        {"ceiling_latency_p90_ms", relayed_latency.p90},
        {"ceiling_latency_p99_ms", relayed_latency.p99},
        {"ceiling_latency_max_ms", relayed_latency.max},
        {"ceiling_spread_p50_ms", relayed.spread.p50},
        {"ceiling_spread_p99_ms", relayed.spread.p99},
        {"ceiling_spread_max_ms", relayed.spread.max},
        {"ceiling_spread_events", static_cast<double>(relayed.spread.count)},
        {"ceiling_fastest_client_mean_latency_ms", Front(relayed.client_mean_latency_ms)},
        {"ceiling_slowest_client_mean_latency_ms", Back(relayed.client_mean_latency_ms)},
        {"ceiling_received_frames (all clients)", static_cast<double>(relayed.change_frames)},
        {"ceiling_measured_frames", static_cast<double>(relayed_latency.count)},
        {"ceiling_fewest_frames_one_client", static_cast<double>(relayed.min_per_client)},
        {"ceiling_missing_frames (all clients)",
         relayed_events * options.clients - static_cast<double>(relayed.change_frames)},
        {"ceiling_out_of_order_frames", static_cast<double>(relayed.out_of_order)},
        {"ceiling_clients_closed", static_cast<double>(relayed.closed_slow + relayed.closed_other)},
        {"ceiling_writer_late_starts (>1 ms)", static_cast<double>(ceiling.writing.late)},
        {"ceiling_relay_cpu_s (measured)", ceiling.relay_cpu_seconds},
        {"ceiling_relay_cpu_us_per_frame", relay_us},
        {"ceiling_walcastd_cpu_s (1 client: relay)", ceiling.walcastd_cpu_seconds},
        {"ceiling_total_cpu_us_per_frame (+walcastd)",
         PerFrameMicros(ceiling.relay_cpu_seconds + ceiling.walcastd_cpu_seconds,
                        relayed.change_frames)},
        {"ceiling_ws_clients_cpu_s", relayed.cpu_seconds},
        {"ratio_frames_per_s (walcastd / ceiling)",
         Ratio(FramesPerSecond(result), FramesPerSecond(relayed))},
        {"ratio_cpu_us_per_frame (walcastd / relay)", Ratio(walcastd_us, relay_us)},
        {"ratio_latency_p99 (walcastd / ceiling)", Ratio(latency.p99, relayed_latency.p99)},
        {"ratio_spread_p99 (walcastd / ceiling)", Ratio(result.spread.p99, relayed.spread.p99)},
    };
    figures.insert(figures.end(), more.begin(), more.end());
  }
  return figures;
}

}  // namespace walcast::bench
