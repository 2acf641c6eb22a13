#include "stream_bench_stats.h"

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
