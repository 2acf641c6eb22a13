#include "tools/cli/metrics_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace walcast::cli {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(MetricsText, ReadsSamplesLabelsAndComments) {
  auto metrics = MetricsText::Parse(
      "# HELP walcast_events_total Change events published, by operation.\n"
      "# TYPE walcast_events_total counter\n"
      "walcast_events_total{operation=\"insert\"} 120\n"
      "walcast_events_total{operation=\"update\",} 30\n"
      "\n"
      "   walcast_clients 2\r\n"
      "walcast_uptime_seconds 3723.5 1700000000000\n"
      "odd{path=\"a\\\"b\\\\c\\nd\", other = \"x\"} -1.5e3\n");
  EXPECT_EQ(metrics.MalformedLines(), 0u) << metrics.FirstError();
  ASSERT_EQ(metrics.Samples().size(), 5u);
  EXPECT_EQ(metrics.Series("walcast_events_total").size(), 2u);
  EXPECT_EQ(metrics.Series("walcast_events_total")[1]->Label("operation"), "update");
  EXPECT_EQ(metrics.Sum("walcast_events_total"), 150);
  EXPECT_EQ(metrics.Value("walcast_events_total"), std::nullopt) << "only labelled samples";
  EXPECT_EQ(metrics.Value("walcast_clients"), 2);
  EXPECT_EQ(metrics.Value("walcast_uptime_seconds"), 3723.5) << "the timestamp is ignored";
  const auto& odd = metrics.Samples().back();
  EXPECT_EQ(odd.Label("path"), "a\"b\\c\nd");
  EXPECT_EQ(odd.Label("other"), "x");
  EXPECT_EQ(odd.Label("missing"), "");
  EXPECT_EQ(odd.value, -1500);
}

TEST(MetricsText, SpecialValues) {
  auto metrics = MetricsText::Parse("a +Inf\nb -Inf\nc NaN\nd 0\n");
  EXPECT_EQ(metrics.MalformedLines(), 0u) << metrics.FirstError();
  EXPECT_EQ(metrics.Value("a"), kInf);
  EXPECT_EQ(metrics.Value("b"), -kInf);
  EXPECT_TRUE(std::isnan(*metrics.Value("c")));
  EXPECT_EQ(metrics.Value("d"), 0);
}

TEST(MetricsText, DeclaredFamilyWithoutSamplesSumsToZero) {
  auto metrics = MetricsText::Parse(
      "# HELP walcast_http_requests_total HTTP requests, by route and status.\n"
      "# TYPE walcast_http_requests_total counter\n");
  EXPECT_TRUE(metrics.Has("walcast_http_requests_total"));
  EXPECT_EQ(metrics.Sum("walcast_http_requests_total"), 0);
  EXPECT_FALSE(metrics.Has("walcast_clients"));
  EXPECT_EQ(metrics.Sum("walcast_clients"), std::nullopt);
}

TEST(MetricsText, MalformedLinesAreCountedAndSkipped) {
  struct Case {
    const char* line;
    const char* error;
  };
  const Case cases[] = {
      {"9lives 1", "expected a metric name"},
      {"a{=\"x\"} 1", "expected a label name or '}'"},
      {"a{b \"x\"} 1", "expected '=' after label b"},
      {"a{b=x} 1", "expected '\"' to open the value of label b"},
      {"a{b=\"x} 1", "unterminated value or unknown escape in label b"},
      {"a{b=\"\\t\"} 1", "unterminated value or unknown escape in label b"},
      {"a{b=\"x\" c=\"y\"} 1", "expected ',' or '}' after label b"},
      {"a", "expected a blank and a value after a"},
      {"a{b=\"x\"}1", "expected a blank and a value after a"},
      {"a one", "expected a number as the value of a"},
      {"a 1 2 3", "expected an integer timestamp or the end of the line after the value"},
      {"a 1 soon", "expected an integer timestamp or the end of the line after the value"},
  };
  for (const auto& c : cases) {
    auto metrics = MetricsText::Parse(std::string("good 1\n") + c.line + "\nalso_good 2\n");
    EXPECT_EQ(metrics.MalformedLines(), 1u) << c.line;
    EXPECT_EQ(metrics.FirstError(), std::string("line 2: ") + c.error) << c.line;
    EXPECT_EQ(metrics.Value("good"), 1) << c.line;
    EXPECT_EQ(metrics.Value("also_good"), 2) << c.line;
  }
  auto two = MetricsText::Parse("x\ny\n");
  EXPECT_EQ(two.MalformedLines(), 2u);
  EXPECT_EQ(two.FirstError(), "line 1: expected a blank and a value after x");
}

TEST(MetricsText, BucketsAreSortedByBound) {
  auto metrics = MetricsText::Parse(
      "h_bucket{le=\"+Inf\"} 7\n"
      "h_bucket{le=\"0.5\"} 3\n"
      "h_bucket{le=\"0.001\"} 1\n"
      "h_bucket{le=\"nonsense\"} 9\n"
      "h_sum 1.2\n"
      "h_count 7\n");
  auto buckets = metrics.Buckets("h");
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].upper_bound, 0.001);
  EXPECT_EQ(buckets[0].cumulative_count, 1);
  EXPECT_EQ(buckets[1].upper_bound, 0.5);
  EXPECT_EQ(buckets[2].upper_bound, kInf);
  EXPECT_EQ(buckets[2].cumulative_count, 7);
  EXPECT_TRUE(metrics.Buckets("other").empty());
}

// The expected values follow promql/quantile.go by hand: rank = q * count, the first bucket whose
// cumulative count reaches it, linear within that bucket.
TEST(HistogramQuantile, InterpolatesWithinTheBucket) {
  std::vector<HistogramBucket> buckets = {{0.001, 10}, {0.01, 30}, {0.1, 40}, {kInf, 40}};
  // rank 20 in (0.001, 0.01] holding 20: halfway.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, buckets)->value, 0.001 + 0.009 * 0.5);
  // rank 39.6 in (0.01, 0.1] holding 10, 9.6 into it.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.99, buckets)->value, 0.01 + 0.09 * 0.96);
  // rank 10 fills the first bucket, which starts at 0.
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.25, buckets)->value, 0.001);
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.1, buckets)->value, 0.0004);
  EXPECT_DOUBLE_EQ(HistogramQuantile(0, buckets)->value, 0);
  EXPECT_DOUBLE_EQ(HistogramQuantile(1, buckets)->value, 0.1);
  EXPECT_FALSE(HistogramQuantile(1, buckets)->above_last_bound);
}

TEST(HistogramQuantile, RankInTheInfBucketIsTheHighestFiniteBound) {
  std::vector<HistogramBucket> buckets = {{0.1, 5}, {5, 5}, {kInf, 10}};
  auto q = HistogramQuantile(0.99, buckets);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->value, 5);
  EXPECT_TRUE(q->above_last_bound);
  EXPECT_FALSE(HistogramQuantile(0.5, buckets)->above_last_bound);
}

TEST(HistogramQuantile, UnsortedAndTornBucketsAreRepaired) {
  // A scrape between two increments can show a lower bucket ahead of a higher one.
  std::vector<HistogramBucket> buckets = {{kInf, 40}, {0.1, 40}, {0.001, 10}, {0.01, 9}};
  EXPECT_DOUBLE_EQ(HistogramQuantile(0.5, buckets)->value, 0.01 + 0.09 * (10.0 / 30));
}

TEST(HistogramQuantile, UndefinedCases) {
  EXPECT_EQ(HistogramQuantile(0.5, {}), std::nullopt);
  EXPECT_EQ(HistogramQuantile(0.5, {{kInf, 3}}), std::nullopt) << "fewer than two buckets";
  EXPECT_EQ(HistogramQuantile(0.5, {{0.1, 3}, {1, 3}}), std::nullopt) << "no +Inf bucket";
  EXPECT_EQ(HistogramQuantile(0.5, {{0.1, 0}, {kInf, 0}}), std::nullopt) << "no observations";
  EXPECT_EQ(HistogramQuantile(-0.1, {{0.1, 1}, {kInf, 1}}), std::nullopt);
  EXPECT_EQ(HistogramQuantile(1.1, {{0.1, 1}, {kInf, 1}}), std::nullopt);
}

}  // namespace
}  // namespace walcast::cli
