#include "tools/cli/status_view.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>
#include <cstdio>

#include "tools/cli/metrics_text.h"

namespace walcast::cli {
namespace {

// The metric names of api/status/metrics.cc.
constexpr const char* kEvents = "walcast_events_total";
constexpr const char* kLatency = "walcast_commit_to_send_seconds";
constexpr const char* kRequests = "walcast_http_requests_total";
constexpr const char* kClients = "walcast_clients";
constexpr const char* kClientsByTransport = "walcast_clients_by_transport";
constexpr const char* kSlowClientsDropped = "walcast_slow_clients_dropped_total";
constexpr const char* kReplayEvents = "walcast_replay_window_events";
constexpr const char* kReplayBytes = "walcast_replay_window_bytes";
constexpr const char* kSlotLag = "walcast_slot_lag_bytes";
constexpr const char* kConnections = "walcast_connections";
constexpr const char* kConnectionsMax = "walcast_connections_max";
constexpr const char* kUptime = "walcast_uptime_seconds";
constexpr const char* kRss = "process_resident_memory_bytes";
// Exported only once known: the WAL PostgreSQL keeps for the slot (the database monitor reads
// it), and the lag of the last transaction handed to clients (none before the first; none in
// NOTIFY mode).
constexpr const char* kRetainedWal = "walcast_slot_retained_wal_bytes";
constexpr const char* kLagSeconds = "walcast_slot_lag_seconds";

constexpr std::size_t kLabelWidth = 14;

std::optional<std::string> OptionalString(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<double> OptionalNumber(const rapidjson::Value& object, const char* key) {
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !it->value.IsNumber()) return std::nullopt;
  return it->value.GetDouble();
}

// The buckets of `current` minus those of `previous`, when both have the same bounds and no count
// went down; empty otherwise (a restart, or a histogram that changed shape).
std::vector<HistogramBucket> BucketDelta(const std::vector<HistogramBucket>& current,
                                         const std::vector<HistogramBucket>& previous) {
  if (current.size() != previous.size()) return {};
  std::vector<HistogramBucket> out;
  for (std::size_t i = 0; i < current.size(); ++i) {
    if (current[i].upper_bound != previous[i].upper_bound &&
        !(std::isinf(current[i].upper_bound) && std::isinf(previous[i].upper_bound))) {
      return {};
    }
    if (current[i].cumulative_count < previous[i].cumulative_count) return {};
    out.push_back(
        {current[i].upper_bound, current[i].cumulative_count - previous[i].cumulative_count});
  }
  return out;
}

StatusFigures::Latency LatencyOf(const std::vector<HistogramBucket>& buckets, bool interval) {
  StatusFigures::Latency latency;
  latency.interval = interval;
  latency.observations = buckets.empty() ? 0 : buckets.back().cumulative_count;
  if (auto p50 = HistogramQuantile(0.5, buckets)) {
    latency.p50_seconds = p50->value;
    latency.p50_above_last_bound = p50->above_last_bound;
  }
  if (auto p99 = HistogramQuantile(0.99, buckets)) {
    latency.p99_seconds = p99->value;
    latency.p99_above_last_bound = p99->above_last_bound;
  }
  return latency;
}

void ReadHealth(const rapidjson::Value& health, StatusFigures& out) {
  out.status = OptionalString(health, "status").value_or("");
  out.problem = OptionalString(health, "problem").value_or("");
  out.database = OptionalString(health, "database").value_or("");
  out.stream = OptionalString(health, "stream").value_or("");
  out.source = OptionalString(health, "source").value_or("");
  out.slot = OptionalString(health, "slot").value_or("");
  out.confirmed_lsn = OptionalString(health, "confirmedLsn");
  out.last_event_at = OptionalString(health, "lastEventAt");
  out.role = OptionalString(health, "role").value_or("");
  out.redis = OptionalString(health, "redis");
  out.redis_problem = OptionalString(health, "redisProblem").value_or("");
  out.cluster_lag_ms = OptionalNumber(health, "clusterLagMs");
  out.term = OptionalNumber(health, "term");
  out.slot_lag_bytes = OptionalNumber(health, "lagBytes");
  out.clients = OptionalNumber(health, "clients");
  out.uptime_seconds = OptionalNumber(health, "uptimeSeconds");
}

void ReadMetrics(const MetricsText& metrics, StatusFigures& out) {
  if (metrics.MalformedLines() > 0) {
    out.metrics_warning = std::to_string(metrics.MalformedLines()) +
                          " unreadable /metrics line(s), first " + metrics.FirstError();
  }
  // /health and /metrics agree on these; /metrics fills what an older /health lacks.
  if (!out.slot_lag_bytes) out.slot_lag_bytes = metrics.Value(kSlotLag);
  if (!out.uptime_seconds) out.uptime_seconds = metrics.Value(kUptime);
  if (auto clients = metrics.Sum(kClients)) out.clients = clients;
  for (const auto* sample : metrics.Series(kClientsByTransport)) {
    auto transport = sample->Label("transport");
    if (!transport.empty()) out.clients_by_transport.emplace_back(transport, sample->value);
  }
  out.retained_wal_bytes = metrics.Value(kRetainedWal);
  out.slot_lag_seconds = metrics.Value(kLagSeconds);
  out.rss_bytes = metrics.Value(kRss);

  out.events_total = metrics.Sum(kEvents);
  for (const auto* sample : metrics.Series(kEvents)) {
    out.events_by_operation.emplace_back(sample->Label("operation"), sample->value);
  }
  if (metrics.Has(kRequests)) {
    out.requests_by_class = {{"2xx", 0}, {"3xx", 0}, {"4xx", 0}, {"5xx", 0}};
    for (const auto* sample : metrics.Series(kRequests)) {
      auto status = sample->Label("status");
      std::string status_class = status.empty() ? "other" : std::string(1, status[0]) + "xx";
      bool found = false;
      for (auto& [name, count] : out.requests_by_class) {
        if (name == status_class) {
          count += sample->value;
          found = true;
        }
      }
      if (!found) out.requests_by_class.emplace_back(status_class, sample->value);
    }
  }
  out.replay_window_events = metrics.Value(kReplayEvents);
  out.replay_window_bytes = metrics.Value(kReplayBytes);
  out.slow_clients_dropped = metrics.Value(kSlowClientsDropped);
  out.connections = metrics.Value(kConnections);
  out.connections_max = metrics.Value(kConnectionsMax);
}

// Events/s and the latency of the interval, from the previous sample of the same daemon run.
void ReadChanges(const MetricsText& metrics, const StatusSample& current,
                 const StatusSample& previous_sample, StatusFigures& out) {
  auto previous_metrics = MetricsText::Parse(previous_sample.metrics_body);
  auto previous_total = previous_metrics.Sum(kEvents);

  // The uptime rendered with the counters times them best; the client's clock is the fallback.
  std::optional<double> seconds;
  auto uptime = metrics.Value(kUptime);
  auto previous_uptime = previous_metrics.Value(kUptime);
  if (uptime && previous_uptime) {
    if (*uptime < *previous_uptime) return;  // restarted in between
    seconds = *uptime - *previous_uptime;
  } else {
    seconds = current.fetched_at - previous_sample.fetched_at;
  }
  if (!(*seconds > 0)) return;
  out.interval_seconds = seconds;
  if (out.events_total && previous_total && *out.events_total >= *previous_total) {
    out.events_per_second = (*out.events_total - *previous_total) / *seconds;
  }
  auto delta = BucketDelta(metrics.Buckets(kLatency), previous_metrics.Buckets(kLatency));
  if (!delta.empty()) out.latency = LatencyOf(delta, true);
}

// ---- text ----

bool Integral(double value) {
  return std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9.0e15;
}

std::string Number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, Integral(value) ? "%.0f" : "%.1f", value);
  return buffer;
}

std::string Or(const std::optional<double>& value, std::string (*format)(double) = Number) {
  return value ? format(*value) : "-";
}

std::string Line(const std::string& label, const std::string& value) {
  return label + std::string(label.size() < kLabelWidth ? kLabelWidth - label.size() : 1, ' ') +
         value + "\n";
}

std::string Joined(const std::vector<std::pair<std::string, double>>& counts) {
  std::string out;
  for (const auto& [name, count] : counts) {
    out += (out.empty() ? "" : ", ") + name + " " + Number(count);
  }
  return out;
}

std::string BytesWithExact(double bytes) {
  if (bytes < 1024) return HumanBytes(bytes);
  return HumanBytes(bytes) + " (" + Number(bytes) + " bytes)";
}

// An interval: "1.0 s".
std::string Seconds(double seconds) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
  return buffer;
}

std::string Quantile(const std::optional<double>& seconds, bool above_last_bound) {
  if (!seconds) return "-";
  return (above_last_bound ? "> " : "") + HumanLatency(*seconds);
}

// walcastd observes the latency once per transaction, at its commit.
std::string Transactions(double count) {
  if (count == 0) return "no transactions";
  return Number(count) + (count == 1 ? " transaction" : " transactions");
}

std::string LatencyText(const StatusFigures& f) {
  if (!f.latency) return "-";
  const auto& latency = *f.latency;
  std::string window = latency.interval && f.interval_seconds
                           ? "in the last " + Seconds(*f.interval_seconds)
                           : "since start";
  return "p50 " + Quantile(latency.p50_seconds, latency.p50_above_last_bound) + ", p99 " +
         Quantile(latency.p99_seconds, latency.p99_above_last_bound) + " (commit to send, " +
         Transactions(latency.observations) + " " + window + ")";
}

std::string SourceText(const StatusFigures& f) {
  std::string out = f.source.empty() ? "-" : f.source;
  if (!f.stream.empty()) out += ", stream " + f.stream;
  if (!f.slot.empty()) out += ", slot " + f.slot;
  if (f.confirmed_lsn) out += ", confirmed " + *f.confirmed_lsn;
  return out;
}

std::string RoleText(const StatusFigures& f) {
  std::string out = f.role.empty() ? "-" : f.role;
  if (f.redis) {
    out += ", redis " + *f.redis;
    if (!f.redis_problem.empty()) out += " (" + f.redis_problem + ")";
  }
  if (f.term) out += ", term " + Number(*f.term);
  if (f.cluster_lag_ms) out += ", cluster lag " + Number(*f.cluster_lag_ms) + " ms";
  return out;
}

std::string EventsText(const StatusFigures& f) {
  std::string out = Or(f.events_total);
  if (!f.events_by_operation.empty()) out += " (" + Joined(f.events_by_operation) + ")";
  if (f.events_per_second) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.1f", *f.events_per_second);
    out += ", " + std::string(buffer) + " events/s";
  } else {
    out += ", - events/s";
  }
  return out;
}

std::string ClientsText(const StatusFigures& f) {
  std::string out = Or(f.clients);
  if (!f.clients_by_transport.empty()) out += " (" + Joined(f.clients_by_transport) + ")";
  return out + ", slow clients dropped " + Or(f.slow_clients_dropped);
}

std::string ConnectionsText(const StatusFigures& f) {
  std::string out = Or(f.connections);
  if (!f.connections_max) return out + " of -";
  return out + (*f.connections_max > 0 ? " of " + Number(*f.connections_max) : " (no cap)");
}

// ---- JSON ----

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteNumber(Writer& writer, const std::optional<double>& value) {
  if (!value || !std::isfinite(*value)) {
    writer.Null();
  } else if (Integral(*value)) {
    writer.Int64(static_cast<int64_t>(*value));
  } else {
    writer.Double(*value);
  }
}

void WriteString(Writer& writer, const std::string& value) {
  writer.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// "" and nullopt are null: a figure the daemon did not give.
void WriteOptional(Writer& writer, const std::optional<std::string>& value) {
  if (value && !value->empty()) {
    WriteString(writer, *value);
  } else {
    writer.Null();
  }
}

void WriteCounts(Writer& writer, const std::vector<std::pair<std::string, double>>& counts,
                 bool present) {
  if (!present) {
    writer.Null();
    return;
  }
  writer.StartObject();
  for (const auto& [name, count] : counts) {
    writer.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
    WriteNumber(writer, count);
  }
  writer.EndObject();
}

// An estimate rounded to the nanosecond, so it prints as 0.0019375 rather than
// 0.0019375000000000002: the digits past that are interpolation noise.
std::optional<double> Nanoseconds(const std::optional<double>& seconds) {
  if (!seconds) return std::nullopt;
  return std::round(*seconds * 1e9) / 1e9;
}

std::optional<std::string> NonEmpty(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

}  // namespace

StatusFigures ComputeFigures(const StatusSample& current, const StatusSample* previous) {
  StatusFigures out;
  rapidjson::Document health;
  health.Parse(current.health_body.c_str(), current.health_body.size());
  if (health.HasParseError() || !health.IsObject() || !health.HasMember("status")) {
    return UnreachableFigures("/health did not answer a health report");
  }
  ReadHealth(health, out);
  auto metrics = MetricsText::Parse(current.metrics_body);
  ReadMetrics(metrics, out);
  if (previous) ReadChanges(metrics, current, *previous, out);
  if (!out.latency && metrics.Has(kLatency)) {
    out.latency = LatencyOf(metrics.Buckets(kLatency), false);
  }
  return out;
}

StatusFigures UnreachableFigures(std::string why) {
  StatusFigures out;
  out.reachable = false;
  out.status = "unreachable";
  out.error = std::move(why);
  return out;
}

std::string StatusText(const StatusFigures& f) {
  std::string out = "walcast status  " + f.url + (f.at.empty() ? "" : "  " + f.at) + "\n";
  if (!f.reachable) return out + "unreachable: " + f.error + "\n";
  out += Line("status",
              (f.status.empty() ? "-" : f.status) + (f.problem.empty() ? "" : ": " + f.problem));
  out += Line("database", f.database.empty() ? "-" : f.database);
  out += Line("source", SourceText(f));
  out += Line("role", RoleText(f));
  out +=
      Line("slot lag", (f.slot_lag_bytes ? BytesWithExact(*f.slot_lag_bytes) : "-") + ", " +
                           Or(f.slot_lag_seconds, HumanLatency) + " since commit, retained WAL " +
                           Or(f.retained_wal_bytes, HumanBytes));
  out += Line("latency", LatencyText(f));
  out += Line("events", EventsText(f));
  out += Line("replay window",
              Or(f.replay_window_events) + " events, " + Or(f.replay_window_bytes, HumanBytes));
  out += Line("clients", ClientsText(f));
  out += Line("requests", f.requests_by_class.empty() ? "-" : Joined(f.requests_by_class));
  out += Line("connections", ConnectionsText(f));
  out += Line("uptime", Or(f.uptime_seconds, HumanUptime) + ", RSS " + Or(f.rss_bytes, HumanBytes));
  if (!f.metrics_warning.empty()) out += Line("warning", f.metrics_warning);
  return out;
}

std::string StatusJson(const StatusFigures& f) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key("at");
  WriteOptional(writer, NonEmpty(f.at));
  writer.Key("url");
  WriteString(writer, f.url);
  writer.Key("reachable");
  writer.Bool(f.reachable);
  writer.Key("error");
  WriteOptional(writer, NonEmpty(f.error));
  writer.Key("status");
  WriteString(writer, f.status);
  writer.Key("problem");
  WriteOptional(writer, NonEmpty(f.problem));
  writer.Key("database");
  WriteOptional(writer, NonEmpty(f.database));
  writer.Key("stream");
  WriteOptional(writer, NonEmpty(f.stream));
  writer.Key("source");
  WriteOptional(writer, NonEmpty(f.source));
  writer.Key("slot");
  WriteOptional(writer, NonEmpty(f.slot));
  writer.Key("confirmedLsn");
  WriteOptional(writer, f.confirmed_lsn);
  writer.Key("lastEventAt");
  WriteOptional(writer, f.last_event_at);
  writer.Key("role");
  WriteOptional(writer, NonEmpty(f.role));
  writer.Key("redis");
  WriteOptional(writer, f.redis);
  writer.Key("clusterLagMs");
  WriteNumber(writer, f.cluster_lag_ms);
  writer.Key("term");
  WriteNumber(writer, f.term);
  writer.Key("slotLagBytes");
  WriteNumber(writer, f.slot_lag_bytes);
  writer.Key("slotLagSeconds");
  WriteNumber(writer, f.slot_lag_seconds);
  writer.Key("retainedWalBytes");
  WriteNumber(writer, f.retained_wal_bytes);
  writer.Key("latency");
  if (!f.latency) {
    writer.Null();
  } else {
    writer.StartObject();
    writer.Key("p50Seconds");
    WriteNumber(writer, Nanoseconds(f.latency->p50_seconds));
    writer.Key("p99Seconds");
    WriteNumber(writer, Nanoseconds(f.latency->p99_seconds));
    writer.Key("observations");
    WriteNumber(writer, f.latency->observations);
    writer.Key("window");
    writer.String(f.latency->interval ? "interval" : "sinceStart");
    writer.EndObject();
  }
  writer.Key("events");
  WriteCounts(writer, f.events_by_operation, f.events_total.has_value());
  writer.Key("eventsTotal");
  WriteNumber(writer, f.events_total);
  writer.Key("eventsPerSecond");
  WriteNumber(writer, f.events_per_second);
  writer.Key("intervalSeconds");
  WriteNumber(writer, f.interval_seconds);
  writer.Key("replayWindowEvents");
  WriteNumber(writer, f.replay_window_events);
  writer.Key("replayWindowBytes");
  WriteNumber(writer, f.replay_window_bytes);
  writer.Key("clients");
  WriteNumber(writer, f.clients);
  writer.Key("clientsByTransport");
  WriteCounts(writer, f.clients_by_transport, !f.clients_by_transport.empty());
  writer.Key("slowClientsDropped");
  WriteNumber(writer, f.slow_clients_dropped);
  writer.Key("requestsByClass");
  WriteCounts(writer, f.requests_by_class, !f.requests_by_class.empty());
  writer.Key("connections");
  WriteNumber(writer, f.connections);
  writer.Key("connectionsMax");
  WriteNumber(writer, f.connections_max);
  writer.Key("uptimeSeconds");
  WriteNumber(writer, f.uptime_seconds);
  writer.Key("rssBytes");
  WriteNumber(writer, f.rss_bytes);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string RedrawInPlace(const std::string& screen, bool first) {
  std::string out = first ? "\x1b[H\x1b[2J" : "\x1b[H";
  for (char c : screen) {
    if (c == '\n') out += "\x1b[K";
    out += c;
  }
  return out + "\x1b[J";
}

std::string HumanBytes(double bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return Number(std::round(bytes)) + " B";
  double value = bytes / 1024;
  std::size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, kUnits[unit]);
  return buffer;
}

std::string HumanLatency(double seconds) {
  char buffer[64];
  // The thresholds sit where rounding would print "1000 µs" or "1000.0 ms".
  if (seconds < 0.0009995) {
    std::snprintf(buffer, sizeof buffer, "%.0f µs", seconds * 1e6);
  } else if (seconds < 0.99995) {
    std::snprintf(buffer, sizeof buffer, "%.1f ms", seconds * 1e3);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  }
  return buffer;
}

std::string HumanUptime(double seconds) {
  auto total = static_cast<long long>(seconds < 0 ? 0 : seconds);
  char buffer[64];
  if (total < 60) {
    std::snprintf(buffer, sizeof buffer, "%llds", total);
  } else if (total < 3600) {
    std::snprintf(buffer, sizeof buffer, "%lldm %02llds", total / 60, total % 60);
  } else if (total < 86400) {
    std::snprintf(buffer, sizeof buffer, "%lldh %02lldm", total / 3600, total % 3600 / 60);
  } else {
    std::snprintf(buffer, sizeof buffer, "%lldd %02lldh", total / 86400, total % 86400 / 3600);
  }
  return buffer;
}

}  // namespace walcast::cli
