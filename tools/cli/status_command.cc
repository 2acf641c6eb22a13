#include "tools/cli/status_command.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "tools/cli/exit_codes.h"
#include "tools/cli/rest_client.h"
#include "tools/cli/status_view.h"

namespace walcast::cli {

StatusCommand::StatusCommand(CLI::App& app) {
  status_ = app.add_subcommand(
      "status",
      "Show the daemon's health on one screen: state, role, slot lag, commit-to-send latency, "
      "events, clients, requests, connections (from /health and /metrics). Exit codes: 0 ok, 1 "
      "degraded, down or unreachable, 2 usage; with --watch, 0 on Ctrl-C");
  watch_ = status_
               ->add_option("--watch", watch_seconds_,
                            "Refresh every S seconds (default 1) until Ctrl-C; adds events/s and "
                            "the latency of the last interval")
               ->expected(0, 1)
               ->default_str("1")
               ->check(CLI::Range(0.1, 86400.0));
  status_->add_flag("--json", json_,
                    "One JSON object with the same figures (one per line with --watch)");
}

bool StatusCommand::Parsed() const { return status_->parsed(); }

namespace {

double MonotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string UtcNow() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

// /health (its body is the report on 200 and 503 alike), then /metrics. Throws
// std::runtime_error with the reason when either cannot be had.
StatusSample Fetch(const ClientOptions& client) {
  RestClient rest(client);
  StatusSample sample;
  auto health = rest.Request("GET", "/health");
  if (health.status != 200 && health.status != 503) {
    throw std::runtime_error("GET /health answered HTTP " + std::to_string(health.status));
  }
  auto metrics = rest.Request("GET", "/metrics");
  if (metrics.status != 200) {
    throw std::runtime_error("GET /metrics answered HTTP " + std::to_string(metrics.status));
  }
  sample.health_body = std::move(health.body);
  sample.metrics_body = std::move(metrics.body);
  sample.fetched_at = MonotonicSeconds();
  return sample;
}

// One refresh: the figures, and the sample when the daemon answered usably.
StatusFigures Refresh(const ClientOptions& client, std::optional<StatusSample>& previous) {
  StatusFigures figures;
  try {
    auto sample = Fetch(client);
    figures = ComputeFigures(sample, previous ? &*previous : nullptr);
    if (figures.reachable) previous = std::move(sample);
  } catch (const std::runtime_error& e) {
    figures = UnreachableFigures(e.what());
  }
  figures.url = client.url;
  figures.at = UtcNow();
  return figures;
}

// False when stdout is gone (EPIPE) or failing.
bool WriteAll(std::string_view text) {
  while (!text.empty()) {
    ssize_t n = write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// --watch ends on SIGINT/SIGTERM by leaving at once, wherever the loop is (a request to a hung
// daemon blocks up to RestClient's 10 s): the handler calls _exit. The signals are blocked while
// a screen is written, so the output never ends in half a line or half a JSON object.
extern "C" void LeaveOnSignal(int) { _exit(kExitOk); }

class SignalsHeld {
 public:
  SignalsHeld() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigprocmask(SIG_BLOCK, &set_, nullptr);
  }
  ~SignalsHeld() { sigprocmask(SIG_UNBLOCK, &set_, nullptr); }

 private:
  sigset_t set_;
};

int Watch(const ClientOptions& client, double seconds, bool json) {
  struct sigaction action {};
  action.sa_handler = LeaveOnSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  const bool terminal = isatty(STDOUT_FILENO);
  const auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(seconds));
  std::optional<StatusSample> previous;
  for (bool first = true;; first = false) {
    auto next = std::chrono::steady_clock::now() + interval;
    auto figures = Refresh(client, previous);
    std::string out;
    if (json) {
      out = StatusJson(figures) + "\n";
    } else if (terminal) {
      char footer[64];
      std::snprintf(footer, sizeof footer, "\nevery %g s; Ctrl-C to stop\n", seconds);
      out = RedrawInPlace(StatusText(figures) + footer, first);
    } else {
      out = (first ? "" : std::string(60, '-') + "\n") + StatusText(figures);
    }
    {
      SignalsHeld held;
      if (!WriteAll(out)) return kExitOk;  // the reader went away (`| head`)
    }
    std::this_thread::sleep_until(next);
  }
}

}  // namespace

int StatusCommand::Run(const ClientOptions& client) {
  signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE from write(2)
  if (watch_->count() > 0) return Watch(client, watch_seconds_, json_);
  std::optional<StatusSample> none;
  auto figures = Refresh(client, none);
  if (json_) {
    WriteAll(StatusJson(figures) + "\n");
  } else if (!figures.reachable) {
    std::cerr << "walcast status: unreachable: " << figures.error << std::endl;
  } else {
    WriteAll(StatusText(figures));
  }
  return figures.reachable && figures.status == "ok" ? kExitOk : kExitFailure;
}

}  // namespace walcast::cli
