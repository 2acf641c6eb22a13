// OrderEvent: one committed row change, as docs/contract.md §4 describes it, ready to serialize.
//
// Built by the normalizer from pgoutput (replication mode) or by ParseNotifyPayload (NOTIFY mode).
// Plain value type; thread-compatible. Events are immutable once handed on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/column_names.h"
#include "decoder/event_id.h"
#include "decoder/json_row.h"
#include "decoder/lsn.h"
#include "decoder/pgoutput_message.h"

namespace walcast::decoder {

enum class Operation : uint8_t { kInsert, kUpdate, kDelete, kTruncate };

// "insert", "update", "delete", "truncate".
std::string_view OperationName(Operation operation);
// The inverse of OperationName (lower case only), for stream filters.
std::optional<Operation> ParseOperation(std::string_view name);

struct OrderEvent {
  EventId id;  // from (commit LSN, index in transaction); assigned by the caller in NOTIFY mode
  Operation operation = Operation::kInsert;
  std::string table;              // the relation's name without schema: "orders"
  std::string schema = "public";  // its schema (namespace)
  // The table's REPLICA IDENTITY when the event was decoded. Under anything but FULL, an update's
  // `old` holds only the key columns (and only when the key changed) and a delete's `data` only
  // the key columns; the payload says so (decoder/event_serializer.h).
  ReplicaIdentity replica_identity = ReplicaIdentity::kFull;
  // The new row; the deleted row for delete; nullopt for truncate. Columns whose value is
  // unknown (unchanged TOAST without an old value) are left out and named in `unchanged`.
  std::optional<Row> data;
  // The old row of an update, when the stream carried one (REPLICA IDENTITY FULL: every column;
  // otherwise the key columns when the key changed). nullopt otherwise, and in NOTIFY mode.
  std::optional<Row> old;
  // Update only, when the whole old row is known: the columns whose values differ. Inline (no
  // heap block) for the usual few short names.
  std::optional<ColumnNames> changed;
  std::vector<std::string> unchanged;
  int64_t timestamp = 0;        // commit time, Unix µs
  std::optional<Lsn> lsn;       // commit LSN; nullopt in NOTIFY mode
  std::optional<uint32_t> xid;  // top-level transaction id; nullopt in NOTIFY mode

  // Bytes held, heap included, for the assembler's memory bound.
  size_t ApproxBytes() const;
};

// "orders" for public.orders, "sales.invoices" for another schema: how events and filters name a
// table.
std::string QualifiedTableName(std::string_view schema, std::string_view table);

// "orders:insert", "sales.invoices:update": the stream event name (WebSocket "event", SSE
// "event:"), the table schema-qualified when its schema is not public.
std::string EventName(const OrderEvent& event);

}  // namespace walcast::decoder
