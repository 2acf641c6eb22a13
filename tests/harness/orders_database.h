// Helpers for tests that run walcastd against a database of their own: a fresh database with the
// schema applied, the daemon's flags for it (a slot named after the database, since slots are
// cluster-wide), and waiting until the change stream is up. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/daemon_process.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {

struct OrdersDatabase {
  std::string name;
  std::string conninfo;
};

// Creates (or recreates) database `name` on `cluster_conninfo`'s server and applies
// database/schema.sql; the sample rows are deleted so tests start from an empty table.
OrdersDatabase CreateOrdersDatabase(const std::string& name, const std::string& cluster_conninfo);
OrdersDatabase CreateOrdersDatabase(const std::string& name);  // on the shared cluster

// --port 0, --db-url, --slot <name>, --source replication.
std::vector<std::string> DaemonArgs(const OrdersDatabase& database);

// Waits until /health reports the change stream up (200 with "stream":"up").
bool WaitForStream(int port, std::chrono::seconds timeout = std::chrono::seconds(60));

// walcastd on `database` with DaemonArgs plus `extra`, listening and streaming (the test fails
// when it does not get there).
struct StreamingDaemon {
  std::unique_ptr<DaemonProcess> process;
  int port = 0;
};
StreamingDaemon StartStreamingDaemon(const OrdersDatabase& database,
                                     const std::vector<std::string>& extra = {});

// A fixture for tests of one streaming walcastd on a database of the test's own.
class StreamingDaemonTest : public ::testing::Test {
 protected:
  // Creates database `name`, starts walcastd on it (DaemonArgs + `extra`) and waits for the
  // stream; the test stops at a failure.
  void StartDaemon(const std::string& name, const std::vector<std::string>& extra = {});

  OrdersDatabase db_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::unique_ptr<PgSession> session_;  // on db_
  int port_ = 0;
};

// Parses JSON, failing the test (not throwing) when it is malformed.
rapidjson::Document ParseJson(const std::string& text);

}  // namespace walcast::testing
