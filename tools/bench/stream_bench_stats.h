// Summaries for stream_bench: percentiles of one run's samples, and the median and spread of a
// figure over repeated runs. Pure functions.
#pragma once

#include <cstddef>
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

// Median (the mean of the middle two for an even count), minimum and maximum; zero when empty.
Spread Summarize(std::vector<double> values);

}  // namespace walcast::bench
