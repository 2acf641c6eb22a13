// `walcast tail` against a real walcastd: insert/update/delete arrive as JSON lines over
// WebSocket and SSE; a SIGKILL and restart of the daemon in the middle loses and duplicates
// nothing; filters; other tables with --table and --filter (and their environment variables), an
// unknown table or column refused with exit 1; a too-old --from gets a resync notice; bad
// arguments exit 2 with one line; an unreachable server exits 1 after --retry-for.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <set>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/integration/cli_process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

std::string Url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// Waits until the daemon counts `clients` stream clients, so the tail is subscribed before the
// test writes (a tail without --from starts with live events).
bool WaitForClients(int port, int clients) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto health = ParseJson(HttpGet(port, "/health").body);
    if (health.IsObject() && health.HasMember("clients") && health["clients"].GetInt() >= clients) {
      return true;
    }
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

struct Line {
  std::string event;
  std::string id;
  int order_id = 0;
  std::string status;
};

std::vector<Line> ParseLines(const std::vector<std::string>& lines) {
  std::vector<Line> out;
  for (const auto& text : lines) {
    auto doc = ParseJson(text);
    if (!doc.IsObject()) continue;
    Line line;
    line.event = doc["event"].GetString();
    line.id = doc["data"]["id"].GetString();
    const auto& row = doc["data"]["data"];
    line.order_id = row["id"].GetInt();
    line.status = row["status"].GetString();
    out.push_back(line);
  }
  return out;
}

class CliTail : public StreamingDaemonTest {};

void InsertUpdateDelete(PgSession& session) {
  session.Exec(
      "INSERT INTO orders (customer_name, product_name) VALUES ('Ada', 'Pen');"
      "UPDATE orders SET status = 'shipped' WHERE customer_name = 'Ada';"
      "DELETE FROM orders WHERE customer_name = 'Ada';");
}

TEST_F(CliTail, CountReceivesInsertUpdateDeleteAsJsonLinesOverWebSocketAndSse) {
  StartDaemon("cli_tail_basic");
  CliProcess ws({"--url", Url(port_), "tail", "--count", "3", "--timeout", "60"});
  CliProcess sse({"--url", Url(port_), "tail", "--sse", "--count", "3", "--timeout", "60"});
  ASSERT_TRUE(WaitForClients(port_, 2));
  InsertUpdateDelete(*session_);
  for (auto* tail : {&ws, &sse}) {
    ASSERT_EQ(tail->WaitExit(60s), 0) << tail->Stderr();
    auto lines = ParseLines(tail->StdoutLines());
    ASSERT_EQ(lines.size(), 3u) << tail->Stdout();
    EXPECT_EQ(lines[0].event, "orders:insert");
    EXPECT_EQ(lines[1].event, "orders:update");
    EXPECT_EQ(lines[1].status, "shipped");
    EXPECT_EQ(lines[2].event, "orders:delete");
    EXPECT_EQ(lines[0].order_id, lines[2].order_id);
    EXPECT_EQ(tail->Stderr(), "") << "nothing to say when all goes well";
  }
}

TEST_F(CliTail, PrettyFormatIsOneReadableLinePerEvent) {
  StartDaemon("cli_tail_pretty");
  CliProcess tail(
      {"--url", Url(port_), "tail", "--format", "pretty", "--count", "3", "--timeout", "60"});
  ASSERT_TRUE(WaitForClients(port_, 1));
  InsertUpdateDelete(*session_);
  ASSERT_EQ(tail.WaitExit(60s), 0) << tail.Stderr();
  auto lines = tail.StdoutLines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("orders:insert"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("orders:update"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("(status pending → shipped)"), std::string::npos) << lines[1];
  EXPECT_NE(lines[2].find("orders:delete"), std::string::npos) << lines[2];
  EXPECT_EQ(lines[0].find('\033'), std::string::npos) << "no colours when not on a terminal";
}

TEST_F(CliTail, FiltersByStatusOperationAndOrderId) {
  StartDaemon("cli_tail_filters");
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name) VALUES ('a', 'p'), ('b', 'p'), ('c', "
      "'p')");
  int first = std::stoi(session_->Scalar("SELECT min(id) FROM orders"));
  std::string b = std::to_string(first + 1);
  CliProcess by_status(
      {"--url", Url(port_), "tail", "--status", "delivered", "--count", "1", "--timeout", "60"});
  CliProcess by_operation(
      {"--url", Url(port_), "tail", "--operation", "delete", "--count", "1", "--timeout", "60"});
  CliProcess by_id(
      {"--url", Url(port_), "tail", "--sse", "--order-id", b, "--count", "1", "--timeout", "60"});
  ASSERT_TRUE(WaitForClients(port_, 3));
  session_->Exec("UPDATE orders SET status = 'shipped' WHERE id = " + std::to_string(first));
  session_->Exec("UPDATE orders SET status = 'shipped' WHERE id = " + b);
  session_->Exec("UPDATE orders SET status = 'delivered' WHERE id = " + std::to_string(first + 2));
  session_->Exec("DELETE FROM orders WHERE id = " + std::to_string(first));

  ASSERT_EQ(by_status.WaitExit(60s), 0) << by_status.Stderr();
  auto status = ParseLines(by_status.StdoutLines());
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].order_id, first + 2);
  EXPECT_EQ(status[0].status, "delivered");

  ASSERT_EQ(by_operation.WaitExit(60s), 0) << by_operation.Stderr();
  auto deleted = ParseLines(by_operation.StdoutLines());
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].event, "orders:delete");
  EXPECT_EQ(deleted[0].order_id, first);

  ASSERT_EQ(by_id.WaitExit(60s), 0) << by_id.Stderr();
  auto by_order = ParseLines(by_id.StdoutLines());
  ASSERT_EQ(by_order.size(), 1u);
  EXPECT_EQ(by_order[0].order_id, first + 1);
}

// The JSON lines of other tables' events: the event name and the row's `name` column.
struct TableLine {
  std::string event;
  std::string name;  // data.data.name ("" when the row has no name: a delete carries the key)
};

std::vector<TableLine> ParseTableLines(const std::vector<std::string>& lines) {
  std::vector<TableLine> out;
  for (const auto& text : lines) {
    auto doc = ParseJson(text);
    if (!doc.IsObject()) continue;
    TableLine line{doc["event"].GetString(), ""};
    const auto& row = doc["data"]["data"];
    if (row.IsObject() && row.HasMember("name")) line.name = row["name"].GetString();
    out.push_back(line);
  }
  return out;
}

// A database with a customers table beside orders (REPLICA IDENTITY DEFAULT: a delete carries
// the key only, an update no old row), streamed by a walcastd started with --tables.
class CliTailTables : public ::testing::Test {
 protected:
  void StartDaemon(const std::string& name) {
    db_ = CreateOrdersDatabase(name);
    session_ = std::make_unique<PgSession>(db_.conninfo);
    session_->Exec(
        "CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, country text)");
    daemon_ = StartStreamingDaemon(db_, {"--tables", "orders,customers"});
    port_ = daemon_.port;
  }

  OrdersDatabase db_;
  std::unique_ptr<PgSession> session_;
  StreamingDaemon daemon_;
  int port_ = 0;
};

TEST_F(CliTailTables, TableAndFilterSelectAnotherTablesEvents) {
  StartDaemon("cli_tail_tables");
  CliProcess by_table(
      {"--url", Url(port_), "tail", "--table", "customers", "--count", "4", "--timeout", "60"});
  CliProcess by_filter({"--url", Url(port_), "tail", "--sse", "--filter", "customers:country=eq.DE",
                        "--count", "2", "--timeout", "60"});
  // The environment instead of the flags, and the readable lines naming the event.
  CliProcess by_env(
      {"--url", Url(port_), "tail", "--format", "pretty", "--count", "4", "--timeout", "60"},
      {{"WALCAST_TAIL_TABLES", "customers"}});
  CliProcess filter_env({"--url", Url(port_), "tail", "--count", "1", "--timeout", "60"},
                        {{"WALCAST_TAIL_FILTERS", "customers:name=eq.Bo\ncustomers:id=gt.0"}});
  CliProcess both({"--url", Url(port_), "tail", "--table", "orders", "--filter",
                   "customers:country=in.(FR,\"X,Y\")", "--count", "3", "--timeout", "60"});
  ASSERT_TRUE(WaitForClients(port_, 5));
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('o', 'p')");
  session_->Exec("INSERT INTO customers (name, country) VALUES ('Ada', 'DE')");
  session_->Exec("INSERT INTO customers (name, country) VALUES ('Bo', 'FR')");
  session_->Exec("UPDATE customers SET country = 'DE' WHERE name = 'Bo'");
  session_->Exec("DELETE FROM customers WHERE name = 'Ada'");

  ASSERT_EQ(by_table.WaitExit(60s), 0) << by_table.Stderr();
  auto table = ParseTableLines(by_table.StdoutLines());
  ASSERT_EQ(table.size(), 4u) << by_table.Stdout();
  EXPECT_EQ(table[0].event, "customers:insert");
  EXPECT_EQ(table[0].name, "Ada");
  EXPECT_EQ(table[1].event, "customers:insert");
  EXPECT_EQ(table[2].event, "customers:update");
  EXPECT_EQ(table[2].name, "Bo");
  EXPECT_EQ(table[3].event, "customers:delete");
  EXPECT_EQ(by_table.Stderr(), "");

  // Ada's insert, and Bo's update into DE (then Ada's delete, which --count 2 leaves unread).
  ASSERT_EQ(by_filter.WaitExit(60s), 0) << by_filter.Stderr();
  auto filtered = ParseTableLines(by_filter.StdoutLines());
  ASSERT_EQ(filtered.size(), 2u) << by_filter.Stdout();
  EXPECT_EQ(filtered[0].event, "customers:insert");
  EXPECT_EQ(filtered[0].name, "Ada");
  EXPECT_EQ(filtered[1].event, "customers:update");
  EXPECT_EQ(filtered[1].name, "Bo");

  ASSERT_EQ(by_env.WaitExit(60s), 0) << by_env.Stderr();
  auto pretty = by_env.StdoutLines();
  ASSERT_EQ(pretty.size(), 4u) << by_env.Stdout();
  EXPECT_NE(pretty[0].find("customers:insert"), std::string::npos) << pretty[0];
  EXPECT_NE(pretty[0].find("name=Ada country=DE"), std::string::npos) << pretty[0];
  EXPECT_NE(pretty[2].find("customers:update"), std::string::npos) << pretty[2];
  EXPECT_NE(pretty[3].find("customers:delete"), std::string::npos) << pretty[3];

  ASSERT_EQ(filter_env.WaitExit(60s), 0) << filter_env.Stderr();
  auto bo = ParseTableLines(filter_env.StdoutLines());
  ASSERT_EQ(bo.size(), 1u) << filter_env.Stdout();
  EXPECT_EQ(bo[0].event, "customers:insert");
  EXPECT_EQ(bo[0].name, "Bo");

  // orders by --table, customers through the filter's table: the orders insert, Bo's insert in
  // FR, and Ada's delete. Bo's update to DE does not pass: without REPLICA IDENTITY FULL there is
  // no old row for the filter to match. Ada's delete carries her key only, so the filter on
  // country cannot judge it, and it is delivered rather than lost (docs/tables.md).
  ASSERT_EQ(both.WaitExit(60s), 0) << both.Stderr();
  auto mixed = ParseTableLines(both.StdoutLines());
  ASSERT_EQ(mixed.size(), 3u) << both.Stdout();
  EXPECT_EQ(mixed[0].event, "orders:insert");
  EXPECT_EQ(mixed[1].event, "customers:insert");
  EXPECT_EQ(mixed[1].name, "Bo");
  EXPECT_EQ(mixed[2].event, "customers:delete");
}

TEST_F(CliTailTables, UnknownTableOrColumnIsRefusedWithExit1) {
  StartDaemon("cli_tail_tables_refused");
  struct Case {
    std::vector<std::string> args;
    std::string expected;  // in the notice
  };
  std::vector<Case> cases = {
      {{"--table", "nosuch"}, "nosuch"},
      {{"--filter", "customers:cuntry=eq.DE"}, "cuntry"},
      {{"--filter", "customers:id=eq.abc"}, "abc"},
  };
  for (const auto& c : cases) {
    for (bool sse : {false, true}) {
      std::vector<std::string> args = {"--url", Url(port_), "tail", "--retry-for", "30"};
      if (sse) args.push_back("--sse");
      args.insert(args.end(), c.args.begin(), c.args.end());
      CliProcess tail(args);
      std::string what = c.args.back() + (sse ? " over SSE" : " over WebSocket");
      EXPECT_EQ(tail.WaitExit(30s), 1) << what << ": " << tail.Stderr();
      EXPECT_NE(tail.Stderr().find(c.expected), std::string::npos) << what << ": " << tail.Stderr();
      EXPECT_EQ(tail.Stdout(), "") << what;
    }
  }
}

// The promise of the issue: a tail that outlives a crash of the daemon prints every committed
// change once, in commit order, with notices on stderr only.
TEST(CliTailRestart, DaemonKillAndRestartLosesAndDuplicatesNothing) {
  constexpr int kPerPhase = 20;
  auto db = CreateOrdersDatabase("cli_tail_restart");
  auto running = StartStreamingDaemon(db);
  int port = running.port;
  PgSession session(db.conninfo);
  auto insert = [&](const std::string& phase) {
    for (int i = 0; i < kPerPhase; ++i) {
      // Mixed transaction sizes: single rows and pairs.
      if (i % 3 == 0 && i + 1 < kPerPhase) {
        session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('" + phase + "', " +
                     "'p'), ('" + phase + "', 'p')");
        ++i;
      } else {
        session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('" + phase +
                     "', 'p')");
      }
    }
  };

  CliProcess tail({"--url", Url(port), "tail", "--count", std::to_string(3 * kPerPhase),
                   "--retry-for", "120", "--timeout", "180"});
  ASSERT_TRUE(WaitForClients(port, 1));
  insert("before");
  ASSERT_TRUE(tail.WaitForLines(kPerPhase, 60s)) << tail.Stderr();

  running.process->Signal(SIGKILL);
  running.process->WaitExit(10s);
  insert("while down");
  // Back on the same port, so the tail's reconnects find it.
  auto args = DaemonArgs(db);
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--port") args[i + 1] = std::to_string(port);
  }
  DaemonProcess restarted(args);
  ASSERT_EQ(restarted.WaitForPort(), port) << restarted.Log();
  ASSERT_TRUE(WaitForStream(port)) << restarted.Log();
  insert("after");

  ASSERT_EQ(tail.WaitExit(120s), 0) << tail.Stderr();
  auto lines = ParseLines(tail.StdoutLines());
  ASSERT_EQ(lines.size(), size_t{3 * kPerPhase}) << tail.Stdout();
  auto truth = session.Exec("SELECT id FROM orders ORDER BY id");
  ASSERT_EQ(truth.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i].order_id, std::stoi(*truth[i][0])) << "in commit order, once each";
    if (i > 0) {
      EXPECT_LT(lines[i - 1].id, lines[i].id);
    }
  }
  std::string notices = tail.Stderr();
  EXPECT_NE(notices.find("connection lost"), std::string::npos) << notices;
  EXPECT_NE(notices.find("reconnected"), std::string::npos) << notices;
}

TEST_F(CliTail, TooOldFromGetsAResyncNoticeThenContinues) {
  StartDaemon("cli_tail_resync", {"--replay-max-events", "2"});
  CliProcess first({"--url", Url(port_), "tail", "--count", "5", "--timeout", "60"});
  ASSERT_TRUE(WaitForClients(port_, 1));
  for (int i = 0; i < 5; ++i) {
    session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('x', 'p')");
  }
  ASSERT_EQ(first.WaitExit(60s), 0);
  auto seen = ParseLines(first.StdoutLines());
  ASSERT_EQ(seen.size(), 5u);

  CliProcess late(
      {"--url", Url(port_), "tail", "--from", seen[0].id, "--count", "1", "--timeout", "60"});
  ASSERT_TRUE(WaitForClients(port_, 1));
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('live', 'p')");
  ASSERT_EQ(late.WaitExit(60s), 0) << late.Stderr();
  EXPECT_NE(late.Stderr().find("resync"), std::string::npos) << late.Stderr();
  auto lines = ParseLines(late.StdoutLines());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_GT(lines[0].id, seen[4].id) << "continues live after the notice";
}

TEST_F(CliTail, StreamTokenFromFlagOrEnvironmentAndExit1WhenRefused) {
  StartDaemon("cli_tail_token", {"--stream-token", "s3cret"});
  CliProcess refused({"--url", Url(port_), "tail", "--retry-for", "30"});
  EXPECT_EQ(refused.WaitExit(30s), 1) << "a 401 is not retried";
  EXPECT_NE(refused.Stderr().find("401"), std::string::npos) << refused.Stderr();
  CliProcess by_flag({"--url", Url(port_), "--token", "s3cret", "tail", "--sse", "--count", "1",
                      "--timeout", "60"});
  CliProcess by_env({"--url", Url(port_), "tail", "--count", "1", "--timeout", "60"},
                    {{"WALCAST_TOKEN", "s3cret"}});
  ASSERT_TRUE(WaitForClients(port_, 2));
  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('t', 'p')");
  for (auto* tail : {&by_flag, &by_env}) {
    EXPECT_EQ(tail->WaitExit(60s), 0) << tail->Stderr();
    EXPECT_EQ(ParseLines(tail->StdoutLines()).size(), 1u);
  }
}

TEST_F(CliTail, InterruptExits0WithEveryEventWritten) {
  StartDaemon("cli_tail_sigint");
  CliProcess tail({"--url", Url(port_), "tail"});
  ASSERT_TRUE(WaitForClients(port_, 1));
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name) SELECT 'n' || g, 'p' "
      "FROM generate_series(1, 3) g");
  // The lines reach the file through the 50 ms flush of a trickle, before any signal.
  ASSERT_TRUE(tail.WaitForLines(3, 30s)) << tail.Stderr();
  tail.Signal(SIGINT);
  EXPECT_EQ(tail.WaitExit(30s), 0) << tail.Stderr();
  EXPECT_EQ(ParseLines(tail.StdoutLines()).size(), 3u);
}

TEST(CliUsage, BadArgumentsExit2WithOneLine) {
  std::vector<std::vector<std::string>> cases = {
      {"tail", "--status", "lost"},
      {"tail", "--operation", "upsert"},
      {"tail", "--order-id", "0"},
      {"tail", "--from", "yesterday"},
      {"tail", "--count", "many"},
      {"tail", "--format", "yaml"},
      {"tail", "--table", "a:b"},
      {"tail", "--filter", "customers:country"},
      {"tail", "--filter", "customers:country=like.D%"},
      {"tail", "--no-such-flag"},
      {"--url", "ftp://example", "tail"},
      {"orders", "get", "0"},
      {"orders", "get", "abc"},
      {"orders", "create", "--customer", "  ", "--product", "p"},
      {"orders", "create", "--customer", "a", "--product", "p", "--status", "lost"},
      {"orders", "update", "3"},
      {"orders", "list", "--limit", "1001"},
      {"orders", "bulk-status", "--status", "shipped", "1,x"},
      {},
  };
  for (const auto& args : cases) {
    // Port 1: nothing listens there, so any attempt to connect would show as exit 1.
    std::vector<std::string> full = {"--url", "http://127.0.0.1:1"};
    full.insert(full.end(), args.begin(), args.end());
    CliProcess cli(full);
    std::string what;
    for (const auto& a : args) what += a + " ";
    EXPECT_EQ(cli.WaitExit(30s), 2) << what << cli.Stderr();
    std::string err = cli.Stderr();
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << what << err;
    EXPECT_EQ(cli.Stdout(), "") << what;
  }
}

TEST(CliUsage, UnreachableServerExits1AfterRetryFor) {
  for (bool sse : {false, true}) {
    std::vector<std::string> args = {"--url", "http://127.0.0.1:1", "tail", "--retry-for", "1"};
    if (sse) args.push_back("--sse");
    CliProcess cli(args);
    EXPECT_EQ(cli.WaitExit(30s), 1) << cli.Stderr();
    EXPECT_NE(cli.Stderr().find("gave up after 1 s"), std::string::npos) << cli.Stderr();
    EXPECT_EQ(cli.Stdout(), "");
  }
}

TEST(CliUsage, VersionAndHelpGoToStdoutWithExit0) {
  CliProcess version({"--version"});
  EXPECT_EQ(version.WaitExit(30s), 0);
  EXPECT_EQ(version.Stdout(), "0.1.0\n");
  CliProcess help({"tail", "--help"});
  EXPECT_EQ(help.WaitExit(30s), 0);
  EXPECT_NE(help.Stdout().find("--retry-for"), std::string::npos);
}

}  // namespace
}  // namespace walcast::testing
