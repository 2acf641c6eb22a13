#include "tools/bench/stream_bench_scenarios.h"

#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "tools/bench/stream_bench_catch_up.h"
#include "tools/bench/stream_bench_daemon.h"
#include "tools/bench/stream_bench_event.h"
#include "tools/bench/stream_bench_pg.h"
#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_receiver.h"
#include "tools/bench/stream_bench_stats.h"

namespace walcast::bench {
namespace {

using namespace std::chrono_literals;
using SystemClock = std::chrono::system_clock;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double MillisBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

double Millis(SystemClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

Figures RunThroughput(const BenchSetup& setup, const ThroughputOptions& options) {
  PgConnection db(setup.conninfo);
  const std::size_t changes = static_cast<std::size_t>(options.transactions) *
                              static_cast<std::size_t>(options.rows_per_transaction);
  double load = LoadAverage();

  // Both slots start at the same WAL position, before any of the rows, so both consumers decode
  // exactly the same WAL.
  std::string walcast_start = RecreateSlot(db, setup.slot);
  RecreateSlot(db, options.recvlogical_slot);
  auto write_started = Clock::now();
  InsertTransactions(db, options.transactions, options.rows_per_transaction);
  double write_seconds = SecondsBetween(write_started, Clock::now());
  std::string end_lsn = CurrentWalLsn(db);

  // pg_recvlogical with the options walcast uses (proto_version 2, streaming on), so the server
  // does the same work for both; it exits once it has received everything up to end_lsn.
  ChildProcess::Exit recvlogical_exit;
  double recvlogical_seconds = 0;
  auto run_recvlogical = [&] {
    ChildProcess recvlogical(
        {options.pg_recvlogical, "--dbname", setup.conninfo, "--slot", options.recvlogical_slot,
         "--start", "--no-loop", "--endpos", end_lsn, "--file", "/dev/null", "-o",
         "proto_version=2", "-o", "streaming=on", "-o", "publication_names=" + setup.publication},
        "");
    recvlogical_exit = recvlogical.Wait(300s);
    if (!WIFEXITED(recvlogical_exit.status) || WEXITSTATUS(recvlogical_exit.status) != 0) {
      throw std::runtime_error("pg_recvlogical failed (wait status " +
                               std::to_string(recvlogical_exit.status) + ")");
    }
    recvlogical_seconds = SecondsBetween(recvlogical.started(), recvlogical_exit.ended);
    DropSlot(db, options.recvlogical_slot, 10s);
  };

  CatchUp walcast;
  auto run_walcast = [&] { walcast = RunCatchUp(db, setup, walcast_start, changes, {}, {}); };

  if (options.walcast_first) {
    run_walcast();
    run_recvlogical();
  } else {
    run_recvlogical();
    run_walcast();
  }

  double walcast_rate = static_cast<double>(changes) / walcast.seconds;
  double recvlogical_rate = static_cast<double>(changes) / recvlogical_seconds;
  return {
      {"changes", static_cast<double>(changes)},
      {"walcast_changes_per_s", walcast_rate},
      {"pg_recvlogical_changes_per_s", recvlogical_rate},
      {"ratio", walcast_rate / recvlogical_rate},
      {"walcast_s (start to last event)", walcast.seconds},
      {"walcast_first_to_last_s", walcast.first_to_last_seconds},
      {"client_reconnects (dropped as slow)", static_cast<double>(walcast.reconnects)},
      {"pg_recvlogical_s (start to exit)", recvlogical_seconds},
      {"walcastd_cpu_s", walcast.walcastd_cpu_seconds},
      {"walsender_cpu_s (walcast's)", walcast.walsender_cpu_seconds},
      {"client_cpu_s", walcast.client_cpu_seconds},
      {"pg_recvlogical_cpu_s", recvlogical_exit.cpu_seconds},
      {"write_s (not timed above)", write_seconds},
      {"walcast_first (1) or pg_recvlogical_first (0)", options.walcast_first ? 1.0 : 0.0},
      {"load1_before", load},
  };
}

Figures RunLatency(const BenchSetup& setup, const LatencyOptions& options) {
  {
    // A fresh slot: a window left by an earlier run would be decoded again during the warm-up.
    PgConnection db(setup.conninfo);
    DropSlot(db, setup.slot, 10s);
  }
  double load = LoadAverage();
  Daemon daemon(setup);
  daemon.WaitHealthy(30s);
  ChangeReceiver client(daemon.port(), "");
  client.Connect(Clock::now() + 5s);

  const auto total =
      static_cast<std::size_t>(options.rate * (options.warmup_seconds + options.seconds));
  const auto period = std::chrono::duration_cast<Clock::duration>(1s) / options.rate;
  const auto measured_from =
      SystemClock::now() + std::chrono::duration_cast<SystemClock::duration>(
                               std::chrono::duration<double>(options.warmup_seconds));
  std::vector<double> commit_round_trips;
  commit_round_trips.reserve(total);
  std::size_t late_starts = 0;
  std::exception_ptr writer_error;
  Clock::time_point writer_started, writer_done;

  // Absolute deadlines (start + i * period), so a slow commit does not shift every later one and
  // the offered rate stays the target rate.
  std::thread writer([&] {
    try {
      PgConnection db(setup.conninfo);
      writer_started = Clock::now();
      for (std::size_t i = 0; i < total; ++i) {
        auto deadline = writer_started + period * i;
        std::this_thread::sleep_until(deadline);
        auto sent = Clock::now();
        if (sent - deadline > 1ms) ++late_starts;
        db.Query("INSERT INTO orders (customer_name, product_name) VALUES ($1, 'latency probe')",
                 {std::to_string(i)});
        commit_round_trips.push_back(MillisBetween(sent, Clock::now()));
      }
      writer_done = Clock::now();
    } catch (...) {
      writer_error = std::current_exception();
    }
  });

  std::vector<double> end_to_end, commit_to_server, server_to_client;
  end_to_end.reserve(total);
  std::string parse_problem;
  std::exception_ptr client_error;
  try {
    client.ReceiveUntil(
        total,
        [&](const SseEvent& event) {
          auto commit_text = LastStringField(event.data, "timestamp");
          auto server_text = LastStringField(event.data, "serverTime");
          auto commit = commit_text ? ParseRfc3339(*commit_text) : std::nullopt;
          auto server = server_text ? ParseRfc3339(*server_text) : std::nullopt;
          if (!commit || !server) {
            if (parse_problem.empty()) {
              parse_problem = "no timestamp/serverTime in " + std::string(event.data);
            }
            return;
          }
          if (*commit < measured_from) return;
          end_to_end.push_back(Millis(event.received - *commit));
          commit_to_server.push_back(Millis(*server - *commit));
          server_to_client.push_back(Millis(event.received - *server));
        },
        10s);
  } catch (...) {
    client_error = std::current_exception();
  }
  writer.join();
  if (writer_error) std::rethrow_exception(writer_error);
  if (client_error) std::rethrow_exception(client_error);
  if (!parse_problem.empty()) throw std::runtime_error(parse_problem);
  daemon.Stop();

  auto e2e = ComputePercentiles(end_to_end);
  auto pg_side = ComputePercentiles(commit_to_server);
  auto send_side = ComputePercentiles(server_to_client);
  auto rtt = ComputePercentiles(commit_round_trips);
  return {
      {"commits_per_s (achieved)",
       static_cast<double>(total) / SecondsBetween(writer_started, writer_done)},
      {"measured_events", static_cast<double>(e2e.count)},
      {"latency_p50_ms", e2e.p50},
      {"latency_p90_ms", e2e.p90},
      {"latency_p99_ms", e2e.p99},
      {"latency_max_ms", e2e.max},
      {"commit_to_serverTime_p50_ms", pg_side.p50},
      {"commit_to_serverTime_p99_ms", pg_side.p99},
      {"serverTime_to_client_p50_ms", send_side.p50},
      {"serverTime_to_client_p99_ms", send_side.p99},
      {"writer_commit_rtt_p50_ms", rtt.p50},
      {"writer_commit_rtt_p99_ms", rtt.p99},
      {"writer_late_starts (>1 ms)", static_cast<double>(late_starts)},
      {"client_reconnects (dropped as slow)", static_cast<double>(client.reconnects())},
      {"load1_before", load},
  };
}

Figures RunRestart(const BenchSetup& setup, const RestartOptions& options) {
  PgConnection db(setup.conninfo);
  DropSlot(db, setup.slot, 10s);
  const std::size_t changes = static_cast<std::size_t>(options.transactions) *
                              static_cast<std::size_t>(options.rows_per_transaction);

  // Fill the window: a client reads the changes live and learns the first and last ids.
  std::string first_id, last_id;
  {
    Daemon daemon(setup);
    daemon.WaitHealthy(30s);
    ChangeReceiver client(daemon.port(), "");
    client.Connect(Clock::now() + 5s);
    std::exception_ptr writer_error;
    std::thread writer([&] {
      try {
        PgConnection writer_db(setup.conninfo);
        InsertTransactions(writer_db, options.transactions, options.rows_per_transaction);
      } catch (...) {
        writer_error = std::current_exception();
      }
    });
    std::exception_ptr client_error;
    try {
      client.ReceiveUntil(changes, {}, 30s);
    } catch (...) {
      client_error = std::current_exception();
    }
    writer.join();
    if (writer_error) std::rethrow_exception(writer_error);
    if (client_error) std::rethrow_exception(client_error);
    first_id = client.first_id();
    last_id = client.last_id();
    daemon.Stop();
  }
  // A restarted walcastd whose old walsender still holds the slot retries after 250 ms; wait for
  // it to go so that backoff is not part of the figure (reported separately).
  auto slot_release = WaitSlotInactive(db, setup.slot, 10s);
  double load = LoadAverage();

  // Health is polled on its own thread while the main thread connects and reads the resume. The
  // client resumes from the window's first event, so it is owed the other changes - 1.
  Daemon daemon(setup);
  std::atomic<bool> stop_polling{false};
  Clock::time_point healthy;
  std::thread health_poller([&] {
    while (!stop_polling) {
      auto health = HttpGet(daemon.port(), "/health", 1s);
      if (health && health->status == 200) {
        healthy = Clock::now();
        return;
      }
      std::this_thread::sleep_for(2ms);
    }
  });
  ChangeReceiver resumed(daemon.port(), first_id);
  std::exception_ptr client_error;
  try {
    resumed.Connect(Clock::now() + 30s);
    resumed.ReceiveUntil(changes - 1, {}, 30s);
  } catch (...) {
    client_error = std::current_exception();
  }
  // Health may come after the resume has been served; the poller gets its chance either way.
  auto poll_deadline = Clock::now() + 30s;
  while (healthy == Clock::time_point() && Clock::now() < poll_deadline) {
    std::this_thread::sleep_for(1ms);
  }
  stop_polling = true;
  health_poller.join();
  if (client_error) std::rethrow_exception(client_error);
  if (resumed.last_id() != last_id) {
    throw std::runtime_error("resume ended at " + resumed.last_id() + ", expected " + last_id);
  }
  if (healthy == Clock::time_point()) {
    throw std::runtime_error("/health never said ok after the restart");
  }

  // The same resume once the window is rebuilt: served from memory, not from the slot.
  ChangeReceiver late(daemon.port(), first_id);
  late.Connect(Clock::now() + 5s);
  late.ReceiveUntil(changes - 1, {}, 30s);

  auto start = daemon.process_started();
  daemon.Stop();
  return {
      {"window_events", static_cast<double>(changes)},
      {"listening_ms", MillisBetween(start, resumed.connected())},
      {"health_ok_ms", MillisBetween(start, healthy)},
      {"first_resumed_event_ms", MillisBetween(start, resumed.first_change())},
      {"all_resumed_events_ms", MillisBetween(start, resumed.last_change())},
      {"resume_reconnects (dropped as slow)", static_cast<double>(resumed.reconnects())},
      {"late_resume_ms (window in memory)", MillisBetween(late.connected(), late.last_change())},
      {"late_resume_reconnects", static_cast<double>(late.reconnects())},
      {"old_walsender_exit_ms (not in the figures)",
       std::chrono::duration<double, std::milli>(slot_release).count()},
      {"load1_before", load},
  };
}

}  // namespace walcast::bench
