#include "tools/bench/stream_bench_stats.h"

#include <algorithm>
#include <cmath>

namespace walcast::bench {
namespace {

double Rank(const std::vector<double>& sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

Percentiles ComputePercentiles(std::vector<double> samples) {
  Percentiles out;
  if (samples.empty()) return out;
  std::sort(samples.begin(), samples.end());
  out.count = samples.size();
  out.p50 = Rank(samples, 0.50);
  out.p90 = Rank(samples, 0.90);
  out.p99 = Rank(samples, 0.99);
  out.max = samples.back();
  return out;
}

namespace {
constexpr uint64_t kExactMicros = 1024;  // 2^10: below this a bucket is 1 µs
constexpr int kSubBucketBits = 6;        // 64 buckets per power of two above
constexpr int kMaxExponent = 40;  // 2^40 µs ≈ 12 days: larger values share the last bucket
}  // namespace

LatencyHistogram::LatencyHistogram()
    : counts_(kExactMicros + (kMaxExponent - 10 + 1) * (1u << kSubBucketBits), 0) {}

std::size_t LatencyHistogram::Index(uint64_t micros) {
  if (micros < kExactMicros) return micros;
  int exponent = 63 - __builtin_clzll(micros);  // 10 or more
  if (exponent > kMaxExponent)
    return kExactMicros + ((kMaxExponent - 10 + 1) << kSubBucketBits) - 1;
  uint64_t sub = (micros >> (exponent - kSubBucketBits)) & ((1u << kSubBucketBits) - 1);
  return kExactMicros + (static_cast<std::size_t>(exponent - 10) << kSubBucketBits) + sub;
}

double LatencyHistogram::UpperBoundMillis(std::size_t index) {
  if (index < kExactMicros) return static_cast<double>(index + 1) / 1000;
  std::size_t offset = index - kExactMicros;
  int exponent = static_cast<int>(offset >> kSubBucketBits) + 10;
  uint64_t sub = offset & ((1u << kSubBucketBits) - 1);
  uint64_t upper = (uint64_t{1} << exponent) + ((sub + 1) << (exponent - kSubBucketBits));
  return static_cast<double>(upper) / 1000;
}

void LatencyHistogram::Add(double millis) {
  if (millis < 0) millis = 0;
  ++counts_[Index(static_cast<uint64_t>(millis * 1000))];
  ++count_;
  max_ = std::max(max_, millis);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

double LatencyHistogram::ValueAt(double p) const {
  auto rank = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(p * static_cast<double>(count_))));
  std::size_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(UpperBoundMillis(i), max_);
  }
  return max_;
}

Percentiles LatencyHistogram::Summary() const {
  Percentiles out;
  if (count_ == 0) return out;
  out.count = count_;
  out.p50 = ValueAt(0.50);
  out.p90 = ValueAt(0.90);
  out.p99 = ValueAt(0.99);
  out.max = max_;
  return out;
}

Spread Summarize(std::vector<double> values) {
  Spread out;
  if (values.empty()) return out;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  out.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  out.min = values.front();
  out.max = values.back();
  return out;
}

}  // namespace walcast::bench
