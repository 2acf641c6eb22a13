#include "tools/bench/stream_bench_daemon.h"

#include <signal.h>
#include <sys/wait.h>

#include <stdexcept>
#include <thread>

namespace walcast::bench {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> DaemonArgv(const BenchSetup& setup, int port,
                                    const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{setup.walcastd, "--port",        std::to_string(port),
                                "--db-url",     setup.conninfo,  "--slot",
                                setup.slot,     "--publication", setup.publication,
                                "--source",     "replication",   "--log-level",
                                "warn"};
  argv.insert(argv.end(), setup.daemon_args.begin(), setup.daemon_args.end());
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  return argv;
}

}  // namespace

Daemon::Daemon(const BenchSetup& setup, const std::vector<std::string>& extra_args)
    : port_(FreeTcpPort()), process_(DaemonArgv(setup, port_, extra_args), setup.daemon_log) {}

Clock::time_point Daemon::WaitHealthy(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto health = HttpGet(port_, "/health", 1s);
    if (health && health->status == 200) return Clock::now();
    std::this_thread::sleep_for(2ms);
  }
  throw std::runtime_error("walcastd did not become healthy on port " + std::to_string(port_));
}

ChildProcess::Exit Daemon::Stop() {
  process_.Signal(SIGTERM);
  auto exit = process_.Wait(15s);
  if (!WIFEXITED(exit.status) || WEXITSTATUS(exit.status) != 0) {
    throw std::runtime_error("walcastd did not stop cleanly (wait status " +
                             std::to_string(exit.status) + ")");
  }
  return exit;
}

}  // namespace walcast::bench
