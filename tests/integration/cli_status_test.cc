// `walcast status` against a real walcastd: --json carries every key and counts the committed
// orders; the text screen names the role and has the lag line; --watch prints screen after screen
// (showing "unreachable" once the daemon is gone, and going on) until SIGINT, exit 0; an
// unreachable URL exits 1, as `health` does. Nothing here depends on speed.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/integration/cli_process.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

std::string Url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

std::size_t Count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// Waits until `cli`'s stdout holds `needle` at least `times` times.
bool WaitForOutput(CliProcess& cli, const std::string& needle, std::size_t times,
                   std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Count(cli.Stdout(), needle) >= times) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

class CliStatus : public StreamingDaemonTest {
 protected:
  // One `walcast status` run that must exit `expected_exit`; its stdout.
  std::string Run(const std::vector<std::string>& args, int expected_exit = 0) {
    std::vector<std::string> full = {"--url", Url(port_), "status"};
    full.insert(full.end(), args.begin(), args.end());
    CliProcess cli(full);
    EXPECT_EQ(cli.WaitExit(60s), expected_exit) << cli.Stderr() << cli.Stdout();
    return cli.Stdout();
  }
};

// The keys of docs/cli.md "status --json", in order.
const char* kKeys[] = {"at",
                       "url",
                       "reachable",
                       "error",
                       "status",
                       "problem",
                       "database",
                       "stream",
                       "source",
                       "slot",
                       "confirmedLsn",
                       "lastEventAt",
                       "role",
                       "redis",
                       "clusterLagMs",
                       "term",
                       "slotLagBytes",
                       "slotLagSeconds",
                       "retainedWalBytes",
                       "latency",
                       "events",
                       "eventsTotal",
                       "eventsPerSecond",
                       "intervalSeconds",
                       "replayWindowEvents",
                       "replayWindowBytes",
                       "clients",
                       "clientsByTransport",
                       "slowClientsDropped",
                       "requestsByClass",
                       "connections",
                       "connectionsMax",
                       "uptimeSeconds",
                       "rssBytes"};

TEST_F(CliStatus, JsonHasEveryKeyAndCountsTheCommittedOrders) {
  StartDaemon("cli_status_json");
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name) SELECT 'n' || g, 'p' "
      "FROM generate_series(1, 5) g");
  // The events reach the counters once decoded: ask until they are counted.
  rapidjson::Document status;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  do {
    auto out = Run({"--json"});
    ASSERT_EQ(out.back(), '\n');
    status = ParseJson(out);
    ASSERT_TRUE(status.IsObject()) << out;
    if (status["events"].IsObject() && status["events"]["insert"].GetInt64() >= 5) break;
    std::this_thread::sleep_for(200ms);
  } while (std::chrono::steady_clock::now() < deadline);

  std::vector<std::string> keys;
  for (const auto& member : status.GetObject()) keys.emplace_back(member.name.GetString());
  EXPECT_EQ(keys, std::vector<std::string>(std::begin(kKeys), std::end(kKeys)));
  EXPECT_TRUE(status["reachable"].GetBool());
  EXPECT_STREQ(status["status"].GetString(), "ok");
  EXPECT_STREQ(status["database"].GetString(), "up");
  EXPECT_STREQ(status["stream"].GetString(), "up");
  EXPECT_STREQ(status["source"].GetString(), "replication");
  EXPECT_STREQ(status["role"].GetString(), "standalone");
  EXPECT_STREQ(status["url"].GetString(), Url(port_).c_str());
  EXPECT_GE(status["events"]["insert"].GetInt64(), 5);
  EXPECT_GE(status["eventsTotal"].GetInt64(), 5);
  ASSERT_TRUE(status["latency"].IsObject());
  EXPECT_GE(status["latency"]["observations"].GetInt64(), 1);
  EXPECT_TRUE(status["latency"]["p50Seconds"].IsNumber());
  EXPECT_TRUE(status["latency"]["p99Seconds"].IsNumber());
  EXPECT_STREQ(status["latency"]["window"].GetString(), "sinceStart");
  EXPECT_TRUE(status["eventsPerSecond"].IsNull()) << "one sample has no rate";
  EXPECT_TRUE(status["slotLagBytes"].IsNumber());
  EXPECT_TRUE(status["slotLagSeconds"].IsNumber()) << "set with the events counted";
  ASSERT_TRUE(status["clientsByTransport"].IsObject());
  EXPECT_EQ(status["clientsByTransport"]["websocket"].GetInt64(), 0);
  EXPECT_GE(status["replayWindowEvents"].GetInt64(), 5);
  EXPECT_TRUE(status["requestsByClass"]["2xx"].IsNumber());
  EXPECT_GE(status["connections"].GetInt64(), 0);
  EXPECT_GT(status["uptimeSeconds"].GetDouble(), 0);
}

TEST_F(CliStatus, TextNamesTheRoleAndTheLag) {
  StartDaemon("cli_status_text");
  auto out = Run({});
  EXPECT_EQ(out.rfind("walcast status  " + Url(port_), 0), 0u) << out;
  EXPECT_NE(out.find("\nstatus        ok\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nrole          standalone\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nslot lag      "), std::string::npos) << out;
  EXPECT_NE(out.find("\nlatency       "), std::string::npos) << out;
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << "no escape codes into a file";
}

TEST_F(CliStatus, WatchRefreshesShowsADaemonGoneAndStopsOnSigint) {
  StartDaemon("cli_status_watch");
  CliProcess watch({"--url", Url(port_), "status", "--watch", "1"});
  ASSERT_TRUE(WaitForOutput(watch, "walcast status  ", 2, 60s)) << watch.Stdout() << watch.Stderr();
  EXPECT_NE(watch.Stdout().find("\n" + std::string(60, '-') + "\n"), std::string::npos)
      << "screens are separated when stdout is not a terminal";
  EXPECT_EQ(watch.Stdout().find("\x1b["), std::string::npos);

  daemon_->Signal(SIGTERM);
  ASSERT_TRUE(daemon_->WaitExit(60s).has_value());
  ASSERT_TRUE(WaitForOutput(watch, "\nunreachable: ", 2, 60s)) << watch.Stdout();
  EXPECT_FALSE(watch.WaitExit(0ms).has_value()) << "keeps trying";
  watch.Signal(SIGINT);
  EXPECT_EQ(watch.WaitExit(30s), 0) << watch.Stderr();
  EXPECT_EQ(watch.Stderr(), "");
}

TEST_F(CliStatus, WatchJsonIsOneObjectPerLineWithRates) {
  StartDaemon("cli_status_watch_json");
  CliProcess watch({"--url", Url(port_), "status", "--watch", "1", "--json"});
  ASSERT_TRUE(watch.WaitForLines(2, 60s)) << watch.Stderr();
  watch.Signal(SIGINT);
  EXPECT_EQ(watch.WaitExit(30s), 0) << watch.Stderr();
  auto lines = watch.StdoutLines();
  ASSERT_GE(lines.size(), 2u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    rapidjson::Document line;
    line.Parse(lines[i].c_str());
    ASSERT_TRUE(!line.HasParseError() && line.IsObject()) << "line " << i << ": " << lines[i];
    EXPECT_TRUE(line["reachable"].GetBool());
    if (i == 0) {
      EXPECT_TRUE(line["eventsPerSecond"].IsNull());
    } else {
      EXPECT_TRUE(line["eventsPerSecond"].IsNumber()) << lines[i];
      EXPECT_TRUE(line["intervalSeconds"].IsNumber()) << lines[i];
      EXPECT_STREQ(line["latency"]["window"].GetString(), "interval") << lines[i];
    }
  }
}

TEST(CliStatusUnreachable, Exit1AsHealthDoes) {
  CliProcess text({"--url", "http://127.0.0.1:1", "status"});
  EXPECT_EQ(text.WaitExit(30s), 1);
  EXPECT_EQ(text.Stdout(), "");
  EXPECT_NE(text.Stderr().find("walcast status: unreachable: "), std::string::npos)
      << text.Stderr();
  EXPECT_NE(text.Stderr().find("connection refused"), std::string::npos) << text.Stderr();

  CliProcess health({"--url", "http://127.0.0.1:1", "health"});
  EXPECT_EQ(health.WaitExit(30s), 1) << "the same code as health";

  CliProcess json({"--url", "http://127.0.0.1:1", "status", "--json"});
  EXPECT_EQ(json.WaitExit(30s), 1);
  rapidjson::Document doc;
  doc.Parse(json.Stdout().c_str());
  ASSERT_TRUE(!doc.HasParseError() && doc.IsObject()) << json.Stdout();
  EXPECT_FALSE(doc["reachable"].GetBool());
  EXPECT_STREQ(doc["status"].GetString(), "unreachable");
  EXPECT_NE(std::string(doc["error"].GetString()).find("connection refused"), std::string::npos);
}

TEST(CliStatusUnreachable, WatchKeepsTrying) {
  CliProcess watch({"--url", "http://127.0.0.1:1", "status", "--watch", "0.2"});
  ASSERT_TRUE(WaitForOutput(watch, "\nunreachable: ", 3, 60s)) << watch.Stdout();
  watch.Signal(SIGINT);
  EXPECT_EQ(watch.WaitExit(30s), 0);
}

TEST(CliStatusUsage, BadWatchIntervalExits2) {
  for (const char* interval : {"0", "-1", "soon"}) {
    CliProcess cli({"status", "--watch", interval});
    EXPECT_EQ(cli.WaitExit(30s), 2) << interval;
    EXPECT_EQ(cli.Stdout(), "");
  }
}

}  // namespace
}  // namespace walcast::testing
