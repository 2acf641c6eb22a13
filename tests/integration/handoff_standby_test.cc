// Snapshot → stream handoff when commit order and visibility differ (docs/contract.md §9,
// docs/change-stream.md): with synchronous_standby_names naming a standby that never connects, a
// session with synchronous_commit=on writes its commit record and then waits, invisible to new
// snapshots, while sessions with synchronous_commit=local commit after it and are visible. A read
// taken then must not see the waiting transaction, and the stream from its position must deliver
// it exactly once when it is released, and nothing the read saw. The NOTIFY trigger is silenced
// (walcast.notify = off): its lock would serialize the commits and hide the reordering.
//
// Its own binary: the setting is cluster-wide, and this binary's cluster is its own.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"
#include "tests/harness/ws_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class HandoffStandby : public StreamingDaemonTest {
 protected:
  void TearDown() override {
    if (session_) {
      session_->Exec("ALTER SYSTEM RESET synchronous_standby_names");
      session_->Exec("SELECT pg_reload_conf()");
    }
  }
};

std::string CustomerOf(const SseEvent& event) {
  return ParseJson(event.data)["data"]["data"]["customer_name"].GetString();
}

TEST_F(HandoffStandby, ATransactionWaitingForAStandbyIsDeliveredOnceAfterTheRead) {
  StartDaemon("handoff_standby");
  SseClient live(port_, "/api/events");
  session_->Exec("ALTER SYSTEM SET synchronous_standby_names = 'walcast_absent_standby'");
  session_->Exec("SELECT pg_reload_conf()");

  // The waiting writer: its COMMIT hangs after the commit record is written.
  PgSession waiting(db_.conninfo);
  waiting.Exec("SET synchronous_commit = on; SET walcast.notify = off");
  std::string waiting_pid = waiting.Scalar("SELECT pg_backend_pid()::text");
  std::thread writer([&] {
    waiting.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('held', 'v0')");
  });
  // The daemon decodes it (logical decoding does not wait for the standby) ...
  auto held_event = ChangeEvents(live.ReadChanges(1, 60s));
  ASSERT_EQ(held_event.size(), 1u) << daemon_->Log();
  EXPECT_EQ(CustomerOf(held_event[0]), "held");
  // ... while it is still waiting, invisible to new snapshots.
  PgSession local(db_.conninfo);
  local.Exec("SET synchronous_commit = local; SET walcast.notify = off");
  EXPECT_EQ(local.Scalar("SELECT count(*)::text FROM orders WHERE customer_name = 'held'"), "0");
  std::string wait_event;
  for (int i = 0; i < 100 && wait_event != "SyncRep"; ++i) {
    wait_event = local.Scalar("SELECT wait_event FROM pg_stat_activity WHERE pid = " + waiting_pid);
    if (wait_event != "SyncRep") std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(wait_event, "SyncRep");

  // Committed after it, and visible: the read sees this one.
  local.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('seen', 'v0')");
  auto response = HttpGet(port_, "/api/orders?limit=1000");
  ASSERT_EQ(response.status, 200) << response.body;
  auto read = ParseJson(response.body);
  std::vector<std::string> names;
  for (const auto& row : read["data"].GetArray()) names.push_back(row["customer_name"].GetString());
  EXPECT_EQ(names, std::vector<std::string>{"seen"});
  ASSERT_TRUE(read["streamPosition"].IsString()) << response.body;
  std::string position = read["streamPosition"].GetString();

  // Released: cancelling the wait keeps the local commit.
  local.Exec("SELECT pg_cancel_backend(" + waiting_pid + ")");
  writer.join();
  EXPECT_EQ(local.Scalar("SELECT count(*)::text FROM orders WHERE customer_name = 'held'"), "1");
  local.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('later', 'v0')");

  SseClient stream(port_, "/api/events?from=" + position);
  auto events = ChangeEvents(stream.ReadChanges(2, 60s));
  ASSERT_EQ(events.size(), 2u) << daemon_->Log();
  EXPECT_EQ(CustomerOf(events[0]), "held") << "the read missed it: delivered once";
  EXPECT_EQ(CustomerOf(events[1]), "later");
  EXPECT_FALSE(stream.Next(1s).has_value()) << "nothing the read saw ('seen') comes";
  // While the stream was not past what the read may have seen, its id was the position moved on.
  EXPECT_EQ(events[0].id.rfind("P1_", 0), 0u) << events[0].id;

  // The same on WebSocket: the event, then a cursor frame saying where to resume.
  WsClient ws(port_, "/ws?from=" + position);
  std::vector<std::string> frames;
  while (frames.size() < 4) {
    auto frame = ws.Next(30s);
    ASSERT_TRUE(frame) << daemon_->Log();
    std::string event = ParseJson(*frame)["event"].GetString();
    if (event != "clients") frames.push_back(event);
  }
  EXPECT_EQ(frames,
            (std::vector<std::string>{"welcome", "orders:insert", "cursor", "orders:insert"}));
}

}  // namespace
}  // namespace walcast::testing
