// Late WAL flushes (docs/operations.md, "Late WAL flushes"): writers with synchronous_commit = off
// leave their commits in unflushed WAL, which a logical walsender does not decode until the WAL
// writer flushes it. Against a real walcastd on a cluster with wal_writer_delay at its maximum
// (10 s, so the late flush is unmistakable): /health and /metrics say so without the remedy,
// --flush-async-commits flushes (and its counter says so), and synchronous writers are never
// taken for it. Every check polls with a generous timeout; nothing asserts a speed.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kDetected = "walcast_wal_flush_lag_detected";
constexpr const char* kFlushes = "walcast_async_flushes_total";

// Commits one row every 50 ms on its own connection until destroyed.
class Writer {
 public:
  Writer(const std::string& conninfo, bool synchronous) {
    thread_ = std::thread([this, conninfo, synchronous] {
      try {
        PgSession session(conninfo);
        if (!synchronous) session.Exec("SET synchronous_commit = off");
        while (!stop_) {
          session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ann', 'Lamp')");
          ++commits_;
          std::this_thread::sleep_for(50ms);
        }
      } catch (const std::exception& e) {
        error_ = e.what();
      }
    });
  }
  ~Writer() {
    stop_ = true;
    thread_.join();
  }
  int commits() const { return commits_; }
  // Read after the destructor's join, or for a failure that ended the thread.
  const std::string& error() const { return error_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> commits_{0};
  std::string error_;
  std::thread thread_;
};

class WalFlushLag : public ::testing::Test {
 protected:
  // One cluster for the binary's tests: wal_writer_delay is cluster-wide.
  static void SetUpTestSuite() {
    cluster_ = new PgCluster({"wal_writer_delay = 10000ms"});
    cluster_->Start();
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void Start(const std::string& name, const std::vector<std::string>& extra = {}) {
    db_ = CreateOrdersDatabase(name, cluster_->ConnInfo());
    auto started = StartStreamingDaemon(db_, extra);
    daemon_ = std::move(started.process);
    port_ = started.port;
    ASSERT_TRUE(port_ > 0 && !HasFailure());
  }

  rapidjson::Document Health() { return ParseJson(HttpGet(port_, "/health").body); }
  std::string Metrics() { return HttpGet(port_, "/metrics").body; }

  static PgCluster* cluster_;
  OrdersDatabase db_;
  std::unique_ptr<DaemonProcess> daemon_;
  int port_ = 0;
};

PgCluster* WalFlushLag::cluster_ = nullptr;

TEST_F(WalFlushLag, AsynchronousWritersAreExplainedInHealthAndMetrics) {
  Start("flush_lag_async");
  {
    auto health = Health();
    ASSERT_TRUE(health.HasMember("walFlushLag")) << "diagnosed on the replication source";
    EXPECT_FALSE(health["walFlushLag"]["detected"].GetBool());
    EXPECT_EQ(MetricValue(Metrics(), kDetected), 0);
    EXPECT_EQ(MetricValue(Metrics(), kFlushes), -1) << "no remedy, no counter";
  }
  Writer writer(db_.conninfo, /*synchronous=*/false);
  bool detected = false;
  rapidjson::Document health;
  for (auto deadline = std::chrono::steady_clock::now() + 180s;
       !detected && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(250ms);
    health = Health();
    detected = health.HasMember("walFlushLag") && health["walFlushLag"]["detected"].GetBool();
  }
  ASSERT_TRUE(detected) << "commits: " << writer.commits() << " " << writer.error() << "\n"
                        << Metrics() << daemon_->Log();
  EXPECT_STREQ(health["status"].GetString(), "ok") << "a warning, not a failure";
  const auto& lag = health["walFlushLag"];
  EXPECT_GT(lag["medianMs"].GetDouble(), 0);
  EXPECT_GE(lag["maxMs"].GetDouble(), lag["medianMs"].GetDouble());
  const std::string advice = lag["advice"].GetString();
  EXPECT_NE(advice.find("wal_writer_delay"), std::string::npos) << advice;
  EXPECT_NE(advice.find("--flush-async-commits"), std::string::npos) << advice;
  EXPECT_EQ(MetricValue(Metrics(), kDetected), 1) << Metrics();
  EXPECT_TRUE(daemon_->WaitForLog("late WAL flushes: commits reach walcast", 10s))
      << daemon_->Log();
}

TEST_F(WalFlushLag, TheRemedyFlushesAsynchronousCommits) {
  Start("flush_lag_remedy", {"--flush-async-commits"});
  EXPECT_GE(MetricValue(Metrics(), kFlushes), 0) << "exported with the remedy\n" << Metrics();
  SseClient client(port_, "/api/events");
  ASSERT_EQ(client.status(), 200);
  constexpr int kRows = 40;
  {
    PgSession session(db_.conninfo);
    session.Exec("SET synchronous_commit = off");
    for (int i = 0; i < kRows; ++i) {
      session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ann', 'Lamp')");
      std::this_thread::sleep_for(50ms);
    }
  }
  EXPECT_EQ(ChangeEvents(client.ReadChanges(kRows, 120s)).size(), static_cast<size_t>(kRows))
      << daemon_->Log();
  // Each asynchronous commit left unflushed WAL behind it, found by the next tick.
  double flushes = -1;
  for (auto deadline = std::chrono::steady_clock::now() + 60s;
       flushes <= 0 && std::chrono::steady_clock::now() < deadline;) {
    flushes = MetricValue(Metrics(), kFlushes);
    if (flushes <= 0) std::this_thread::sleep_for(100ms);
  }
  EXPECT_GT(flushes, 0) << Metrics() << daemon_->Log();
  EXPECT_TRUE(daemon_->WaitForLog("async-commit flusher connected", 10s)) << daemon_->Log();
  // Its transactions are not changes of the orders table: nothing but the rows reached the client.
  EXPECT_TRUE(ChangeEvents(client.ReadChanges(1, 2s)).empty());
}

TEST_F(WalFlushLag, SynchronousWritersAreNeverTakenForIt) {
  Start("flush_lag_sync");
  {
    Writer writer(db_.conninfo, /*synchronous=*/true);
    // Long enough for the diagnosis to have decided (two checks of 2 s, with room).
    for (auto until = std::chrono::steady_clock::now() + 20s;
         std::chrono::steady_clock::now() < until;) {
      auto health = Health();
      ASSERT_TRUE(health.HasMember("walFlushLag"));
      ASSERT_FALSE(health["walFlushLag"]["detected"].GetBool())
          << HttpGet(port_, "/health").body << daemon_->Log();
      std::this_thread::sleep_for(500ms);
    }
    EXPECT_GT(writer.commits(), 0) << writer.error();
  }
  EXPECT_EQ(MetricValue(Metrics(), kDetected), 0) << Metrics();
  EXPECT_EQ(daemon_->Log().find("late WAL flushes"), std::string::npos) << daemon_->Log();
}

TEST(WalFlushLagConfig, TheRemedyWithNotifyIsAUsageError) {
  DaemonProcess daemon({"--port", "0", "--source", "notify", "--flush-async-commits"});
  EXPECT_EQ(daemon.WaitExit(30s), 2) << daemon.Log();
  EXPECT_NE(daemon.Log().find("--flush-async-commits needs the replication source"),
            std::string::npos)
      << daemon.Log();
}

}  // namespace
}  // namespace walcast::testing
