// Summaries for stream_bench: percentiles of one run's samples, and the median and spread of a
// figure over repeated runs. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace walcast::bench {

struct Percentiles {
  std::size_t count = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
};

// Nearest-rank percentiles (the sample at rank ceil(p * n)), so every figure is a value that was
// actually measured. All zero for no samples.
Percentiles ComputePercentiles(std::vector<double> samples);

struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};

// Latencies too many to keep one by one (a fan-out run sees millions): counted in buckets of
// 1 µs below 1,024 µs and 64 per power of two above (at most 1.6% wide). Percentiles report a
// bucket's upper bound, so they never flatter; the maximum is exact. One per thread; Merge sums.
class LatencyHistogram {
 public:
  LatencyHistogram();
  void Add(double millis);  // negative values (clock skew) count as 0
  void Merge(const LatencyHistogram& other);
  Percentiles Summary() const;

 private:
  static std::size_t Index(uint64_t micros);
  static double UpperBoundMillis(std::size_t index);
  double ValueAt(double p) const;

  std::vector<uint64_t> counts_;
  std::size_t count_ = 0;
  double max_ = 0;
};

// Median (the mean of the middle two for an even count), minimum and maximum; zero when empty.
Spread Summarize(std::vector<double> values);

}  // namespace walcast::bench
