// The change stream through the real path: PostgreSQL writes -> replication slot -> decoder ->
// hub -> SSE client, with walcastd as a process. Shapes, order, ids, filters, streamed
// transactions, ALTER TABLE while running, unchanged TOAST values, and bad requests.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class ChangeStream : public StreamingDaemonTest {};

TEST_F(ChangeStream, InsertUpdateDeleteTruncateArriveWithContractShapes) {
  StartDaemon("stream_shapes");
  SseClient client(port_, "/api/events");
  ASSERT_EQ(client.status(), 200);
  EXPECT_NE(client.head().find("text/event-stream"), std::string::npos);
  auto welcome = client.Next(30s);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->event, "welcome");
  auto welcome_doc = ParseJson(welcome->data);
  EXPECT_TRUE(welcome_doc["data"].HasMember("clientId"));
  EXPECT_TRUE(welcome_doc["data"]["totalClients"].IsNumber());

  std::string id = session_->Scalar(
      "INSERT INTO orders (customer_name, product_name) VALUES ('Ann', 'Lamp') RETURNING id");
  session_->Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {id});
  session_->Query("DELETE FROM orders WHERE id = $1", {id});
  session_->Exec("TRUNCATE orders");

  auto events = ChangeEvents(client.ReadChanges(4, 60s));
  ASSERT_EQ(events.size(), 4u) << daemon_->Log();
  EXPECT_EQ(events[0].event, "orders:insert");
  EXPECT_EQ(events[1].event, "orders:update");
  EXPECT_EQ(events[2].event, "orders:delete");
  EXPECT_EQ(events[3].event, "orders:truncate");

  auto insert = ParseJson(events[0].data);
  EXPECT_STREQ(insert["event"].GetString(), "orders:insert");
  const auto& data = insert["data"];
  EXPECT_EQ(std::string(data["id"].GetString()), events[0].id) << "SSE id is the event id";
  EXPECT_STREQ(data["type"].GetString(), "database_change");
  EXPECT_STREQ(data["operation"].GetString(), "insert");
  EXPECT_STREQ(data["table"].GetString(), "orders");
  EXPECT_EQ(data["data"]["id"].GetInt(), std::stoi(id));
  EXPECT_STREQ(data["data"]["customer_name"].GetString(), "Ann");
  EXPECT_STREQ(data["data"]["status"].GetString(), "pending");
  EXPECT_TRUE(data["old"].IsNull());
  EXPECT_TRUE(data["lsn"].IsString());
  EXPECT_TRUE(data["xid"].IsNumber());
  std::string created_at = data["data"]["created_at"].GetString();
  EXPECT_EQ(created_at.size(), 27u) << created_at;  // 2026-11-24T10:45:54.991053Z
  EXPECT_EQ(created_at.back(), 'Z');

  auto update = ParseJson(events[1].data);
  EXPECT_STREQ(update["data"]["old"]["status"].GetString(), "pending");
  EXPECT_STREQ(update["data"]["data"]["status"].GetString(), "shipped");
  std::set<std::string> changed;
  for (const auto& column : update["data"]["changed"].GetArray())
    changed.insert(column.GetString());
  EXPECT_EQ(changed, (std::set<std::string>{"status", "updated_at"}));

  auto deleted = ParseJson(events[2].data);
  EXPECT_STREQ(deleted["data"]["data"]["status"].GetString(), "shipped") << "the deleted row";

  auto truncate = ParseJson(events[3].data);
  EXPECT_TRUE(truncate["data"]["data"].IsNull());

  for (size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].id, events[i].id);

  auto metrics = HttpGet(port_, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  for (const char* line :
       {"walcast_events_total{operation=\"insert\"} 1",
        "walcast_events_total{operation=\"truncate\"} 1", "walcast_commit_to_send_seconds_count 4",
        "walcast_clients 1", "walcast_stream_up 1"}) {
    EXPECT_NE(metrics.body.find(std::string(line) + "\n"), std::string::npos) << line << "\n"
                                                                              << metrics.body;
  }
  auto health = ParseJson(HttpGet(port_, "/health").body);
  EXPECT_STREQ(health["status"].GetString(), "ok");
  EXPECT_TRUE(health["confirmedLsn"].IsString());
  EXPECT_TRUE(health["lastEventAt"].IsString());
  EXPECT_EQ(health["clients"].GetInt(), 1);
}

TEST_F(ChangeStream, MultiRowTransactionKeepsOrderAndSharesTheCommitLsn) {
  StartDaemon("stream_multirow");
  SseClient client(port_, "/api/events");
  session_->Exec(
      "BEGIN; INSERT INTO orders (customer_name, product_name) "
      "SELECT 'c' || g, 'p' || g FROM generate_series(1, 25) g; COMMIT;");
  auto events = ChangeEvents(client.ReadChanges(25, 60s));
  ASSERT_EQ(events.size(), 25u);
  std::string prefix = events[0].id.substr(0, 17);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].id.substr(0, 17), prefix);
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%08X", static_cast<unsigned>(i));
    EXPECT_EQ(events[i].id.substr(17), expected);
    EXPECT_STREQ(ParseJson(events[i].data)["data"]["data"]["customer_name"].GetString(),
                 ("c" + std::to_string(i + 1)).c_str());
  }
}

TEST_F(ChangeStream, FiltersByStatusOrderIdAndOperation) {
  StartDaemon("stream_filters");
  // Explicit ids, so every client subscribes before the first write.
  std::string a = "1001", b = "1002";
  SseClient shipped(port_, "/api/events?status=shipped");
  SseClient deletes(port_, "/api/events?operation=delete");
  SseClient only_b(port_, "/api/events?order_id=" + b);
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (1001, 'A', 'x')");
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (1002, 'B', 'y')");
  session_->Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {a});
  session_->Query("UPDATE orders SET status = 'delivered' WHERE id = $1", {a});
  session_->Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {b});
  session_->Query("DELETE FROM orders WHERE id = $1", {a});

  // shipped: a enters, a leaves (to delivered), b enters. Not the inserts, not a's delete.
  auto seen = ChangeEvents(shipped.ReadChanges(3, 60s));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].event, "orders:update");
  EXPECT_STREQ(ParseJson(seen[1].data)["data"]["data"]["status"].GetString(), "delivered");
  EXPECT_FALSE(shipped.Next(1500ms).has_value()) << "nothing else matches";

  auto deleted = ChangeEvents(deletes.ReadChanges(1, 60s));
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(ParseJson(deleted[0].data)["data"]["data"]["id"].GetInt(), std::stoi(a));

  auto b_events = ChangeEvents(only_b.ReadChanges(2, 60s));
  ASSERT_EQ(b_events.size(), 2u);
  EXPECT_EQ(b_events[0].event, "orders:insert");
  EXPECT_EQ(b_events[1].event, "orders:update");
  EXPECT_FALSE(only_b.Next(1s).has_value()) << "nothing about order a";
}

TEST_F(ChangeStream, BadStreamRequestsGetJsonErrors) {
  StartDaemon("stream_bad_requests");
  SseClient bad_from(port_, "/api/events?from=not-an-id");
  EXPECT_EQ(bad_from.status(), 400);
  EXPECT_NE(bad_from.ReadRest(2s).find("Invalid event id"), std::string::npos);
  SseClient bad_status(port_, "/api/events?status=lost");
  EXPECT_EQ(bad_status.status(), 400);
  EXPECT_EQ(HttpRequest(port_, "POST", "/api/events", "{}").status, 405);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200) << "still serving";
}

TEST_F(ChangeStream, StreamTokenIsRequiredWhenConfigured) {
  StartDaemon("stream_token", {"--stream-token", "s3cret"});
  EXPECT_EQ(SseClient(port_, "/api/events").status(), 401);
  EXPECT_EQ(SseClient(port_, "/api/events", {{"Authorization", "Bearer wrong"}}).status(), 401);
  EXPECT_EQ(SseClient(port_, "/api/events", {{"Authorization", "Bearer s3cret"}}).status(), 200);
  EXPECT_EQ(SseClient(port_, "/api/events?access_token=s3cret").status(), 200);
}

TEST_F(ChangeStream, IdleStreamsGetCommentHeartbeats) {
  StartDaemon("stream_heartbeat", {"--sse-heartbeat", "1"});
  SseClient client(port_, "/api/events");
  ASSERT_TRUE(client.Next(30s));  // welcome
  // Comments are not events: the raw bytes show them.
  EXPECT_NE(client.ReadRest(2500ms).find(": heartbeat\n\n"), std::string::npos);
}

TEST_F(ChangeStream, AlterTableWhileRunningAddsTheColumn) {
  StartDaemon("stream_alter");
  SseClient client(port_, "/api/events");
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('before', 'x')");
  session_->Exec("ALTER TABLE orders ADD COLUMN priority int DEFAULT 3");
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name, priority) VALUES ('after', 'y', 7)");
  auto events = ChangeEvents(client.ReadChanges(2, 60s));
  ASSERT_EQ(events.size(), 2u) << daemon_->Log();
  EXPECT_FALSE(ParseJson(events[0].data)["data"]["data"].HasMember("priority"));
  EXPECT_EQ(ParseJson(events[1].data)["data"]["data"]["priority"].GetInt(), 7);
}

TEST_F(ChangeStream, UnchangedToastValueIsFilledFromTheOldRow) {
  StartDaemon("stream_toast");
  session_->Exec("ALTER TABLE orders ALTER COLUMN product_name TYPE text");
  SseClient client(port_, "/api/events");
  // 10 kB of poorly compressible text is stored out of line (TOAST).
  std::string id = session_->Scalar(
      "INSERT INTO orders (customer_name, product_name) SELECT 'Toast', "
      "string_agg(md5(g::text), '') FROM generate_series(1, 320) g RETURNING id");
  std::string big = session_->Scalar("SELECT product_name FROM orders WHERE id = $1", {id});
  ASSERT_EQ(big.size(), 10240u);
  session_->Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {id});
  auto events = ChangeEvents(client.ReadChanges(2, 60s));
  ASSERT_EQ(events.size(), 2u) << daemon_->Log();
  auto update = ParseJson(events[1].data);
  EXPECT_EQ(std::string(update["data"]["data"]["product_name"].GetString()), big);
  EXPECT_FALSE(update["data"].HasMember("unchanged"));
}

TEST(ChangeStreamStreaming, LargeTransactionWithRolledBackSavepoint) {
  // A small logical_decoding_work_mem makes PostgreSQL stream the transaction while it runs.
  PgCluster cluster({"logical_decoding_work_mem = '64kB'"});
  cluster.Start();
  auto db = CreateOrdersDatabase("stream_streamed", cluster.ConnInfo());
  DaemonProcess daemon(DaemonArgs(db));
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  ASSERT_TRUE(WaitForStream(port)) << daemon.Log();
  SseClient client(port, "/api/events");
  PgSession session(db.conninfo);
  session.Exec(
      "BEGIN;"
      "INSERT INTO orders (customer_name, product_name) "
      "  SELECT 'kept' || g, repeat('x', 200) FROM generate_series(1, 2000) g;"
      "SAVEPOINT s;"
      "INSERT INTO orders (customer_name, product_name) "
      "  SELECT 'rolled back' || g, repeat('y', 200) FROM generate_series(1, 2000) g;"
      "ROLLBACK TO SAVEPOINT s;"
      "INSERT INTO orders (customer_name, product_name) VALUES ('last', 'z');"
      "COMMIT;");
  auto events = ChangeEvents(client.ReadChanges(2001, 120s));
  ASSERT_EQ(events.size(), 2001u) << daemon.Log();
  for (const auto& e : events) {
    EXPECT_EQ(e.data.find("rolled back"), std::string::npos);
  }
  EXPECT_NE(events.back().data.find("\"last\""), std::string::npos);
  EXPECT_FALSE(client.Next(1500ms).has_value()) << "nothing from the aborted subtransaction";
  for (const auto& e : events) {
    EXPECT_EQ(e.id.substr(0, 16), events[0].id.substr(0, 16)) << "one transaction, one commit LSN";
  }
  // PostgreSQL did stream it in progress (otherwise this test proves nothing about streaming).
  EXPECT_NE(session.Scalar("SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = $1",
                           {db.name}),
            "0");
}

}  // namespace
}  // namespace walcast::testing
