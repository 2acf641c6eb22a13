#include "tools/bench/stream_bench_catch_up.h"

#include <stdexcept>

#include "tools/bench/stream_bench_event.h"
#include "tools/bench/stream_bench_process.h"
#include "tools/bench/stream_bench_receiver.h"

namespace walcast::bench {
namespace {

using namespace std::chrono_literals;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

}  // namespace

CatchUp RunCatchUp(PgConnection& db, const BenchSetup& setup, const std::string& slot_start_lsn,
                   std::size_t changes, const std::vector<std::string>& daemon_args,
                   const std::function<void(const SseEvent&)>& on_change) {
  auto from = EventIdAtLsn(slot_start_lsn);
  if (!from) throw std::runtime_error("not an LSN: " + slot_start_lsn);
  CatchUp result;
  double client_cpu_before = SelfCpuSeconds();
  Daemon daemon(setup, daemon_args);
  ChangeReceiver client(daemon.port(), *from);
  client.Connect(Clock::now() + 30s);
  client.ReceiveUntil(changes, on_change, 30s);
  result.client_cpu_seconds = SelfCpuSeconds() - client_cpu_before;
  auto walsender = SlotActivePid(db, setup.slot);
  result.walsender_cpu_seconds = walsender ? ProcessCpuSeconds(*walsender) : 0;
  result.walcastd_cpu_seconds = daemon.Stop().cpu_seconds;
  result.seconds = SecondsBetween(daemon.process_started(), client.last_change());
  result.first_to_last_seconds = SecondsBetween(client.first_change(), client.last_change());
  result.reconnects = client.reconnects();
  return result;
}

}  // namespace walcast::bench
