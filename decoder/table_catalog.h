// TableCatalog: the tables walcast streams, as the database describes them: schema, name,
// replica identity, and each column's name, type and whether it is part of the table's key. It
// answers GET /api/tables and lets a client's column filter (api/stream/column_filter.h) be
// checked when the client sends it, without a database round trip then. Loaded by
// database/table_catalog_query.h at start and refreshed while running (docs/tables.md says when).
//
// It lives with the decoder because it is the same description as the decoder's RelationInfo,
// read from the catalog instead of the stream, and because every layer that checks filters or
// lists tables (api/stream, api/http, database) may depend on the decoder.
// CatalogTable and CatalogColumn are plain values. TableCatalog holds the current snapshot;
// Snapshot and Replace are thread-safe, and a snapshot stays valid (immutable) while held.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/pgoutput_message.h"

namespace walcast::decoder {

struct CatalogColumn {
  std::string name;
  // PostgreSQL's name of the type, as format_type() writes it: "integer", "text[]",
  // "timestamp with time zone", "numeric(10,2)", an enum's or a domain's own name.
  std::string type;
  uint32_t type_oid = 0;  // pg_attribute.atttypid: what pgoutput reports for the column
  // Part of the key that UPDATE and DELETE events carry under REPLICA IDENTITY DEFAULT or USING
  // INDEX: the primary key's columns, or the identity index's. Under FULL, the primary key's (the
  // old row then holds every column anyway); under NOTHING, none.
  bool key = false;
  bool not_null = false;
};

struct CatalogTable {
  std::string schema = "public";
  std::string name;
  ReplicaIdentity replica_identity = ReplicaIdentity::kDefault;
  std::vector<CatalogColumn> columns;  // in the table's column order, dropped columns left out

  // "orders" for public.orders, "sales.orders" for another schema: the prefix of the table's
  // event names ("sales.orders:insert") and the name a client's filter uses.
  std::string QualifiedName() const;
  // nullptr when the table has no such column (names compare exactly, as PostgreSQL stores them).
  const CatalogColumn* FindColumn(std::string_view column) const;
};

// "default", "nothing", "full", "index": the words of ALTER TABLE ... REPLICA IDENTITY.
std::string_view ReplicaIdentityName(ReplicaIdentity identity);

using CatalogTables = std::vector<CatalogTable>;

// The table a client names: "customers" is public.customers; "sales.orders" and
// "public.customers" name their schema. nullptr when none of `tables` is that table.
const CatalogTable* FindTable(const CatalogTables& tables, std::string_view name);

class TableCatalog {
 public:
  TableCatalog() : tables_(std::make_shared<const CatalogTables>()) {}

  std::shared_ptr<const CatalogTables> Snapshot() const {
    std::lock_guard lock(mutex_);
    return tables_;
  }
  void Replace(CatalogTables tables) {
    auto next = std::make_shared<const CatalogTables>(std::move(tables));
    std::lock_guard lock(mutex_);
    tables_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const CatalogTables> tables_;
};

}  // namespace walcast::decoder
