// Tells systemd (Type=notify) when the daemon is ready and when it is stopping, and pings its
// watchdog. Without NOTIFY_SOCKET (not started by systemd) every call does nothing.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

namespace walcast::daemon {

void NotifyReady();
void NotifyStopping();

// WATCHDOG=1 every half of WATCHDOG_USEC while the event loop runs, when systemd asked for it
// (WatchdogSec= sets WATCHDOG_USEC; WATCHDOG_PID, when set, must be this process). The pings come
// from a timer on the daemon's io_context, so a loop that stops running handlers stops them and
// systemd restarts the service. Start/Stop on the loop (or before it runs).
class WatchdogPinger {
 public:
  explicit WatchdogPinger(boost::asio::io_context& io);
  // Returns the ping interval, or zero when the watchdog is off (nothing is scheduled).
  std::chrono::microseconds Start();
  void Stop();

 private:
  void Schedule();

  boost::asio::steady_timer timer_;
  std::chrono::microseconds interval_{0};
  bool stopped_ = false;
};

}  // namespace walcast::daemon
