// Resume by last event id (docs/contract.md §4): from the middle of the window, too old -> resync,
// across a daemon kill and restart, across a PostgreSQL restart, and under repeated SIGKILLs
// while a writer commits: every committed change exactly once, in commit order.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <atomic>
#include <random>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

int OrderIdOf(const SseEvent& event) {
  return ParseJson(event.data)["data"]["data"]["id"].GetInt();
}

void InsertOne(PgSession& session, const std::string& name) {
  session.Query("INSERT INTO orders (customer_name, product_name) VALUES ($1, 'p')", {name});
}

TEST(Resume, FromTheMiddleOfTheWindowByQueryOrHeader) {
  auto db = CreateOrdersDatabase("resume_middle");
  auto running = StartStreamingDaemon(db);
  PgSession session(db.conninfo);
  SseClient first(running.port, "/api/events");
  for (int i = 0; i < 10; ++i) InsertOne(session, "c" + std::to_string(i));
  auto all = ChangeEvents(first.ReadChanges(10, 60s));
  ASSERT_EQ(all.size(), 10u);

  SseClient by_query(running.port, "/api/events?from=" + all[4].id);
  SseClient by_header(running.port, "/api/events", {{"Last-Event-ID", all[4].id}});
  InsertOne(session, "live");
  for (auto* client : {&by_query, &by_header}) {
    auto resumed = ChangeEvents(client->ReadChanges(6, 60s));
    ASSERT_EQ(resumed.size(), 6u);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(resumed[i].id, all[5 + i].id);
    EXPECT_GT(resumed[5].id, all[9].id) << "then live, no gap and no duplicate";
    EXPECT_FALSE(client->Next(1s).has_value());
  }
}

TEST(Resume, FromOlderThanTheWindowGetsResync) {
  auto db = CreateOrdersDatabase("resume_too_old");
  auto running = StartStreamingDaemon(db, {"--replay-max-events", "3"});
  PgSession session(db.conninfo);
  SseClient first(running.port, "/api/events");
  for (int i = 0; i < 8; ++i) InsertOne(session, "c" + std::to_string(i));
  auto all = ChangeEvents(first.ReadChanges(8, 60s));
  ASSERT_EQ(all.size(), 8u);

  SseClient old(running.port, "/api/events?from=" + all[0].id);
  auto welcome = old.Next(30s);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->event, "welcome");
  auto resync = old.Next(30s);
  ASSERT_TRUE(resync);
  EXPECT_EQ(resync->event, "resync");
  EXPECT_NE(resync->data.find("oldestId"), std::string::npos);
  InsertOne(session, "live");
  auto live = ChangeEvents(old.ReadChanges(1, 30s));
  ASSERT_EQ(live.size(), 1u) << "it continues live after the resync";

  // The window now holds the newest 3 (all[6], all[7], "live"): all[5] is exactly its boundary.
  SseClient boundary(running.port, "/api/events?from=" + all[5].id);
  auto events = boundary.ReadChanges(3, 30s);
  for (const auto& e : events) EXPECT_NE(e.event, "resync");
  EXPECT_EQ(ChangeEvents(events).size(), 3u);
}

TEST(Resume, AcrossADaemonKillAndRestart) {
  auto db = CreateOrdersDatabase("resume_restart");
  PgSession session(db.conninfo);
  std::string last_seen;
  std::vector<std::string> first_ids;
  {
    auto running = StartStreamingDaemon(db);
    SseClient client(running.port, "/api/events");
    for (int i = 0; i < 5; ++i) InsertOne(session, "before" + std::to_string(i));
    auto events = ChangeEvents(client.ReadChanges(5, 60s));
    ASSERT_EQ(events.size(), 5u);
    for (const auto& e : events) first_ids.push_back(e.id);
    last_seen = events[2].id;  // the client saw 3 of them before losing the connection
    running.process->Signal(SIGKILL);
    running.process->WaitExit(10s);
  }
  for (int i = 0; i < 5; ++i) InsertOne(session, "while down" + std::to_string(i));

  auto running = StartStreamingDaemon(db);
  SseClient client(running.port, "/api/events?from=" + last_seen);
  auto events = ChangeEvents(client.ReadChanges(7, 60s));
  ASSERT_EQ(events.size(), 7u) << running.process->Log();
  EXPECT_EQ(events[0].id, first_ids[3]) << "the same ids when decoded again";
  EXPECT_EQ(events[1].id, first_ids[4]);
  for (size_t i = 1; i < events.size(); ++i) EXPECT_LT(events[i - 1].id, events[i].id);
  EXPECT_FALSE(client.Next(1s).has_value()) << "no duplicates";
}

TEST(Resume, PostgresRestartUnderTheDaemon) {
  PgCluster cluster;
  cluster.Start();
  auto db = CreateOrdersDatabase("resume_pg_restart", cluster.ConnInfo());
  auto running = StartStreamingDaemon(db);
  SseClient client(running.port, "/api/events");
  {
    PgSession session(db.conninfo);
    for (int i = 0; i < 3; ++i) InsertOne(session, "before" + std::to_string(i));
  }
  auto before = ChangeEvents(client.ReadChanges(3, 60s));
  ASSERT_EQ(before.size(), 3u);

  cluster.Stop();
  EXPECT_TRUE(running.process->WaitForLog("replication stopped")) << running.process->Log();
  cluster.Start();
  ASSERT_TRUE(WaitForStream(running.port)) << running.process->Log();
  PgSession session(db.conninfo);
  for (int i = 0; i < 3; ++i) InsertOne(session, "after" + std::to_string(i));
  auto after = ChangeEvents(client.ReadChanges(3, 60s));
  ASSERT_EQ(after.size(), 3u) << running.process->Log();
  EXPECT_GT(after[0].id, before[2].id) << "nothing delivered twice after the reconnect";
  EXPECT_FALSE(client.Next(1s).has_value());
}

// The product's hardest promise: a writer commits 20k changes in 2k transactions while walcastd
// is SIGKILLed three times and restarted; a client that always resumes from its last id ends with
// every committed change exactly once, in commit order.
TEST(Resume, EveryChangeExactlyOnceAcrossRepeatedKills) {
  constexpr int kTransactions = 2000;
  constexpr int kRowsPerTransaction = 10;
  auto db = CreateOrdersDatabase("resume_kills");
  auto running = StartStreamingDaemon(db);
  std::atomic<int> port{running.port};
  std::atomic<int> committed{0};
  std::atomic<bool> writer_done{false};

  std::vector<int> received;  // order ids in arrival order
  std::string last_id;
  // The first connection is made before the writer starts, so it needs no `from`.
  auto client = std::make_unique<SseClient>(running.port, "/api/events");
  ASSERT_EQ(client->status(), 200);
  std::thread reader([&] {
    auto deadline = std::chrono::steady_clock::now() + 300s;
    while (received.size() < size_t{kTransactions * kRowsPerTransaction} &&
           std::chrono::steady_clock::now() < deadline) {
      try {
        if (!client) {
          client = std::make_unique<SseClient>(port.load(), "/api/events?from=" + last_id);
          if (client->status() != 200) {
            client.reset();
            continue;
          }
        }
        while (auto event = client->Next(5s)) {
          if (event->event == "resync") ADD_FAILURE() << "unexpected resync: " << event->data;
          if (event->event.rfind("orders:", 0) != 0) continue;
          received.push_back(OrderIdOf(*event));
          last_id = event->id;
        }
        client.reset();  // closed by a kill (or idle): resume from the last id
      } catch (const std::exception&) {
        client.reset();
        std::this_thread::sleep_for(50ms);  // the daemon is down: try again
      }
    }
  });

  std::thread writer([&] {
    PgSession session(db.conninfo);
    for (int t = 0; t < kTransactions; ++t) {
      session.Exec("INSERT INTO orders (customer_name, product_name) SELECT 't" +
                   std::to_string(t) + "-' || g, 'p' FROM generate_series(1, " +
                   std::to_string(kRowsPerTransaction) + ") g");
      committed.store(t + 1);
    }
    writer_done = true;
  });

  std::mt19937 random(12345);
  for (int kill = 0; kill < 3; ++kill) {
    int target = (kill + 1) * kTransactions / 4 + static_cast<int>(random() % (kTransactions / 8));
    while (committed.load() < target && !writer_done) std::this_thread::sleep_for(1ms);
    running.process->Signal(SIGKILL);
    running.process->WaitExit(10s);
    running = StartStreamingDaemon(db);
    port = running.port;
  }
  writer.join();
  reader.join();

  PgSession session(db.conninfo);
  std::vector<int> truth;
  for (const auto& row : session.Query("SELECT id FROM orders ORDER BY id")) {
    truth.push_back(std::stoi(*row[0]));
  }
  ASSERT_EQ(truth.size(), size_t{kTransactions * kRowsPerTransaction});
  ASSERT_EQ(received.size(), truth.size()) << "lost or duplicated changes";
  EXPECT_EQ(received, truth) << "every change exactly once, in commit order";
}

}  // namespace
}  // namespace walcast::testing
