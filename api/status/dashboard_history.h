// DashboardHistory: the last minutes of the daemon's own figures, one sample a second, for the
// /dashboard page (web/dashboard.html) through GET /metrics/history (docs/operations.md,
// "Dashboard").
//
// A reading is the cumulative counters of Metrics plus the gauges of /metrics at one moment; a
// sample is what happened between two readings: rates per second, commit-to-send quantiles of
// that interval only (estimated from the histogram's bucket deltas as Prometheus'
// histogram_quantile does), and the gauges as read. Each sample is rendered to JSON once, when it
// is added, so a page polling every second costs a copy, not a render.
//
// Pure: no I/O, no clock (the caller stamps readings). Thread-safe: Add and Json take a mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "api/status/metrics.h"

namespace walcast::api {

struct DashboardReading {
  double unix_seconds = 0;  // when it was read
  MetricsCounters counters;
  MetricsGauges gauges;
};

// The q-quantile (0 < q < 1) of the observations counted per bucket in `buckets` (not cumulative;
// upper bounds LatencyHistogram::kBuckets, then the overflow bucket), linearly interpolated within
// its bucket; the overflow bucket answers the largest finite bound. nullopt when nothing was
// counted.
std::optional<double> BucketQuantile(
    double q, std::span<const uint64_t, LatencyHistogram::kBuckets.size() + 1> buckets);

class DashboardHistory {
 public:
  static constexpr std::size_t kDefaultCapacity = 900;  // 15 minutes of one-second samples

  explicit DashboardHistory(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  // The first reading is only a baseline; each later one adds a sample. A reading no later than
  // the one before (a clock step back) replaces the baseline and adds nothing.
  void Add(const DashboardReading& reading);

  // {"interval":1,"capacity":N,"latest":seq|null,"samples":[...]} with the samples whose seq is
  // greater than `after` (all without it), oldest first.
  std::string Json(std::optional<uint64_t> after) const;

  std::size_t size() const;

 private:
  struct Sample {
    uint64_t seq;
    std::string json;
  };

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::optional<DashboardReading> previous_;
  std::deque<Sample> samples_;
  uint64_t next_seq_ = 1;
};

}  // namespace walcast::api
