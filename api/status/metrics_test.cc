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

TEST(Metrics, RetainedWalAndLagSecondsOnlyWhenKnown) {
  std::string text = Metrics().Render({});
  EXPECT_EQ(text.find("walcast_slot_retained_wal_bytes"), std::string::npos) << text;
  EXPECT_EQ(text.find("walcast_slot_lag_seconds"), std::string::npos) << text;

  MetricsGauges gauges;
  gauges.retained_wal_bytes = 0;  // known and empty is not unknown
  gauges.slot_lag_seconds = 0.25;
  text = Metrics().Render(gauges);
  EXPECT_TRUE(Has(text, "# TYPE walcast_slot_retained_wal_bytes gauge")) << text;
  EXPECT_TRUE(Has(text, "walcast_slot_retained_wal_bytes 0")) << text;
  EXPECT_TRUE(Has(text, "# TYPE walcast_slot_lag_seconds gauge")) << text;
  EXPECT_TRUE(Has(text, "walcast_slot_lag_seconds 0.25")) << text;

  gauges.retained_wal_bytes = 3221225472;
  EXPECT_TRUE(Has(Metrics().Render(gauges), "walcast_slot_retained_wal_bytes 3221225472"));
}

TEST(Metrics, ClientsByTransportAlwaysHasTheThree) {
  std::string text = Metrics().Render({});
  EXPECT_TRUE(Has(text, "# TYPE walcast_clients_by_transport gauge")) << text;
  EXPECT_TRUE(Has(text, "walcast_clients_by_transport{transport=\"websocket\"} 0")) << text;
  EXPECT_TRUE(Has(text, "walcast_clients_by_transport{transport=\"sse\"} 0")) << text;
  EXPECT_TRUE(Has(text, "walcast_clients_by_transport{transport=\"socket.io\"} 0")) << text;

  MetricsGauges gauges;
  gauges.clients = 6;
  gauges.websocket_clients = 3;
  gauges.sse_clients = 2;
  gauges.socketio_clients = 1;
  text = Metrics().Render(gauges);
  EXPECT_TRUE(Has(text, "walcast_clients_by_transport{transport=\"websocket\"} 3")) << text;
  EXPECT_TRUE(Has(text, "walcast_clients_by_transport{transport=\"sse\"} 2")) << text;
  EXPECT_TRUE(Has(text, "walcast_clients_by_transport{transport=\"socket.io\"} 1")) << text;
  EXPECT_TRUE(Has(text, "walcast_clients 6")) << "the total stays unlabelled\n" << text;
}

TEST(Metrics, LastCommitLagIsTheLastOneSetNeverNegative) {
  Metrics metrics;
  EXPECT_FALSE(metrics.LastCommitLag()) << "none before the first transaction";
  metrics.SetLastCommitLag(1500ms);
  ASSERT_TRUE(metrics.LastCommitLag());
  EXPECT_EQ(*metrics.LastCommitLag(), 1500ms);
  metrics.SetLastCommitLag(2ms);
  EXPECT_EQ(*metrics.LastCommitLag(), 2ms) << "the last, not the largest";
  metrics.SetLastCommitLag(-3ms);  // the database's clock ahead of walcastd's
  ASSERT_TRUE(metrics.LastCommitLag()) << "a skewed lag is still a transaction seen";
  EXPECT_EQ(*metrics.LastCommitLag(), 0us);
}

TEST(Metrics, WalFlushFiguresOnlyWhereDiagnosed) {
  std::string text = Metrics().Render({});
  EXPECT_EQ(text.find("walcast_wal_flush_lag_detected"), std::string::npos) << text;
  EXPECT_EQ(text.find("walcast_async_flushes_total"), std::string::npos) << text;

  MetricsGauges gauges;
  gauges.wal_flush_lag_detected = false;  // diagnosed, nothing found
  gauges.async_flushes = 0;               // --flush-async-commits on, nothing to flush yet
  text = Metrics().Render(gauges);
  EXPECT_TRUE(Has(text, "# TYPE walcast_wal_flush_lag_detected gauge")) << text;
  EXPECT_TRUE(Has(text, "walcast_wal_flush_lag_detected 0")) << text;
  EXPECT_TRUE(Has(text, "# TYPE walcast_async_flushes_total counter")) << text;
  EXPECT_TRUE(Has(text, "walcast_async_flushes_total 0")) << text;

  gauges.wal_flush_lag_detected = true;
  gauges.async_flushes = 1234;
  text = Metrics().Render(gauges);
  EXPECT_TRUE(Has(text, "walcast_wal_flush_lag_detected 1")) << text;
  EXPECT_TRUE(Has(text, "walcast_async_flushes_total 1234")) << text;
}

TEST(Metrics, HoldsTheWalFlushDiagnosis) {
  Metrics metrics;
  EXPECT_FALSE(metrics.WalFlushVerdict().detected);
  // Scripted as in wal_flush_diagnosis_test.cc, on the real clock: the window (30 s) holds them.
  for (int i = 0; i < 50; ++i) {
    metrics.ObserveCommitDelay(std::chrono::milliseconds(5 + i * 4), 1);
  }
  WalFlushCheck check;
  check.unflushed_bytes = 100;
  check.flush_lsn = 1000;
  check.received_lsn = 1000;
  EXPECT_EQ(metrics.ObserveWalFlushCheck(check), WalFlushTransition::kNone) << "no previous flush";
  EXPECT_EQ(metrics.ObserveWalFlushCheck(check), WalFlushTransition::kNone) << "one late check";
  EXPECT_EQ(metrics.ObserveWalFlushCheck(check), WalFlushTransition::kStarted);
  EXPECT_TRUE(metrics.WalFlushVerdict().detected);
  EXPECT_FALSE(metrics.WalFlushVerdict().advice.empty());
}

}  // namespace
}  // namespace walcast::api
