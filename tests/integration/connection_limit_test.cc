// Descriptor exhaustion through the real daemon, started under a low RLIMIT_NOFILE: idle
// connections cannot take every descriptor (the cap is below the limit and idle ones are
// reclaimed for new clients), /health and existing streams keep working, a full cap of streams
// gets a quick 503, and when accept() itself fails the listener backs off instead of spinning
// and flooding the log.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"
#include "tests/integration/raw_http.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

std::size_t CountOf(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

class ConnectionLimit : public ::testing::Test {
 protected:
  // walcastd under `prlimit --nofile=N:N`, streaming from a database of its own.
  void Start(const std::string& name, int nofile, std::vector<std::string> extra = {}) {
    db_ = CreateOrdersDatabase(name);
    std::vector<std::string> args = {
        "--nofile=" + std::to_string(nofile) + ":" + std::to_string(nofile),
        BinaryDir() + "/bin/walcastd"};
    for (const auto& arg : DaemonArgs(db_)) args.push_back(arg);
    for (const auto& arg : extra) args.push_back(arg);
    daemon_ = std::make_unique<DaemonProcess>(args, EnvVars{}, Files{}, "/usr/bin/prlimit");
    port_ = daemon_->WaitForPort();
    ASSERT_GT(port_, 0) << daemon_->Log();
    ASSERT_TRUE(WaitForStream(port_)) << daemon_->Log();
    session_ = std::make_unique<PgSession>(db_.conninfo);
  }
  void Insert(const std::string& name) {
    session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('" + name + "', 'p')");
  }

  OrdersDatabase db_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<PgSession> session_;
  int port_ = 0;
};

// RLIMIT_NOFILE 128 and 200 idle connections: the daemon holds at most its cap, reclaims idle
// ones for new clients, and keeps serving /health and an existing stream.
TEST_F(ConnectionLimit, IdleConnectionsCannotTakeEveryDescriptor) {
  Start("limit_idle", 128);
  SseClient stream(port_, "/api/events");
  ASSERT_EQ(stream.status(), 200);
  ASSERT_TRUE(stream.Next(30s));

  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawSocket>(port_));
  std::this_thread::sleep_for(1s);

  for (int i = 0; i < 5; ++i) {
    HttpResult health = HttpGet(port_, "/health");
    EXPECT_EQ(health.status, 200) << i << " " << health.body;
  }
  Insert("while flooded");
  auto event = stream.Next(30s);
  ASSERT_TRUE(event) << "the existing stream stopped";
  EXPECT_EQ(event->event, "orders:insert");

  std::string metrics = HttpGet(port_, "/metrics").body;
  long cap = MetricValue(metrics, "walcast_connections_max");
  EXPECT_GT(cap, 0);
  EXPECT_LT(cap, 128) << "below the descriptor limit";
  EXPECT_LE(MetricValue(metrics, "walcast_connections"), cap + 1);
  EXPECT_GT(MetricValue(metrics, "walcast_connections_reclaimed_total"), 0);
  EXPECT_LT(CountOf(daemon_->Log(), "accept failed"), 5u) << "no accept loop on EMFILE";
}

// When the cap is full of streams (which are never reclaimed), a new connection gets a quick 503
// with Retry-After and is counted; the streams are unaffected.
TEST_F(ConnectionLimit, AFullCapOfStreamsRefusesNewConnectionsWith503) {
  Start("limit_streams", 1024, {"--max-connections", "4", "--rate-limit", "0"});
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 4; ++i) {
    streams.push_back(std::make_unique<SseClient>(port_, "/api/events"));
    ASSERT_EQ(streams.back()->status(), 200);
    ASSERT_TRUE(streams.back()->Next(30s));
  }
  std::string refused = RawExchange(port_, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n", 10s);
  EXPECT_EQ(StatusOf(refused), 503) << refused;
  EXPECT_EQ(HeaderOf(refused, "retry-after"), "1");
  Insert("still streaming");
  for (auto& stream : streams) {
    auto event = stream->Next(30s);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->event, "orders:insert");
  }
  streams.pop_back();  // one place frees up
  std::this_thread::sleep_for(500ms);
  HttpResult metrics = HttpGet(port_, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_GE(MetricValue(metrics.body, "walcast_connections_refused_total"), 1);
}

// accept() failing with EMFILE (a cap set above the descriptor limit): the listener pauses and
// logs a count once per interval, instead of a tight loop of log lines; it recovers when
// descriptors come back.
TEST_F(ConnectionLimit, AcceptFailuresBackOffAndAreLoggedOncePerInterval) {
  Start("limit_emfile", 128, {"--max-connections", "10000"});
  std::vector<std::unique_ptr<RawSocket>> idle;
  for (int i = 0; i < 200; ++i) idle.push_back(std::make_unique<RawSocket>(port_));
  std::this_thread::sleep_for(3s);
  std::string log = daemon_->Log();
  EXPECT_GE(CountOf(log, "accept failed"), 1u) << "the descriptors did run out";
  EXPECT_LE(CountOf(log, "accept failed"), 2u) << "one line per 10 s, with a count";
  idle.clear();
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200) << "accepting again";
}

}  // namespace
}  // namespace walcast::testing
