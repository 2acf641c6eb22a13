#include "decoder/normalizer.h"

#include <array>
#include <cstdint>
#include <memory>
#include <utility>

namespace walcast::decoder {
namespace {

using Column = RelationInfo::Column;

OrderEvent NewEvent(Operation operation, const RelationInfo& relation) {
  OrderEvent event;
  event.operation = operation;
  event.table = relation.name;
  event.schema = relation.namespace_name;
  event.replica_identity = relation.replica_identity;
  return event;
}

RowBuilder NewRow(const TupleData& tuple, const RelationInfo& relation) {
  // The wire bytes already count 5 per value (kind and length), enough for quotes and commas in
  // the common case; escapes may grow the buffer once.
  return RowBuilder(tuple.wire_bytes().size() + relation.json_keys_size, relation.columns.size());
}

void AddValue(RowBuilder& row, const Column& column, ColumnValue value) {
  if (value.kind == ColumnKind::kText) {
    row.AddValue(column.json_key, column.value_kind, value.data);
  } else {
    row.AddNull(column.json_key);
  }
}

DecodeError BinaryValue(std::string_view kind, std::string_view field, const TupleData& tuple,
                        const Column& column) {
  return DecodeError{ErrorCode::kUnsupported, kind, field, tuple.offset(),
                     "column \"" + column.name +
                         "\" arrived in binary form; start replication without binary 'true'"};
}

// Renders one row image. K-form old rows (`key_only`) carry nulls for non-key columns, which are
// not values and are left out. Unchanged TOAST values are unknown: left out and named in
// *unchanged (when given).
Result<Row> RenderTuple(const TupleData& tuple, const RelationInfo& relation, bool key_only,
                        std::string_view kind, std::string_view field,
                        std::vector<std::string>* unchanged) {
  RowBuilder row = NewRow(tuple, relation);
  auto it = tuple.begin();
  for (const Column& column : relation.columns) {
    ColumnValue value = *it++;
    if (key_only && !column.key) continue;
    switch (value.kind) {
      case ColumnKind::kBinary:
        return BinaryValue(kind, field, tuple, column);
      case ColumnKind::kUnchangedToast:
        if (unchanged != nullptr) unchanged->push_back(column.name);
        break;
      case ColumnKind::kText:
      case ColumnKind::kNull:
        AddValue(row, column, value);
        break;
    }
  }
  return std::move(row).Finish();
}

bool SameValue(ColumnValue a, ColumnValue b) { return a.kind == b.kind && a.data == b.data; }

}  // namespace

Normalizer::Normalizer(std::vector<TableName> tables) : tables_(std::move(tables)) {}

bool Normalizer::Selects(const RelationInfo& relation) const {
  if (tables_.empty()) return true;  // every table the publication sends
  for (const TableName& table : tables_) {
    if (table.name == relation.name && table.schema == relation.namespace_name) return true;
  }
  return false;
}

Status Normalizer::CheckTuple(const TupleData& tuple, const RelationInfo& relation,
                              std::string_view kind, std::string_view field) {
  if (tuple.size() == relation.columns.size()) return Status();
  return DecodeError{ErrorCode::kSchemaMismatch, kind, field, tuple.offset(),
                     "tuple has " + std::to_string(tuple.size()) + " columns, relation " +
                         relation.namespace_name + "." + relation.name + " (id " +
                         std::to_string(relation.id) + ") has " +
                         std::to_string(relation.columns.size())};
}

Result<OrderEvent> Normalizer::Insert(const InsertMessage& message,
                                      const RelationInfo& relation) const {
  OrderEvent event = NewEvent(Operation::kInsert, relation);
  Result<Row> row =
      RenderTuple(message.new_tuple, relation, false, "Insert", "new_tuple", &event.unchanged);
  if (!row.ok()) return row.error();
  event.data = std::move(row).value();
  return event;
}

Result<OrderEvent> Normalizer::Update(const UpdateMessage& message,
                                      const RelationInfo& relation) const {
  OrderEvent event = NewEvent(Operation::kUpdate, relation);
  const bool has_old = message.old_kind != OldTupleKind::kNone;
  const bool full_old = message.old_kind == OldTupleKind::kFull;
  // Both rows go into one block (one allocation): the new row first, then the old one.
  RowBuilder rows(
      message.new_tuple.wire_bytes().size() + relation.json_keys_size +
          (has_old ? message.old_tuple.wire_bytes().size() + relation.json_keys_size : 0),
      relation.columns.size() * (has_old ? 2 : 1));
  if (full_old) event.changed.emplace();

  // How the old row gets each column, noted while the new row is written; inline for the usual
  // relation, on the heap for a wide one.
  enum Old : uint8_t {
    kSameAsNew,  // copied from the new row
    kOwnValue,   // rendered (the new row has the column too)
    kNewOnly,    // left out; the new row has it
    kNeither,    // left out of both rows (unchanged TOAST, named in `unchanged`)
  };
  constexpr size_t kInlineColumns = 64;
  std::array<Old, kInlineColumns> inline_old;
  std::unique_ptr<Old[]> heap_old;
  Old* old_from = inline_old.data();
  if (has_old && relation.columns.size() > kInlineColumns) {
    heap_old = std::make_unique<Old[]>(relation.columns.size());
    old_from = heap_old.get();
  }

  auto new_it = message.new_tuple.begin();
  auto old_it = message.old_tuple.begin();
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    const Column& column = relation.columns[i];
    const ColumnValue new_value = *new_it++;
    ColumnValue old_value;
    if (has_old) old_value = *old_it++;
    // A K-form old row carries nulls, not values, for columns outside the key.
    const bool old_known = full_old || (has_old && column.key);
    if (new_value.kind == ColumnKind::kBinary) {
      return BinaryValue("Update", "new_tuple", message.new_tuple, column);
    }
    if (old_known && old_value.kind == ColumnKind::kBinary) {
      return BinaryValue("Update", "old_tuple", message.old_tuple, column);
    }
    const bool old_has_value = old_known && old_value.kind != ColumnKind::kUnchangedToast;
    const bool new_known = new_value.kind != ColumnKind::kUnchangedToast;
    // The old value is the one `data` gets: rendered once, copied into the old row.
    const bool same = old_has_value && (!new_known || SameValue(new_value, old_value));
    if (new_known) {
      AddValue(rows, column, new_value);
    } else if (old_has_value) {
      AddValue(rows, column, old_value);  // unchanged, and the old row has it
    } else {
      event.unchanged.push_back(column.name);
    }
    if (full_old && old_has_value && new_known && !same) event.changed->push_back(column.name);
    if (has_old) {
      old_from[i] = same ? kSameAsNew : old_has_value ? kOwnValue : new_known ? kNewOnly : kNeither;
    }
  }
  if (!has_old) {
    event.data = std::move(rows).Finish();
    return event;
  }

  rows.StartSecondRow();
  old_it = message.old_tuple.begin();
  size_t data_column = 0;  // the column's index in the new row, which leaves unknown ones out
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    const Column& column = relation.columns[i];
    const ColumnValue old_value = *old_it++;
    switch (old_from[i]) {
      case kSameAsNew:
        rows.AddFirstRowValue(column.json_key, data_column++);
        break;
      case kOwnValue:
        AddValue(rows, column, old_value);
        ++data_column;  // the new row has this column too (its own value, or this one)
        break;
      case kNewOnly:
        ++data_column;
        break;
      case kNeither:
        break;
    }
  }
  auto [data, old] = std::move(rows).FinishBoth();
  event.data = std::move(data);
  event.old = std::move(old);
  return event;
}

Result<OrderEvent> Normalizer::Delete(const DeleteMessage& message,
                                      const RelationInfo& relation) const {
  OrderEvent event = NewEvent(Operation::kDelete, relation);
  Result<Row> row = RenderTuple(message.old_tuple, relation, message.old_kind == OldTupleKind::kKey,
                                "Delete", "old_tuple", &event.unchanged);
  if (!row.ok()) return row.error();
  event.data = std::move(row).value();
  return event;
}

OrderEvent Normalizer::Truncate(const RelationInfo& relation) const {
  return NewEvent(Operation::kTruncate, relation);
}

}  // namespace walcast::decoder
