// The figures of `walcast status` and their two renderings: one screen of text, one JSON object.
// The figures come from what the daemon answered on /health (JSON, api/status/health_report.cc)
// and /metrics (Prometheus text, api/status/metrics.cc); rates and the latency of the last
// interval come from the difference to the previous sample when `--watch` took one. Pure: the
// caller fetches, timestamps and prints. A figure the daemon did not report stays unset and shows
// as "-" in text and null in JSON.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace walcast::cli {

// What one refresh fetched. `fetched_at` is any monotonic clock in seconds; it times the rates
// only when the daemon's uptime is missing from both samples.
struct StatusSample {
  std::string health_body;   // /health as received (its JSON is the same on 200 and 503)
  std::string metrics_body;  // /metrics as received
  double fetched_at = 0;
};

struct StatusFigures {
  std::string url;
  std::string at;  // when fetched, RFC 3339 (UTC), as the caller formats it
  bool reachable = true;
  std::string error;  // why not reachable (or why the answer was unusable)

  // /health: "ok" | "degraded" | "down"; "unreachable" when !reachable.
  std::string status;
  std::string problem;
  std::string database;  // "up" | "down"
  std::string stream;    // "up" | "down" | "off"
  std::string source;    // "replication" | "notify" | the configured mode while starting
  std::string slot;
  std::optional<std::string> confirmed_lsn;
  std::optional<std::string> last_event_at;
  std::string role;  // "standalone" | "leader" | "follower"
  // A cluster member's (absent when standalone).
  std::optional<std::string> redis;  // "up" | "down"
  std::string redis_problem;
  std::optional<double> cluster_lag_ms;
  std::optional<double> term;

  std::optional<double> slot_lag_bytes;
  // From the commit of the last transaction handed to clients to that hand-off.
  std::optional<double> slot_lag_seconds;
  std::optional<double> retained_wal_bytes;

  // Commit-to-send latency, estimated as histogram_quantile does.
  struct Latency {
    std::optional<double> p50_seconds;
    std::optional<double> p99_seconds;
    bool p50_above_last_bound = false;  // the estimate is the highest finite bound, a floor
    bool p99_above_last_bound = false;
    double observations = 0;  // transactions: walcastd observes one per commit
    bool interval = false;    // over the last interval (--watch) rather than since the start
  };
  std::optional<Latency> latency;  // unset when the histogram is not exported

  std::vector<std::pair<std::string, double>> events_by_operation;  // as the daemon lists them
  std::optional<double> events_total;
  std::optional<double> events_per_second;  // only from two samples of the same daemon run
  std::optional<double> interval_seconds;   // between those two samples

  std::optional<double> replay_window_events;
  std::optional<double> replay_window_bytes;
  std::optional<double> clients;
  // websocket, sse, socket.io (walcast_clients_by_transport), as the daemon lists them.
  std::vector<std::pair<std::string, double>> clients_by_transport;
  std::optional<double> slow_clients_dropped;
  // REST requests by status class ("2xx"…), every class 2xx-5xx present once the family is known.
  std::vector<std::pair<std::string, double>> requests_by_class;
  std::optional<double> connections;
  std::optional<double> connections_max;  // 0: no cap
  std::optional<double> uptime_seconds;
  std::optional<double> rss_bytes;

  // "line 3: …" when /metrics had lines that did not parse (their figures are unset).
  std::string metrics_warning;
};

// The figures of `current`; with `previous` (the last reachable sample), events/s and the
// latency of the interval between them. A counter that went down or an uptime that did (the
// daemon restarted) gives no rate, and the latency falls back to since-the-start.
StatusFigures ComputeFigures(const StatusSample& current, const StatusSample* previous);

// Figures for a daemon that could not be asked: status "unreachable", `why` as the error.
StatusFigures UnreachableFigures(std::string why);

// One screen, "label  value" lines, each ending in '\n'. Unreachable: the header and
// "unreachable: <why>".
std::string StatusText(const StatusFigures& figures);

// One JSON object on one line (no newline), the same keys every time (docs/cli.md "status").
std::string StatusJson(const StatusFigures& figures);

// `screen` drawn over the previous one on a terminal: cursor home, each line erased to its end,
// the rest of the screen erased below it; `first` clears the whole screen first. No full clear
// on later refreshes, so the screen does not flicker.
std::string RedrawInPlace(const std::string& screen, bool first);

// "512 B", "1.5 KiB", "12.0 MiB": IEC units, one decimal from KiB on.
std::string HumanBytes(double bytes);
// A latency: "850 µs", "1.2 ms", "2.50 s".
std::string HumanLatency(double seconds);
// An uptime: "42s", "5m 03s", "1h 02m", "3d 04h".
std::string HumanUptime(double seconds);

}  // namespace walcast::cli
