#include "api/status/dashboard_history.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <string_view>

#include "decoder/order_event.h"

namespace walcast::api {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// Counters only grow within one process; a smaller value would be a bug, counted as nothing.
uint64_t Delta(uint64_t now, uint64_t before) { return now > before ? now - before : 0; }

void Key(Writer& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

template <class T>
void OptionalNumber(Writer& writer, std::string_view key, const std::optional<T>& value) {
  Key(writer, key);
  if (!value) {
    writer.Null();
  } else if constexpr (std::is_floating_point_v<T>) {
    writer.Double(*value);
  } else {
    writer.Uint64(*value);
  }
}

std::string RenderSample(uint64_t seq, const DashboardReading& before,
                         const DashboardReading& now) {
  const double seconds = now.unix_seconds - before.unix_seconds;
  const auto rate = [seconds](uint64_t delta) { return static_cast<double>(delta) / seconds; };
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.SetMaxDecimalPlaces(6);
  writer.StartObject();
  Key(writer, "seq");
  writer.Uint64(seq);
  Key(writer, "time");
  writer.Double(now.unix_seconds);

  Key(writer, "events");
  writer.StartObject();
  for (auto operation : {decoder::Operation::kInsert, decoder::Operation::kUpdate,
                         decoder::Operation::kDelete, decoder::Operation::kTruncate}) {
    const auto index = static_cast<std::size_t>(operation);
    Key(writer, decoder::OperationName(operation));
    writer.Double(rate(Delta(now.counters.events[index], before.counters.events[index])));
  }
  writer.EndObject();

  std::array<uint64_t, LatencyHistogram::kBuckets.size() + 1> latency{};
  for (std::size_t i = 0; i < latency.size(); ++i) {
    latency[i] = Delta(now.counters.commit_to_send[i], before.counters.commit_to_send[i]);
  }
  Key(writer, "latency");
  const auto p50 = BucketQuantile(0.5, latency);
  if (p50) {
    writer.StartObject();
    Key(writer, "p50");
    writer.Double(*p50);
    Key(writer, "p99");
    writer.Double(*BucketQuantile(0.99, latency));
    writer.EndObject();
  } else {
    writer.Null();
  }

  const auto& gauges = now.gauges;
  OptionalNumber(writer, "slotLagBytes", gauges.slot_lag_bytes);
  OptionalNumber(writer, "slotLagSeconds", gauges.slot_lag_seconds);
  OptionalNumber(writer, "retainedWalBytes", gauges.retained_wal_bytes);
  Key(writer, "replayWindow");
  writer.StartObject();
  Key(writer, "events");
  writer.Uint64(gauges.retained_events);
  Key(writer, "bytes");
  writer.Uint64(gauges.replay_window_bytes);
  writer.EndObject();
  Key(writer, "clients");
  writer.StartObject();
  Key(writer, "websocket");
  writer.Uint64(gauges.websocket_clients);
  Key(writer, "sse");
  writer.Uint64(gauges.sse_clients);
  Key(writer, "socketio");
  writer.Uint64(gauges.socketio_clients);
  writer.EndObject();
  Key(writer, "slowDropped");
  writer.Double(rate(Delta(gauges.slow_clients_dropped, before.gauges.slow_clients_dropped)));
  Key(writer, "rest");
  writer.StartObject();
  static constexpr std::array<std::string_view, 5> kClasses = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  // 1xx never comes from REST; the page charts the other four.
  for (std::size_t i = 1; i < kClasses.size(); ++i) {
    Key(writer, kClasses[i]);
    writer.Double(rate(Delta(now.counters.http_by_class[i], before.counters.http_by_class[i])));
  }
  writer.EndObject();
  OptionalNumber(writer, "rssBytes", gauges.resident_memory_bytes);
  writer.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace

std::optional<double> BucketQuantile(
    double q, std::span<const uint64_t, LatencyHistogram::kBuckets.size() + 1> buckets) {
  uint64_t total = 0;
  for (uint64_t count : buckets) total += count;
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  uint64_t below = 0;  // observations in the buckets before this one
  for (std::size_t i = 0; i < LatencyHistogram::kBuckets.size(); ++i) {
    const uint64_t in_bucket = buckets[i];
    if (in_bucket > 0 && static_cast<double>(below + in_bucket) >= rank) {
      const double lower = i == 0 ? 0.0 : LatencyHistogram::kBuckets[i - 1];
      const double upper = LatencyHistogram::kBuckets[i];
      const double within = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
      return lower + (upper - lower) * within;
    }
    below += in_bucket;
  }
  return LatencyHistogram::kBuckets.back();  // in the overflow bucket: "at least this"
}

void DashboardHistory::Add(const DashboardReading& reading) {
  std::lock_guard lock(mutex_);
  if (previous_ && reading.unix_seconds > previous_->unix_seconds) {
    samples_.push_back(Sample{next_seq_, RenderSample(next_seq_, *previous_, reading)});
    ++next_seq_;
    while (samples_.size() > capacity_) samples_.pop_front();
  }
  previous_ = reading;
}

std::string DashboardHistory::Json(std::optional<uint64_t> after) const {
  std::lock_guard lock(mutex_);
  std::string out = R"({"interval":1,"capacity":)" + std::to_string(capacity_) + R"(,"latest":)";
  out += samples_.empty() ? std::string("null") : std::to_string(samples_.back().seq);
  out += R"(,"samples":[)";
  bool first = true;
  for (const auto& sample : samples_) {
    if (after && sample.seq <= *after) continue;
    if (!first) out += ',';
    first = false;
    out += sample.json;
  }
  out += "]}";
  return out;
}

std::size_t DashboardHistory::size() const {
  std::lock_guard lock(mutex_);
  return samples_.size();
}

}  // namespace walcast::api
