#include "api/status/health_report.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace walcast::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void OptionalString(Writer& writer, const char* key, const std::optional<std::string>& value) {
  writer.Key(key);
  if (value) {
    writer.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
  } else {
    writer.Null();
  }
}

}  // namespace

std::string_view HealthStatus(const HealthReport& report) {
  if (!report.database_up) return "down";
  if (report.stream_expected && (!report.stream_up || !report.problem.empty())) return "degraded";
  return "ok";
}

std::string HealthJson(const HealthReport& report) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  auto status = HealthStatus(report);
  writer.Key("status");
  writer.String(status.data(), static_cast<rapidjson::SizeType>(status.size()));
  writer.Key("database");
  writer.String(report.database_up ? "up" : "down");
  writer.Key("stream");
  writer.String(!report.stream_expected ? "off" : report.stream_up ? "up" : "down");
  writer.Key("source");
  writer.String(report.source.c_str());
  writer.Key("slot");
  writer.String(report.slot.c_str());
  OptionalString(writer, "confirmedLsn", report.confirmed_lsn);
  writer.Key("lagBytes");
  if (report.lag_bytes) {
    writer.Uint64(*report.lag_bytes);
  } else {
    writer.Null();
  }
  OptionalString(writer, "lastEventAt", report.last_event_at);
  writer.Key("clients");
  writer.Uint64(report.clients);
  writer.Key("uptimeSeconds");
  writer.Double(report.uptime_seconds);
  if (!report.problem.empty()) {
    writer.Key("problem");
    writer.String(report.problem.c_str());
  }
  if (report.wal_flush_lag) {
    // Only a note: the stream works, its latency is the server's WAL flush (status stays "ok").
    const auto& lag = *report.wal_flush_lag;
    writer.Key("walFlushLag");
    writer.StartObject();
    writer.Key("detected");
    writer.Bool(lag.detected);
    if (lag.detected) {
      writer.Key("medianMs");
      writer.Double(lag.median_ms);
      writer.Key("maxMs");
      writer.Double(lag.max_ms);
      writer.Key("advice");
      writer.String(lag.advice.c_str(), static_cast<rapidjson::SizeType>(lag.advice.size()));
    }
    writer.EndObject();
  }
  writer.Key("role");
  if (!report.cluster) {
    writer.String("standalone");  // no --redis-url: no redis, no cluster lag
  } else {
    const auto& cluster = *report.cluster;
    writer.String(cluster.leader ? "leader" : "follower");
    writer.Key("redis");
    writer.String(cluster.redis_up ? "up" : "down");
    writer.Key("clusterLagMs");
    writer.Int64(cluster.lag_ms);
    writer.Key("term");
    writer.Int64(cluster.term);
    if (!cluster.redis_up) {
      writer.Key("redisProblem");
      writer.String(cluster.redis_problem.c_str());
    }
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace walcast::api
