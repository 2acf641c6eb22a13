// --tables on a real PostgreSQL 15: walcastd creates the publication for exactly the listed tables
// (FOR ALL TABLES for `*`), adds a listed table an existing publication lacks, and when the role
// may not (or a table is missing) says who must run what, in the log and /health, while it keeps
// running and retrying; it streams once the owner has acted. An existing publication FOR ALL
// TABLES holds every listed table; a partitioned table streams under its own name. The catalog
// statement (database/table_catalog_query.h) on a real pool returns each table's columns, types,
// keys and replica identity (FULL, DEFAULT, USING INDEX, NOTHING).
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "database/pg_pool.h"
#include "database/table_catalog_query.h"
#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

// "schema.table" of every table `publication` publishes, sorted.
Strings PublishedTables(PgSession& session, const std::string& publication) {
  Strings out;
  for (const auto& row : session.Query(
           "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1 "
           "ORDER BY 1",
           {publication})) {
    out.push_back(row[0].value_or(""));
  }
  return out;
}

void CreateCustomersAndInvoices(PgSession& session) {
  session.Exec(
      "CREATE TABLE customers (id int PRIMARY KEY, name text);"
      "CREATE SCHEMA sales;"
      "CREATE TABLE sales.invoices (id int PRIMARY KEY, amount numeric(10,2))");
}

// A role that may stream (REPLICATION) but owns neither the publication nor the tables.
std::string LimitedRole(PgSession& session, const std::string& role) {
  session.Exec("DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + " LOGIN REPLICATION");
  return role;
}

std::string HealthProblem(int port) {
  auto health = ParseJson(HttpGet(port, "/health").body);
  return health.HasMember("problem") && health["problem"].IsString() ? health["problem"].GetString()
                                                                     : "";
}

// The next change event of `client` (welcome and other control events skipped).
std::optional<SseEvent> NextChange(SseClient& client) {
  for (int i = 0; i < 20; ++i) {
    auto event = client.Next(30s);
    if (!event) return std::nullopt;
    if (event->event.find(':') != std::string::npos) return event;
  }
  return std::nullopt;
}

TEST(TablesPublication, CreatesAMissingPublicationForExactlyTheListedTables) {
  auto db = CreateOrdersDatabase("tables_create");
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  auto daemon = StartStreamingDaemon(
      db, {"--tables", "customers, sales.invoices", "--publication", "tables_listed"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_EQ(PublishedTables(session, "tables_listed"),
            (Strings{"public.customers", "sales.invoices"}));
  EXPECT_TRUE(daemon.process->WaitForLog(
      "created publication tables_listed for tables public.customers, sales.invoices"))
      << daemon.process->Log();
}

TEST(TablesPublication, ExtendsAnExistingPublicationByTheListedTablesItLacks) {
  auto db = CreateOrdersDatabase("tables_extend");  // the schema's walcast_orders has orders
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  auto daemon = StartStreamingDaemon(db, {"--tables", "orders,customers,sales.invoices"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_EQ(PublishedTables(session, "walcast_orders"),
            (Strings{"public.customers", "public.orders", "sales.invoices"}));
  EXPECT_TRUE(
      daemon.process->WaitForLog("added table public.customers to publication "
                                 "walcast_orders"))
      << daemon.process->Log();
  EXPECT_TRUE(
      daemon.process->WaitForLog("added table sales.invoices to publication "
                                 "walcast_orders"));
}

TEST(TablesPublication, ARoleThatMayNotExtendThePublicationIsToldWhoMustAndKeepsRunning) {
  auto db = CreateOrdersDatabase("tables_not_owner");
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  std::string role = LimitedRole(session, "walcast_tables_limited");
  DaemonProcess daemon({"--port", "0", "--db-url", db.conninfo + " user=" + role, "--slot", db.name,
                        "--source", "replication", "--tables", "orders,customers"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  const std::string expected =
      "cannot add table public.customers to publication walcast_orders: role " + role + " may not";
  EXPECT_TRUE(daemon.WaitForLog(expected)) << daemon.Log();
  EXPECT_TRUE(daemon.WaitForLog(
      "run `ALTER PUBLICATION \"walcast_orders\" ADD TABLE \"public\".\"customers\"`"))
      << daemon.Log();
  auto health = HttpGet(port, "/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(HealthProblem(port).find(expected), std::string::npos) << health.body;
  EXPECT_FALSE(daemon.WaitExit(0ms).has_value());  // still running, retrying

  // Once the owner has done what the message says, the next attempt streams.
  session.Exec("ALTER PUBLICATION walcast_orders ADD TABLE customers");
  EXPECT_TRUE(WaitForStream(port)) << daemon.Log();
}

TEST(TablesPublication, AListedTableThatDoesNotExistIsNamedUntilItIsCreated) {
  auto db = CreateOrdersDatabase("tables_missing");
  DaemonProcess daemon([&] {
    auto args = DaemonArgs(db);
    args.insert(args.end(), {"--tables", "orders,sales.nosuch"});
    return args;
  }());
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  EXPECT_TRUE(daemon.WaitForLog("table sales.nosuch does not exist in this database"))
      << daemon.Log();
  EXPECT_NE(HealthProblem(port).find("sales.nosuch"), std::string::npos);
  EXPECT_EQ(HttpGet(port, "/health").status, 503);

  PgSession(db.conninfo).Exec("CREATE SCHEMA sales; CREATE TABLE sales.nosuch (id int)");
  EXPECT_TRUE(WaitForStream(port)) << daemon.Log();
  PgSession session(db.conninfo);
  EXPECT_EQ(PublishedTables(session, "walcast_orders"), (Strings{"public.orders", "sales.nosuch"}));
}

TEST(TablesPublication, StarStreamsWhatAnExistingPublicationHas) {
  auto db = CreateOrdersDatabase("tables_star_existing");
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  auto daemon = StartStreamingDaemon(db, {"--tables", "*"});
  ASSERT_GT(daemon.port, 0);
  // Taken as it is: nothing added, nothing created.
  EXPECT_EQ(PublishedTables(session, "walcast_orders"), Strings{"public.orders"});
  EXPECT_EQ(daemon.process->Log().find("publication walcast_orders"), std::string::npos)
      << daemon.process->Log();
}

TEST(TablesPublication, StarCreatesAPublicationForAllTables) {
  auto db = CreateOrdersDatabase("tables_star_create");
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  auto daemon = StartStreamingDaemon(db, {"--tables", "*", "--publication", "tables_all"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_EQ(session.Scalar("SELECT puballtables FROM pg_publication WHERE pubname = 'tables_all'"),
            "t");
  EXPECT_EQ(PublishedTables(session, "tables_all"),
            (Strings{"public.customers", "public.orders", "sales.invoices"}));
  EXPECT_TRUE(daemon.process->WaitForLog("created publication tables_all for all tables"));
}

// ... and once a superuser has done it, streams; the table catalog, read at start when the
// publication did not exist, lists its tables by the time /health says the stream is up (with
// the periodic read an hour away, only the read the stream asks for can have listed them).
TEST(TablesPublication, StarWithoutASuperuserSaysWhatToDoThenStreamsWhenItIsDone) {
  auto db = CreateOrdersDatabase("tables_star_refused");
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  std::string role = LimitedRole(session, "walcast_tables_star");
  // CREATE on the database, so that what is missing is superuser alone.
  session.Exec("GRANT CREATE ON DATABASE " + db.name + " TO " + role);
  DaemonProcess daemon({"--port", "0", "--db-url", db.conninfo + " user=" + role, "--slot", db.name,
                        "--source", "replication", "--tables", "*", "--publication", "tables_star",
                        "--catalog-refresh-ms", "3600000"});
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  EXPECT_TRUE(
      daemon.WaitForLog("cannot create publication tables_star FOR ALL TABLES (--tables "
                        "*): role " +
                        role + " may not (must be superuser"))
      << daemon.Log();
  EXPECT_TRUE(
      daemon.WaitForLog("have a superuser run `CREATE PUBLICATION \"tables_star\" FOR ALL "
                        "TABLES WITH (publish_via_partition_root = true)`"));
  EXPECT_NE(HealthProblem(port).find("list the tables to stream with --tables"), std::string::npos);
  EXPECT_FALSE(daemon.WaitExit(0ms).has_value());

  session.Exec("CREATE PUBLICATION tables_star FOR ALL TABLES");
  ASSERT_TRUE(WaitForStream(port)) << daemon.Log();
  auto tables = ParseJson(HttpGet(port, "/api/tables").body);
  Strings names;
  if (tables.IsObject() && tables.HasMember("data") && tables["data"].IsArray()) {
    for (const auto& table : tables["data"].GetArray())
      names.push_back(table["qualifiedName"].GetString());
  }
  EXPECT_EQ(names, (Strings{"customers", "orders", "sales.invoices"})) << daemon.Log();
  SseClient client(port, "/api/events?filter=customers:name=eq.kept");
  session.Exec("INSERT INTO customers VALUES (1, 'dropped'), (2, 'kept')");
  auto change = NextChange(client);
  ASSERT_TRUE(change.has_value()) << daemon.Log();
  EXPECT_EQ(change->event, "customers:insert");
  EXPECT_NE(change->data.find("\"kept\""), std::string::npos) << change->data;
}

TEST(TablesPublication, AnExistingPublicationForAllTablesIsTakenAsHoldingTheListedTables) {
  auto db = CreateOrdersDatabase("tables_all_existing");
  PgSession session(db.conninfo);
  CreateCustomersAndInvoices(session);
  session.Exec("CREATE PUBLICATION everything FOR ALL TABLES");
  auto daemon = StartStreamingDaemon(db, {"--tables", "customers", "--publication", "everything"});
  ASSERT_GT(daemon.port, 0) << daemon.process->Log();
  SseClient client(daemon.port, "/api/events");
  ASSERT_EQ(client.status(), 200);
  session.Exec("INSERT INTO customers VALUES (1, 'Ada')");
  auto change = NextChange(client);
  ASSERT_TRUE(change) << daemon.process->Log();
  EXPECT_EQ(change->event, "customers:insert");
  EXPECT_EQ(daemon.process->Log().find("ADD TABLE"), std::string::npos) << daemon.process->Log();
}

// A partitioned table's changes are named after it, not after the partition a row landed in.
TEST(TablesPublication, APartitionedTableStreamsUnderItsOwnName) {
  auto db = CreateOrdersDatabase("tables_partitioned");
  PgSession session(db.conninfo);
  session.Exec(
      "CREATE TABLE readings (id int, taken date NOT NULL, value numeric) PARTITION BY RANGE "
      "(taken); CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') "
      "TO ('2027-01-01'); ALTER TABLE readings_2026 REPLICA IDENTITY FULL");
  auto daemon =
      StartStreamingDaemon(db, {"--tables", "readings", "--publication", "tables_partitioned"});
  ASSERT_GT(daemon.port, 0) << daemon.process->Log();
  EXPECT_EQ(session.Scalar("SELECT pubviaroot FROM pg_publication WHERE pubname = "
                           "'tables_partitioned'"),
            "t");
  // Filters are checked against the catalog, read at start and every 2 s.
  for (int i = 0; i < 300 && HttpGet(daemon.port, "/api/tables").body.find("\"readings\"") ==
                                 std::string::npos;
       ++i) {
    std::this_thread::sleep_for(100ms);
  }
  SseClient client(daemon.port, "/api/events?filter=readings:value=gt.1");
  ASSERT_EQ(client.status(), 200) << client.ReadRest(1s);
  session.Exec("INSERT INTO readings VALUES (1, '2026-12-07', 0.5), (2, '2026-12-07', 2.5)");
  auto change = NextChange(client);
  ASSERT_TRUE(change) << daemon.process->Log();
  EXPECT_EQ(change->event, "readings:insert");
  EXPECT_NE(change->data.find("\"id\":2"), std::string::npos) << change->data;
}

TEST(TablesPublication, APublicationThatNamesPartitionsIsToldToPublishViaTheRoot) {
  auto db = CreateOrdersDatabase("tables_partitions_named");
  PgSession session(db.conninfo);
  session.Exec(
      "CREATE TABLE readings (id int, taken date NOT NULL) PARTITION BY RANGE (taken); "
      "CREATE TABLE readings_2026 PARTITION OF readings FOR VALUES FROM ('2026-01-01') TO "
      "('2027-01-01'); CREATE PUBLICATION leaves FOR TABLE readings");
  DaemonProcess daemon([&] {
    auto args = DaemonArgs(db);
    args.insert(args.end(), {"--tables", "readings", "--publication", "leaves"});
    return args;
  }());
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  EXPECT_TRUE(daemon.WaitForLog(
      "run `ALTER PUBLICATION \"leaves\" SET (publish_via_partition_root = true)`"))
      << daemon.Log();
  EXPECT_NE(HealthProblem(port).find("partitioned table public.readings"), std::string::npos);
  EXPECT_FALSE(daemon.WaitExit(0ms).has_value());  // still running, retrying

  session.Exec("ALTER PUBLICATION leaves SET (publish_via_partition_root = true)");
  EXPECT_TRUE(WaitForStream(port)) << daemon.Log();
}

TEST(TablesPublication, NotifyModeWarnsThatItStreamsOrdersOnly) {
  auto db = CreateOrdersDatabase("tables_notify");
  auto daemon = StartStreamingDaemon(db, {"--source", "notify", "--tables", "orders,customers"});
  ASSERT_GT(daemon.port, 0);
  EXPECT_TRUE(daemon.process->WaitForLog("NOTIFY mode streams only the orders table"))
      << daemon.process->Log();
}

// The catalog statement on a real pool.
class TableCatalogQuery : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = CreateOrdersDatabase("tables_catalog");
    session_ = std::make_unique<PgSession>(db_.conninfo);
    database::PgPoolOptions options;
    options.params = {{"dbname", db_.conninfo}};
    options.size = 2;
    pool_ = std::make_shared<database::PgPool>(io_.get_executor(), std::move(options));
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    pool_->Stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }

  database::table_catalog_query::Outcome Load(const std::vector<decoder::TableName>& tables,
                                              const std::string& publication = "walcast_orders") {
    auto promise = std::make_shared<std::promise<database::table_catalog_query::Outcome>>();
    auto future = promise->get_future();
    database::table_catalog_query::Load(*pool_, publication, tables,
                                        [promise](database::table_catalog_query::Outcome outcome) {
                                          promise->set_value(std::move(outcome));
                                        });
    EXPECT_EQ(future.wait_for(30s), std::future_status::ready);
    return future.get();
  }

  OrdersDatabase db_;
  std::unique_ptr<PgSession> session_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::shared_ptr<database::PgPool> pool_;
  std::thread thread_;
};

// "name type[key][!]" per column: key marks a key column, ! a NOT NULL one.
Strings Columns(const decoder::CatalogTable& table) {
  Strings out;
  for (const auto& c : table.columns) {
    out.push_back(c.name + " " + c.type + (c.key ? " key" : "") + (c.not_null ? " !" : ""));
  }
  return out;
}

TEST_F(TableCatalogQuery, ColumnsTypesKeysAndReplicaIdentities) {
  session_->Exec(
      "CREATE TABLE full_t (id int PRIMARY KEY, name text NOT NULL, price numeric(10,2));"
      "ALTER TABLE full_t REPLICA IDENTITY FULL;"
      "CREATE TABLE default_t (a int, gone int, b varchar(20), at timestamptz, tags text[],"
      "  PRIMARY KEY (b, a));"
      "ALTER TABLE default_t DROP COLUMN gone;"
      "CREATE TABLE index_t (id int PRIMARY KEY, code text NOT NULL, note char(3));"
      "CREATE UNIQUE INDEX index_t_code ON index_t (code);"
      "ALTER TABLE index_t REPLICA IDENTITY USING INDEX index_t_code;"
      "CREATE TABLE nothing_t (id bigint PRIMARY KEY);"
      "ALTER TABLE nothing_t REPLICA IDENTITY NOTHING;"
      "CREATE SCHEMA \"Sales\"; CREATE TABLE \"Sales\".\"Q1, Q2\" (\"Amount\" money)");
  auto outcome = Load({{"public", "nothing_t"},
                       {"public", "full_t"},
                       {"public", "index_t"},
                       {"public", "default_t"},
                       {"public", "no_such_table"},
                       {"Sales", "Q1, Q2"}});
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  const auto& tables = outcome.tables;
  ASSERT_EQ(tables.size(), 5u);  // the missing table is left out
  EXPECT_EQ(tables[0].QualifiedName(), "Sales.Q1, Q2");
  EXPECT_EQ(tables[1].QualifiedName(), "default_t");
  EXPECT_EQ(tables[2].QualifiedName(), "full_t");
  EXPECT_EQ(tables[3].QualifiedName(), "index_t");
  EXPECT_EQ(tables[4].QualifiedName(), "nothing_t");

  EXPECT_EQ(tables[0].replica_identity, decoder::ReplicaIdentity::kDefault);
  EXPECT_EQ(Columns(tables[0]), Strings{"Amount money"});  // no primary key: no key

  EXPECT_EQ(tables[1].replica_identity, decoder::ReplicaIdentity::kDefault);
  EXPECT_EQ(Columns(tables[1]), (Strings{"a integer key !", "b character varying(20) key !",
                                         "at timestamp with time zone", "tags text[]"}));

  EXPECT_EQ(tables[2].replica_identity, decoder::ReplicaIdentity::kFull);
  EXPECT_EQ(Columns(tables[2]),
            (Strings{"id integer key !", "name text !", "price numeric(10,2)"}));
  EXPECT_EQ(tables[2].columns[0].type_oid, 23u);
  EXPECT_EQ(tables[2].columns[2].type_oid, 1700u);

  EXPECT_EQ(tables[3].replica_identity, decoder::ReplicaIdentity::kIndex);
  EXPECT_EQ(Columns(tables[3]), (Strings{"id integer !", "code text key !", "note character(3)"}));

  EXPECT_EQ(tables[4].replica_identity, decoder::ReplicaIdentity::kNothing);
  EXPECT_EQ(Columns(tables[4]), Strings{"id bigint !"});
}

TEST_F(TableCatalogQuery, StarListsEveryTableOfThePublication) {
  session_->Exec(
      "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int); CREATE TABLE c (id int);"
      "CREATE PUBLICATION two FOR TABLE a, c; CREATE PUBLICATION everything FOR ALL TABLES");
  auto two = Load({}, "two");
  ASSERT_TRUE(two.ok()) << two.error;
  ASSERT_EQ(two.tables.size(), 2u);
  EXPECT_EQ(two.tables[0].QualifiedName(), "a");
  EXPECT_EQ(two.tables[1].QualifiedName(), "c");
  EXPECT_EQ(Columns(two.tables[0]), Strings{"id integer key !"});

  auto everything = Load({}, "everything");
  ASSERT_TRUE(everything.ok()) << everything.error;
  Strings names;
  for (const auto& t : everything.tables) names.push_back(t.QualifiedName());
  EXPECT_EQ(names, (Strings{"a", "b", "c", "orders"}));

  auto none = Load({}, "no_such_publication");
  ASSERT_TRUE(none.ok()) << none.error;
  EXPECT_TRUE(none.tables.empty());

  // The schema's publication: orders, with its key and FULL identity.
  auto orders = Load({});
  ASSERT_TRUE(orders.ok()) << orders.error;
  ASSERT_EQ(orders.tables.size(), 1u);
  EXPECT_EQ(orders.tables[0].replica_identity, decoder::ReplicaIdentity::kFull);
  ASSERT_FALSE(orders.tables[0].columns.empty());
  EXPECT_EQ(orders.tables[0].columns[0].name, "id");
  EXPECT_TRUE(orders.tables[0].columns[0].key);
}

}  // namespace
}  // namespace walcast::testing
