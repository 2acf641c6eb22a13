// Normalizer: one pgoutput change to a selected table -> one OrderEvent (docs/contract.md §4).
//
// Runs as each change arrives, while its message buffer and the relation definition of that moment
// are at hand: the event owns its rendered rows, so the assembler can buffer it past the buffer's
// life and past a later ALTER TABLE. The commit fields (id, lsn, xid, timestamp) are set at commit
// by the assembler. Values are typed per §2 (value_format.h). Unchanged TOAST values are filled
// from the old row when it has them, else left out of `data` and named in `unchanged`.
// Const methods; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "decoder/decode_error.h"
#include "decoder/order_event.h"
#include "decoder/pgoutput_message.h"
#include "decoder/relation_cache.h"

namespace walcast::decoder {

struct TableName {
  std::string schema = "public";
  std::string name = "orders";
};

class Normalizer {
 public:
  // Only changes to these tables produce events (default: public.orders); an empty list selects
  // every table the publication sends.
  explicit Normalizer(std::vector<TableName> tables = {TableName{}});

  bool Selects(const RelationInfo& relation) const;

  // A tuple must have exactly the relation's columns (kSchemaMismatch otherwise). Cheap; the
  // caller checks every change, selected or not.
  static Status CheckTuple(const TupleData& tuple, const RelationInfo& relation,
                           std::string_view kind, std::string_view field);

  // The event for a change to a selected relation whose tuples passed CheckTuple. Binary values
  // (replication started with binary 'true') are kUnsupported.
  Result<OrderEvent> Insert(const InsertMessage& message, const RelationInfo& relation) const;
  // `old` and `changed` are set only when the update carried an old row ('O': all columns, 'K':
  // key columns only); `changed` only for a whole old row.
  Result<OrderEvent> Update(const UpdateMessage& message, const RelationInfo& relation) const;
  // `data` is the deleted row (key columns only under 'K'); `old` stays null.
  Result<OrderEvent> Delete(const DeleteMessage& message, const RelationInfo& relation) const;
  // A truncate event has no rows.
  OrderEvent Truncate(const RelationInfo& relation) const;

 private:
  std::vector<TableName> tables_;
};

}  // namespace walcast::decoder
