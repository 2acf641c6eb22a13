#include "tests/harness/orders_database.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/harness/http_client.h"
#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {

OrdersDatabase CreateOrdersDatabase(const std::string& name, const std::string& cluster_conninfo) {
  {
    PgSession admin(cluster_conninfo);
    // A slot of an earlier run of this test would hold the database open.
    admin.Query(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE slot_name = $1 AND NOT active",
        {name});
    admin.Exec("DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)");
    admin.Exec("CREATE DATABASE \"" + name + "\"");
  }
  OrdersDatabase database{name, WithDatabase(cluster_conninfo, name)};
  std::ifstream in(SourceDir() + "/database/schema.sql");
  std::stringstream schema;
  schema << in.rdbuf();
  PgSession session(database.conninfo);
  session.Exec(schema.str());
  session.Exec("DELETE FROM orders");
  return database;
}

OrdersDatabase CreateOrdersDatabase(const std::string& name) {
  return CreateOrdersDatabase(name, SharedConnInfo());
}

std::vector<std::string> DaemonArgs(const OrdersDatabase& database) {
  return {"--port", "0",           "--db-url", database.conninfo,
          "--slot", database.name, "--source", "replication"};
}

bool WaitForStream(int port, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto health = HttpGet(port, "/health");
    if (health.status == 200 && health.body.find("\"stream\":\"up\"") != std::string::npos) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

StreamingDaemon StartStreamingDaemon(const OrdersDatabase& database,
                                     const std::vector<std::string>& extra) {
  auto args = DaemonArgs(database);
  args.insert(args.end(), extra.begin(), extra.end());
  StreamingDaemon daemon{std::make_unique<DaemonProcess>(args), 0};
  daemon.port = daemon.process->WaitForPort();
  EXPECT_GT(daemon.port, 0) << daemon.process->Log();
  EXPECT_TRUE(daemon.port > 0 && WaitForStream(daemon.port)) << daemon.process->Log();
  return daemon;
}

void StreamingDaemonTest::StartDaemon(const std::string& name,
                                      const std::vector<std::string>& extra) {
  db_ = CreateOrdersDatabase(name);
  auto started = StartStreamingDaemon(db_, extra);
  daemon_ = std::move(started.process);
  port_ = started.port;
  ASSERT_TRUE(port_ > 0 && !HasFailure());
  session_ = std::make_unique<PgSession>(db_.conninfo);
}

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

}  // namespace walcast::testing
