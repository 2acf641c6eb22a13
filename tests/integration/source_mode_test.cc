// --source through the daemon: NOTIFY mode end to end, and auto deciding at start: replication
// where wal_level=logical, NOTIFY with a warning where it is not (docs/contract.md §5).
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

TEST(SourceMode, NotifyModeStreamsTheTriggerPayloads) {
  auto db = CreateOrdersDatabase("source_notify");
  auto daemon = StartStreamingDaemon(db, {"--source", "notify"});
  ASSERT_GT(daemon.port, 0);
  auto health = ParseJson(HttpGet(daemon.port, "/health").body);
  EXPECT_STREQ(health["source"].GetString(), "notify");

  SseClient client(daemon.port, "/api/events");
  PgSession session(db.conninfo);
  std::string id = session.Scalar(
      "INSERT INTO orders (customer_name, product_name) VALUES ('N', 'p') RETURNING id");
  session.Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {id});
  std::vector<SseEvent> changes;
  for (const auto& e : client.ReadChanges(2, 60s)) {
    if (e.event.rfind("orders:", 0) == 0) changes.push_back(e);
  }
  ASSERT_EQ(changes.size(), 2u) << daemon.process->Log();
  auto insert = ParseJson(changes[0].data);
  EXPECT_STREQ(insert["data"]["operation"].GetString(), "insert");
  EXPECT_TRUE(insert["data"]["lsn"].IsNull());
  EXPECT_TRUE(insert["data"]["old"].IsNull());
  EXPECT_EQ(insert["data"]["data"]["id"].GetInt(), std::stoi(id));
  EXPECT_EQ(changes[1].event, "orders:update");
  EXPECT_LT(changes[0].id, changes[1].id);
}

// A database tuned for WAL mode (the trigger silenced) would give NOTIFY mode nothing: say so.
TEST(SourceMode, NotifyModeWarnsWhenTheTriggerIsSilenced) {
  auto db = CreateOrdersDatabase("source_notify_off");
  PgSession(db.conninfo).Exec("ALTER DATABASE \"" + db.name + "\" SET walcast.notify = off");
  auto daemon = StartStreamingDaemon(db, {"--source", "notify"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_TRUE(daemon.process->WaitForLog("walcast.notify is off in this database"))
      << daemon.process->Log();
}

TEST(SourceMode, AutoChoosesReplicationWhereWalLevelIsLogical) {
  auto db = CreateOrdersDatabase("source_auto_logical");
  auto daemon = StartStreamingDaemon(db, {"--source", "auto"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_STREQ(ParseJson(HttpGet(daemon.port, "/health").body)["source"].GetString(),
               "replication");
  EXPECT_TRUE(daemon.process->WaitForLog("--source auto chose replication"));
}

TEST(SourceMode, AutoFallsBackToNotifyWithAWarningWhereWalLevelIsReplica) {
  PgCluster cluster({"wal_level = replica"});
  cluster.Start();
  auto db = CreateOrdersDatabase("source_auto_replica", cluster.ConnInfo());
  auto daemon = StartStreamingDaemon(db, {"--source", "auto"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_TRUE(daemon.process->WaitForLog("--source auto chose NOTIFY: wal_level is replica"))
      << daemon.process->Log();
  EXPECT_NE(daemon.process->Log().find("warning"), std::string::npos);
  EXPECT_STREQ(ParseJson(HttpGet(daemon.port, "/health").body)["source"].GetString(), "notify");

  SseClient client(daemon.port, "/api/events");
  PgSession session(db.conninfo);
  session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('R', 'p')");
  std::size_t changes = 0;
  for (const auto& e : client.ReadChanges(1, 60s)) changes += e.event == "orders:insert";
  EXPECT_EQ(changes, 1u) << daemon.process->Log();
}

TEST(SourceMode, ReplicationOnAReplicaWalLevelSaysWhatIsWrong) {
  PgCluster cluster({"wal_level = replica"});
  cluster.Start();
  auto db = CreateOrdersDatabase("source_forced_replication", cluster.ConnInfo());
  DaemonProcess daemon(DaemonArgs(db));
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  EXPECT_TRUE(daemon.WaitForLog("logical replication needs wal_level=logical")) << daemon.Log();
  auto health = HttpGet(port, "/health");
  EXPECT_EQ(health.status, 503);
  auto doc = ParseJson(health.body);
  EXPECT_STREQ(doc["status"].GetString(), "degraded");
  EXPECT_NE(std::string(doc["problem"].GetString()).find("wal_level"), std::string::npos);
}

TEST(SourceMode, RoleWithoutReplicationIsToldWhatToDo) {
  auto db = CreateOrdersDatabase("source_no_replication_role");
  {
    PgSession admin(db.conninfo);
    admin.Exec("DROP ROLE IF EXISTS walcast_plain; CREATE ROLE walcast_plain LOGIN");
  }
  DaemonProcess daemon({"--port", "0", "--db-url", db.conninfo + " user=walcast_plain", "--slot",
                        db.name, "--source", "replication"});
  ASSERT_GT(daemon.WaitForPort(), 0) << daemon.Log();
  EXPECT_TRUE(daemon.WaitForLog("the role needs the REPLICATION attribute")) << daemon.Log();
}

TEST(SourceMode, ASlotInUseByAnotherDaemonIsReportedAndRetried) {
  auto db = CreateOrdersDatabase("source_slot_in_use");
  auto first = StartStreamingDaemon(db);
  ASSERT_GT(first.port, 0);
  DaemonProcess second(DaemonArgs(db));
  int port = second.WaitForPort();
  ASSERT_GT(port, 0) << second.Log();
  EXPECT_TRUE(second.WaitForLog("is in use by another process")) << second.Log();
  EXPECT_EQ(HttpGet(port, "/health").status, 503);
  // When the first one goes, the second takes the slot over.
  first.process->Signal(SIGTERM);
  EXPECT_EQ(first.process->WaitExit(10s), 0);
  EXPECT_TRUE(WaitForStream(port)) << second.Log();
}

}  // namespace
}  // namespace walcast::testing
