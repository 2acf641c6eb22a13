// /metrics' gauges that come from outside the counters, against a real walcastd on the
// replication source: the WAL PostgreSQL keeps for the slot (read by the database monitor), the
// lag of the last transaction handed to clients, and the open clients by transport. Every check
// polls until the figure is there, with generous timeouts: nothing here depends on speed.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"
#include "tests/harness/ws_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRetainedWal = "walcast_slot_retained_wal_bytes";
constexpr const char* kLagSeconds = "walcast_slot_lag_seconds";
constexpr const char* kWebSocketClients = "walcast_clients_by_transport{transport=\"websocket\"}";
constexpr const char* kSseClients = "walcast_clients_by_transport{transport=\"sse\"}";
constexpr const char* kSocketIoClients = "walcast_clients_by_transport{transport=\"socket.io\"}";

class MetricsGauges : public StreamingDaemonTest {
 protected:
  std::string Metrics() {
    auto answer = HttpGet(port_, "/metrics");
    EXPECT_EQ(answer.status, 200);
    return answer.body;
  }

  // Scrapes until `accept` takes the value of `name` (-1: not exported), at most `timeout`;
  // returns the last value seen. `between` runs before each new scrape.
  double WaitForMetric(const std::string& name, const std::function<bool(double)>& accept,
                       std::chrono::seconds timeout = 60s,
                       const std::function<void()>& between = {}) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    double value = MetricValue(Metrics(), name);
    while (!accept(value) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
      if (between) between();
      value = MetricValue(Metrics(), name);
    }
    return value;
  }

  void Insert() {
    session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ann', 'Lamp')");
  }
};

TEST_F(MetricsGauges, RetainedWalIsReadForTheSlot) {
  StartDaemon("gauges_retained_wal");
  // The database monitor reads it every check (2 s): written WAL between the slot's restart_lsn
  // and the server's position is what PostgreSQL cannot recycle.
  for (int i = 0; i < 20; ++i) Insert();
  double retained = WaitForMetric(
      kRetainedWal, [](double value) { return value > 0; }, 60s, [&] { Insert(); });
  EXPECT_GT(retained, 0) << "-1: not exported\n" << Metrics() << daemon_->Log();
  EXPECT_NE(Metrics().find("# TYPE walcast_slot_retained_wal_bytes gauge\n"), std::string::npos);

  // The server's own figure bounds it: the slot holds at most what was written since it began.
  const double written =
      std::stod(session_->Scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"));
  EXPECT_LT(retained, written);
}

TEST_F(MetricsGauges, SlotLagSecondsAppearsWithTheFirstTransaction) {
  StartDaemon("gauges_lag_seconds");
  EXPECT_EQ(MetricValue(Metrics(), kLagSeconds), -1) << "no transaction handed on yet";
  SseClient client(port_, "/api/events");
  ASSERT_EQ(client.status(), 200);
  Insert();
  ASSERT_EQ(ChangeEvents(client.ReadChanges(1, 60s)).size(), 1u) << daemon_->Log();
  // Set before any client sees the event: present at once.
  double lag = MetricValue(Metrics(), kLagSeconds);
  EXPECT_GE(lag, 0) << Metrics();
  // Seconds, not microseconds: a unit slip would read thousands for a local commit.
  EXPECT_LT(lag, 60) << Metrics();
}

TEST_F(MetricsGauges, ClientsByTransportFollowOpenStreams) {
  StartDaemon("gauges_transports");
  std::string text = Metrics();
  EXPECT_EQ(MetricValue(text, kWebSocketClients), 0) << text;
  EXPECT_EQ(MetricValue(text, kSseClients), 0) << text;
  EXPECT_EQ(MetricValue(text, kSocketIoClients), 0) << text;

  auto ws = std::make_unique<WsClient>(port_, "/ws");
  ASSERT_TRUE(ws->NextEvent("welcome", 30s)) << daemon_->Log();
  SseClient sse(port_, "/api/events");
  ASSERT_EQ(sse.status(), 200);
  ASSERT_TRUE(sse.Next(30s)) << "welcome";
  // Counted from the subscription on, which comes before the welcome: no waiting needed.
  text = Metrics();
  EXPECT_EQ(MetricValue(text, kWebSocketClients), 1) << text;
  EXPECT_EQ(MetricValue(text, kSseClients), 1) << text;
  EXPECT_EQ(MetricValue(text, kSocketIoClients), 0) << text;
  EXPECT_EQ(MetricValue(text, "walcast_clients"), 2) << "the transports add up to the total";

  ws.reset();  // the connection drops; the daemon notices on its next read
  EXPECT_EQ(WaitForMetric(kWebSocketClients, [](double value) { return value == 0; }), 0)
      << Metrics() << daemon_->Log();
  text = Metrics();
  EXPECT_EQ(MetricValue(text, kSseClients), 1) << "the other transport's client stays" << text;
  EXPECT_EQ(MetricValue(text, "walcast_clients"), 1) << text;
}

TEST(MetricsGaugesNotify, NoSlotFiguresInNotifyMode) {
  auto db = CreateOrdersDatabase("gauges_notify");
  // A slot of the configured name exists (left by replication mode, say): NOTIFY mode still
  // does not report it, since walcast does not hold it.
  PgSession session(db.conninfo);
  session.Query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", {db.name});
  auto daemon = StartStreamingDaemon(db, {"--source", "notify"});
  ASSERT_GT(daemon.port, 0);
  session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ann', 'Lamp')");
  // The monitor checks every 2 s: a few checks' time for a figure that must not come.
  auto deadline = std::chrono::steady_clock::now() + 6s;
  std::string text;
  do {
    text = HttpGet(daemon.port, "/metrics").body;
    ASSERT_EQ(MetricValue(text, kRetainedWal), -1) << text;
    std::this_thread::sleep_for(250ms);
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(MetricValue(text, kLagSeconds), -1) << "no commit time in a notification\n" << text;
  EXPECT_EQ(MetricValue(text, kSseClients), 0) << "the transports are there all the same\n" << text;
  daemon.process.reset();
  session.Query("SELECT pg_drop_replication_slot($1)", {db.name});
}

}  // namespace
}  // namespace walcast::testing
