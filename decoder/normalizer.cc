#include "decoder/normalizer.h"

#include <utility>

namespace walcast::decoder {
namespace {

using Column = RelationInfo::Column;

OrderEvent NewEvent(Operation operation, const RelationInfo& relation) {
  OrderEvent event;
  event.operation = operation;
  event.table = relation.name;
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
  RowBuilder data = NewRow(message.new_tuple, relation);
  std::optional<RowBuilder> old;
  if (has_old) old.emplace(NewRow(message.old_tuple, relation));
  if (full_old) event.changed.emplace();

  auto new_it = message.new_tuple.begin();
  auto old_it = message.old_tuple.begin();
  for (const Column& column : relation.columns) {
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
    // The old value is the one `data` got: render it once and copy the JSON.
    const bool same = old_has_value && (!new_known || SameValue(new_value, old_value));
    if (new_known) {
      AddValue(data, column, new_value);
    } else if (old_has_value) {
      AddValue(data, column, old_value);  // unchanged, and the old row has it
    } else {
      event.unchanged.push_back(column.name);
    }
    if (same) {
      old->AddRaw(column.json_key, data.last_value());
    } else if (old_has_value) {
      AddValue(*old, column, old_value);
    }
    if (full_old && old_has_value && new_known && !same) event.changed->push_back(column.name);
  }
  event.data = std::move(data).Finish();
  if (old) event.old = std::move(*old).Finish();
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
