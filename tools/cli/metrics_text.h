// MetricsText: the Prometheus text exposition format (version 0.0.4, what walcastd's /metrics
// serves) parsed into samples, and histogram_quantile as Prometheus computes it. Pure; no I/O.
//
// The grammar, one line at a time (prometheus.io/docs/instrumenting/exposition_formats/):
//   line     = "" | comment | sample
//   comment  = "#" anything          ("# HELP name …" and "# TYPE name kind" declare a family)
//   sample   = name [ "{" [ label { "," label } [ "," ] ] "}" ] value [ timestamp ]
//   name     = [a-zA-Z_:][a-zA-Z0-9_:]*
//   label    = labelname "=" '"' escaped '"'   (escapes: \\ \" \n)
//   value    = a float, or "+Inf", "-Inf", "NaN"
// A malformed line is not fatal: it is counted, the first one described (line number and what was
// expected), and the rest of the text still read, so one odd series hides only itself.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::cli {

struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  // in the order written
  double value = 0;

  // The value of label `key`; "" when the sample has no such label.
  std::string_view Label(std::string_view key) const;
};

// One cumulative histogram bucket: observations <= `upper_bound` (+Inf for the last).
struct HistogramBucket {
  double upper_bound = 0;
  double cumulative_count = 0;
};

class MetricsText {
 public:
  static MetricsText Parse(std::string_view text);

  const std::vector<MetricSample>& Samples() const { return samples_; }
  // Every sample of `name` (any labels), in the order written.
  std::vector<const MetricSample*> Series(std::string_view name) const;
  // The value of the sample `name` without labels; nullopt when there is none.
  std::optional<double> Value(std::string_view name) const;
  // The sum of every sample of `name`; nullopt when the family is unknown (no sample, no HELP or
  // TYPE line). A family declared without samples (a labelled counter nothing has counted yet)
  // sums to 0.
  std::optional<double> Sum(std::string_view name) const;
  // True when `name` was declared (HELP/TYPE) or has a sample.
  bool Has(std::string_view name) const;
  // The `<name>_bucket` samples of histogram `name`, sorted by upper bound; empty when absent.
  std::vector<HistogramBucket> Buckets(std::string_view name) const;

  std::size_t MalformedLines() const { return malformed_lines_; }
  // "line 12: expected a value after the name"; "" when every line parsed.
  const std::string& FirstError() const { return first_error_; }

 private:
  std::vector<MetricSample> samples_;
  std::set<std::string, std::less<>> families_;
  std::size_t malformed_lines_ = 0;
  std::string first_error_;
};

// A quantile estimated from cumulative buckets.
struct QuantileEstimate {
  double value = 0;
  // The rank fell in the +Inf bucket: `value` is the highest finite bound, a floor rather than an
  // estimate ("> 5 s").
  bool above_last_bound = false;
};

// Prometheus' histogram_quantile (promql/quantile.go bucketQuantile): the bucket holding rank
// q * count, interpolated linearly within it (the first bucket starts at 0). nullopt when it is
// undefined: no observations, fewer than two buckets, no +Inf bucket, or q outside [0, 1].
// `buckets` need not be sorted; counts that decrease (a scrape torn between updates) are raised
// to keep the series monotonic, as Prometheus does.
std::optional<QuantileEstimate> HistogramQuantile(double q, std::vector<HistogramBucket> buckets);

}  // namespace walcast::cli
