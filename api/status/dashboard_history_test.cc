#include "api/status/dashboard_history.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <array>
#include <chrono>

namespace walcast::api {
namespace {

using namespace std::chrono_literals;
using Buckets = std::array<uint64_t, LatencyHistogram::kBuckets.size() + 1>;

rapidjson::Document Parse(const std::string& text) {
  rapidjson::Document document;
  document.Parse(text.c_str());
  EXPECT_FALSE(document.HasParseError()) << text;
  return document;
}

TEST(BucketQuantile, NothingCountedHasNoQuantile) {
  Buckets empty{};
  EXPECT_EQ(BucketQuantile(0.5, empty), std::nullopt);
}

TEST(BucketQuantile, InterpolatesWithinTheBucketLikeHistogramQuantile) {
  // 10 observations in (0.001, 0.0025]: the median is halfway through that bucket.
  Buckets buckets{};
  buckets[2] = 10;
  EXPECT_DOUBLE_EQ(*BucketQuantile(0.5, buckets), 0.001 + (0.0025 - 0.001) * 0.5);
  // 90 in the first bucket (≤ 0.5 ms) and 10 in (0.05, 0.1]: p50 in the first, p99 in the other.
  Buckets spread{};
  spread[0] = 90;
  spread[7] = 10;
  EXPECT_DOUBLE_EQ(*BucketQuantile(0.5, spread), 0.0005 * (50.0 / 90.0));
  EXPECT_DOUBLE_EQ(*BucketQuantile(0.99, spread), 0.05 + (0.1 - 0.05) * 0.9);
}

TEST(BucketQuantile, TheOverflowBucketAnswersTheLargestBound) {
  Buckets buckets{};
  buckets[0] = 1;
  buckets.back() = 99;
  EXPECT_DOUBLE_EQ(*BucketQuantile(0.99, buckets), LatencyHistogram::kBuckets.back());
}

TEST(BucketQuantile, AgreesWithTheHistogramItSummarizes) {
  Metrics metrics;
  for (int i = 0; i < 100; ++i) metrics.ObserveCommitToSend(std::chrono::microseconds(700));
  metrics.ObserveCommitToSend(7s);  // the overflow bucket
  auto counts = metrics.Counters().commit_to_send;
  EXPECT_EQ(counts[1], 100u);  // (0.5 ms, 1 ms]
  EXPECT_EQ(counts.back(), 1u);
  const double p50 = *BucketQuantile(0.5, counts);
  EXPECT_GT(p50, 0.0005);
  EXPECT_LE(p50, 0.001);
}

DashboardReading At(double seconds) {
  DashboardReading reading;
  reading.unix_seconds = seconds;
  return reading;
}

TEST(DashboardHistory, TheFirstReadingIsOnlyABaseline) {
  DashboardHistory history;
  history.Add(At(100));
  EXPECT_EQ(history.size(), 0u);
  auto json = Parse(history.Json(std::nullopt));
  EXPECT_TRUE(json["latest"].IsNull());
  EXPECT_EQ(json["samples"].Size(), 0u);
  EXPECT_EQ(json["capacity"].GetUint(), DashboardHistory::kDefaultCapacity);
}

TEST(DashboardHistory, ASampleIsWhatHappenedBetweenTwoReadings) {
  DashboardHistory history;
  DashboardReading before = At(100);
  before.counters.events = {10, 4, 0, 0};
  before.counters.http_by_class = {0, 50, 0, 2, 0};
  before.counters.commit_to_send[0] = 1000;  // before the interval: not in its quantiles
  before.gauges.slow_clients_dropped = 3;
  history.Add(before);

  DashboardReading now = At(102);  // two seconds later: rates are per second
  now.counters.events = {30, 8, 2, 1};
  now.counters.http_by_class = {0, 56, 0, 2, 4};
  now.counters.commit_to_send = before.counters.commit_to_send;
  now.counters.commit_to_send[7] = 20;  // 20 events in (50 ms, 100 ms]
  now.gauges.slow_clients_dropped = 5;
  now.gauges.slot_lag_bytes = 4096;
  now.gauges.slot_lag_seconds = 0.25;
  now.gauges.retained_wal_bytes = 1 << 24;
  now.gauges.retained_events = 12;
  now.gauges.replay_window_bytes = 3400;
  now.gauges.websocket_clients = 2;
  now.gauges.sse_clients = 1;
  now.gauges.socketio_clients = 3;
  now.gauges.resident_memory_bytes = 50 << 20;
  history.Add(now);

  auto json = Parse(history.Json(std::nullopt));
  ASSERT_EQ(json["samples"].Size(), 1u);
  const auto& sample = json["samples"][0];
  EXPECT_EQ(sample["seq"].GetUint64(), 1u);
  EXPECT_EQ(json["latest"].GetUint64(), 1u);
  EXPECT_DOUBLE_EQ(sample["time"].GetDouble(), 102);
  EXPECT_DOUBLE_EQ(sample["events"]["insert"].GetDouble(), 10);
  EXPECT_DOUBLE_EQ(sample["events"]["update"].GetDouble(), 2);
  EXPECT_DOUBLE_EQ(sample["events"]["delete"].GetDouble(), 1);
  EXPECT_DOUBLE_EQ(sample["events"]["truncate"].GetDouble(), 0.5);
  EXPECT_DOUBLE_EQ(sample["latency"]["p50"].GetDouble(), 0.075);
  EXPECT_DOUBLE_EQ(sample["latency"]["p99"].GetDouble(), 0.05 + 0.05 * 0.99);
  EXPECT_EQ(sample["slotLagBytes"].GetUint64(), 4096u);
  EXPECT_DOUBLE_EQ(sample["slotLagSeconds"].GetDouble(), 0.25);
  EXPECT_EQ(sample["retainedWalBytes"].GetUint64(), 1u << 24);
  EXPECT_EQ(sample["replayWindow"]["events"].GetUint64(), 12u);
  EXPECT_EQ(sample["replayWindow"]["bytes"].GetUint64(), 3400u);
  EXPECT_EQ(sample["clients"]["websocket"].GetUint64(), 2u);
  EXPECT_EQ(sample["clients"]["sse"].GetUint64(), 1u);
  EXPECT_EQ(sample["clients"]["socketio"].GetUint64(), 3u);
  EXPECT_DOUBLE_EQ(sample["slowDropped"].GetDouble(), 1);
  EXPECT_DOUBLE_EQ(sample["rest"]["2xx"].GetDouble(), 3);
  EXPECT_DOUBLE_EQ(sample["rest"]["4xx"].GetDouble(), 0);
  EXPECT_DOUBLE_EQ(sample["rest"]["5xx"].GetDouble(), 2);
  EXPECT_FALSE(sample["rest"].HasMember("1xx"));
  EXPECT_EQ(sample["rssBytes"].GetUint64(), 50u << 20);
}

TEST(DashboardHistory, UnknownGaugesAndAQuietIntervalAreNull) {
  DashboardHistory history;
  history.Add(At(1));
  history.Add(At(2));
  auto json = Parse(history.Json(std::nullopt));
  const auto& sample = json["samples"][0];
  EXPECT_TRUE(sample["latency"].IsNull());
  EXPECT_TRUE(sample["slotLagBytes"].IsNull());
  EXPECT_TRUE(sample["slotLagSeconds"].IsNull());
  EXPECT_TRUE(sample["retainedWalBytes"].IsNull());
  EXPECT_TRUE(sample["rssBytes"].IsNull());
  EXPECT_DOUBLE_EQ(sample["events"]["insert"].GetDouble(), 0);
}

TEST(DashboardHistory, AfterReturnsOnlyNewerSamplesAndTheOldestLeaveAtCapacity) {
  DashboardHistory history(3);
  for (int second = 0; second <= 5; ++second) history.Add(At(second));  // samples 1..5
  EXPECT_EQ(history.size(), 3u);
  auto all = Parse(history.Json(std::nullopt));
  ASSERT_EQ(all["samples"].Size(), 3u);
  EXPECT_EQ(all["samples"][0]["seq"].GetUint64(), 3u);
  EXPECT_EQ(all["samples"][2]["seq"].GetUint64(), 5u);
  EXPECT_EQ(all["latest"].GetUint64(), 5u);

  auto newer = Parse(history.Json(3));
  ASSERT_EQ(newer["samples"].Size(), 2u);
  EXPECT_EQ(newer["samples"][0]["seq"].GetUint64(), 4u);
  EXPECT_EQ(Parse(history.Json(5))["samples"].Size(), 0u);
  EXPECT_EQ(Parse(history.Json(99))["samples"].Size(), 0u);
  EXPECT_EQ(Parse(history.Json(0))["samples"].Size(), 3u);
}

TEST(DashboardHistory, AClockStepBackAddsNoSampleAndNoDivisionByZero) {
  DashboardHistory history;
  history.Add(At(100));
  history.Add(At(100));  // the same instant
  history.Add(At(90));   // the wall clock stepped back: a new baseline
  EXPECT_EQ(history.size(), 0u);
  DashboardReading later = At(91);
  later.counters.events = {4, 0, 0, 0};
  history.Add(later);
  auto json = Parse(history.Json(std::nullopt));
  ASSERT_EQ(json["samples"].Size(), 1u);
  EXPECT_DOUBLE_EQ(json["samples"][0]["events"]["insert"].GetDouble(), 4);
}

TEST(MetricsCounters, RestCountsApiRoutesOnlyByStatusClass) {
  Metrics metrics;
  metrics.CountHttp("/api/orders", 200);
  metrics.CountHttp("/api/orders/:id", 404);
  metrics.CountHttp("/api", 200);
  metrics.CountHttp("/api/other", 503);
  metrics.CountHttp("/api/events", 200);  // a stream, not a REST request
  metrics.CountHttp("/health", 200);
  metrics.CountHttp("/metrics", 200);
  metrics.CountHttp("static", 200);
  auto counters = metrics.Counters();
  EXPECT_EQ(counters.http_by_class, (std::array<uint64_t, 5>{0, 2, 0, 1, 1}));
}

}  // namespace
}  // namespace walcast::api
