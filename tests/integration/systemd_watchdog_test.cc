// The daemon's side of a systemd unit with Type=notify and WatchdogSec=, tested without
// systemd: the test owns the datagram socket NOTIFY_SOCKET names and sets WATCHDOG_USEC as
// systemd would, then reads what walcastd sends: READY=1, WATCHDOG=1 pings, STOPPING=1.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/daemon_process.h"
#include "tests/harness/notify_socket.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// No database is needed for the loop to run: --db-port 1 keeps it reconnecting in the background.
const std::vector<std::string> kArgs = {"--port", "0", "--db-port", "1"};

TEST(SystemdWatchdog, ReadyThenPingsWhileRunningThenStopping) {
  NotifySocket notify("watchdog");
  // 400 ms timeout: a ping every 200 ms.
  DaemonProcess daemon(kArgs, {{"NOTIFY_SOCKET", notify.path()}, {"WATCHDOG_USEC", "400000"}});
  ASSERT_GT(daemon.WaitForPort(), 0) << daemon.Log();
  EXPECT_EQ(notify.Receive(30s), "READY=1");
  int pings = 0;
  while (pings < 3) {
    auto message = notify.Receive(30s);
    ASSERT_TRUE(message) << "no ping; log:\n" << daemon.Log();
    EXPECT_EQ(*message, "WATCHDOG=1");
    ++pings;
  }
  daemon.Signal(SIGTERM);
  // A ping may already be on its way when the signal lands.
  std::optional<std::string> message;
  do {
    message = notify.Receive(30s);
  } while (message == "WATCHDOG=1");
  EXPECT_EQ(message, "STOPPING=1");
  EXPECT_EQ(daemon.WaitExit(30s), 0);
  EXPECT_FALSE(notify.Receive(500ms)) << "nothing after STOPPING=1";
}

// READY=1, then a second with no datagram at all (no WATCHDOG=1), then STOPPING=1 on SIGTERM.
void ExpectNoPings(const std::string& name, EnvVars env) {
  NotifySocket notify(name);
  env.emplace_back("NOTIFY_SOCKET", notify.path());
  DaemonProcess daemon(kArgs, env);
  ASSERT_GT(daemon.WaitForPort(), 0) << daemon.Log();
  EXPECT_EQ(notify.Receive(30s), "READY=1");
  EXPECT_EQ(notify.Receive(1s), std::nullopt);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(notify.Receive(30s), "STOPPING=1");
  EXPECT_EQ(daemon.WaitExit(30s), 0);
}

TEST(SystemdWatchdog, NoPingsWhenWatchdogPidIsAnotherProcess) {
  // WATCHDOG_PID names the process systemd watches: a child of ours must stay silent, for twenty
  // ping intervals.
  ExpectNoPings("watchdog-other",
                {{"WATCHDOG_USEC", "100000"}, {"WATCHDOG_PID", std::to_string(getpid())}});
}

TEST(SystemdWatchdog, NoPingsWithoutWatchdogUsec) { ExpectNoPings("watchdog-off", {}); }

}  // namespace
}  // namespace walcast::testing
