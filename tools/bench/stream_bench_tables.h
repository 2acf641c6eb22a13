// The tables measurement: what streaming three tables costs next to streaming one, in the same
// run. N inserts all into `orders` are caught up by one SSE client of a walcastd with its default
// --tables; then the same N inserts spread round-robin, row by row, over `orders`,
// `bench_customers` and `bench_payments` (created here with orders' row shape: six columns, an
// id, three texts or a numeric, a jsonb and a text, two timestamps, two secondary indexes;
// REPLICA IDENTITY FULL like orders, so the WAL per row and the payloads differ only by values) are
// caught up by a walcastd streaming the three. Each phase writes on a fresh slot and is then read
// (throughput's catch-up), and the client checks every event's name against the table its row went
// to, in id order. Blocking; call from the main thread (see ChildProcess).
#pragma once

#include "tools/bench/stream_bench_scenarios.h"

namespace walcast::bench {

struct TablesOptions {
  int transactions = 200;  // per phase, as throughput
  int rows_per_transaction = 1000;
  bool three_first = false;  // which phase runs first
};

// The three tables are created if missing and added to setup.publication before any slot
// exists (the slot decodes with the catalog of the WAL's time: a table added later would not be
// published for rows written earlier), and emptied at the start of every run.
Figures RunTables(const BenchSetup& setup, const TablesOptions& options);

}  // namespace walcast::bench
