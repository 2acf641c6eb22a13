#include "tools/bench/stream_bench_bulk.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "tools/bench/stream_bench_daemon.h"
#include "tools/bench/stream_bench_pg.h"
#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_receiver.h"
#include "tools/bench/stream_bench_stats.h"

namespace walcast::bench {
namespace {

using namespace std::chrono_literals;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

double Mib(std::size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// A counter's value in walcastd's Prometheus text (-1 when absent, e.g. an older walcastd).
double MetricValue(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + name.size() + 2));
}

// The peak VmRSS of a process, sampled on a thread of its own until destroyed.
class PeakRss {
 public:
  PeakRss(pid_t pid, std::chrono::microseconds interval)
      : thread_([this, pid, interval] {
          while (!stop_) {
            peak_ = std::max(peak_.load(), ProcessRssBytes(pid));
            std::this_thread::sleep_for(interval);
          }
        }) {}
  ~PeakRss() {
    stop_ = true;
    thread_.join();
  }
  std::size_t bytes() const { return peak_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> peak_{0};
  std::thread thread_;
};

}  // namespace

Figures RunBulk(const BenchSetup& setup, const BulkOptions& options) {
  RaiseOpenFileLimit();
  PgConnection db(setup.conninfo);
  DropSlot(db, setup.slot, 10s);
  db.Query("SET walcast.notify = off");
  db.Query("TRUNCATE orders");
  db.Query(
      "INSERT INTO orders (customer_name, product_name, status) "
      "SELECT 'bulk customer ' || g, 'bulk product', 'pending' FROM generate_series(1, $1) g",
      {std::to_string(options.rows)});
  const auto rows = static_cast<std::size_t>(options.rows);
  double load = LoadAverage();

  // Every client comes from 127.0.0.1: lift the per-address cap.
  Daemon daemon(setup, {"--max-connections-per-ip", "0"});
  daemon.WaitHealthy(30s);
  std::vector<std::unique_ptr<ChangeReceiver>> clients;
  for (int c = 0; c < options.clients; ++c) {
    clients.push_back(std::make_unique<ChangeReceiver>(daemon.port(), ""));
    clients.back()->Connect(Clock::now() + 10s);
  }
  std::this_thread::sleep_for(1s);
  const std::size_t rss_idle = ProcessRssBytes(daemon.pid());
  double client_cpu_before = SelfCpuSeconds();

  // The readers wait from before the delete: its statement and PostgreSQL's decoding come first.
  std::vector<std::exception_ptr> errors(clients.size());
  std::vector<std::thread> readers;
  for (std::size_t c = 0; c < clients.size(); ++c) {
    readers.emplace_back([&, c] {
      try {
        clients[c]->ReceiveUntil(rows, {}, 300s);
      } catch (...) {
        errors[c] = std::current_exception();
      }
    });
  }
  std::optional<PeakRss> peak;
  peak.emplace(daemon.pid(),
               std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::duration<double, std::milli>(options.rss_interval_ms)));
  auto delete_started = Clock::now();
  db.Query("DELETE FROM orders");
  auto committed = Clock::now();
  for (auto& reader : readers) reader.join();
  const std::size_t rss_peak = peak->bytes();
  peak.reset();
  double client_cpu = SelfCpuSeconds() - client_cpu_before;
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  auto walsender = SlotActivePid(db, setup.slot);
  double walsender_cpu = walsender ? ProcessCpuSeconds(*walsender) : 0;
  auto metrics = HttpGet(daemon.port(), "/metrics", 5s);
  double spilled = metrics ? MetricValue(metrics->body, "walcast_spilled_transactions_total") : -1;
  const std::size_t rss_after = ProcessRssBytes(daemon.pid());
  auto exit = daemon.Stop();

  Clock::time_point first = clients.front()->first_change(), last = clients.front()->last_change();
  std::vector<double> rates;
  std::size_t reconnects = 0;
  for (const auto& client : clients) {
    first = std::min(first, client->first_change());
    last = std::max(last, client->last_change());
    rates.push_back(static_cast<double>(client->count()) /
                    SecondsBetween(client->first_change(), client->last_change()));
    reconnects += client->reconnects();
  }
  auto rate = Summarize(rates);
  return {
      {"rows (one DELETE)", static_cast<double>(rows)},
      {"clients", static_cast<double>(clients.size())},
      {"delete_statement_s", SecondsBetween(delete_started, committed)},
      {"commit_to_first_event_s", SecondsBetween(committed, first)},
      {"commit_to_last_event_s (all clients)", SecondsBetween(committed, last)},
      {"events_per_s (commit to last event)",
       static_cast<double>(rows) / SecondsBetween(committed, last)},
      {"client_events_per_s_median (first to last)", rate.median},
      {"client_events_per_s_min (first to last)", rate.min},
      {"events_per_s_all_clients (first to last)",
       static_cast<double>(rows * clients.size()) / SecondsBetween(first, last)},
      {"walcastd_rss_idle_mib", Mib(rss_idle)},
      {"walcastd_peak_rss_above_idle_mib", Mib(rss_peak) - Mib(rss_idle)},
      {"walcastd_rss_after_mib", Mib(rss_after)},
      {"spilled_transactions (metrics)", spilled},
      {"client_reconnects (dropped as slow)", static_cast<double>(reconnects)},
      {"walcastd_cpu_s", exit.cpu_seconds},
      {"walsender_cpu_s (walcast's)", walsender_cpu},
      {"client_cpu_s", client_cpu},
      {"load1_before", load},
  };
}

}  // namespace walcast::bench
