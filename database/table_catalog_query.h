// The catalog read behind decoder/table_catalog.h: which tables walcast streams and what their
// columns, types, keys and replica identities are, as one statement on the REST pool
// (database/pg_pool.h), plus the pure step from its rows to decoder::CatalogTables.
//
// Which tables: with a list (--tables a,b) the listed tables that exist, whether or not the
// publication holds them yet (the replication stream adds them when it connects); with `*` (an
// empty list) every table the publication publishes (pg_publication_tables, which FOR ALL TABLES
// expands too).
//
// Typical use, from any thread (the callback runs on a pool strand):
//
//   table_catalog_query::Load(*pool, config.publication, config.tables,
//                             [catalog](table_catalog_query::Outcome outcome) {
//                               if (outcome.ok()) catalog->Replace(std::move(outcome.tables));
//                               else spdlog::warn("table catalog: {}", outcome.error);
//                             });
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "database/pg_pool.h"
#include "database/result_rows.h"
#include "decoder/normalizer.h"
#include "decoder/table_catalog.h"

namespace walcast::database::table_catalog_query {

// The catalog statement. $1 publication name, $2 text[] of schemas, $3 text[] of table names
// (pairwise: $2[i].$3[i]), both NULL for every table of the publication. One row per column, tables
// ordered by schema and name, columns by attnum: schema_name, table_name, replica_identity ('d',
// 'n', 'f', 'i'), column_name (NULL for a table without columns), column_type (format_type),
// type_oid, not_null, is_key. A read: retry-safe.
const Statement& Tables();

// The parameters of Tables() for the streamed tables (empty: `*`).
Params TablesParams(std::string_view publication, const std::vector<decoder::TableName>& tables);

// `text` as a PostgreSQL array literal of text ("{"a","b\""}"), every element quoted.
std::string TextArray(const std::vector<std::string>& elements);

// Tables()'s rows (as RenderRows renders them) into tables sorted by QualifiedName(), columns
// in the rows' order. Returns false and says why in *error when a row is not what Tables()
// returns (a missing column, an unknown replica identity).
bool FromRows(const Rows& rows, decoder::CatalogTables* tables, std::string* error);

struct Outcome {
  decoder::CatalogTables tables;
  std::string error;  // empty on success; for the log (it may hold the server's message)
  bool ok() const { return error.empty(); }
};

// Runs Tables() on `pool` and hands FromRows' tables (or why none) to `done`, exactly once, on
// a pool strand. `pool` must outlive the call's completion.
void Load(PgPool& pool, std::string_view publication, const std::vector<decoder::TableName>& tables,
          std::function<void(Outcome)> done);

}  // namespace walcast::database::table_catalog_query
