#include "tools/bench/stream_bench_fanout.h"

#include <algorithm>
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

}  // namespace

Figures RunFanout(const BenchSetup& setup, const FanoutOptions& options) {
  const bool restricted = options.restricted_clients > 0;
  if (restricted && options.socketio_clients > 0) {
    throw std::invalid_argument("restricted clients and Socket.IO clients cannot share a run");
  }
  if (restricted && options.customers < 1) throw std::invalid_argument("customers must be >= 1");
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
    // One fleet, the restricted clients (group 1) spread evenly among the others (group 0):
    // walcastd hands each event to its clients in the order they connected, so a group connected
    // first would be served first (at 300 events/s the ratio of the p99s was 1.40 with the
    // unrestricted clients connected first, 0.87 with them last).
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

  const auto commits =
      static_cast<std::size_t>(options.rate * (options.warmup_seconds + options.seconds));
  const auto period = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / options.rate));
  auto start = Clock::now() + 10ms;
  const auto measured_from = std::chrono::system_clock::now() + 10ms +
                             std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                 std::chrono::duration<double>(options.warmup_seconds));
  if (fleet) fleet->MeasureFrom(measured_from);
  if (socketio) socketio->MeasureFrom(measured_from);
  double client_cpu_before = SelfCpuSeconds();
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
                        options.rows_per_commit, restricted ? options.customers : 0);
      } catch (...) {
        errors[static_cast<std::size_t>(w)] = std::current_exception();
      }
    });
  }
  for (auto& writer : writers) writer.join();
  auto writing_seconds = Seconds(Clock::now() - start);
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  std::size_t committed = 0, late = 0;
  for (const auto& report : reports) {
    committed += report.commits;
    late += report.late_starts;
  }
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
  return figures;
}

}  // namespace walcast::bench
