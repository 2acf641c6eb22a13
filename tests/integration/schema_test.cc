// database/schema.sql against a real PostgreSQL 15 (docs/contract.md §1): the table as specified,
// idempotent re-runs, the in-place upgrade of the original app's database, the updated_at rule,
// the legacy NOTIFY payload, the publication and replica identity, and concurrent runs.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/harness/pg_cluster.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The advisory lock key documented in schema.sql (the bytes of 'walcast').
constexpr char kSchemaLockSql[] = "SELECT pg_advisory_xact_lock(x'77616c63617374'::bigint)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string SchemaSql() { return ReadFile(SourceDir() + "/database/schema.sql"); }
std::string OriginalAppSql() {
  return ReadFile(SourceDir() + "/tests/fixtures/original_app_schema.sql");
}

// Every row of a query as one line, columns joined by '|' (NULL as "NULL"), lines by '\n'.
std::string Dump(PgSession& db, const std::string& sql) {
  std::string out;
  for (const auto& row : db.Query(sql)) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += '|';
      out += row[i].value_or("NULL");
    }
    out += '\n';
  }
  return out;
}

// What the schema defines, independent of row contents, object ids and column order.
std::string CatalogState(PgSession& db) {
  return Dump(db,
              "SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)"
              "       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
              "       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')"
              "  FROM pg_attribute a"
              "  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
              " WHERE a.attrelid = 'orders'::regclass AND a.attnum > 0 AND NOT a.attisdropped"
              " ORDER BY a.attname") +
         Dump(db,
              "SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid)"
              "  FROM pg_constraint WHERE conrelid = 'orders'::regclass ORDER BY conname") +
         Dump(db,
              "SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index"
              " WHERE indrelid = 'orders'::regclass ORDER BY 1") +
         Dump(db,
              "SELECT 'trigger ' || pg_get_triggerdef(oid) || ' enabled ' || tgenabled::text"
              "  FROM pg_trigger WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal"
              " ORDER BY tgname") +
         Dump(db,
              "SELECT 'function ' || oid::regprocedure || ' ' || md5(prosrc) FROM pg_proc"
              " WHERE pronamespace = 'public'::regnamespace ORDER BY 1") +
         Dump(db,
              "SELECT 'relation ' || relname || ' ' || relkind::text FROM pg_class"
              " WHERE relnamespace = 'public'::regnamespace ORDER BY relname") +
         Dump(db,
              "SELECT 'replica identity ' || relreplident::text FROM pg_class"
              " WHERE oid = 'orders'::regclass") +
         Dump(db,
              "SELECT 'publication ' || pubname || ' all tables ' || puballtables || ' actions '"
              "       || pubinsert || pubupdate || pubdelete || pubtruncate"
              "  FROM pg_publication ORDER BY pubname") +
         Dump(db,
              "SELECT 'published ' || pubname || ' ' || schemaname || '.' || tablename"
              "  FROM pg_publication_tables ORDER BY 1");
}

// The rows with timestamps in UTC, so the session's TimeZone does not matter.
std::string RowsState(PgSession& db) {
  return Dump(db,
              "SELECT id, customer_name, product_name, status,"
              "       to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),"
              "       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
              "  FROM orders ORDER BY id");
}

// The error text of `statement`, or "" when it succeeds.
std::string ErrorOf(const std::function<void()>& statement) {
  try {
    statement();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The next notification's payload; throws (failing the test) when none arrives in time.
std::string NextPayload(PgSession& listener) {
  auto notification = listener.WaitNotification(10s);
  if (!notification) throw std::runtime_error("no notification within 10 s");
  return notification->payload;
}

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) throw std::runtime_error("not JSON: " + text);
  return doc;
}

std::vector<std::string> Keys(const rapidjson::Value& object) {
  std::vector<std::string> keys;
  for (const auto& member : object.GetObject()) keys.emplace_back(member.name.GetString());
  std::sort(keys.begin(), keys.end());
  return keys;
}

const std::vector<std::string> kPayloadKeys = {"data", "operation", "table", "timestamp"};

// Checks the keys and fixed values of a full payload; returns the parsed document.
rapidjson::Document ExpectPayload(const std::string& payload, const char* operation) {
  auto doc = ParseJson(payload);
  EXPECT_EQ(Keys(doc), kPayloadKeys) << payload;
  if (Keys(doc) != kPayloadKeys) return doc;
  EXPECT_STREQ(doc["operation"].GetString(), operation);
  EXPECT_STREQ(doc["table"].GetString(), "orders");
  EXPECT_TRUE(doc["timestamp"].IsNumber()) << payload;
  EXPECT_TRUE(doc["data"].IsObject()) << payload;
  return doc;
}

// One order as the row_to_json() of the database, for comparing with a payload's data.
rapidjson::Document RowJson(PgSession& db, const std::string& id) {
  return ParseJson(db.Scalar("SELECT row_to_json(o)::text FROM orders o WHERE id = $1", {id}));
}

TEST(Schema, FreshInstallMatchesContract) {
  PgSession db(CreateTestDatabase("schema_fresh"));
  db.Exec(SchemaSql());

  EXPECT_EQ(Dump(db,
                 "SELECT 'column ' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)"
                 "       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END"
                 "       || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')"
                 "  FROM pg_attribute a"
                 "  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                 " WHERE a.attrelid = 'orders'::regclass AND a.attnum > 0"
                 " ORDER BY a.attnum"),
            "column id integer not null default nextval('orders_id_seq'::regclass)\n"
            "column customer_name character varying(255) not null\n"
            "column product_name character varying(255) not null\n"
            "column status character varying(50) not null default 'pending'::character varying\n"
            "column created_at timestamp with time zone not null default now()\n"
            "column updated_at timestamp with time zone not null default now()\n");
  EXPECT_EQ(Dump(db,
                 "SELECT contype, pg_get_constraintdef(oid) FROM pg_constraint"
                 " WHERE conrelid = 'orders'::regclass ORDER BY contype"),
            "c|CHECK (((status)::text = ANY ((ARRAY['pending'::character varying, "
            "'shipped'::character varying, 'delivered'::character varying])::text[])))\n"
            "p|PRIMARY KEY (id)\n");
  EXPECT_EQ(Dump(db,
                 "SELECT pg_get_indexdef(indexrelid) FROM pg_index"
                 " WHERE indrelid = 'orders'::regclass AND NOT indisprimary ORDER BY 1"),
            "CREATE INDEX idx_orders_status ON public.orders USING btree (status)\n"
            "CREATE INDEX idx_orders_updated_at ON public.orders USING btree (updated_at)\n");
  EXPECT_EQ(Dump(db,
                 "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger"
                 " WHERE tgrelid = 'orders'::regclass AND NOT tgisinternal ORDER BY tgname"),
            "orders_notify_change|CREATE TRIGGER orders_notify_change AFTER INSERT OR DELETE OR "
            "UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION orders_notify_change()\n"
            "orders_touch_updated_at|CREATE TRIGGER orders_touch_updated_at BEFORE UPDATE ON "
            "public.orders FOR EACH ROW EXECUTE FUNCTION orders_touch_updated_at()\n");

  // A handful of realistic sample orders, consistent with the table's rules.
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM orders"), "5");
  EXPECT_EQ(db.Scalar("SELECT count(DISTINCT status) FROM orders"), "3");
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM orders WHERE created_at > updated_at"), "0");
  EXPECT_EQ(db.Scalar("SELECT max(id) FROM orders"), "5");
}

TEST(Schema, ApplyingTwiceIsIdempotent) {
  PgSession db(CreateTestDatabase("schema_twice"));
  db.Exec(SchemaSql());
  const std::string catalog = CatalogState(db);
  const std::string rows = RowsState(db);
  const std::string filenode = db.Scalar("SELECT pg_relation_filenode('orders')");

  db.Exec(SchemaSql());
  db.Exec(SchemaSql());

  EXPECT_EQ(CatalogState(db), catalog);
  EXPECT_EQ(RowsState(db), rows);  // sample rows once, untouched
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM orders"), "5");
  EXPECT_EQ(db.Scalar("SELECT pg_relation_filenode('orders')"), filenode);  // no table rewrite
}

TEST(Schema, InsertsSampleRowsOnlyIntoTheTableItCreates) {
  PgSession db(CreateTestDatabase("schema_samples"));
  db.Exec(SchemaSql());
  ASSERT_EQ(db.Scalar("SELECT count(*) FROM orders"), "5");

  // An operator emptied the table: the next daemon start must not bring samples back.
  db.Exec("DELETE FROM orders");
  db.Exec(SchemaSql());
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM orders"), "0");

  db.Exec(
      "INSERT INTO orders (customer_name, product_name) VALUES ('Real Customer', 'Real Thing')");
  db.Exec(SchemaSql());
  EXPECT_EQ(Dump(db, "SELECT customer_name, product_name, status FROM orders"),
            "Real Customer|Real Thing|pending\n");

  // An original-app table with user rows gets none either.
  PgSession upgraded(CreateTestDatabase("schema_samples_upgrade"));
  upgraded.Exec(OriginalAppSql());
  const std::string before = upgraded.Scalar("SELECT count(*) FROM orders");
  upgraded.Exec(SchemaSql());
  EXPECT_EQ(upgraded.Scalar("SELECT count(*) FROM orders"), before);
}

TEST(Schema, UpgradesOriginalAppDatabaseKeepingRows) {
  const std::string conninfo = CreateTestDatabase("schema_upgrade");
  PgSession db(conninfo);
  db.Exec(OriginalAppSql());
  // The original app at work: odd statuses, and an update through its own trigger.
  db.Exec(
      "INSERT INTO orders (customer_name, product_name, status) VALUES"
      " ('Dana White', 'Desk Lamp', ' Shipped'), ('Eve Black', 'Office Chair', 'cancelled'),"
      " ('Frank Green', 'Fountain Pen', NULL);"
      "UPDATE orders SET product_name = 'Gaming Laptop' WHERE customer_name = 'John Doe'");
  const auto before = db.Query(
      "SELECT id, customer_name, product_name, status,"
      "       to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US')"
      "  FROM orders ORDER BY id");
  ASSERT_EQ(before.size(), 7u);

  PgSession listener(conninfo);
  listener.Exec("LISTEN orders_change");
  // The migrating session's own zone must not matter: old values are read as UTC.
  db.Exec("SET TimeZone = 'Asia/Kolkata'");
  db.Exec(SchemaSql());
  db.Exec("RESET TimeZone");

  std::string expected;
  for (const auto& row : before) {
    std::string status = row[3].value_or("pending");
    if (status == " Shipped") status = "shipped";
    if (status == "cancelled") status = "pending";
    // created_at is backfilled from updated_at, which keeps its wall-clock value as UTC.
    expected += *row[0] + "|" + *row[1] + "|" + *row[2] + "|" + status + "|" + *row[4] + "|" +
                *row[4] + "\n";
  }
  EXPECT_EQ(RowsState(db), expected);
  EXPECT_EQ(db.Scalar("SELECT updated_at = '2024-03-03 23:59:59.999999+00' FROM orders"
                      " WHERE customer_name = 'Bob Johnson'"),
            "t");

  // The migration's own fixes announce nothing: the first notification is this marker.
  db.Exec("NOTIFY orders_change, 'marker'");
  EXPECT_EQ(NextPayload(listener), "marker");

  // Same objects as a fresh install: the original triggers and functions are gone, not doubled.
  PgSession fresh(CreateTestDatabase("schema_upgrade_fresh"));
  fresh.Exec(SchemaSql());
  const std::string catalog = CatalogState(db);
  EXPECT_EQ(catalog, CatalogState(fresh));

  // Applying again changes nothing.
  const std::string rows = RowsState(db);
  db.Exec(SchemaSql());
  EXPECT_EQ(CatalogState(db), catalog);
  EXPECT_EQ(RowsState(db), rows);

  // The id sequence carries on, and a change is announced exactly once.
  EXPECT_EQ(db.Scalar("INSERT INTO orders (customer_name, product_name) VALUES ('Gina', 'Mug')"
                      " RETURNING id"),
            "8");
  db.Exec("NOTIFY orders_change, 'marker'");
  ExpectPayload(NextPayload(listener), "INSERT");
  EXPECT_EQ(NextPayload(listener), "marker");
}

TEST(Schema, UpgradeReadsLegacyTimestampsInConfiguredZone) {
  PgSession db(CreateTestDatabase("schema_upgrade_zone"));
  db.Exec(OriginalAppSql());
  db.Exec("SET walcast.legacy_timezone = 'America/New_York'");
  db.Exec(SchemaSql());
  // 09:15 in New York (EST, UTC-5) is 14:15 UTC.
  EXPECT_EQ(db.Scalar("SELECT to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
                      "  FROM orders WHERE customer_name = 'John Doe'"),
            "2024-03-01 14:15:00");
}

TEST(Schema, UpdatedAtChangesOnlyWhenAValueChanges) {
  PgSession db(CreateTestDatabase("schema_updated_at"));
  db.Exec(SchemaSql());
  // An INSERT may set the timestamps (imports); a known old value makes every check exact.
  const std::string id = db.Scalar(
      "INSERT INTO orders (customer_name, product_name, status, created_at, updated_at)"
      " VALUES ('Ann Lee', 'Lamp', 'pending', '2001-02-03 04:05:06+00', '2001-02-03 04:05:06+00')"
      " RETURNING id");
  auto updated_at_is = [&](const std::string& value) {
    return db.Scalar("SELECT updated_at = $2::timestamptz FROM orders WHERE id = $1",
                     {id, value}) == "t";
  };

  // Same values: unchanged.
  db.Query("UPDATE orders SET customer_name = 'Ann Lee', status = 'pending' WHERE id = $1", {id});
  EXPECT_TRUE(updated_at_is("2001-02-03 04:05:06+00"));
  // Only updated_at set by the client: not honoured, the server owns it.
  db.Query("UPDATE orders SET updated_at = '1999-01-01 00:00:00+00' WHERE id = $1", {id});
  EXPECT_TRUE(updated_at_is("2001-02-03 04:05:06+00"));

  // A real change: updated_at becomes the transaction's now(), whatever the client set.
  db.Exec("BEGIN");
  db.Query(
      "UPDATE orders SET status = 'shipped', updated_at = '1999-01-01 00:00:00+00'"
      " WHERE id = $1",
      {id});
  EXPECT_EQ(db.Scalar("SELECT updated_at = now() FROM orders WHERE id = $1", {id}), "t");
  const std::string bumped = db.Scalar("SELECT updated_at FROM orders WHERE id = $1", {id});
  db.Exec("COMMIT");

  // A later transaction repeating the same values keeps the bumped value.
  db.Query("UPDATE orders SET status = 'shipped', product_name = 'Lamp' WHERE id = $1", {id});
  EXPECT_TRUE(updated_at_is(bumped));
  EXPECT_EQ(
      db.Scalar("SELECT created_at = '2001-02-03 04:05:06+00' FROM orders WHERE id = $1", {id}),
      "t");
}

TEST(Schema, NotifiesOrdersChangeWithOriginalKeys) {
  const std::string conninfo = CreateTestDatabase("schema_notify");
  PgSession db(conninfo);
  db.Exec(SchemaSql());
  PgSession listener(conninfo);
  listener.Exec("LISTEN orders_change");

  db.Exec("BEGIN");
  const std::string id = db.Scalar(
      "INSERT INTO orders (customer_name, product_name) VALUES ('Zoë \"Q\" Ng', 'Tea') RETURNING "
      "id");
  const double insert_epoch = std::stod(db.Scalar("SELECT extract(epoch FROM now())"));
  const auto inserted = RowJson(db, id);
  db.Exec("COMMIT");
  {
    auto doc = ExpectPayload(NextPayload(listener), "INSERT");
    EXPECT_TRUE(doc["data"] == inserted);
    EXPECT_NEAR(doc["timestamp"].GetDouble(), insert_epoch, 1e-3);
  }

  db.Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {id});
  const auto updated = RowJson(db, id);
  {
    auto doc = ExpectPayload(NextPayload(listener), "UPDATE");
    EXPECT_TRUE(doc["data"] == updated);  // the new row
    EXPECT_STREQ(doc["data"]["status"].GetString(), "shipped");
  }

  db.Query("DELETE FROM orders WHERE id = $1", {id});
  {
    auto doc = ExpectPayload(NextPayload(listener), "DELETE");
    EXPECT_TRUE(doc["data"] == updated);  // the deleted (old) row
  }

  // Exactly one notification per change.
  db.Exec("NOTIFY orders_change, 'marker'");
  EXPECT_EQ(NextPayload(listener), "marker");
}

// walcast.notify = off (for a database read through the WAL) silences the trigger, per session or
// per database; any other value, or none, keeps the original behaviour.
TEST(Schema, WalcastNotifyOffSilencesTheTrigger) {
  const std::string conninfo = CreateTestDatabase("schema_notify_off");
  PgSession db(conninfo);
  db.Exec(SchemaSql());
  PgSession listener(conninfo);
  listener.Exec("LISTEN orders_change");

  db.Exec("SET walcast.notify = off");
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('quiet', 'p')");
  db.Exec("SET walcast.notify = on");
  db.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('loud', 'p')");
  {
    auto doc = ExpectPayload(NextPayload(listener), "INSERT");
    EXPECT_STREQ(doc["data"]["customer_name"].GetString(), "loud") << "the quiet one sent nothing";
  }

  db.Exec("ALTER DATABASE \"" + db.Scalar("SELECT current_database()") +
          "\" SET walcast.notify = off");
  PgSession later(conninfo);  // a database setting reaches new sessions
  later.Exec("UPDATE orders SET status = 'shipped'");
  later.Exec("NOTIFY orders_change, 'marker'");
  EXPECT_EQ(NextPayload(listener), "marker") << "no notification for the two updates";
}

TEST(Schema, NotifiesTruncatedPayloadForOversizedRow) {
  const std::string conninfo = CreateTestDatabase("schema_notify_large");
  PgSession db(conninfo);
  db.Exec(SchemaSql());
  // orders' own columns cannot reach pg_notify's 8000-byte limit; a column an operator adds can.
  db.Exec("ALTER TABLE orders ADD COLUMN notes text");
  PgSession listener(conninfo);
  listener.Exec("LISTEN orders_change");
  auto insert = [&](int id, size_t notes_size) {
    db.Query(
        "INSERT INTO orders (id, customer_name, product_name, created_at, updated_at, notes)"
        " VALUES ($1, 'Big Row', 'Crate', '2001-02-03 04:05:06.123456+00',"
        "         '2001-02-03 04:05:06.123456+00', repeat('x', $2::int))",
        {std::to_string(id), std::to_string(notes_size)});
    return NextPayload(listener);
  };

  // Rows that differ only in the size of notes give payloads that differ by as much, so the
  // largest payload pg_notify accepts (7999 bytes) can be aimed at exactly.
  const std::string small = insert(901, 100);
  ExpectPayload(small, "INSERT");
  const size_t largest_notes = 100 + (7999 - small.size());
  const std::string largest = insert(902, largest_notes);
  EXPECT_EQ(largest.size(), 7999u);
  auto full = ExpectPayload(largest, "INSERT");
  ASSERT_TRUE(full["data"].IsObject() && full["data"].HasMember("notes"));
  EXPECT_EQ(full["data"]["notes"].GetStringLength(), largest_notes);

  // One byte more, or 10 kB: the write still commits and the payload shrinks to the id.
  for (auto [id, notes_size] : {std::pair{903, largest_notes + 1}, std::pair{904, size_t{10000}}}) {
    auto doc = ParseJson(insert(id, notes_size));
    EXPECT_EQ(Keys(doc),
              (std::vector<std::string>{"data", "operation", "table", "timestamp", "truncated"}));
    EXPECT_STREQ(doc["operation"].GetString(), "INSERT");
    EXPECT_STREQ(doc["table"].GetString(), "orders");
    EXPECT_TRUE(doc["timestamp"].IsNumber());
    EXPECT_TRUE(doc["truncated"].IsTrue());
    EXPECT_EQ(Keys(doc["data"]), std::vector<std::string>{"id"});
    EXPECT_EQ(doc["data"]["id"].GetInt(), id);
    EXPECT_EQ(db.Scalar("SELECT length(notes) FROM orders WHERE id = $1", {std::to_string(id)}),
              std::to_string(notes_size));
  }

  db.Exec("DELETE FROM orders WHERE id = 904");
  auto deleted = ParseJson(NextPayload(listener));
  EXPECT_STREQ(deleted["operation"].GetString(), "DELETE");
  EXPECT_TRUE(deleted["truncated"].IsTrue());
  EXPECT_EQ(deleted["data"]["id"].GetInt(), 904);
}

TEST(Schema, PublishesOrdersWithFullReplicaIdentity) {
  PgSession db(CreateTestDatabase("schema_publication"));
  db.Exec(SchemaSql());
  EXPECT_EQ(Dump(db,
                 "SELECT pubname, schemaname, tablename FROM pg_publication_tables"
                 " ORDER BY pubname"),
            "walcast_orders|public|orders\n");
  EXPECT_EQ(db.Scalar("SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate"
                      "  FROM pg_publication WHERE pubname = 'walcast_orders'"),
            "t");
  EXPECT_EQ(db.Scalar("SELECT relreplident FROM pg_class WHERE oid = 'orders'::regclass"), "f");

  // A publication of that name that lacks the table or some actions is completed.
  PgSession partial(CreateTestDatabase("schema_publication_partial"));
  partial.Exec("CREATE PUBLICATION walcast_orders WITH (publish = 'insert')");
  partial.Exec(SchemaSql());
  EXPECT_EQ(Dump(partial, "SELECT pubname, tablename FROM pg_publication_tables"),
            "walcast_orders|orders\n");
  EXPECT_EQ(partial.Scalar("SELECT pubinsert AND pubupdate AND pubdelete AND pubtruncate"
                           "  FROM pg_publication WHERE pubname = 'walcast_orders'"),
            "t");
}

TEST(Schema, RejectsUnknownStatusAndMissingNames) {
  PgSession db(CreateTestDatabase("schema_constraints"));
  db.Exec(SchemaSql());
  auto insert = [&](std::optional<std::string> customer, std::optional<std::string> product,
                    std::optional<std::string> status) {
    return ErrorOf([&] {
      db.Query("INSERT INTO orders (customer_name, product_name, status) VALUES ($1, $2, $3)",
               {customer, product, status});
    });
  };

  EXPECT_EQ(insert("Ann", "Lamp", "shipped"), "");
  EXPECT_NE(insert("Ann", "Lamp", "cancelled").find("orders_status_check"), std::string::npos);
  EXPECT_NE(insert("Ann", "Lamp", "Shipped").find("orders_status_check"), std::string::npos);
  EXPECT_NE(insert("Ann", "Lamp", std::nullopt).find("\"status\""), std::string::npos);
  EXPECT_NE(insert(std::nullopt, "Lamp", "pending").find("\"customer_name\""), std::string::npos);
  EXPECT_NE(insert("Ann", std::nullopt, "pending").find("\"product_name\""), std::string::npos);
  EXPECT_NE(
      ErrorOf([&] { db.Query("UPDATE orders SET status = 'lost'"); }).find("orders_status_check"),
      std::string::npos);

  // Omitted status and timestamps take their defaults.
  EXPECT_EQ(db.Scalar("INSERT INTO orders (customer_name, product_name) VALUES ('Bo', 'Cup')"
                      " RETURNING status || ' ' || (created_at = now()) || ' ' ||"
                      "           (updated_at = now())"),
            "pending true true");
}

TEST(Schema, ConcurrentAppliesAreSerialized) {
  const std::string conninfo = CreateTestDatabase("schema_concurrent");
  const std::string schema = SchemaSql();
  // Hold the schema's lock so that both runs start, then must queue behind it and each other.
  PgSession holder(conninfo);
  holder.Exec("BEGIN");
  holder.Exec(kSchemaLockSql);

  std::vector<std::string> errors(2);
  std::vector<std::thread> runs;
  for (size_t i = 0; i < errors.size(); ++i) {
    runs.emplace_back([&, i] {
      errors[i] = ErrorOf([&] {
        PgSession session(conninfo);
        session.Exec(schema);
      });
    });
  }
  bool both_waited = false;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       !both_waited && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(10ms)) {
    both_waited = holder.Scalar(
                      "SELECT count(*) FROM pg_locks"
                      " WHERE locktype = 'advisory' AND NOT granted") == "2";
  }
  holder.Exec("COMMIT");
  for (auto& run : runs) run.join();

  EXPECT_TRUE(both_waited) << "the runs did not wait for the schema lock";
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  PgSession db(conninfo);
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM orders"), "5");
  PgSession once(CreateTestDatabase("schema_concurrent_once"));
  once.Exec(schema);
  EXPECT_EQ(CatalogState(db), CatalogState(once));
}

TEST(Schema, AppliesWithPsql) {
  const std::string conninfo = CreateTestDatabase("schema_psql");
  const char* bindir = std::getenv("PG_BINDIR");
  const std::string psql = std::string(bindir ? bindir : "/usr/lib/postgresql/15/bin") + "/psql";
  const std::string command = ShellQuote(psql) + " -X -q -v ON_ERROR_STOP=1 -d " +
                              ShellQuote(conninfo) + " -f " +
                              ShellQuote(SourceDir() + "/database/schema.sql") + " >/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;

  PgSession db(conninfo);
  EXPECT_EQ(db.Scalar("SELECT count(*) FROM orders"), "5");
  PgSession libpq(CreateTestDatabase("schema_psql_libpq"));
  libpq.Exec(SchemaSql());
  EXPECT_EQ(CatalogState(db), CatalogState(libpq));
}

}  // namespace
}  // namespace walcast::testing
