// Snapshot → stream handoff (docs/contract.md §9): a REST read's streamPosition, opened as `from`,
// delivers exactly the committed changes the read did not see. The randomized case reads and
// streams 500 times (WALCAST_TEST_HANDOFF_ITERATIONS) while four writers commit inserts, updates
// and deletes, and checks every time that the client's state equals the database's with no event
// applied twice and none missing; `product_name` carries a per-row version ("v<n>", +1 per update)
// so a double or missing update shows.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <random>
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

int Version(const rapidjson::Value& row) {
  std::string product = row["product_name"].GetString();
  return product.size() > 1 && product[0] == 'v' ? std::stoi(product.substr(1)) : -1;
}

// What a client holds: order id -> version, built from a read and the stream after it.
struct ClientState {
  std::map<int, int> rows;
  std::vector<std::string> problems;
  std::map<int, std::string> history;  // per order: the events applied, for a failure's message
  std::vector<std::string> received;   // every event applied, in order

  void Apply(const std::string& event_json) {
    auto doc = ParseJson(event_json);
    const auto& data = doc["data"];
    std::string operation = data["operation"].GetString();
    const auto& row = data["data"];  // the new row, or the deleted one
    int id = row["id"].GetInt();
    std::string line = std::string(data["id"].GetString()) + "/xid " +
                       std::to_string(data["xid"].GetInt64()) + " " + operation + " " +
                       std::to_string(id) + " v" + std::to_string(Version(row));
    history[id] += " " + line;
    received.push_back(line);
    auto held = rows.find(id);
    if (operation == "insert") {
      if (held != rows.end())
        problems.push_back("insert of order " + std::to_string(id) + " applied twice");
      rows[id] = Version(row);
    } else if (operation == "update") {
      int version = Version(row);
      if (held == rows.end()) {
        problems.push_back("update of order " + std::to_string(id) + " the client does not hold");
      } else if (version <= held->second) {
        problems.push_back("update of order " + std::to_string(id) + " to v" +
                           std::to_string(version) + " applied to v" +
                           std::to_string(held->second) + " (already included)");
      } else if (version > held->second + 1) {
        problems.push_back("order " + std::to_string(id) + " jumped from v" +
                           std::to_string(held->second) + " to v" + std::to_string(version));
      }
      rows[id] = version;
    } else if (operation == "delete") {
      if (held == rows.end()) {
        problems.push_back("delete of order " + std::to_string(id) + " the client does not hold");
      }
      rows.erase(id);
    } else {
      problems.push_back("unexpected operation " + operation);
    }
  }
};

// What differs between the client's state and the database's, one line per order.
std::vector<std::string> Differences(const std::map<int, int>& client,
                                     const std::map<int, int>& truth) {
  std::vector<std::string> lines;
  for (const auto& [id, version] : truth) {
    auto held = client.find(id);
    if (held == client.end()) {
      lines.push_back("order " + std::to_string(id) + " v" + std::to_string(version) + " missing");
    } else if (held->second != version) {
      lines.push_back("order " + std::to_string(id) + " at v" + std::to_string(held->second) +
                      ", the database has v" + std::to_string(version));
    }
  }
  for (const auto& [id, version] : client) {
    if (!truth.contains(id)) lines.push_back("order " + std::to_string(id) + " deleted but held");
  }
  return lines;
}

std::map<int, int> DatabaseState(PgSession& session) {
  std::map<int, int> rows;
  for (const auto& row : session.Exec("SELECT id, product_name FROM orders")) {
    rows[std::stoi(*row[0])] = std::stoi(row[1]->substr(1));
  }
  return rows;
}

// A read of every order (the table stays under the page limit) and its position.
struct Read {
  std::map<int, int> rows;
  std::string position;
};

Read ReadAll(int port) {
  auto response = HttpGet(port, "/api/orders?limit=1000");
  EXPECT_EQ(response.status, 200) << response.body;
  auto doc = ParseJson(response.body);
  Read read;
  for (const auto& row : doc["data"].GetArray()) read.rows[row["id"].GetInt()] = Version(row);
  EXPECT_EQ(doc["pagination"]["total"].GetInt64(), static_cast<int64_t>(read.rows.size()))
      << "the table must fit one page for this test";
  if (doc["streamPosition"].IsString()) read.position = doc["streamPosition"].GetString();
  return read;
}

// Four sessions committing random inserts, updates and deletes (some several to a transaction)
// until destroyed; Pause() parks them all between transactions.
class Writers {
 public:
  Writers(const std::string& conninfo, int count) {
    for (int i = 0; i < count; ++i)
      threads_.emplace_back([this, conninfo, i] { Run(conninfo, i); });
  }
  ~Writers() {
    stop_ = true;
    pause_ = false;
    for (auto& thread : threads_) thread.join();
  }
  void Pause() {
    pause_ = true;
    while (parked_ < static_cast<int>(threads_.size())) std::this_thread::sleep_for(1ms);
  }
  void Resume() { pause_ = false; }
  uint64_t commits() const { return commits_; }

 private:
  void Run(const std::string& conninfo, int index) {
    PgSession session(conninfo);
    std::mt19937 random(static_cast<unsigned>(index) * 7919u + 1);
    std::uniform_int_distribution<int> pick(0, 99);
    const std::string insert = "INSERT INTO orders (customer_name, product_name) SELECT 'writer " +
                               std::to_string(index) +
                               "', 'v0' WHERE (SELECT count(*) FROM orders) < 400;";
    const std::string update =
        "UPDATE orders SET product_name = 'v' || (substr(product_name, 2)::int + 1) WHERE id = "
        "(SELECT id FROM orders ORDER BY random() LIMIT 1);";
    const std::string remove =
        "DELETE FROM orders WHERE id = (SELECT id FROM orders ORDER BY random() LIMIT 1) AND "
        "(SELECT count(*) FROM orders) > 50;";
    while (!stop_) {
      if (pause_) {
        ++parked_;
        while (pause_ && !stop_) std::this_thread::sleep_for(1ms);
        --parked_;
        continue;
      }
      int roll = pick(random);
      std::string sql = roll < 30   ? insert
                        : roll < 70 ? update
                        : roll < 88 ? remove
                                    : "BEGIN;" + insert + update + update + remove + "COMMIT;";
      try {
        session.Exec(sql);
        ++commits_;
      } catch (const std::exception&) {
        // A deadlock between two multi-statement transactions: the other one committed.
        try {
          session.Exec("ROLLBACK");
        } catch (const std::exception&) {
        }
      }
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_{false};
  std::atomic<int> parked_{0};
  std::atomic<uint64_t> commits_{0};
};

class Handoff : public StreamingDaemonTest {};

TEST_F(Handoff, EveryReadOfOrdersCarriesAPosition) {
  StartDaemon("handoff_reads");
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Ann', 'v0')");
  std::string id = session_->Scalar("SELECT max(id)::text FROM orders");
  for (const std::string& target :
       std::vector<std::string>{"/api/orders", "/api/orders/" + id, "/api/orders/search?search=Ann",
                                "/api/orders/recent", "/api/orders/customer/Ann"}) {
    auto response = HttpGet(port_, target);
    ASSERT_EQ(response.status, 200) << target << " " << response.body;
    auto doc = ParseJson(response.body);
    ASSERT_TRUE(doc.HasMember("streamPosition")) << target;
    ASSERT_TRUE(doc["streamPosition"].IsString()) << target;
    EXPECT_EQ(std::string(doc["streamPosition"].GetString()).rfind("P1_", 0), 0u) << target;
  }
  // The export is one read in one snapshot: JSON carries the member, CSV the header.
  auto json = HttpGet(port_, "/api/orders/export?format=json");
  ASSERT_EQ(json.status, 200) << json.body;
  auto exported = ParseJson(json.body);
  ASSERT_TRUE(exported["streamPosition"].IsString()) << json.body;
  EXPECT_EQ(exported["count"].GetInt(), 1);
  auto csv = HttpGet(port_, "/api/orders/export?format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.Header("x-stream-position").rfind("P1_", 0), 0u) << csv.Header("x-stream-position");
  // And its position hands over like any other.
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('Bo', 'v0')");
  SseClient stream(port_,
                   "/api/events?from=" + std::string(exported["streamPosition"].GetString()));
  auto events = ChangeEvents(stream.ReadChanges(1, 30s));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::string(ParseJson(events[0].data)["data"]["data"]["customer_name"].GetString()),
            "Bo");
  EXPECT_FALSE(stream.Next(1s).has_value());
  // Writes keep their eventId and carry no position; a missing order is a 404 as before.
  auto missing = HttpGet(port_, "/api/orders/999999");
  EXPECT_EQ(missing.status, 404);
}

TEST_F(Handoff, ReadThenStreamGivesExactlyTheDatabaseUnderConcurrentWriters) {
  // A window much smaller than the run, so transactions leave it while reads and streams go on.
  StartDaemon("handoff_random", {"--replay-max-events", "20000"});
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name) SELECT 'seed ' || g, 'v0' FROM "
      "generate_series(1, 100) g");
  int iterations = 500;
  if (const char* value = std::getenv("WALCAST_TEST_HANDOFF_ITERATIONS"))
    iterations = std::atoi(value);
  Writers writers(db_.conninfo, 4);
  uint64_t events_applied = 0;
  for (int iteration = 0; iteration < iterations; ++iteration) {
    Read read = ReadAll(port_);
    ASSERT_FALSE(read.position.empty());
    ClientState client{read.rows, {}, {}, {}};
    SseClient stream(port_, "/api/events?from=" + read.position);
    auto apply_until = std::chrono::steady_clock::now() + 200ms;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          apply_until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      auto event = stream.Next(left);
      if (!event) continue;
      ASSERT_NE(event->event, "resync") << "iteration " << iteration << ": " << event->data << "\n"
                                        << read.position << "\n"
                                        << daemon_->Log();
      ASSERT_NE(event->event, "error") << "iteration " << iteration << ": " << event->data;
      if (event->event.rfind("orders:", 0) == 0) {
        client.Apply(event->data);
        ++events_applied;
      }
    }
    // A quiet point: writers parked, then a marker whose event ends everything before it.
    writers.Pause();
    std::string marker = session_->Scalar(
        "INSERT INTO orders (customer_name, product_name) VALUES ('marker', 'v0') RETURNING "
        "id::text");
    bool seen_marker = false;
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!seen_marker && std::chrono::steady_clock::now() < deadline) {
      auto event = stream.Next(5s);
      if (!event || event->event.rfind("orders:", 0) != 0) continue;
      client.Apply(event->data);
      ++events_applied;
      auto doc = ParseJson(event->data);
      seen_marker = std::to_string(doc["data"]["data"]["id"].GetInt()) == marker;
    }
    ASSERT_TRUE(seen_marker) << "iteration " << iteration << ": the marker's event never came";
    if (!client.problems.empty()) {
      std::string histories;
      for (const auto& [id, events] : client.history)
        histories += std::to_string(id) + ":" + events + "\n";
      FAIL() << "iteration " << iteration << " from " << read.position << ": "
             << client.problems.front() << "\n"
             << histories;
    }
    auto differences = Differences(client.rows, DatabaseState(*session_));
    if (!differences.empty()) {
      std::string histories;
      for (const auto& [id, events] : client.history)
        histories += std::to_string(id) + ":" + events + "\n";
      FAIL() << "iteration " << iteration << " from " << read.position << ": "
             << differences.front() << "\n"
             << histories;
    }
    session_->Exec("DELETE FROM orders WHERE id = " + marker);
    writers.Resume();
  }
  EXPECT_GT(writers.commits(), static_cast<uint64_t>(iterations)) << "the writers were busy";
  std::cout << "handoff: " << iterations << " reads, " << writers.commits() << " commits, "
            << events_applied << " events applied\n";
}

TEST_F(Handoff, APositionSurvivesADaemonRestartAndWorksOnWebSocketToo) {
  StartDaemon("handoff_restart");
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('before', 'v0')");
  Read read = ReadAll(port_);
  ASSERT_FALSE(read.position.empty());
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('after 1', 'v0')");
  daemon_->Signal(SIGTERM);
  ASSERT_TRUE(daemon_->WaitExit(30s).has_value());
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('after 2', 'v0')");
  auto args = DaemonArgs(db_);
  daemon_ = std::make_unique<DaemonProcess>(args);
  port_ = daemon_->WaitForPort();
  ASSERT_GT(port_, 0) << daemon_->Log();
  ASSERT_TRUE(WaitForStream(port_)) << daemon_->Log();

  WsClient ws(port_, "/ws?from=" + read.position);
  std::vector<std::string> names;
  while (names.size() < 2) {
    auto frame = ws.Next(30s);
    ASSERT_TRUE(frame) << daemon_->Log();
    auto doc = ParseJson(*frame);
    std::string event = doc["event"].GetString();
    ASSERT_NE(event, "resync") << *frame;
    if (event.rfind("orders:", 0) == 0)
      names.push_back(doc["data"]["data"]["customer_name"].GetString());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"after 1", "after 2"}));
  EXPECT_FALSE(ws.NextEvent("orders:insert", 1s).has_value()) << "nothing the read saw";
}

TEST_F(Handoff, APositionOlderThanTheWindowGetsResync) {
  StartDaemon("handoff_old", {"--replay-max-events", "3"});
  Read read = ReadAll(port_);
  ASSERT_FALSE(read.position.empty());
  for (int i = 0; i < 8; ++i) {
    session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('c" +
                   std::to_string(i) + "', 'v0')");
  }
  // Wait until the window has moved past the read.
  SseClient live(port_, "/api/events");
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('last', 'v0')");
  ASSERT_EQ(ChangeEvents(live.ReadChanges(1, 60s)).size(), 1u);

  SseClient old(port_, "/api/events?from=" + read.position);
  auto welcome = old.Next(30s);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->event, "welcome");
  auto resync = old.Next(30s);
  ASSERT_TRUE(resync);
  EXPECT_EQ(resync->event, "resync");
  EXPECT_NE(resync->data.find("stream position"), std::string::npos) << resync->data;
}

TEST_F(Handoff, GarbageAndForgedPositionsAreClearErrors) {
  StartDaemon("handoff_garbage");
  Read read = ReadAll(port_);
  ASSERT_FALSE(read.position.empty());
  std::string forged = read.position;
  forged[4] = forged[4] == 'A' ? 'B' : 'A';  // inside the event id: the check no longer matches
  for (const std::string& bad : std::vector<std::string>{
           "P1_", "P1_garbage", forged, read.position.substr(0, read.position.size() - 3)}) {
    auto response = HttpGet(port_, "/api/events?from=" + bad);
    EXPECT_EQ(response.status, 400) << bad;
    EXPECT_NE(response.body.find("Invalid stream position"), std::string::npos) << response.body;
    WsClient ws(port_, "/ws?from=" + bad);
    auto error = ws.NextEvent("error", 30s);
    ASSERT_TRUE(error) << bad;
    EXPECT_NE(error->find("stream position"), std::string::npos) << *error;
    ws.Next(5s);
    EXPECT_EQ(ws.CloseCode(), 1008);
  }
  // The daemon is fine.
  EXPECT_EQ(HttpGet(port_, "/health").status, 200);
}

}  // namespace
}  // namespace walcast::testing
