#include "tools/cli/status_view.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace walcast::cli {
namespace {

// What walcastd answers (api/status/health_report.cc, api/status/metrics.cc), trimmed to the
// families the view reads plus one it ignores.
const char* kHealth =
    R"({"status":"ok","database":"up","stream":"up","source":"replication",)"
    R"("slot":"walcast_orders","confirmedLsn":"0/1A2B3C8","lagBytes":1572864,)"
    R"("lastEventAt":"2026-11-24T10:00:00.000000Z","clients":2,"uptimeSeconds":3723.5,)"
    R"("role":"standalone"})";

std::string Metrics(int inserts, const std::string& buckets, double uptime) {
  std::string out =
      "# HELP walcast_events_total Change events published, by operation.\n"
      "# TYPE walcast_events_total counter\n";
  out += "walcast_events_total{operation=\"insert\"} " + std::to_string(inserts) + "\n";
  out +=
      "walcast_events_total{operation=\"update\"} 30\n"
      "walcast_events_total{operation=\"delete\"} 5\n"
      "walcast_events_total{operation=\"truncate\"} 0\n"
      "# HELP walcast_commit_to_send_seconds From the PostgreSQL commit to the hand-off.\n"
      "# TYPE walcast_commit_to_send_seconds histogram\n";
  out += buckets;
  out +=
      "# HELP walcast_http_requests_total HTTP requests, by route and status.\n"
      "# TYPE walcast_http_requests_total counter\n"
      "walcast_http_requests_total{route=\"/api/orders\",status=\"201\"} 3\n"
      "walcast_http_requests_total{route=\"/api/orders/:id\",status=\"404\"} 2\n"
      "walcast_http_requests_total{route=\"/health\",status=\"200\"} 12\n"
      "walcast_http_requests_total{route=\"/metrics\",status=\"200\"} 11\n"
      "# HELP walcast_clients Connected stream clients (WebSocket and SSE).\n"
      "# TYPE walcast_clients gauge\n"
      "walcast_clients 2\n"
      "walcast_events_sent_total 300\n"
      "walcast_slow_clients_dropped_total 1\n"
      "walcast_replay_window_events 155\n"
      "walcast_replay_window_bytes 48210\n"
      "walcast_slot_lag_bytes 1572864\n"
      "walcast_connections 3\n"
      "walcast_connections_max 1000\n";
  return out + "walcast_uptime_seconds " + std::to_string(uptime) + "\n";
}

// Cumulative counts for the bounds 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025 … 5, +Inf.
std::string Buckets(const std::vector<int>& counts) {
  const char* bounds[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                          "0.1",    "0.25",  "0.5",    "1",     "5",    "+Inf"};
  std::string out;
  for (std::size_t i = 0; i < std::size(bounds); ++i) {
    int count = i < counts.size() ? counts[i] : counts.back();
    out += "walcast_commit_to_send_seconds_bucket{le=\"" + std::string(bounds[i]) + "\"} " +
           std::to_string(count) + "\n";
  }
  return out + "walcast_commit_to_send_seconds_sum 0.3\nwalcast_commit_to_send_seconds_count " +
         std::to_string(counts.back()) + "\n";
}

StatusFigures Shot(const std::string& health, const std::string& metrics) {
  auto figures = ComputeFigures({health, metrics, 0}, nullptr);
  figures.url = "http://127.0.0.1:8080";
  figures.at = "2026-11-24T10:00:05Z";
  return figures;
}

// p50: rank 77.5 of 155 lies in (0.001, 0.0025], 37.5 of its 60 → 1.9375 ms.
// p99: rank 153.45 lies in (0.005, 0.01], 3.45 of its 4 → 9.3125 ms.
const std::vector<int> kCounts = {0, 40, 100, 150, 154, 155};

TEST(StatusView, OneScreenOfText) {
  EXPECT_EQ(StatusText(Shot(kHealth, Metrics(120, Buckets(kCounts), 3723.5))),
            "walcast status  http://127.0.0.1:8080  2026-11-24T10:00:05Z\n"
            "status        ok\n"
            "database      up\n"
            "source        replication, stream up, slot walcast_orders, confirmed 0/1A2B3C8\n"
            "role          standalone\n"
            "slot lag      1.5 MiB (1572864 bytes), - since commit, retained WAL -\n"
            "latency       p50 1.9 ms, p99 9.3 ms (commit to send, 155 transactions since start)\n"
            "events        155 (insert 120, update 30, delete 5, truncate 0), - events/s\n"
            "replay window 155 events, 47.1 KiB\n"
            "clients       2, slow clients dropped 1\n"
            "requests      2xx 26, 3xx 0, 4xx 2, 5xx 0\n"
            "connections   3 of 1000\n"
            "uptime        1h 02m, RSS -\n");
}

TEST(StatusView, OneJsonObjectWithStableKeys) {
  EXPECT_EQ(StatusJson(Shot(kHealth, Metrics(120, Buckets(kCounts), 3723.5))),
            R"({"at":"2026-11-24T10:00:05Z","url":"http://127.0.0.1:8080","reachable":true,)"
            R"("error":null,"status":"ok","problem":null,"database":"up","stream":"up",)"
            R"("source":"replication","slot":"walcast_orders","confirmedLsn":"0/1A2B3C8",)"
            R"("lastEventAt":"2026-11-24T10:00:00.000000Z","role":"standalone","redis":null,)"
            R"("clusterLagMs":null,"term":null,"slotLagBytes":1572864,"slotLagSeconds":null,)"
            R"("retainedWalBytes":null,)"
            R"("latency":{"p50Seconds":0.0019375,"p99Seconds":0.0093125,"observations":155,)"
            R"("window":"sinceStart"},"events":{"insert":120,"update":30,"delete":5,"truncate":0},)"
            R"("eventsTotal":155,"eventsPerSecond":null,"intervalSeconds":null,)"
            R"("replayWindowEvents":155,"replayWindowBytes":48210,"clients":2,)"
            R"("clientsByTransport":null,"slowClientsDropped":1,)"
            R"("requestsByClass":{"2xx":26,"3xx":0,"4xx":2,"5xx":0},"connections":3,)"
            R"("connectionsMax":1000,"uptimeSeconds":3723.5,"rssBytes":null})");
}

TEST(StatusView, MissingMetricsShowAsDash) {
  std::string health =
      R"({"status":"degraded","database":"up","stream":"down","source":"notify","slot":"",)"
      R"("confirmedLsn":null,"lagBytes":null,"lastEventAt":null,"clients":0,)"
      R"("uptimeSeconds":12.9,"problem":"LISTEN failed","role":"standalone"})";
  auto figures = Shot(health, "");
  EXPECT_EQ(StatusText(figures),
            "walcast status  http://127.0.0.1:8080  2026-11-24T10:00:05Z\n"
            "status        degraded: LISTEN failed\n"
            "database      up\n"
            "source        notify, stream down\n"
            "role          standalone\n"
            "slot lag      -, - since commit, retained WAL -\n"
            "latency       -\n"
            "events        -, - events/s\n"
            "replay window - events, -\n"
            "clients       0, slow clients dropped -\n"
            "requests      -\n"
            "connections   - of -\n"
            "uptime        12s, RSS -\n");
  rapidjson::Document json;
  json.Parse(StatusJson(figures).c_str());
  ASSERT_TRUE(json.IsObject());
  EXPECT_TRUE(json["slotLagBytes"].IsNull());
  EXPECT_TRUE(json["slotLagSeconds"].IsNull());
  EXPECT_TRUE(json["latency"].IsNull());
  EXPECT_TRUE(json["events"].IsNull());
  EXPECT_TRUE(json["requestsByClass"].IsNull());
  EXPECT_STREQ(json["problem"].GetString(), "LISTEN failed");
  EXPECT_TRUE(json["slot"].IsNull()) << "no slot in NOTIFY mode";
}

TEST(StatusView, ClusterRoleAndOptionalFigures) {
  std::string health =
      R"({"status":"degraded","database":"up","stream":"down","source":"replication",)"
      R"("slot":"walcast_orders","confirmedLsn":null,"lagBytes":0,"lastEventAt":null,)"
      R"("clients":3,"uptimeSeconds":90000,"problem":"Redis: connection refused",)"
      R"("role":"follower","redis":"down","clusterLagMs":250,"term":4,)"
      R"("redisProblem":"connection refused"})";
  std::string metrics =
      "# TYPE walcast_clients gauge\n"
      "walcast_clients 3\n"
      "# TYPE walcast_clients_by_transport gauge\n"
      "walcast_clients_by_transport{transport=\"websocket\"} 2\n"
      "walcast_clients_by_transport{transport=\"sse\"} 1\n"
      "walcast_clients_by_transport{transport=\"socket.io\"} 0\n"
      "walcast_slot_retained_wal_bytes 3221225472\n"
      "walcast_slot_lag_seconds 0.0125\n"
      "process_resident_memory_bytes 52428800\n"
      "walcast_connections_max 0\n"
      "walcast_connections 4\n";
  auto text = StatusText(Shot(health, metrics));
  EXPECT_NE(text.find("role          follower, redis down (connection refused), term 4, "
                      "cluster lag 250 ms\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("slot lag      0 B, 12.5 ms since commit, retained WAL 3.0 GiB\n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("clients       3 (websocket 2, sse 1, socket.io 0), slow clients dropped -\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("connections   4 (no cap)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("uptime        1d 01h, RSS 50.0 MiB\n"), std::string::npos) << text;
  rapidjson::Document json;
  json.Parse(StatusJson(Shot(health, metrics)).c_str());
  ASSERT_TRUE(json.IsObject());
  EXPECT_STREQ(json["role"].GetString(), "follower");
  EXPECT_EQ(json["term"].GetInt(), 4);
  EXPECT_EQ(json["clientsByTransport"]["websocket"].GetInt(), 2);
  EXPECT_EQ(json["clientsByTransport"]["sse"].GetInt(), 1);
  EXPECT_EQ(json["clientsByTransport"]["socket.io"].GetInt(), 0);
  EXPECT_DOUBLE_EQ(json["slotLagSeconds"].GetDouble(), 0.0125);
  EXPECT_EQ(json["retainedWalBytes"].GetInt64(), 3221225472);
  EXPECT_EQ(json["rssBytes"].GetInt64(), 52428800);
}

TEST(StatusView, TwoSamplesGiveRatesAndTheLatencyOfTheInterval) {
  // 10 s apart by the daemon's clock (the client's says 1 s: the daemon's wins), 25 more
  // inserts, all observed between 2.5 ms and 10 ms.
  StatusSample before{kHealth, Metrics(95, Buckets({0, 40, 100, 130}), 3713.5), 100};
  StatusSample now{kHealth, Metrics(120, Buckets({0, 40, 100, 150, 155}), 3723.5), 101};
  auto figures = ComputeFigures(now, &before);
  ASSERT_TRUE(figures.events_per_second);
  EXPECT_DOUBLE_EQ(*figures.events_per_second, 2.5);
  EXPECT_DOUBLE_EQ(*figures.interval_seconds, 10);
  ASSERT_TRUE(figures.latency);
  EXPECT_TRUE(figures.latency->interval);
  EXPECT_EQ(figures.latency->observations, 25);
  // rank 12.5 of the interval's 25: in (0.0025, 0.005], which holds 20 → 0.0025 + 0.0025 × 12.5/20.
  EXPECT_DOUBLE_EQ(*figures.latency->p50_seconds, 0.0025 + 0.0025 * 12.5 / 20);
  auto text = StatusText(figures);
  EXPECT_NE(text.find(", 2.5 events/s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(commit to send, 25 transactions in the last 10.0 s)"), std::string::npos)
      << text;
  EXPECT_NE(StatusJson(figures).find(R"("window":"interval")"), std::string::npos);
}

TEST(StatusView, AnIdleIntervalHasNoLatency) {
  StatusSample before{kHealth, Metrics(120, Buckets(kCounts), 3722.5), 100};
  StatusSample now{kHealth, Metrics(120, Buckets(kCounts), 3723.5), 101};
  auto figures = ComputeFigures(now, &before);
  EXPECT_EQ(figures.events_per_second, 0);
  auto text = StatusText(figures);
  EXPECT_NE(
      text.find("latency       p50 -, p99 - (commit to send, no transactions in the last 1.0 s)"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(", 0.0 events/s\n"), std::string::npos) << text;
}

TEST(StatusView, ARestartBetweenSamplesGivesNoRate) {
  // The daemon restarted: its uptime and counters went back.
  StatusSample before{kHealth, Metrics(500, Buckets({0, 400, 1000}), 9000), 100};
  StatusSample now{kHealth, Metrics(120, Buckets(kCounts), 3723.5), 101};
  auto figures = ComputeFigures(now, &before);
  EXPECT_EQ(figures.events_per_second, std::nullopt);
  EXPECT_EQ(figures.interval_seconds, std::nullopt);
  ASSERT_TRUE(figures.latency);
  EXPECT_FALSE(figures.latency->interval) << "falls back to since the start";
  EXPECT_EQ(figures.latency->observations, 155);
}

TEST(StatusView, WithoutUptimeTheClientClockTimesTheRate) {
  std::string health = R"({"status":"ok","database":"up","stream":"up","role":"standalone"})";
  StatusSample before{health, "walcast_events_total{operation=\"insert\"} 10\n", 100};
  StatusSample now{health, "walcast_events_total{operation=\"insert\"} 14\n", 102};
  auto figures = ComputeFigures(now, &before);
  EXPECT_EQ(figures.events_per_second, 2);
}

TEST(StatusView, Unreachable) {
  auto figures = UnreachableFigures("cannot reach http://127.0.0.1:1: connection refused");
  figures.url = "http://127.0.0.1:1";
  figures.at = "2026-11-24T10:00:05Z";
  EXPECT_EQ(StatusText(figures),
            "walcast status  http://127.0.0.1:1  2026-11-24T10:00:05Z\n"
            "unreachable: cannot reach http://127.0.0.1:1: connection refused\n");
  rapidjson::Document json;
  json.Parse(StatusJson(figures).c_str());
  ASSERT_TRUE(json.IsObject());
  EXPECT_FALSE(json["reachable"].GetBool());
  EXPECT_STREQ(json["status"].GetString(), "unreachable");
  EXPECT_STREQ(json["error"].GetString(), "cannot reach http://127.0.0.1:1: connection refused");
  EXPECT_TRUE(json.HasMember("eventsTotal") && json["eventsTotal"].IsNull())
      << "the same keys as a reachable daemon's";
}

TEST(StatusView, AnAnswerThatIsNoHealthReportIsUnusable) {
  auto figures = ComputeFigures({"<html>proxy error</html>", "", 0}, nullptr);
  EXPECT_FALSE(figures.reachable);
  EXPECT_EQ(figures.error, "/health did not answer a health report");
}

TEST(StatusView, MalformedMetricsLinesAreReported) {
  auto text = StatusText(Shot(kHealth, "walcast_clients 2\nwalcast_connections three\n"));
  EXPECT_NE(text.find("warning       1 unreadable /metrics line(s), first line 2: expected a "
                      "number as the value of walcast_connections\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("connections   - of -\n"), std::string::npos) << text;
}

TEST(StatusView, RedrawInPlaceErasesWhatTheLastScreenLeft) {
  EXPECT_EQ(RedrawInPlace("a\nbb\n", true), "\x1b[H\x1b[2Ja\x1b[K\nbb\x1b[K\n\x1b[J");
  EXPECT_EQ(RedrawInPlace("a\n", false), "\x1b[Ha\x1b[K\n\x1b[J");
}

TEST(StatusView, HumanUnits) {
  EXPECT_EQ(HumanBytes(0), "0 B");
  EXPECT_EQ(HumanBytes(1023), "1023 B");
  EXPECT_EQ(HumanBytes(1024), "1.0 KiB");
  EXPECT_EQ(HumanBytes(1536), "1.5 KiB");
  EXPECT_EQ(HumanBytes(5.0 * 1024 * 1024 * 1024 * 1024), "5.0 TiB");
  EXPECT_EQ(HumanLatency(0.000850), "850 µs");
  EXPECT_EQ(HumanLatency(0.0012), "1.2 ms");
  EXPECT_EQ(HumanLatency(2.5), "2.50 s");
  EXPECT_EQ(HumanLatency(0.0009999), "1.0 ms");
  EXPECT_EQ(HumanLatency(0.99999), "1.00 s");
  EXPECT_EQ(HumanUptime(42.9), "42s");
  EXPECT_EQ(HumanUptime(303), "5m 03s");
  EXPECT_EQ(HumanUptime(3723.5), "1h 02m");
  EXPECT_EQ(HumanUptime(273600), "3d 04h");
}

}  // namespace
}  // namespace walcast::cli
