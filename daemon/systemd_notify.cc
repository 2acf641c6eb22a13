#include "daemon/systemd_notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace walcast::daemon {
namespace {

void Notify(const char* state) {
  int r = sd_notify(0, state);
  if (r < 0) spdlog::warn("systemd notification {} failed: error {}", state, -r);
}

}  // namespace

void NotifyReady() { Notify("READY=1"); }
void NotifyStopping() { Notify("STOPPING=1"); }

WatchdogPinger::WatchdogPinger(boost::asio::io_context& io) : timer_(io) {}

std::chrono::microseconds WatchdogPinger::Start() {
  uint64_t usec = 0;
  // Checks WATCHDOG_USEC and that WATCHDOG_PID, when set, is this process.
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::chrono::microseconds(0);
  // Half the timeout, as sd_watchdog_enabled(3) recommends: one late ping is not a restart.
  interval_ = std::chrono::microseconds(usec / 2);
  spdlog::info("systemd watchdog on: WATCHDOG=1 every {} ms", interval_.count() / 1000);
  Notify("WATCHDOG=1");
  Schedule();
  return interval_;
}

void WatchdogPinger::Stop() {
  stopped_ = true;
  timer_.cancel();
}

void WatchdogPinger::Schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    Notify("WATCHDOG=1");
    Schedule();
  });
}

}  // namespace walcast::daemon
