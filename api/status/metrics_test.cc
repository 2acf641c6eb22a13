#include "api/status/metrics.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

using namespace std::chrono_literals;

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, RendersCountersHistogramAndGauges) {
  Metrics metrics;
  metrics.CountEvent(decoder::Operation::kInsert);
  metrics.CountEvent(decoder::Operation::kInsert);
  metrics.CountEvent(decoder::Operation::kDelete);
  metrics.ObserveCommitToSend(300us);
  metrics.ObserveCommitToSend(3ms);
  metrics.ObserveCommitToSend(10s);
  metrics.CountHttp("/health", 200);
  metrics.CountHttp("/health", 200);
  metrics.CountHttp("/health", 503);
  metrics.CountRateLimited();
  MetricsGauges gauges;
  gauges.clients = 7;
  gauges.slot_lag_bytes = 4096;
  gauges.resident_memory_bytes = 1 << 20;
  gauges.slow_clients_dropped = 2;
  std::string text = metrics.Render(gauges);

  EXPECT_TRUE(Has(text, "walcast_events_total{operation=\"insert\"} 2")) << text;
  EXPECT_TRUE(Has(text, "walcast_events_total{operation=\"delete\"} 1"));
  EXPECT_TRUE(Has(text, "walcast_events_total{operation=\"update\"} 0"));
  EXPECT_TRUE(Has(text, "walcast_commit_to_send_seconds_bucket{le=\"0.0005\"} 1"));
  EXPECT_TRUE(Has(text, "walcast_commit_to_send_seconds_bucket{le=\"0.005\"} 2"));
  EXPECT_TRUE(Has(text, "walcast_commit_to_send_seconds_bucket{le=\"5\"} 2"));
  EXPECT_TRUE(Has(text, "walcast_commit_to_send_seconds_bucket{le=\"+Inf\"} 3"));
  EXPECT_TRUE(Has(text, "walcast_commit_to_send_seconds_count 3"));
  EXPECT_TRUE(Has(text, "walcast_http_requests_total{route=\"/health\",status=\"200\"} 2"));
  EXPECT_TRUE(Has(text, "walcast_http_requests_total{route=\"/health\",status=\"503\"} 1"));
  EXPECT_TRUE(Has(text, "walcast_clients 7"));
  EXPECT_TRUE(Has(text, "walcast_slot_lag_bytes 4096"));
  EXPECT_TRUE(Has(text, "process_resident_memory_bytes 1048576"));
  EXPECT_TRUE(Has(text, "walcast_slow_clients_dropped_total 2"));
  EXPECT_TRUE(Has(text, "walcast_rate_limited_requests_total 1"));
  EXPECT_TRUE(Has(text, "# TYPE walcast_commit_to_send_seconds histogram"));
}

TEST(Metrics, NoLagLineWithoutASlot) {
  EXPECT_EQ(Metrics().Render({}).find("walcast_slot_lag_bytes"), std::string::npos);
}

}  // namespace
}  // namespace walcast::api
