// Any table, end to end (docs/tables.md, docs/contract.md §4): walcastd started with
// --tables '*' or an explicit list streams three tables of different replica identities and a
// non-public schema besides orders, through a real PostgreSQL, real processes and real sockets.
// Payload shapes and values of many types, unchanged TOAST values, commit order across tables,
// one TRUNCATE of three tables, column filters of every operator on /ws (query and subscribe) and
// SSE, ALTER TABLE and ALTER PUBLICATION while running, resume across a restart, bad filters and
// GET /api/tables. Every expectation is read up to a marker change the client must receive (a
// TRUNCATE passes every filter of its table), so no case depends on how long the machine takes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <set>
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

constexpr auto kWait = 60s;

// customers: REPLICA IDENTITY FULL and one column of each kind of type; products: DEFAULT (its
// primary key); sales.invoices: USING INDEX, in a schema other than public. All three join the
// publication schema.sql made for orders, so '*' streams them.
constexpr const char* kTables = R"sql(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE customers (
  id int PRIMARY KEY, name text, country text, age int, email text, balance numeric(12,2),
  prefs jsonb, tags text[], scores int[], mood mood, avatar bytea, seen_at timestamptz,
  active boolean, bio text);
ALTER TABLE customers REPLICA IDENTITY FULL;
CREATE TABLE products (
  sku text PRIMARY KEY, title text NOT NULL, price numeric(10,2), stock int, description text);
CREATE SCHEMA sales;
CREATE TABLE sales.invoices (
  id int NOT NULL, number text NOT NULL, total numeric, issued_at timestamptz, note text);
CREATE UNIQUE INDEX invoices_number ON sales.invoices (number);
ALTER TABLE sales.invoices REPLICA IDENTITY USING INDEX invoices_number;
ALTER PUBLICATION walcast_orders ADD TABLE customers, products, sales.invoices;
)sql";

// 10,240 characters of md5 hex: too random to compress below the TOAST threshold, so PostgreSQL
// stores it out of line and an UPDATE of another column sends it as "unchanged".
constexpr const char* kBigText =
    "(SELECT string_agg(md5(g::text), '') FROM generate_series(1, 320) g)";

// Query-string encoding of one parameter value (what URLSearchParams does, near enough).
std::string Encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string FilterQuery(const std::vector<std::string>& filters) {
  std::string query;
  for (const auto& filter : filters)
    query += (query.empty() ? "" : "&") + ("filter=" + Encode(filter));
  return query;
}

std::string EventOf(const std::string& frame) {
  auto doc = ParseJson(frame);
  return doc.IsObject() && doc.HasMember("event") && doc["event"].IsString()
             ? doc["event"].GetString()
             : "";
}

bool IsChange(const std::string& event) { return event.find(':') != std::string::npos; }

// "customers:update 1", "products:insert p1", "sales.invoices:delete INV-2" (the delete of a
// non-FULL table carries its key only), "customers:truncate": what a test compares.
std::string Label(const std::string& frame) {
  auto doc = ParseJson(frame);
  std::string label = doc["event"].GetString();
  const auto& payload = doc["data"];
  if (!payload.IsObject() || !payload.HasMember("data") || !payload["data"].IsObject()) {
    return label;
  }
  const auto& row = payload["data"];
  for (const char* key : {"id", "sku", "number"}) {
    if (!row.HasMember(key)) continue;
    if (row[key].IsInt()) return label + " " + std::to_string(row[key].GetInt());
    if (row[key].IsString()) return label + " " + row[key].GetString();
  }
  return label;
}

// Frames until one whose event is `last` (included); the vector ends early on a timeout.
std::vector<std::string> ReadUntil(WsClient& client, const std::string& last,
                                   std::chrono::seconds timeout = kWait) {
  std::vector<std::string> frames;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = client.Next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!frame) break;
    frames.push_back(*frame);
    if (EventOf(*frame) == last) break;
  }
  return frames;
}

std::vector<std::string> ReadUntil(SseClient& client, const std::string& last,
                                   std::chrono::seconds timeout = kWait) {
  std::vector<std::string> frames;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto event = client.Next(std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now()));
    if (!event) break;
    frames.push_back(event->data);
    if (event->event == last) break;
  }
  return frames;
}

// Frames until the change labelled `label` (included); the vector ends early on a timeout.
template <typename Client>
std::vector<std::string> ReadUntilLabel(Client& client, const std::string& label) {
  std::vector<std::string> frames;
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto more = ReadUntil(client, label.substr(0, label.find(' ')),
                          std::chrono::duration_cast<std::chrono::seconds>(
                              deadline - std::chrono::steady_clock::now()) +
                              1s);
    frames.insert(frames.end(), more.begin(), more.end());
    if (more.empty() || Label(more.back()) == label) break;
  }
  return frames;
}

// The labels of the change frames among `frames`, in order.
std::vector<std::string> ChangeLabels(const std::vector<std::string>& frames) {
  std::vector<std::string> labels;
  for (const auto& frame : frames) {
    if (IsChange(EventOf(frame))) labels.push_back(Label(frame));
  }
  return labels;
}

std::string Joined(const std::vector<std::string>& frames) {
  std::string out;
  for (const auto& frame : frames) out += frame + "\n";
  return out;
}

std::string IdOf(const std::string& frame) { return ParseJson(frame)["data"]["id"].GetString(); }

// The message of the first `error` frame among `frames`, or "" when there is none.
std::string ErrorIn(const std::vector<std::string>& frames) {
  for (const auto& frame : frames) {
    if (EventOf(frame) != "error") continue;
    auto doc = ParseJson(frame);
    return doc["data"].IsObject() && doc["data"].HasMember("message") &&
                   doc["data"]["message"].IsString()
               ? doc["data"]["message"].GetString()
               : "(error frame without a message) " + frame;
  }
  return "";
}

// Sends a ping and reads up to its pong: the frames before it (an error, say) are returned, and
// every client message sent before the ping has been handled once this returns.
std::vector<std::string> Roundtrip(WsClient& client) {
  client.Send(R"({"event":"ping","data":{"timestamp":777}})");
  auto frames = ReadUntil(client, "pong");
  EXPECT_TRUE(!frames.empty() && EventOf(frames.back()) == "pong") << "no pong\n" << Joined(frames);
  return frames;
}

// GET /api/tables, parsed; a failed parse fails the test.
rapidjson::Document Tables(int port) {
  auto response = HttpGet(port, "/api/tables");
  EXPECT_EQ(response.status, 200) << response.body;
  return ParseJson(response.body);
}

// The qualified names GET /api/tables listed, in its order; none when `tables` is not its shape.
std::vector<std::string> QualifiedNames(const rapidjson::Document& tables) {
  std::vector<std::string> names;
  if (!tables.IsObject() || !tables.HasMember("data") || !tables["data"].IsArray()) return names;
  for (const auto& table : tables["data"].GetArray()) {
    if (table.HasMember("qualifiedName") && table["qualifiedName"].IsString())
      names.push_back(table["qualifiedName"].GetString());
  }
  return names;
}

const rapidjson::Value* FindTable(const rapidjson::Document& tables, const std::string& qualified) {
  if (!tables.IsObject() || !tables.HasMember("data") || !tables["data"].IsArray()) return nullptr;
  for (const auto& table : tables["data"].GetArray()) {
    if (table.HasMember("qualifiedName") && table["qualifiedName"].IsString() &&
        table["qualifiedName"].GetString() == qualified) {
      return &table;
    }
  }
  return nullptr;
}

bool HasColumn(const rapidjson::Value& table, const std::string& column) {
  for (const auto& c : table["columns"].GetArray()) {
    if (c["name"].GetString() == column) return true;
  }
  return false;
}

// Polls GET /api/tables until `table` lists (or, with present = false, no longer lists) `column`
// ("" : until the table itself is listed).
bool WaitForCatalog(int port, const std::string& table, const std::string& column,
                    bool present = true) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto tables = Tables(port);
    const auto* found = FindTable(tables, table);
    if (column.empty() ? found != nullptr : found && HasColumn(*found, column) == present) {
      return true;
    }
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

std::vector<std::string> Names(const rapidjson::Value& list) {
  std::vector<std::string> names;
  for (const auto& name : list.GetArray()) names.push_back(name.GetString());
  return names;
}

class TablesStream : public ::testing::Test {
 protected:
  // Creates database `name` with the three tables (and `more` SQL), starts walcastd with
  // `tables` as --tables and waits for the stream.
  void Start(const std::string& name, const std::string& tables = "*",
             const std::string& more = "") {
    db_ = CreateOrdersDatabase(name);
    session_ = std::make_unique<PgSession>(db_.conninfo);
    session_->Exec(kTables);
    if (!more.empty()) session_->Exec(more);
    tables_flag_ = tables;
    Restart();
  }

  void Restart() {
    std::vector<std::string> flags{"--tables", tables_flag_};
    flags.insert(flags.end(), extra_flags_.begin(), extra_flags_.end());
    auto started = StartStreamingDaemon(db_, flags);
    daemon_ = std::move(started.process);
    port_ = started.port;
    ASSERT_TRUE(port_ > 0 && !HasFailure());
  }

  std::string Log() const { return daemon_ ? daemon_->Log() : ""; }

  // A connection that has read its welcome.
  std::unique_ptr<WsClient> Connect(const std::string& target) {
    auto client = std::make_unique<WsClient>(port_, target);
    EXPECT_TRUE(client->NextEvent("welcome", kWait)) << target << "\n" << Log();
    return client;
  }

  OrdersDatabase db_;
  std::unique_ptr<PgSession> session_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string tables_flag_;
  std::vector<std::string> extra_flags_;  // given to every start, set before Start
  int port_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Shapes, values and the three replica identities.

TEST_F(TablesStream, PayloadsOfThreeReplicaIdentitiesWithEveryKindOfValue) {
  Start("tables_shapes");
  auto client = Connect("/ws");
  session_->Exec(std::string("INSERT INTO customers VALUES (1, 'anna', 'DE', 17, NULL, 10.50, "
                             "'{\"k\": [1, true]}', '{a,\"b c\"}', '{1,2,3}', 'ok', '\\x0102ff', "
                             "'2026-11-01 12:30:00.123456+02', true, ") +
                 kBigText + ")");
  std::string big = session_->Scalar("SELECT bio FROM customers WHERE id = 1");
  ASSERT_EQ(big.size(), 10240u);
  ASSERT_NE(session_->Scalar("SELECT reltoastrelid FROM pg_class WHERE relname = 'customers'"),
            "0");
  session_->Exec("UPDATE customers SET age = 18 WHERE id = 1");  // bio: unchanged TOAST
  session_->Exec("DELETE FROM customers WHERE id = 1");

  session_->Exec(std::string("INSERT INTO products VALUES ('p1', 'Lamp', 19.99, 5, ") + kBigText +
                 ")");
  session_->Exec("UPDATE products SET price = 17.50 WHERE sku = 'p1'");  // key kept, TOAST kept
  session_->Exec("UPDATE products SET sku = 'p1b' WHERE sku = 'p1'");    // key changed
  session_->Exec("DELETE FROM products WHERE sku = 'p1b'");

  session_->Exec(
      "INSERT INTO sales.invoices VALUES (7, 'INV-1', 123.450, '2026-12-01T00:00:00Z', 'n')");
  session_->Exec("UPDATE sales.invoices SET total = 200 WHERE number = 'INV-1'");
  session_->Exec("UPDATE sales.invoices SET number = 'INV-2' WHERE number = 'INV-1'");
  session_->Exec("DELETE FROM sales.invoices WHERE number = 'INV-2'");
  session_->Exec("TRUNCATE products");

  auto frames = ReadUntil(*client, "products:truncate");
  std::vector<std::string> changes;
  for (const auto& frame : frames) {
    if (IsChange(EventOf(frame))) changes.push_back(frame);
  }
  ASSERT_EQ(ChangeLabels(frames),
            (std::vector<std::string>{
                "customers:insert 1", "customers:update 1", "customers:delete 1",
                "products:insert p1", "products:update p1", "products:update p1b",
                "products:delete p1b", "sales.invoices:insert 7", "sales.invoices:update 7",
                "sales.invoices:update 7", "sales.invoices:delete INV-2", "products:truncate"}))
      << Joined(frames) << Log();

  // customers, FULL: every value in its §2 form; no replicaIdentity member.
  {
    const std::string& raw = changes[0];
    EXPECT_NE(raw.find(R"("table":"customers","schema":"public")"), std::string::npos)
        << "schema right after table: " << raw.substr(0, 300);
    auto doc = ParseJson(raw);
    const auto& p = doc["data"];
    EXPECT_STREQ(p["type"].GetString(), "database_change");
    EXPECT_STREQ(p["operation"].GetString(), "insert");
    EXPECT_STREQ(p["table"].GetString(), "customers");
    EXPECT_STREQ(p["schema"].GetString(), "public");
    EXPECT_FALSE(p.HasMember("replicaIdentity")) << "absent for FULL";
    EXPECT_TRUE(p["old"].IsNull());
    const auto& row = p["data"];
    EXPECT_EQ(row["id"].GetInt(), 1);
    EXPECT_STREQ(row["name"].GetString(), "anna");
    EXPECT_EQ(row["age"].GetInt(), 17);
    EXPECT_TRUE(row["email"].IsNull());
    EXPECT_STREQ(row["balance"].GetString(), "10.50") << "numeric as a string";
    ASSERT_TRUE(row["prefs"].IsObject()) << "jsonb embedded";
    EXPECT_EQ(row["prefs"]["k"][0].GetInt(), 1);
    EXPECT_TRUE(row["prefs"]["k"][1].GetBool());
    EXPECT_STREQ(row["tags"].GetString(), "{a,\"b c\"}") << "arrays in their text form";
    EXPECT_STREQ(row["scores"].GetString(), "{1,2,3}");
    EXPECT_STREQ(row["mood"].GetString(), "ok");
    EXPECT_STREQ(row["avatar"].GetString(), "\\x0102ff");
    EXPECT_STREQ(row["seen_at"].GetString(), "2026-11-01T10:30:00.123456Z");
    EXPECT_TRUE(row["active"].GetBool());
    EXPECT_EQ(std::string(row["bio"].GetString()), big);
  }
  {
    auto doc = ParseJson(changes[1]);
    const auto& p = doc["data"];
    EXPECT_EQ(std::string(p["data"]["bio"].GetString()), big)
        << "unchanged TOAST filled from the old row under FULL";
    EXPECT_FALSE(p.HasMember("unchanged")) << changes[1].substr(0, 400);
    EXPECT_EQ(p["data"]["age"].GetInt(), 18);
    ASSERT_TRUE(p["old"].IsObject());
    EXPECT_EQ(p["old"]["age"].GetInt(), 17);
    EXPECT_STREQ(p["old"]["country"].GetString(), "DE") << "the whole old row";
    ASSERT_TRUE(p["changed"].IsArray());
    EXPECT_EQ(Names(p["changed"]), std::vector<std::string>{"age"});
  }
  {
    auto doc = ParseJson(changes[2]);
    const auto& row = doc["data"]["data"];
    EXPECT_STREQ(row["country"].GetString(), "DE") << "the whole deleted row under FULL";
    EXPECT_EQ(std::string(row["bio"].GetString()), big);
  }

  // products, DEFAULT: key-only old and delete, changed null, unchanged TOAST named.
  {
    auto doc = ParseJson(changes[3]);
    const auto& p = doc["data"];
    EXPECT_STREQ(p["replicaIdentity"].GetString(), "default");
    EXPECT_STREQ(p["data"]["price"].GetString(), "19.99");
    EXPECT_EQ(p["data"]["stock"].GetInt(), 5);
    EXPECT_EQ(std::string(p["data"]["description"].GetString()), big);
  }
  {
    auto doc = ParseJson(changes[4]);
    const auto& p = doc["data"];
    EXPECT_STREQ(p["replicaIdentity"].GetString(), "default");
    EXPECT_TRUE(p["old"].IsNull()) << "the key did not change";
    EXPECT_TRUE(p["changed"].IsNull());
    EXPECT_STREQ(p["data"]["price"].GetString(), "17.50");
    EXPECT_STREQ(p["data"]["title"].GetString(), "Lamp");
    EXPECT_FALSE(p["data"].HasMember("description"))
        << "an unchanged TOAST value without an old row is unknown: " << changes[4].substr(0, 400);
    ASSERT_TRUE(p.HasMember("unchanged") && p["unchanged"].IsArray()) << changes[4].substr(0, 400);
    EXPECT_EQ(Names(p["unchanged"]), std::vector<std::string>{"description"});
  }
  {
    auto doc = ParseJson(changes[5]);
    const auto& p = doc["data"];
    ASSERT_TRUE(p["old"].IsObject()) << "the key changed: " << changes[5].substr(0, 400);
    EXPECT_EQ(p["old"].MemberCount(), 1u) << "key columns only";
    EXPECT_STREQ(p["old"]["sku"].GetString(), "p1");
    EXPECT_TRUE(p["changed"].IsNull());
  }
  {
    auto doc = ParseJson(changes[6]);
    const auto& row = doc["data"]["data"];
    EXPECT_EQ(row.MemberCount(), 1u) << "a delete holds the key only: " << changes[6];
    EXPECT_STREQ(row["sku"].GetString(), "p1b");
  }

  // sales.invoices, USING INDEX, another schema.
  {
    const std::string& raw = changes[7];
    EXPECT_NE(raw.find(R"("table":"invoices","schema":"sales")"), std::string::npos)
        << raw.substr(0, 300);
    auto doc = ParseJson(raw);
    const auto& p = doc["data"];
    EXPECT_STREQ(p["replicaIdentity"].GetString(), "index");
    EXPECT_STREQ(p["data"]["total"].GetString(), "123.450");
    EXPECT_STREQ(p["data"]["issued_at"].GetString(), "2026-12-01T00:00:00.000000Z");
  }
  {
    auto doc = ParseJson(changes[8]);
    EXPECT_TRUE(doc["data"]["old"].IsNull());
    EXPECT_TRUE(doc["data"]["changed"].IsNull());
    EXPECT_STREQ(doc["data"]["data"]["total"].GetString(), "200");
  }
  {
    auto doc = ParseJson(changes[9]);
    const auto& p = doc["data"];
    ASSERT_TRUE(p["old"].IsObject()) << changes[9];
    EXPECT_EQ(p["old"].MemberCount(), 1u);
    EXPECT_STREQ(p["old"]["number"].GetString(), "INV-1");
    EXPECT_STREQ(p["data"]["number"].GetString(), "INV-2");
  }
  {
    auto doc = ParseJson(changes[10]);
    const auto& row = doc["data"]["data"];
    EXPECT_EQ(row.MemberCount(), 1u) << changes[10];
    EXPECT_STREQ(row["number"].GetString(), "INV-2");
  }
  {
    auto doc = ParseJson(changes[11]);
    EXPECT_TRUE(doc["data"]["data"].IsNull());
    EXPECT_STREQ(doc["data"]["schema"].GetString(), "public");
  }
  for (size_t i = 1; i < changes.size(); ++i) EXPECT_LT(IdOf(changes[i - 1]), IdOf(changes[i]));
}

TEST_F(TablesStream, TruncateOfTheOtherOperationsAndNamesOfEachTable) {
  Start("tables_truncate_each");
  SseClient client(port_, "/api/events");
  ASSERT_EQ(client.status(), 200);
  session_->Exec("INSERT INTO customers (id, name) VALUES (1, 'a')");
  session_->Exec("TRUNCATE customers");
  session_->Exec("INSERT INTO sales.invoices (id, number) VALUES (1, 'I')");
  session_->Exec("TRUNCATE sales.invoices");
  auto frames = ReadUntil(client, "sales.invoices:truncate");
  EXPECT_EQ(ChangeLabels(frames),
            (std::vector<std::string>{"customers:insert 1", "customers:truncate",
                                      "sales.invoices:insert 1", "sales.invoices:truncate"}))
      << Joined(frames) << Log();
  for (const auto& frame : frames) {
    if (EventOf(frame) != "sales.invoices:truncate") continue;
    auto doc = ParseJson(frame);
    EXPECT_STREQ(doc["data"]["operation"].GetString(), "truncate");
    EXPECT_STREQ(doc["data"]["table"].GetString(), "invoices");
    EXPECT_STREQ(doc["data"]["schema"].GetString(), "sales");
  }
}

// ---------------------------------------------------------------------------------------------
// Order and ids across tables.

TEST_F(TablesStream, OneTransactionOverAllTablesArrivesInCommitOrderWithOneIdSequence) {
  Start("tables_commit_order");
  auto client = Connect("/ws");
  session_->Exec("INSERT INTO products (sku, title, stock) VALUES ('p', 'P', 1)");
  ASSERT_EQ(ChangeLabels(ReadUntil(*client, "products:insert")),
            std::vector<std::string>{"products:insert p"});
  session_->Exec(
      "BEGIN;"
      "INSERT INTO customers (id, name) VALUES (10, 'x');"
      "UPDATE products SET stock = 2 WHERE sku = 'p';"
      "INSERT INTO sales.invoices (id, number) VALUES (3, 'N3');"
      "INSERT INTO orders (id, customer_name, product_name) VALUES (900, 'c', 'p');"
      "UPDATE customers SET age = 5 WHERE id = 10;"
      "DELETE FROM sales.invoices WHERE id = 3;"
      "COMMIT;");
  auto frames = ReadUntil(*client, "sales.invoices:delete");
  std::vector<std::string> changes;
  for (const auto& frame : frames) {
    if (IsChange(EventOf(frame))) changes.push_back(frame);
  }
  ASSERT_EQ(ChangeLabels(frames),
            (std::vector<std::string>{"customers:insert 10", "products:update p",
                                      "sales.invoices:insert 3", "orders:insert 900",
                                      "customers:update 10", "sales.invoices:delete N3"}))
      << Joined(frames) << Log();
  std::string lsn = ParseJson(changes[0])["data"]["lsn"].GetString();
  for (size_t i = 0; i < changes.size(); ++i) {
    std::string id = IdOf(changes[i]);
    ASSERT_EQ(id.size(), 25u) << id;
    EXPECT_EQ(id.substr(0, 16), IdOf(changes[0]).substr(0, 16)) << "one commit LSN";
    char index[16];
    std::snprintf(index, sizeof(index), "%08X", static_cast<unsigned>(i));
    EXPECT_EQ(id.substr(17), index) << "the change's index in the transaction";
    EXPECT_EQ(ParseJson(changes[i])["data"]["lsn"].GetString(), lsn);
    if (i > 0) {
      EXPECT_LT(IdOf(changes[i - 1]), id);
    }
  }
}

TEST_F(TablesStream, TruncateOfThreeTablesInOneStatementIsOneEventPerTable) {
  Start("tables_truncate_three");
  SseClient client(port_, "/api/events");
  ASSERT_EQ(client.status(), 200);
  session_->Exec(
      "INSERT INTO customers (id) VALUES (1); INSERT INTO products (sku, title) VALUES ('a', 'A');"
      "INSERT INTO sales.invoices (id, number) VALUES (1, 'N')");
  session_->Exec("TRUNCATE customers, products, sales.invoices");
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (901, 'm', 'm')");
  auto frames = ReadUntil(client, "orders:insert");
  std::vector<std::string> truncates;
  std::multiset<std::string> names;
  for (const auto& frame : frames) {
    std::string event = EventOf(frame);
    if (event.size() > 9 && event.substr(event.size() - 9) == ":truncate") {
      truncates.push_back(frame);
      names.insert(event);
    }
  }
  ASSERT_EQ(names, (std::multiset<std::string>{"customers:truncate", "products:truncate",
                                               "sales.invoices:truncate"}))
      << Joined(frames) << Log();
  ASSERT_EQ(ChangeLabels(frames).size(), 7u) << "three inserts, three truncates, the marker";
  for (size_t i = 0; i < truncates.size(); ++i) {
    std::string id = IdOf(truncates[i]);
    EXPECT_EQ(id.substr(0, 16), IdOf(truncates[0]).substr(0, 16)) << "one commit";
    EXPECT_EQ(std::stoul(id.substr(17), nullptr, 16),
              std::stoul(IdOf(truncates[0]).substr(17), nullptr, 16) + i)
        << "consecutive ids";
    auto doc = ParseJson(truncates[i]);
    EXPECT_TRUE(doc["data"]["data"].IsNull());
  }
}

// ---------------------------------------------------------------------------------------------
// Filters. One fixed workload; each client's expectation is read up to a TRUNCATE of its table
// (a truncate passes every filter of its table) or, for orders, a marker insert.

// The workload's changes, as labels, in commit order.
const std::vector<std::string> kAll = {
    "customers:insert 1", "orders:insert 501",       "customers:insert 2", "products:insert p1",
    "customers:insert 3", "sales.invoices:insert 1", "customers:update 1", "customers:update 2",
    "customers:delete 3", "products:update p1",      "products:delete p1", "customers:truncate",
    "products:truncate",  "sales.invoices:truncate", "orders:insert 502"};

// Rows: 1 anna DE 17 (email NULL) -> age 18; 2 Bert FR 18 -> country US; 3 "Doe, Jane" US 40,
// deleted. Every column a filter below reads differs between them. Product p1 (REPLICA IDENTITY
// DEFAULT): price 5 -> 7, then deleted, which carries its key only.
void RunFilterWorkload(PgSession& session) {
  session.Exec(
      "INSERT INTO customers VALUES (1, 'anna', 'DE', 17, NULL, 10.00, '{\"k\": 1}', '{a,b}', "
      "'{1,2,3}', 'ok', '\\x0102', '2026-11-01T00:00:00Z', true, 'a')");
  session.Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (501, 'o', 'p')");
  session.Exec(
      "INSERT INTO customers VALUES (2, 'Bert', 'FR', 18, 'b@x', 99.50, NULL, '{c}', '{4}', "
      "'happy', '\\xff', '2026-12-01T00:00:00Z', false, 'b')");
  session.Exec("INSERT INTO products (sku, title, price) VALUES ('p1', 'Lamp', 5)");
  session.Exec(
      "INSERT INTO customers VALUES (3, 'Doe, Jane', 'US', 40, 'c@x', 100.25, '{\"vip\": true}', "
      "NULL, NULL, 'sad', NULL, '2026-12-02T10:00:00+02:00', NULL, 'c')");
  session.Exec("INSERT INTO sales.invoices (id, number, total) VALUES (1, 'INV-1', 10)");
  session.Exec("UPDATE customers SET age = 18 WHERE id = 1");
  session.Exec("UPDATE customers SET country = 'US' WHERE id = 2");
  session.Exec("DELETE FROM customers WHERE id = 3");
  session.Exec("UPDATE products SET price = 7 WHERE sku = 'p1'");
  session.Exec("DELETE FROM products WHERE sku = 'p1'");
  session.Exec("TRUNCATE customers");
  session.Exec("TRUNCATE products");
  session.Exec("TRUNCATE sales.invoices");
  session.Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (502, 'o', 'p')");
}

struct FilterCase {
  std::string query;  // after "?"
  std::string last;   // the label of the marker change it must receive last
  std::vector<std::string> expected;
};

std::vector<std::string> Customers(std::initializer_list<const char*> labels) {
  std::vector<std::string> out;
  for (const char* label : labels) out.push_back(std::string("customers:") + label);
  out.push_back("customers:truncate");
  return out;
}

std::vector<FilterCase> FilterCases() {
  auto q = [](std::initializer_list<std::string> filters) { return FilterQuery(filters); };
  const std::string end = "customers:truncate";
  return {
      // Typed by hand, unencoded, as in the docs.
      {"filter=customers:country=eq.DE", end, Customers({"insert 1", "update 1"})},
      {q({"customers:country=neq.DE"}), end,
       Customers({"insert 2", "insert 3", "update 2", "delete 3"})},
      {q({"customers:country=not.eq.DE"}), end,
       Customers({"insert 2", "insert 3", "update 2", "delete 3"})},
      // The update of 1 (17 -> 18) leaves `lt.18`: seen by its old row.
      {q({"customers:age=lt.18"}), end, Customers({"insert 1", "update 1"})},
      {q({"customers:age=lte.18"}), end,
       Customers({"insert 1", "insert 2", "update 1", "update 2"})},
      {q({"customers:age=gt.18"}), end, Customers({"insert 3", "delete 3"})},
      {q({"customers:age=gte.18"}), end,
       Customers({"insert 2", "insert 3", "update 1", "update 2", "delete 3"})},
      // 2 moves FR -> US, out of the list: seen.
      {q({"customers:country=in.(DE,FR)"}), end,
       Customers({"insert 1", "insert 2", "update 1", "update 2"})},
      {q({"customers:country=not.in.(DE,FR)"}), end,
       Customers({"insert 3", "update 2", "delete 3"})},
      {q({"customers:email=is.null"}), end, Customers({"insert 1", "update 1"})},
      {q({"customers:email=not.is.null"}), end,
       Customers({"insert 2", "insert 3", "update 2", "delete 3"})},
      // NULL satisfies only is.null.
      {q({"customers:email=neq.zzz"}), end,
       Customers({"insert 2", "insert 3", "update 2", "delete 3"})},
      // numeric: exact decimal comparison (99.50 = 99.5).
      {q({"customers:balance=eq.99.5"}), end, Customers({"insert 2", "update 2"})},
      {q({"customers:balance=gt.99.50"}), end, Customers({"insert 3", "delete 3"})},
      // timestamptz: instants, any offset, or a date.
      {q({"customers:seen_at=lt.2026-12-01T00:00:00Z"}), end, Customers({"insert 1", "update 1"})},
      {q({"customers:seen_at=gte.2026-12-01T01:00:00+01:00"}), end,
       Customers({"insert 2", "insert 3", "update 2", "delete 3"})},
      {q({"customers:seen_at=lt.2026-12-01"}), end, Customers({"insert 1", "update 1"})},
      // enum, arrays, bytea: their text form.
      {q({"customers:mood=eq.happy"}), end, Customers({"insert 2", "update 2"})},
      {q({"customers:mood=in.(ok,sad)"}), end,
       Customers({"insert 1", "insert 3", "update 1", "delete 3"})},
      {q({"customers:tags=eq.{c}"}), end, Customers({"insert 2", "update 2"})},
      {q({"customers:scores=eq.{1,2,3}"}), end, Customers({"insert 1", "update 1"})},
      {q({"customers:avatar=eq.\\x0102"}), end, Customers({"insert 1", "update 1"})},
      // text: quoted list values, byte order ("B", "D" < "a").
      {q({"customers:name=in.(\"Doe, Jane\",nobody)"}), end, Customers({"insert 3", "delete 3"})},
      {q({"customers:name=lt.a"}), end,
       Customers({"insert 2", "insert 3", "update 2", "delete 3"})},
      {q({"customers:prefs=is.null"}), end, Customers({"insert 2", "update 2"})},
      {q({"customers:active=is.true"}), end, Customers({"insert 1", "update 1"})},
      {q({"customers:active=eq.false"}), end, Customers({"insert 2", "update 2"})},
      {q({"customers:active=is.null"}), end, Customers({"insert 3", "delete 3"})},
      // Predicates on one table AND together: only the update of 1 is DE and 18.
      {q({"customers:country=eq.DE", "customers:age=gte.18"}), end, Customers({"update 1"})},
      // Another schema's table by its qualified name.
      {q({"sales.invoices:number=eq.INV-1"}),
       "sales.invoices:truncate",
       {"sales.invoices:insert 1", "sales.invoices:truncate"}},
      // table= alone; table= with a filter of another table: the union.
      {"table=products",
       "products:truncate",
       {"products:insert p1", "products:update p1", "products:delete p1", "products:truncate"}},
      // DEFAULT identity: the update has no old row, so p1 leaving price < 6 is not seen; the
      // key-only delete cannot be judged on price, so it is delivered rather than lost.
      {q({"products:price=lt.6"}),
       "products:truncate",
       {"products:insert p1", "products:delete p1", "products:truncate"}},
      // A key column is in every row: judged as usual.
      {q({"products:sku=eq.p1"}),
       "products:truncate",
       {"products:insert p1", "products:update p1", "products:delete p1", "products:truncate"}},
      {q({"products:sku=eq.p2"}), "products:truncate", {"products:truncate"}},
      {"table=customers," + Encode("sales.invoices"),
       "sales.invoices:truncate",
       {"customers:insert 1", "customers:insert 2", "customers:insert 3", "sales.invoices:insert 1",
        "customers:update 1", "customers:update 2", "customers:delete 3", "customers:truncate",
        "sales.invoices:truncate"}},
      {"table=products&" + q({"customers:age=gt.18"}),
       "products:truncate",
       {"products:insert p1", "customers:insert 3", "customers:delete 3", "products:update p1",
        "products:delete p1", "customers:truncate", "products:truncate"}},
      // status= concerns orders only: no other table's event matches it.
      {"status=pending", "orders:insert 502", {"orders:insert 501", "orders:insert 502"}},
      // Nothing: every streamed table.
      {"", "orders:insert 502", kAll},
  };
}

TEST_F(TablesStream, WebSocketQueryFiltersOfEveryOperator) {
  Start("tables_ws_filters");
  auto cases = FilterCases();
  std::vector<std::unique_ptr<WsClient>> clients;
  for (const auto& c : cases) {
    clients.push_back(Connect("/ws" + (c.query.empty() ? "" : "?" + c.query)));
    // A bad filter would answer with an error frame before this pong.
    EXPECT_EQ(ErrorIn(Roundtrip(*clients.back())), "") << c.query;
  }
  RunFilterWorkload(*session_);
  for (size_t i = 0; i < cases.size(); ++i) {
    auto frames = ReadUntilLabel(*clients[i], cases[i].last);
    EXPECT_EQ(ChangeLabels(frames), cases[i].expected) << cases[i].query << "\n" << Joined(frames);
  }
}

TEST_F(TablesStream, SseQueryFiltersOfEveryOperator) {
  Start("tables_sse_filters");
  auto cases = FilterCases();
  std::vector<std::unique_ptr<SseClient>> clients;
  for (const auto& c : cases) {
    clients.push_back(
        std::make_unique<SseClient>(port_, "/api/events" + (c.query.empty() ? "" : "?" + c.query)));
    ASSERT_EQ(clients.back()->status(), 200) << c.query << "\n" << clients.back()->ReadRest(1s);
    auto welcome = clients.back()->Next(kWait);
    ASSERT_TRUE(welcome) << c.query;
    EXPECT_EQ(welcome->event, "welcome");
  }
  RunFilterWorkload(*session_);
  for (size_t i = 0; i < cases.size(); ++i) {
    auto frames = ReadUntilLabel(*clients[i], cases[i].last);
    EXPECT_EQ(ChangeLabels(frames), cases[i].expected) << cases[i].query << "\n" << Joined(frames);
  }
}

TEST_F(TablesStream, WebSocketSubscribeAndUnsubscribeFilters) {
  Start("tables_ws_subscribe");
  // Narrowed by a filter (a row leaving it is seen).
  auto in_list = Connect("/ws");
  in_list->Send(R"j({"event":"subscribe","data":{"filters":["customers:country=in.(DE,FR)"]}})j");
  // A filter and a table: the union.
  auto union_of = Connect("/ws");
  union_of->Send(
      R"({"event":"subscribe","data":{"filters":["customers:age=gt.18"],"tables":["products"]}})");
  // Two subscribes add up; the filters of one table AND together.
  auto anded = Connect("/ws");
  anded->Send(R"({"event":"subscribe","data":{"filters":["customers:country=eq.DE"]}})");
  anded->Send(R"({"event":"subscribe","data":{"filters":["customers:age=gte.18"]}})");
  // Subscribed, then the same filter text unsubscribed: no criteria left, everything again.
  auto undone = Connect("/ws");
  undone->Send(R"({"event":"subscribe","data":{"filters":["customers:country=eq.DE"]}})");
  undone->Send(R"({"event":"unsubscribe","data":{"filters":["customers:country=eq.DE"]}})");
  // A table and a filter, then the table removed: the filter's table only.
  auto less = Connect("/ws");
  less->Send(
      R"({"event":"subscribe","data":{"tables":["sales.invoices"],"filters":["customers:mood=eq.happy"]}})");
  less->Send(R"({"event":"unsubscribe","data":{"tables":["sales.invoices"]}})");
  for (auto* client : {in_list.get(), union_of.get(), anded.get(), undone.get(), less.get()}) {
    EXPECT_EQ(ErrorIn(Roundtrip(*client)), "");
  }
  RunFilterWorkload(*session_);

  auto frames = ReadUntil(*in_list, "customers:truncate");
  EXPECT_EQ(ChangeLabels(frames), Customers({"insert 1", "insert 2", "update 1", "update 2"}))
      << Joined(frames);
  frames = ReadUntil(*union_of, "products:truncate");
  EXPECT_EQ(
      ChangeLabels(frames),
      (std::vector<std::string>{"products:insert p1", "customers:insert 3", "customers:delete 3",
                                "products:update p1", "products:delete p1", "customers:truncate",
                                "products:truncate"}))
      << Joined(frames);
  frames = ReadUntil(*anded, "customers:truncate");
  EXPECT_EQ(ChangeLabels(frames), Customers({"update 1"})) << Joined(frames);
  frames = ReadUntilLabel(*undone, "orders:insert 502");
  EXPECT_EQ(ChangeLabels(frames), kAll) << Joined(frames);
  frames = ReadUntil(*less, "customers:truncate");
  EXPECT_EQ(ChangeLabels(frames), Customers({"insert 2", "update 2"})) << Joined(frames);
}

// ---------------------------------------------------------------------------------------------
// Bad filters: an error frame (the connection stays), HTTP 400 on SSE.

struct BadFilter {
  std::string filter;
  std::string message;  // a part of the error message the docs quote, or "" (any message)
};

std::string InList(int values) {
  std::string list = "customers:country=in.(";
  for (int i = 0; i < values; ++i) list += (i ? "," : "") + ("v" + std::to_string(i));
  return list + ")";
}

std::vector<BadFilter> BadFilters() {
  return {
      {"customers:country", ""},            // no operator
      {"customers:country=DE", ""},         // no operator before the value
      {"customers:country=zz.DE", ""},      // unknown operator
      {"country=eq.DE", ""},                // no table
      {"customers:country=in.(DE,FR", ""},  // unterminated list
      {"customers:country=is.DE", ""},      // is takes null, true or false
      {"nosuch:x=eq.1", "table 'nosuch' is not streamed"},
      {"customers:cuntry=eq.DE", "table customers has no column 'cuntry'"},
      {"customers:age=eq.abc", "column age is integer, got 'abc'"},
      {"customers:age=gt.1.5", ""},            // integer column, not an integer
      {"customers:balance=gt.abc", ""},        // numeric column, not a number
      {"customers:seen_at=lt.yesterday", ""},  // neither RFC 3339 nor a date
      {"customers:prefs=eq.1", ""},            // jsonb: only is.null
      {"customers:tags=lt.{a}", ""},           // arrays: no order
      {"customers:mood=gt.ok", ""},            // enums: no order
      {"customers:avatar=gte.\\x00", ""},      // bytea: no order
      {"customers:active=gt.true", ""},        // bool: eq/neq/is only
      {"customers:active=eq.maybe", ""},       // bool: true or false
      {InList(101), ""},                       // at most 100 values
  };
}

TEST_F(TablesStream, BadWebSocketFiltersGetErrorFramesAndTheConnectionStays) {
  Start("tables_ws_bad");
  // By query: the error after the upgrade (a browser cannot read a refused handshake), then the
  // close, as for any malformed query parameter (docs/contract.md §4).
  for (const auto& bad : BadFilters()) {
    WsClient client(port_, "/ws?filter=" + Encode(bad.filter));
    auto frames = ReadUntil(client, "error");
    std::string error = ErrorIn(frames);
    EXPECT_NE(error, "") << bad.filter << "\n" << Joined(frames);
    if (!bad.message.empty()) {
      EXPECT_NE(error.find(bad.message), std::string::npos) << error;
    }
  }
  {
    WsClient client(port_, "/ws?table=nosuch");
    auto frames = ReadUntil(client, "error");
    EXPECT_NE(ErrorIn(frames).find("table 'nosuch' is not streamed"), std::string::npos)
        << Joined(frames);
  }

  // By subscribe, on a connection already narrowed to DE customers: each bad one is answered
  // with an error, adds nothing, and the valid subscription keeps streaming. Paced under the
  // per-connection message rate (20/s, burst 40: api/websocket/websocket_session.h), whose own
  // `error` would otherwise answer in place of the filter's and drop a ping.
  auto client = Connect("/ws?filter=" + Encode("customers:country=eq.DE"));
  for (const auto& bad : BadFilters()) {
    std::this_thread::sleep_for(100ms);
    std::string text = R"({"event":"subscribe","data":{"filters":[")";
    for (char c : bad.filter) {
      if (c == '"' || c == '\\') text += '\\';
      text += c;
    }
    text += R"("]}})";
    client->Send(text);
    auto frames = Roundtrip(*client);
    std::string error = ErrorIn(frames);
    EXPECT_NE(error, "") << bad.filter << "\n" << Joined(frames);
    EXPECT_EQ(error.find("too many messages"), std::string::npos) << bad.filter;
    if (!bad.message.empty()) {
      EXPECT_NE(error.find(bad.message), std::string::npos) << error;
    }
  }
  client->Send(R"({"event":"subscribe","data":{"tables":["nosuch"]}})");
  EXPECT_NE(ErrorIn(Roundtrip(*client)), "") << "unknown table in tables";
  // 33 predicates: more than a connection may hold.
  std::string many = R"({"event":"subscribe","data":{"filters":[)";
  for (int i = 0; i < 33; ++i) {
    many += (i ? "," : "") + ("\"customers:age=neq." + std::to_string(1000 + i) + "\"");
  }
  client->Send(many + "]}}");
  EXPECT_NE(ErrorIn(Roundtrip(*client)), "") << "33 predicates";
  // 100 values are fine.
  client->Send(R"({"event":"subscribe","data":{"filters":[")" + InList(100) + R"("]}})");
  EXPECT_EQ(ErrorIn(Roundtrip(*client)), "") << "100 values are allowed";
  // It holds (AND) with country=eq.DE; unsubscribing it leaves the DE filter alone.
  client->Send(R"({"event":"unsubscribe","data":{"filters":[")" + InList(100) + R"("]}})");
  EXPECT_EQ(ErrorIn(Roundtrip(*client)), "");

  session_->Exec("INSERT INTO customers (id, country) VALUES (1, 'FR')");
  session_->Exec("INSERT INTO products (sku, title) VALUES ('x', 'X')");
  session_->Exec("INSERT INTO customers (id, country) VALUES (2, 'DE')");
  auto frames = ReadUntil(*client, "customers:insert");
  EXPECT_EQ(ChangeLabels(frames), std::vector<std::string>{"customers:insert 2"})
      << "the bad subscribes changed nothing\n"
      << Joined(frames);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200) << Log();
}

TEST_F(TablesStream, BadSseFiltersGetHttp400WithAJsonError) {
  Start("tables_sse_bad");
  std::vector<std::string> targets;
  std::vector<std::string> messages;
  for (const auto& bad : BadFilters()) {
    targets.push_back("/api/events?filter=" + Encode(bad.filter));
    messages.push_back(bad.message);
  }
  targets.push_back("/api/events?table=nosuch");
  messages.push_back("table 'nosuch' is not streamed");
  for (size_t i = 0; i < targets.size(); ++i) {
    // A stream that opened would not end: the status line says, then a plain GET reads the body.
    int status = SseClient(port_, targets[i]).status();
    EXPECT_EQ(status, 400) << targets[i];
    if (status != 400) continue;
    auto response = HttpGet(port_, targets[i]);
    EXPECT_NE(response.Header("content-type").find("application/json"), std::string::npos)
        << targets[i];
    auto doc = ParseJson(response.body);
    ASSERT_TRUE(doc.IsObject()) << response.body;
    EXPECT_TRUE(doc.HasMember("success") && doc["success"].IsFalse()) << response.body;
    EXPECT_TRUE(doc.HasMember("error") && doc["error"].IsString()) << response.body;
    if (!messages[i].empty()) {
      EXPECT_NE(response.body.find(messages[i]), std::string::npos) << response.body;
    }
  }
  std::string many = "/api/events?";
  for (int i = 0; i < 33; ++i) {
    many += (i ? "&" : "") + ("filter=" + Encode("customers:age=neq." + std::to_string(i)));
  }
  EXPECT_EQ(SseClient(port_, many).status(), 400) << "33 predicates";
  SseClient fine(port_, "/api/events?filter=" + Encode(InList(100)));
  EXPECT_EQ(fine.status(), 200) << "100 values";
  EXPECT_EQ(HttpGet(port_, "/health").status, 200) << Log();
}

// ---------------------------------------------------------------------------------------------
// The schema changing while walcastd runs.

TEST_F(TablesStream, AlterTableAddAndDropColumnWhileStreaming) {
  Start("tables_alter");
  auto client = Connect("/ws?table=customers");
  // Its column is dropped below: then it matches nothing but is.null.
  auto german = Connect("/ws?filter=" + Encode("customers:country=eq.DE"));
  {
    // Not a column yet.
    WsClient early(port_, "/ws?filter=" + Encode("customers:tier=eq.2"));
    EXPECT_NE(ErrorIn(ReadUntil(early, "error")).find("no column 'tier'"), std::string::npos);
  }
  session_->Exec("INSERT INTO customers (id, country) VALUES (1, 'DE')");
  session_->Exec("ALTER TABLE customers ADD COLUMN tier int");
  session_->Exec("INSERT INTO customers (id, country, tier) VALUES (2, 'FR', 2)");
  auto frames = ReadUntil(*client, "customers:insert");
  auto more = ReadUntil(*client, "customers:insert");
  ASSERT_EQ(ChangeLabels(frames), std::vector<std::string>{"customers:insert 1"}) << Log();
  ASSERT_EQ(ChangeLabels(more), std::vector<std::string>{"customers:insert 2"}) << Log();
  EXPECT_FALSE(ParseJson(frames.back())["data"]["data"].HasMember("tier"));
  EXPECT_EQ(ParseJson(more.back())["data"]["data"]["tier"].GetInt(), 2) << "the new shape";

  ASSERT_TRUE(WaitForCatalog(port_, "customers", "tier")) << HttpGet(port_, "/api/tables").body;
  auto tier = Connect("/ws?filter=" + Encode("customers:tier=eq.2"));
  EXPECT_EQ(ErrorIn(Roundtrip(*tier)), "") << "accepted once /api/tables lists it";
  auto subscribed = Connect("/ws");
  subscribed->Send(R"({"event":"subscribe","data":{"filters":["customers:tier=gte.3"]}})");
  EXPECT_EQ(ErrorIn(Roundtrip(*subscribed)), "");

  session_->Exec("INSERT INTO customers (id, tier) VALUES (3, 3)");
  session_->Exec("INSERT INTO customers (id, tier) VALUES (4, 2)");
  session_->Exec("ALTER TABLE customers DROP COLUMN country");
  session_->Exec("INSERT INTO customers (id, tier) VALUES (5, 2)");
  session_->Exec("TRUNCATE customers");
  frames = ReadUntil(*tier, "customers:truncate");
  EXPECT_EQ(ChangeLabels(frames), Customers({"insert 4", "insert 5"})) << Joined(frames);
  frames = ReadUntil(*subscribed, "customers:truncate");
  EXPECT_EQ(ChangeLabels(frames), Customers({"insert 3"})) << Joined(frames);
  frames = ReadUntil(*german, "customers:truncate");
  EXPECT_EQ(ChangeLabels(frames), Customers({"insert 1"})) << Joined(frames);
  frames = ReadUntil(*client, "customers:truncate");
  ASSERT_EQ(ChangeLabels(frames), Customers({"insert 3", "insert 4", "insert 5"}))
      << Joined(frames);
  EXPECT_TRUE(ParseJson(frames[1])["data"]["data"].HasMember("country"));
  auto after_drop = ParseJson(frames[frames.size() - 2]);
  EXPECT_FALSE(after_drop["data"]["data"].HasMember("country")) << "dropped: not in the row";
  EXPECT_EQ(after_drop["data"]["data"]["tier"].GetInt(), 2);
  EXPECT_TRUE(WaitForCatalog(port_, "customers", "country", false))
      << HttpGet(port_, "/api/tables").body;

  // Its column gone from the catalog, the filter can still be unsubscribed: everything again.
  german->Send(R"({"event":"unsubscribe","data":{"filters":["customers:country=eq.DE"]}})");
  EXPECT_EQ(ErrorIn(Roundtrip(*german)), "");
  session_->Exec("INSERT INTO customers (id, tier) VALUES (6, 1)");
  frames = ReadUntil(*german, "customers:insert");
  EXPECT_EQ(ChangeLabels(frames), std::vector<std::string>{"customers:insert 6"}) << Joined(frames);
}

TEST_F(TablesStream, ATableAddedToThePublicationWhileRunningStreams) {
  Start("tables_late", "*", "CREATE TABLE late_items (id int PRIMARY KEY, label text)");
  auto client = Connect("/ws");
  EXPECT_EQ(FindTable(Tables(port_), "late_items"), nullptr) << "not published yet";
  session_->Exec("INSERT INTO late_items VALUES (1, 'before')");
  session_->Exec("ALTER PUBLICATION walcast_orders ADD TABLE late_items");
  session_->Exec("INSERT INTO late_items VALUES (2, 'after')");
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (700, 'm', 'm')");
  auto frames = ReadUntil(*client, "orders:insert");
  EXPECT_EQ(ChangeLabels(frames),
            (std::vector<std::string>{"late_items:insert 2", "orders:insert 700"}))
      << Joined(frames) << Log();

  ASSERT_TRUE(WaitForCatalog(port_, "late_items", "label")) << HttpGet(port_, "/api/tables").body;
  auto filtered = Connect("/ws?filter=" + Encode("late_items:label=eq.x"));
  EXPECT_EQ(ErrorIn(Roundtrip(*filtered)), "");
  session_->Exec("INSERT INTO late_items VALUES (3, 'y'), (4, 'x')");
  session_->Exec("TRUNCATE late_items");
  frames = ReadUntil(*filtered, "late_items:truncate");
  EXPECT_EQ(ChangeLabels(frames),
            (std::vector<std::string>{"late_items:insert 4", "late_items:truncate"}))
      << Joined(frames);
}

// ---------------------------------------------------------------------------------------------
// Resume.

TEST_F(TablesStream, ResumeAcrossADaemonRestartWithSeveralTables) {
  Start("tables_resume");
  std::string last_seen;
  {
    auto client = Connect("/ws");
    session_->Exec("INSERT INTO customers (id) VALUES (1)");
    session_->Exec("INSERT INTO products (sku, title) VALUES ('a', 'A')");
    session_->Exec("INSERT INTO sales.invoices (id, number) VALUES (1, 'N1')");
    auto frames = ReadUntil(*client, "sales.invoices:insert");
    ASSERT_EQ(ChangeLabels(frames).size(), 3u) << Joined(frames) << Log();
    last_seen = IdOf(frames.back());
  }
  daemon_->Signal(SIGKILL);
  daemon_->WaitExit(10s);
  session_->Exec("INSERT INTO products (sku, title) VALUES ('b', 'B')");
  session_->Exec("UPDATE customers SET age = 3 WHERE id = 1");
  session_->Exec(
      "BEGIN; INSERT INTO sales.invoices (id, number) VALUES (2, 'N2');"
      "DELETE FROM products WHERE sku = 'a'; INSERT INTO customers (id) VALUES (2); COMMIT;");
  session_->Exec("TRUNCATE sales.invoices");
  session_->Exec("UPDATE products SET sku = 'c' WHERE sku = 'b'");
  Restart();
  auto client = Connect("/ws?from=" + last_seen);
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (800, 'm', 'm')");
  auto frames = ReadUntil(*client, "orders:insert");
  EXPECT_EQ(ChangeLabels(frames),
            (std::vector<std::string>{"products:insert b", "customers:update 1",
                                      "sales.invoices:insert 2", "products:delete a",
                                      "customers:insert 2", "sales.invoices:truncate",
                                      "products:update c", "orders:insert 800"}))
      << "every change once, in commit order, then live\n"
      << Joined(frames) << Log();
  std::string previous = last_seen;
  for (const auto& frame : frames) {
    if (!IsChange(EventOf(frame))) continue;
    EXPECT_LT(previous, IdOf(frame));
    previous = IdOf(frame);
  }
}

// ---------------------------------------------------------------------------------------------
// The catalog, and an explicit table list.

TEST_F(TablesStream, ApiTablesDescribesEveryStreamedTable) {
  Start("tables_catalog");
  auto doc = Tables(port_);
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("data") && doc["data"].IsArray())
      << HttpGet(port_, "/api/tables").body;
  EXPECT_TRUE(doc["success"].IsTrue());
  EXPECT_EQ(QualifiedNames(doc),
            (std::vector<std::string>{"customers", "orders", "products", "sales.invoices"}))
      << "sorted by qualified name";
  EXPECT_EQ(doc["count"].GetInt(), 4);

  struct Column {
    std::string name, type;
    bool key, not_null;
  };
  auto check = [&](const std::string& qualified, const std::string& schema, const std::string& name,
                   const std::string& identity, const std::vector<Column>& columns) {
    const auto* table = FindTable(doc, qualified);
    ASSERT_NE(table, nullptr) << qualified;
    EXPECT_STREQ((*table)["schema"].GetString(), schema.c_str());
    EXPECT_STREQ((*table)["name"].GetString(), name.c_str());
    EXPECT_STREQ((*table)["replicaIdentity"].GetString(), identity.c_str()) << qualified;
    const auto& got = (*table)["columns"];
    ASSERT_EQ(got.Size(), columns.size()) << qualified;
    for (size_t i = 0; i < columns.size(); ++i) {
      const auto& c = got[static_cast<rapidjson::SizeType>(i)];
      EXPECT_STREQ(c["name"].GetString(), columns[i].name.c_str()) << qualified << " column " << i;
      EXPECT_STREQ(c["type"].GetString(), columns[i].type.c_str())
          << qualified << "." << columns[i].name;
      EXPECT_EQ(c["key"].GetBool(), columns[i].key) << qualified << "." << columns[i].name;
      EXPECT_EQ(c["notNull"].GetBool(), columns[i].not_null) << qualified << "." << columns[i].name;
    }
  };
  check("customers", "public", "customers", "full",
        {{"id", "integer", true, true},
         {"name", "text", false, false},
         {"country", "text", false, false},
         {"age", "integer", false, false},
         {"email", "text", false, false},
         {"balance", "numeric(12,2)", false, false},
         {"prefs", "jsonb", false, false},
         {"tags", "text[]", false, false},
         {"scores", "integer[]", false, false},
         {"mood", "mood", false, false},
         {"avatar", "bytea", false, false},
         {"seen_at", "timestamp with time zone", false, false},
         {"active", "boolean", false, false},
         {"bio", "text", false, false}});
  check("products", "public", "products", "default",
        {{"sku", "text", true, true},
         {"title", "text", false, true},
         {"price", "numeric(10,2)", false, false},
         {"stock", "integer", false, false},
         {"description", "text", false, false}});
  check("sales.invoices", "sales", "invoices", "index",
        {{"id", "integer", false, true},
         {"number", "text", true, true},
         {"total", "numeric", false, false},
         {"issued_at", "timestamp with time zone", false, false},
         {"note", "text", false, false}});
  const auto* orders = FindTable(doc, "orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_STREQ((*orders)["replicaIdentity"].GetString(), "full");

  // Changed in the database: the catalog follows within its refresh interval (docs/tables.md).
  session_->Exec("ALTER TABLE products REPLICA IDENTITY FULL");
  bool followed = false;
  for (auto deadline = std::chrono::steady_clock::now() + kWait;
       !followed && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(200ms)) {
    auto again = Tables(port_);
    const auto* products = FindTable(again, "products");
    followed = products != nullptr &&
               std::string_view((*products)["replicaIdentity"].GetString()) == "full";
  }
  EXPECT_TRUE(followed) << HttpGet(port_, "/api/tables").body;
}

// The publication does not exist when walcastd starts (not the database's walcast_orders: a new
// one). Its first catalog read (at start) races the stream that creates it: when the read comes
// first it sees no table of `*`, and with the periodic read an hour away only the read the stream
// asks for can list them; /health must not say `up` before that read. The race usually goes the
// other way, so this case fails only sometimes without that read (as CI once did);
// tables_publication_test's StarWithoutASuperuser... case orders the two and fails every time.
TEST_F(TablesStream, TheCatalogListsTheNewPublicationsTablesWhenHealthSaysUp) {
  extra_flags_ = {"--catalog-refresh-ms", "3600000", "--publication", "tables_ready"};
  Start("tables_catalog_ready");
  auto doc = Tables(port_);
  EXPECT_EQ(QualifiedNames(doc),
            (std::vector<std::string>{"customers", "orders", "products", "sales.invoices"}))
      << HttpGet(port_, "/api/tables").body << Log();
  auto client = Connect("/ws?filter=" + Encode("customers:country=eq.DE"));
  session_->Exec("INSERT INTO customers (id, country) VALUES (1, 'FR'), (2, 'DE')");
  auto frames = ReadUntilLabel(*client, "customers:insert 2");
  EXPECT_EQ(ChangeLabels(frames), (std::vector<std::string>{"customers:insert 2"}))
      << Joined(frames) << Log();
}

TEST_F(TablesStream, AnExplicitTableListStreamsOnlyThoseTables) {
  Start("tables_explicit", "customers,sales.invoices");
  auto doc = Tables(port_);
  EXPECT_EQ(QualifiedNames(doc), (std::vector<std::string>{"customers", "sales.invoices"}))
      << HttpGet(port_, "/api/tables").body;

  auto client = Connect("/ws");
  {
    WsClient products(port_, "/ws?filter=" + Encode("products:stock=gt.1"));
    EXPECT_NE(ErrorIn(ReadUntil(products, "error")).find("table 'products' is not streamed"),
              std::string::npos);
    WsClient orders(port_, "/ws?table=orders");
    EXPECT_NE(ErrorIn(ReadUntil(orders, "error")).find("table 'orders' is not streamed"),
              std::string::npos);
  }
  session_->Exec("INSERT INTO products (sku, title) VALUES ('a', 'A')");
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (1, 'c', 'p')");
  session_->Exec("INSERT INTO customers (id) VALUES (1)");
  session_->Exec("TRUNCATE products, customers, sales.invoices");
  session_->Exec("INSERT INTO customers (id) VALUES (2)");
  auto frames = ReadUntilLabel(*client, "customers:insert 2");
  std::vector<std::string> labels = ChangeLabels(frames);
  // The truncates of one statement: consecutive, in an order the docs leave open.
  if (labels.size() == 4) std::sort(labels.begin() + 1, labels.begin() + 3);
  EXPECT_EQ(labels, (std::vector<std::string>{"customers:insert 1", "customers:truncate",
                                              "sales.invoices:truncate", "customers:insert 2"}))
      << Joined(frames) << Log();
}

}  // namespace
}  // namespace walcast::testing
