// walcastd as a process: configuration errors, /health against a database that comes and goes,
// the HTTP edge (static UI, JSON 404, oversize and malformed requests), --apply-schema, .env,
// clean shutdown on SIGTERM/SIGINT and the systemd notifications.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/notify_socket.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The daemon's flags for a database on the shared cluster.
std::vector<std::string> DatabaseArgs(const std::string& conninfo) {
  return {"--port", "0", "--db-url", conninfo};
}

// Polls /health until it answers `status` or the (generous) timeout passes.
bool WaitForHealth(int port, int status, std::chrono::seconds timeout = 60s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HttpGet(port, "/health").status == status) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

rapidjson::Document Json(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << body;
  return doc;
}

TEST(Daemon, UnknownOptionIsOneLineErrorAndExitCode2) {
  DaemonProcess daemon({"--no-such-option"});
  EXPECT_EQ(daemon.WaitExit(30s), 2);
  std::string log = daemon.Log();
  EXPECT_NE(log.find("--no-such-option"), std::string::npos) << log;
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
}

TEST(Daemon, HelpListsEveryOptionWithItsEnvironmentVariable) {
  DaemonProcess daemon({"--help"});
  EXPECT_EQ(daemon.WaitExit(30s), 0);
  std::string help = daemon.Log();
  for (const char* name :
       {"PORT", "DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "WALCAST_HOST",
        "WALCAST_SOURCE", "WALCAST_SLOT", "WALCAST_PUBLICATION", "WALCAST_APPLY_SCHEMA",
        "WALCAST_RATE_LIMIT", "WALCAST_API_TOKEN", "WALCAST_STREAM_TOKEN", "WALCAST_CORS_ORIGINS",
        "WALCAST_WEB_ROOT", "WALCAST_LOG_LEVEL", "DATABASE_URL"}) {
    EXPECT_NE(help.find(std::string("[env: ") + name + "]"), std::string::npos) << name;
  }
}

TEST(Daemon, PortInUseExitsNonZeroWithReason) {
  DaemonProcess first({"--port", "0", "--db-port", "1"});
  int port = first.WaitForPort();
  ASSERT_GT(port, 0) << first.Log();
  DaemonProcess second({"--port", std::to_string(port), "--db-port", "1"});
  EXPECT_EQ(second.WaitExit(30s), 1);
  EXPECT_NE(second.Log().find("cannot listen"), std::string::npos) << second.Log();
}

TEST(Daemon, HealthIs503UntilTheDatabaseComesUpThen200) {
  PgCluster cluster;  // initialised, not running: the daemon starts first
  DaemonProcess daemon({"--port", "0", "--db-host", "127.0.0.1", "--db-port",
                        std::to_string(cluster.Port()), "--db-name", "postgres", "--apply-schema"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();

  auto down = HttpGet(port, "/health");
  EXPECT_EQ(down.status, 503);
  auto doc = Json(down.body);
  EXPECT_STREQ(doc["status"].GetString(), "down");
  EXPECT_EQ(down.body.find("127.0.0.1"), std::string::npos) << "no addresses in /health";

  cluster.Start();
  EXPECT_TRUE(WaitForHealth(port, 200)) << daemon.Log();
  EXPECT_STREQ(Json(HttpGet(port, "/health").body)["status"].GetString(), "ok");

  // The database goes away under a running daemon, then comes back: no restart needed.
  cluster.Stop();
  EXPECT_TRUE(WaitForHealth(port, 503)) << daemon.Log();
  cluster.Start();
  EXPECT_TRUE(WaitForHealth(port, 200)) << daemon.Log();
  EXPECT_FALSE(daemon.WaitExit(0ms).has_value()) << "the daemon never exits for a dead database";
}

TEST(Daemon, ServesTheUiAndJson404) {
  DaemonProcess daemon(DatabaseArgs(SharedConnInfo()));
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();

  auto index = HttpGet(port, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<html"), std::string::npos);
  EXPECT_EQ(index.Header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(index.Header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(index.Header("x-content-type-options"), "nosniff");
  EXPECT_FALSE(index.Header("x-request-id").empty());

  auto missing = HttpGet(port, "/no/such/thing");
  EXPECT_EQ(missing.status, 404);
  auto doc = Json(missing.body);
  EXPECT_FALSE(doc["success"].GetBool());
  EXPECT_STREQ(doc["error"].GetString(), "Endpoint not found");

  EXPECT_EQ(HttpGet(port, "/../../etc/passwd").status, 404);
}

TEST(Daemon, OversizeBodyIs413AndMalformedRequestIs400) {
  DaemonProcess daemon({"--port", "0", "--db-port", "1", "--max-body-bytes", "1024"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();

  auto big = HttpRequest(port, "POST", "/api/orders", std::string(4096, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_STREQ(Json(big.body)["error"].GetString(), "Request body too large");

  // Garbage instead of HTTP: a JSON 400, and the daemon keeps serving.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  boost::asio::write(socket, boost::asio::buffer(std::string("\x01\x02 NOT HTTP\r\n\r\n")));
  std::string reply;
  boost::system::error_code ec;
  std::array<char, 4096> chunk;
  while (size_t n = socket.read_some(boost::asio::buffer(chunk), ec)) reply.append(chunk.data(), n);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"success\":false"), std::string::npos) << reply;

  EXPECT_EQ(HttpGet(port, "/health").status, 503);
}

TEST(Daemon, ApplySchemaCreatesTheOrdersTable) {
  std::string conninfo = CreateTestDatabase("daemon_apply_schema");
  DaemonProcess daemon(
      {"--port", "0", "--db-url", conninfo, "--apply-schema", "--slot", "daemon_apply_schema"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  ASSERT_TRUE(WaitForHealth(port, 200)) << daemon.Log();
  EXPECT_TRUE(daemon.WaitForLog("database schema applied")) << daemon.Log();
  PgSession session(conninfo);
  EXPECT_EQ(session.Scalar("select to_regclass('public.orders') is not null"), "t");
  EXPECT_EQ(session.Scalar("select count(*) from pg_publication where pubname = 'walcast_orders'"),
            "1");
}

TEST(Daemon, ReadsDotEnvFromTheWorkingDirectory) {
  // The original app's .env keys, with none of them in the process environment.
  auto db = CreateOrdersDatabase("daemon_dotenv");
  auto value = [&](const std::string& key) {
    auto start = db.conninfo.find(key + "=") + key.size() + 1;
    return db.conninfo.substr(start, db.conninfo.find(' ', start) - start);
  };
  std::string dotenv = "# written by the test\nDB_HOST=" + value("host") +
                       "\nDB_PORT=" + value("port") + "\nDB_NAME=" + db.name +
                       "\nDB_USER=" + value("user") + "\nPORT=0\nWALCAST_SLOT=" + db.name + "\n";
  DaemonProcess daemon({}, {}, {{".env", dotenv}});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  EXPECT_TRUE(WaitForHealth(port, 200)) << daemon.Log();
}

TEST(Daemon, EnvironmentWinsOverDotEnv) {
  DaemonProcess daemon({}, {{"PORT", "0"}}, {{".env", "PORT=1\n"}});
  EXPECT_GT(daemon.WaitForPort(), 1) << daemon.Log();
}

TEST(Daemon, SigtermStopsWithExitCode0Within2Seconds) {
  DaemonProcess daemon(DaemonArgs(CreateOrdersDatabase("daemon_sigterm")));
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  ASSERT_TRUE(WaitForHealth(port, 200)) << daemon.Log();
  // An idle keep-alive connection must not hold the shutdown.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket idle(io);
  idle.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});

  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.WaitExit(2s), 0) << daemon.Log();
}

TEST(Daemon, SigintStopsWithExitCode0) {
  DaemonProcess daemon({"--port", "0", "--db-port", "1"});
  ASSERT_GT(daemon.WaitForPort(), 0) << daemon.Log();
  daemon.Signal(SIGINT);
  EXPECT_EQ(daemon.WaitExit(2s), 0) << daemon.Log();
}

TEST(Daemon, NotifiesSystemdReadyAndStopping) {
  NotifySocket notify("notify");
  DaemonProcess daemon({"--port", "0", "--db-port", "1"}, {{"NOTIFY_SOCKET", notify.path()}});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  EXPECT_EQ(notify.Receive(30s), "READY=1");
  // Ready means serving.
  EXPECT_EQ(HttpGet(port, "/health").status, 503);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(notify.Receive(30s), "STOPPING=1");
  EXPECT_EQ(daemon.WaitExit(2s), 0) << daemon.Log();
}

}  // namespace
}  // namespace walcast::testing
