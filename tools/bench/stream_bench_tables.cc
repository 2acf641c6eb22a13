#include "tools/bench/stream_bench_tables.h"

#include <stdexcept>
#include <string>
#include <vector>

#include "tools/bench/stream_bench_catch_up.h"
#include "tools/bench/stream_bench_pg.h"
#include "tools/bench/stream_bench_process.h"

namespace walcast::bench {
namespace {

// The two tables besides orders. The SQL below names them too.
const std::vector<std::string> kExtraTables{"bench_customers", "bench_payments"};

// Orders' shape, six columns: an id, three texts (or a numeric, a jsonb and a text), two
// timestamps, and its two secondary indexes: without them a row of these tables writes two
// index records fewer than an orders row, and the walsender's lighter decoding of that WAL made
// the three-table phase look faster than the one-table phase. One statement each: PQexecParams
// takes one.
const std::vector<std::string> kCreateTables{
    R"sql(
CREATE TABLE IF NOT EXISTS bench_customers (
  id         serial PRIMARY KEY,
  name       varchar(255) NOT NULL,
  email      varchar(255) NOT NULL,
  country    varchar(50)  NOT NULL DEFAULT 'DE',
  created_at timestamptz  NOT NULL DEFAULT now(),
  updated_at timestamptz  NOT NULL DEFAULT now()
))sql",
    R"sql(
CREATE TABLE IF NOT EXISTS bench_payments (
  id         serial PRIMARY KEY,
  amount     numeric(12, 2) NOT NULL,
  details    jsonb          NOT NULL,
  method     varchar(50)    NOT NULL DEFAULT 'card',
  created_at timestamptz    NOT NULL DEFAULT now(),
  updated_at timestamptz    NOT NULL DEFAULT now()
))sql",
    "CREATE INDEX IF NOT EXISTS bench_customers_country "
    "ON bench_customers (country)",
    "CREATE INDEX IF NOT EXISTS bench_customers_updated_at "
    "ON bench_customers (updated_at)",
    "CREATE INDEX IF NOT EXISTS bench_payments_method "
    "ON bench_payments (method)",
    "CREATE INDEX IF NOT EXISTS bench_payments_updated_at "
    "ON bench_payments (updated_at)"};

// Row g goes to orders, bench_customers, bench_payments as g % 3 is 0, 1, 2: one transaction
// switches table at every row, the hardest case for anything cached per relation. A server-side
// loop because one INSERT targets one table; writing is not timed.
constexpr const char* kCreateWriter = R"sql(
CREATE OR REPLACE FUNCTION bench_insert_round_robin(first bigint, n int) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  FOR g IN first .. first + n - 1 LOOP
    CASE g % 3
      WHEN 0 THEN
        INSERT INTO orders (customer_name, product_name, status)
        VALUES ('bench customer ' || g, 'bench product', 'pending');
      WHEN 1 THEN
        INSERT INTO bench_customers (name, email)
        VALUES ('bench customer ' || g, 'customer' || g || '@example.com');
      ELSE
        INSERT INTO bench_payments (amount, details)
        VALUES ((g % 100000) / 100.0, jsonb_build_object('order', g, 'captured', true));
    END CASE;
  END LOOP;
END $$
)sql";

// Every table in `publication`, before any slot exists (see RunTables). Added, never removed, as
// walcastd does with a publication it finds.
void PrepareTables(PgConnection& db, const std::string& publication) {
  // CREATE TABLE IF NOT EXISTS notices an existing table on every run but the first.
  db.Query("SET client_min_messages = warning");
  for (const auto& statement : kCreateTables) db.Query(statement);
  db.Query(kCreateWriter);
  for (const auto& table : kExtraTables) {
    db.Query("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
  }
  if (!db.Scalar("SELECT 1 FROM pg_publication WHERE pubname = $1", {publication})) {
    db.Query(*db.Scalar("SELECT format('CREATE PUBLICATION %I FOR TABLE orders', $1::text)",
                        {publication}));
  }
  std::vector<std::string> tables{"orders"};
  tables.insert(tables.end(), kExtraTables.begin(), kExtraTables.end());
  for (const auto& table : tables) {
    if (!db.Scalar("SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND "
                   "schemaname = 'public' AND tablename = $2",
                   {publication, table})) {
      db.Query(
          *db.Scalar("SELECT format('ALTER PUBLICATION %I ADD TABLE public.%I', $1::text, "
                     "$2::text)",
                     {publication, table}));
    }
  }
}

struct Phase {
  CatchUp catch_up;
  double write_seconds = 0;
  double wal_mib = 0;           // written by the phase: what the walsender decodes
  double mean_event_bytes = 0;  // of the JSON data line
};

// One phase on a fresh slot: write, then catch up, checking that event k (from 0) is an insert
// of the table row k went to. With ids strictly increasing (ChangeReceiver) that is exactly the
// N rows, in commit order, none missing, none of another table.
Phase RunPhase(PgConnection& db, const BenchSetup& setup, const TablesOptions& options,
               bool three_tables) {
  const std::size_t changes = static_cast<std::size_t>(options.transactions) *
                              static_cast<std::size_t>(options.rows_per_transaction);
  Phase phase;
  std::string start = RecreateSlot(db, setup.slot);
  auto write_started = Clock::now();
  if (three_tables) {
    for (int t = 0; t < options.transactions; ++t) {
      db.Query("SELECT bench_insert_round_robin($1, $2)",
               {std::to_string(static_cast<long long>(t) * options.rows_per_transaction),
                std::to_string(options.rows_per_transaction)});
    }
  } else {
    InsertTransactions(db, options.transactions, options.rows_per_transaction);
  }
  phase.write_seconds = std::chrono::duration<double>(Clock::now() - write_started).count();
  phase.wal_mib =
      std::stod(*db.Scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)", {start})) /
      (1 << 20);

  std::vector<std::string> expected{"orders:insert"};
  std::vector<std::string> daemon_args;  // one table: walcastd's default --tables
  if (three_tables) {
    std::string list = "public.orders";
    for (const auto& table : kExtraTables) {
      expected.push_back(table + ":insert");
      list += ",public." + table;
    }
    daemon_args = {"--tables", list};
  }
  std::size_t seen = 0, bytes = 0;
  std::string problem;
  auto check = [&](const SseEvent& event) {
    const std::string& want = expected[seen % expected.size()];
    if (problem.empty() && event.name != want) {
      problem = "event " + std::to_string(seen + 1) + " (id " + std::string(event.id) + ") is '" +
                std::string(event.name) + "', expected '" + want + "'";
    }
    bytes += event.data.size();
    ++seen;
  };
  phase.catch_up = RunCatchUp(db, setup, start, changes, daemon_args, check);
  if (!problem.empty()) throw std::runtime_error(problem);
  if (seen != changes) {
    throw std::runtime_error("received " + std::to_string(seen) + " changes, expected " +
                             std::to_string(changes));
  }
  phase.mean_event_bytes = static_cast<double>(bytes) / static_cast<double>(seen);
  return phase;
}

}  // namespace

Figures RunTables(const BenchSetup& setup, const TablesOptions& options) {
  PgConnection db(setup.conninfo);
  // The schema's NOTIFY trigger on orders would queue a notification per row: write time only,
  // and only for the orders rows, so it is switched off for this session.
  db.Query("SET walcast.notify = off");
  PrepareTables(db, setup.publication);
  // Before any slot of this run, so the emptying is never decoded; equal table sizes every run.
  db.Query("TRUNCATE orders, bench_customers, bench_payments");
  const double changes =
      static_cast<double>(options.transactions) * static_cast<double>(options.rows_per_transaction);
  double load = LoadAverage();

  Phase one, three;
  if (options.three_first) {
    three = RunPhase(db, setup, options, true);
    one = RunPhase(db, setup, options, false);
  } else {
    one = RunPhase(db, setup, options, false);
    three = RunPhase(db, setup, options, true);
  }

  double one_rate = changes / one.catch_up.seconds;
  double three_rate = changes / three.catch_up.seconds;
  return {
      {"changes (per phase)", changes},
      {"one_table_events_per_s", one_rate},
      {"three_tables_events_per_s", three_rate},
      {"ratio (three / one)", three_rate / one_rate},
      {"one_table_s (start to last event)", one.catch_up.seconds},
      {"three_tables_s (start to last event)", three.catch_up.seconds},
      {"one_table_first_to_last_s", one.catch_up.first_to_last_seconds},
      {"three_tables_first_to_last_s", three.catch_up.first_to_last_seconds},
      {"one_table_event_bytes (mean data line)", one.mean_event_bytes},
      {"three_tables_event_bytes (mean data line)", three.mean_event_bytes},
      {"one_table_wal_mib (written)", one.wal_mib},
      {"three_tables_wal_mib (written)", three.wal_mib},
      {"one_table_walcastd_cpu_s", one.catch_up.walcastd_cpu_seconds},
      {"three_tables_walcastd_cpu_s", three.catch_up.walcastd_cpu_seconds},
      {"one_table_walsender_cpu_s", one.catch_up.walsender_cpu_seconds},
      {"three_tables_walsender_cpu_s", three.catch_up.walsender_cpu_seconds},
      {"one_table_client_cpu_s", one.catch_up.client_cpu_seconds},
      {"three_tables_client_cpu_s", three.catch_up.client_cpu_seconds},
      {"client_reconnects (both phases)",
       static_cast<double>(one.catch_up.reconnects + three.catch_up.reconnects)},
      {"one_table_write_s (not timed)", one.write_seconds},
      {"three_tables_write_s (not timed)", three.write_seconds},
      {"three_first (1) or one_first (0)", options.three_first ? 1.0 : 0.0},
      {"load1_before", load},
  };
}

}  // namespace walcast::bench
