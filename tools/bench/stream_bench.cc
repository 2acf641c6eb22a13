// stream_bench: the load tool behind the change stream's figures (docs/performance.md). Each
// subcommand runs one measurement `--runs` times against a database that has the walcast schema,
// starting and stopping walcastd itself, and prints every run with the median and spread:
//
//   stream_bench --walcastd build-release/bin/walcastd --db-url "host=... dbname=..." throughput
//   stream_bench ... latency [--rate 1000 --seconds 25]
//   stream_bench ... restart
//   stream_bench ... fanout [--clients 100 --rate 6000 --stalled 1]
//   stream_bench ... fanout --clients 100 --restricted-clients 1000 --customers 10 --rate 1000
//   stream_bench ... fanout --clients 100 --rate 1000 --ceiling [--ceiling-send io_uring]
//   stream_bench ... bulk [--rows 1000000 --clients 100]
//   stream_bench ... tables [--transactions 200 --rows 1000]
//
// tools/bench-stream sets up a throwaway cluster and runs them. `stream_bench relay` is the
// ceiling's broadcaster, started by `fanout --ceiling` (stream_bench_relay.h); it needs neither
// --walcastd nor --db-url.
#include <rapidjson/ostreamwrapper.h>
#include <rapidjson/prettywriter.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include "tools/bench/stream_bench_bulk.h"
#include "tools/bench/stream_bench_fanout.h"
#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_relay.h"
#include "tools/bench/stream_bench_scenarios.h"
#include "tools/bench/stream_bench_stats.h"
#include "tools/bench/stream_bench_tables.h"

namespace {

using walcast::bench::Figures;

// A figure's machine name: its printed name up to the first space ("ratio", not the note after).
std::string Key(const std::string& name) { return name.substr(0, name.find(' ')); }

// Counts print as integers, rates without decimals, milliseconds and ratios with enough of them.
std::string Number(double value) {
  char text[32];
  double magnitude = value < 0 ? -value : value;
  bool whole = value == static_cast<double>(static_cast<long long>(value));
  const char* format = whole || magnitude >= 1000 ? "%.0f" : magnitude >= 10 ? "%.1f" : "%.3f";
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

void PrintTable(const std::string& scenario, const std::vector<Figures>& runs) {
  std::printf("\n%s: %zu run(s); median [min .. max]\n", scenario.c_str(), runs.size());
  std::printf("%-44s", "figure");
  for (std::size_t r = 0; r < runs.size(); ++r)
    std::printf("%12s", ("run " + std::to_string(r + 1)).c_str());
  std::printf("%12s  %s\n", "median", "[min .. max]");
  for (std::size_t i = 0; i < runs.front().size(); ++i) {
    std::vector<double> values;
    std::printf("%-44s", runs.front()[i].first.c_str());
    for (const auto& run : runs) {
      std::printf("%12s", Number(run[i].second).c_str());
      values.push_back(run[i].second);
    }
    auto spread = walcast::bench::Summarize(values);
    std::printf("%12s  [%s .. %s]\n", Number(spread.median).c_str(), Number(spread.min).c_str(),
                Number(spread.max).c_str());
  }
  std::fflush(stdout);
}

void PrintJson(const std::string& scenario, const std::vector<Figures>& runs) {
  rapidjson::OStreamWrapper out(std::cout);
  rapidjson::PrettyWriter<rapidjson::OStreamWrapper> writer(out);
  writer.StartObject();
  writer.Key("scenario");
  writer.String(scenario.c_str());
  writer.Key("runs");
  writer.StartArray();
  for (const auto& run : runs) {
    writer.StartObject();
    for (const auto& [name, value] : run) {
      writer.Key(Key(name).c_str());
      writer.Double(value);
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("summary");
  writer.StartObject();
  for (std::size_t i = 0; i < runs.front().size(); ++i) {
    std::vector<double> values;
    for (const auto& run : runs) values.push_back(run[i].second);
    auto spread = walcast::bench::Summarize(values);
    writer.Key(Key(runs.front()[i].first).c_str());
    writer.StartObject();
    writer.Key("median");
    writer.Double(spread.median);
    writer.Key("min");
    writer.Double(spread.min);
    writer.Key("max");
    writer.Double(spread.max);
    writer.EndObject();
  }
  writer.EndObject();
  writer.EndObject();
  std::cout << std::endl;
}

// On a shared machine other work distorts every figure: wait (up to `max_wait_seconds`) until
// the CPU is mostly idle. Returns the idle fraction seen last.
double WaitForQuiet(double idle_wanted, double max_wait_seconds) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(max_wait_seconds);
  bool told = false;
  while (true) {
    double idle = walcast::bench::CpuIdleFraction(std::chrono::seconds(2));
    if (idle >= idle_wanted) return idle;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "stream_bench: CPU only %.0f%% idle; running anyway\n", 100 * idle);
      return idle;
    }
    if (!told) {
      std::fprintf(stderr, "stream_bench: CPU %.0f%% idle; waiting for %.0f%%\n", 100 * idle,
                   100 * idle_wanted);
      told = true;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("stream_bench: throughput, latency and restart figures of walcastd's change stream");
  app.fallthrough();
  app.require_subcommand(1);
  walcast::bench::BenchSetup setup;
  int runs = 3;
  double pause_seconds = 2;
  bool json = false;
  app.add_option("--walcastd", setup.walcastd, "walcastd binary to start (required but for relay)");
  app.add_option("--db-url", setup.conninfo,
                 "libpq conninfo of a database with the walcast schema (required but for relay)");
  app.add_option("--slot", setup.slot, "walcastd's replication slot (dropped and recreated)")
      ->capture_default_str();
  app.add_option("--publication", setup.publication, "publication both consumers read")
      ->capture_default_str();
  app.add_option("--daemon-log", setup.daemon_log, "append walcastd's output to this file");
  app.add_option("--daemon-arg", setup.daemon_args, "extra walcastd flag (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--runs", runs, "repetitions of the measurement")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--pause", pause_seconds, "seconds to let the machine settle between runs")
      ->capture_default_str();
  double quiet_idle = 0.9;
  double quiet_max_wait = 600;
  app.add_option(
         "--quiet-idle", quiet_idle,
         "before each run, wait until this fraction of CPU time is idle over 2 s (0: never)")
      ->capture_default_str();
  app.add_option("--quiet-max-wait", quiet_max_wait,
                 "seconds to wait for that before running anyway")
      ->capture_default_str();
  app.add_flag("--json", json, "print JSON instead of a table");

  walcast::bench::ThroughputOptions throughput;
  auto* throughput_cmd = app.add_subcommand(
      "throughput", "catch-up of N inserts by one SSE client, against pg_recvlogical");
  throughput_cmd->add_option("--transactions", throughput.transactions)->capture_default_str();
  throughput_cmd->add_option("--rows", throughput.rows_per_transaction, "rows per transaction")
      ->capture_default_str();
  throughput_cmd->add_option("--pg-recvlogical", throughput.pg_recvlogical)->capture_default_str();
  throughput_cmd->add_option("--recvlogical-slot", throughput.recvlogical_slot)
      ->capture_default_str();
  std::string order = "alternate";
  throughput_cmd
      ->add_option("--order", order,
                   "which consumer reads the fresh WAL first: recvlogical-first, walcast-first, or "
                   "alternate between runs (starting with pg_recvlogical)")
      ->check(CLI::IsMember({"recvlogical-first", "walcast-first", "alternate"}))
      ->capture_default_str();

  walcast::bench::LatencyOptions latency;
  auto* latency_cmd =
      app.add_subcommand("latency", "commit -> SSE receipt of paced single-row commits");
  latency_cmd->add_option("--rate", latency.rate, "commits per second")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  latency_cmd->add_option("--seconds", latency.seconds, "measured duration")->capture_default_str();
  latency_cmd->add_option("--warmup", latency.warmup_seconds, "seconds not counted at the start")
      ->capture_default_str();

  walcast::bench::RestartOptions restart;
  auto* restart_cmd =
      app.add_subcommand("restart", "walcastd start -> resume of a full replay window served");
  restart_cmd->add_option("--transactions", restart.transactions)->capture_default_str();
  restart_cmd->add_option("--rows", restart.rows_per_transaction, "rows per transaction")
      ->capture_default_str();

  walcast::bench::FanoutOptions fanout;
  auto* fanout_cmd = app.add_subcommand(
      "fanout", "N WebSocket clients: frames/s, commit -> receipt latency, memory per connection");
  // tools/bench-ws passes a configuration's options and then the user's: the last one counts.
  fanout_cmd->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  fanout_cmd->add_option("--clients", fanout.clients, "reading WebSocket clients")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  fanout_cmd
      ->add_option("--socketio-clients", fanout.socketio_clients,
                   "Socket.IO WebSocket clients beside them, measured apart")
      ->capture_default_str();
  fanout_cmd
      ->add_option("--restricted-clients", fanout.restricted_clients,
                   "/ws clients beside them (connections interleaved), measured apart, each with "
                   "its own JWT restricted to one customer (walcast.customer): walcastd then gets "
                   "a random --jwt-secret and --stream-token, the other clients use that token, "
                   "and commit n's rows belong to customer 'fan-out <n % customers>', client j's "
                   "to 'fan-out <j % customers>'; a row of another customer is counted (must be 0)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  fanout_cmd
      ->add_option("--customers", fanout.customers,
                   "customers the rows are spread over when restricted clients are measured (as "
                   "many as restricted clients: every restriction distinct)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  fanout_cmd->add_option("--stalled", fanout.stalled, "clients that stop reading after welcome")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  fanout_cmd->add_option("--rate", fanout.rate, "commits per second (all writers)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  fanout_cmd->add_option("--rows", fanout.rows_per_commit, "rows per commit (events per commit)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  fanout_cmd->add_option("--writers", fanout.writers, "libpq connections committing in parallel")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  fanout_cmd->add_option("--seconds", fanout.seconds, "measured duration")->capture_default_str();
  fanout_cmd->add_option("--warmup", fanout.warmup_seconds, "seconds not counted at the start")
      ->capture_default_str();
  fanout_cmd->add_option("--threads", fanout.threads, "client threads of this tool")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  fanout_cmd->add_option("--query", fanout.query, "query string for /ws, e.g. status=pending");
  fanout_cmd->add_flag(
      "--ceiling", fanout.ceiling,
      "then, in the same run with the same writers, a second phase: a fresh walcastd with one "
      "client, `stream_bench relay`, which forwards its frames to the same clients with the "
      "cheapest sends; prints both phases and their ratios (frames/s, CPU-us per frame, p99)");
  const std::map<std::string, walcast::bench::RelaySend> sends{
      {"sendmsg", walcast::bench::RelaySend::kSendmsg},
      {"io_uring", walcast::bench::RelaySend::kIoUring}};
  fanout_cmd
      ->add_option("--ceiling-send", fanout.ceiling_send,
                   "the relay's sends: sendmsg (one non-blocking call per socket per chunk) or "
                   "io_uring (all sockets' sends of a chunk in one submission)")
      ->transform(CLI::CheckedTransformer(sends))
      ->capture_default_str();

  walcast::bench::RelayOptions relay;
  auto* relay_cmd = app.add_subcommand(
      "relay",
      "the ceiling's broadcaster (started by fanout --ceiling): one /ws client of "
      "walcastd, its frames forwarded verbatim to the WebSocket clients it accepts");
  relay_cmd->add_option("--upstream-port", relay.upstream_port, "walcastd's port on 127.0.0.1")
      ->required();
  relay_cmd->add_option("--upstream-target", relay.upstream_target)->capture_default_str();
  relay_cmd->add_option("--listen-port", relay.listen_port, "port to accept clients on")
      ->required();
  relay_cmd->add_option("--clients", relay.clients, "clients expected (sizes the io_uring ring)")
      ->capture_default_str();
  relay_cmd->add_option("--send", relay.send, "sendmsg or io_uring")
      ->transform(CLI::CheckedTransformer(sends))
      ->capture_default_str();

  walcast::bench::BulkOptions bulk;
  auto* bulk_cmd = app.add_subcommand(
      "bulk", "one DELETE of N rows to SSE clients: time, events/s, walcastd's peak RSS");
  bulk_cmd->add_option("--rows", bulk.rows, "rows deleted by the one transaction")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bulk_cmd->add_option("--clients", bulk.clients, "reading SSE clients")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bulk_cmd->add_option("--rss-interval-ms", bulk.rss_interval_ms, "RSS sampling period")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  walcast::bench::TablesOptions tables;
  auto* tables_cmd = app.add_subcommand(
      "tables", "catch-up of N inserts into orders, then of N spread over three tables");
  tables_cmd->add_option("--transactions", tables.transactions, "per phase")->capture_default_str();
  tables_cmd->add_option("--rows", tables.rows_per_transaction, "rows per transaction")
      ->capture_default_str();
  std::string tables_order = "alternate";
  tables_cmd
      ->add_option("--order", tables_order,
                   "which phase runs first: one-first, three-first, or alternate between runs "
                   "(starting with one table)")
      ->check(CLI::IsMember({"one-first", "three-first", "alternate"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (relay_cmd->parsed()) return walcast::bench::RunRelay(relay);
  if (setup.walcastd.empty() || setup.conninfo.empty()) {
    std::fprintf(stderr, "stream_bench: --walcastd and --db-url are required\n");
    return 2;
  }

  std::string scenario;
  std::function<Figures(int)> run_once;
  if (throughput_cmd->parsed()) {
    scenario = "throughput";
    run_once = [&](int run) {
      throughput.walcast_first = order == "walcast-first" || (order == "alternate" && run % 2 == 1);
      return walcast::bench::RunThroughput(setup, throughput);
    };
  } else if (latency_cmd->parsed()) {
    scenario = "latency";
    run_once = [&](int) { return walcast::bench::RunLatency(setup, latency); };
  } else if (bulk_cmd->parsed()) {
    scenario = "bulk";
    run_once = [&](int) { return walcast::bench::RunBulk(setup, bulk); };
  } else if (tables_cmd->parsed()) {
    scenario = "tables";
    run_once = [&](int run) {
      tables.three_first =
          tables_order == "three-first" || (tables_order == "alternate" && run % 2 == 1);
      return walcast::bench::RunTables(setup, tables);
    };
  } else if (fanout_cmd->parsed()) {
    scenario = "fanout";
    run_once = [&](int) { return walcast::bench::RunFanout(setup, fanout); };
  } else {
    scenario = "restart";
    run_once = [&](int) { return walcast::bench::RunRestart(setup, restart); };
  }

  std::vector<Figures> results;
  try {
    for (int r = 0; r < runs; ++r) {
      if (r > 0) std::this_thread::sleep_for(std::chrono::duration<double>(pause_seconds));
      double idle = WaitForQuiet(quiet_idle, quiet_max_wait);
      results.push_back(run_once(r));
      results.back().emplace_back("cpu_idle_before_pct (2 s before the run)", 100 * idle);
      std::fprintf(stderr, "stream_bench: %s run %d/%d done\n", scenario.c_str(), r + 1, runs);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_bench: %s: %s\n", scenario.c_str(), e.what());
    return 1;
  }
  if (json) {
    PrintJson(scenario, results);
  } else {
    PrintTable(scenario, results);
  }
  return 0;
}
