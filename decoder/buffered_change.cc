#include "decoder/buffered_change.h"

#include <type_traits>
#include <utility>

#include "decoder/byte_reader.h"

namespace walcast::decoder {
namespace {

constexpr std::string_view kKind = "SpilledChange";

void PutU8(uint8_t value, std::string* out) { out->push_back(static_cast<char>(value)); }

void PutU32(uint32_t value, std::string* out) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out->append(bytes, 4);
}

void PutString(std::string_view text, std::string* out) {
  PutU32(static_cast<uint32_t>(text.size()), out);
  out->append(text);
}

void PutRow(const std::optional<Row>& row, std::string* out) {
  PutU8(row ? 1 : 0, out);
  if (!row) return;
  PutU32(row->raw_json_size(), out);
  PutU32(row->raw_count(), out);
  PutString(row->raw(), out);
}

template <typename List>
void PutList(const List& list, std::string* out) {
  PutU32(static_cast<uint32_t>(list.size()), out);
  for (std::string_view item : list) PutString(item, out);
}

std::optional<bool> ReadFlag(ByteReader& reader, std::string_view field) {
  const size_t offset = reader.offset();
  auto flag = reader.ReadU8(field);
  if (!flag) return std::nullopt;
  if (*flag > 1) {
    reader.Fail(ErrorCode::kBadValue, field, offset,
                "expected 0 or 1, got " + std::to_string(*flag));
    return std::nullopt;
  }
  return *flag == 1;
}

// False after recording an error in `reader`.
bool ReadRow(ByteReader& reader, std::string_view field, std::optional<Row>* row) {
  auto present = ReadFlag(reader, field);
  if (!present) return false;
  if (!*present) return true;
  const size_t offset = reader.offset();
  auto json_size = reader.ReadU32(field);
  auto count = reader.ReadU32(field);
  auto raw = reader.ReadLengthPrefixed(field);
  if (!raw) return false;
  *row = Row::FromRaw(*raw, *json_size, *count);
  if (!*row) {
    reader.Fail(ErrorCode::kBadValue, field, offset, "row index does not fit its JSON");
    return false;
  }
  return true;
}

template <typename List>
bool ReadList(ByteReader& reader, std::string_view field, List* list) {
  auto count = reader.ReadU32(field);
  if (!count) return false;
  // Each item takes at least its 4-byte length: a count beyond that is damage, not a reason to
  // reserve gigabytes.
  if (*count > reader.remaining() / 4) {
    reader.Fail(ErrorCode::kBadValue, field, reader.offset() - 4,
                "count " + std::to_string(*count) + " exceeds the record");
    return false;
  }
  constexpr bool kVector = std::is_same_v<List, std::vector<std::string>>;
  if constexpr (kVector) list->reserve(*count);
  for (uint32_t i = 0; i < *count; ++i) {
    auto item = reader.ReadLengthPrefixed(field);
    if (!item) return false;
    if constexpr (kVector) {
      list->emplace_back(*item);
    } else {
      list->push_back(*item);
    }
  }
  return true;
}

}  // namespace

void AppendBufferedChange(const BufferedChange& change, std::string* out) {
  PutU32(change.xid, out);
  PutU32(change.slots, out);
  PutU8(change.event ? 1 : 0, out);
  if (!change.event) return;
  const OrderEvent& event = *change.event;
  PutU8(static_cast<uint8_t>(event.operation), out);
  PutString(event.table, out);
  PutString(event.schema, out);
  PutU8(static_cast<uint8_t>(event.replica_identity), out);
  PutRow(event.data, out);
  PutRow(event.old, out);
  PutU8(event.changed ? 1 : 0, out);
  if (event.changed) PutList(*event.changed, out);
  PutList(event.unchanged, out);
}

Result<BufferedChange> ReadBufferedChange(std::string_view record) {
  ByteReader reader(record, kKind);
  BufferedChange change;
  auto xid = reader.ReadU32("xid");
  auto slots = reader.ReadU32("slots");
  auto has_event = ReadFlag(reader, "has_event");
  if (!has_event) return reader.error();
  change.xid = *xid;
  change.slots = *slots;
  if (*has_event) {
    OrderEvent& event = change.event.emplace();
    const size_t offset = reader.offset();
    auto operation = reader.ReadU8("operation");
    if (!operation) return reader.error();
    if (*operation > static_cast<uint8_t>(Operation::kTruncate)) {
      return reader.Fail(ErrorCode::kBadValue, "operation", offset,
                         "unknown operation " + std::to_string(*operation));
    }
    event.operation = static_cast<Operation>(*operation);
    auto table = reader.ReadLengthPrefixed("table");
    if (!table) return reader.error();
    event.table = std::string(*table);
    auto schema = reader.ReadLengthPrefixed("schema");
    if (!schema) return reader.error();
    event.schema = std::string(*schema);
    const size_t identity_offset = reader.offset();
    auto identity = reader.ReadU8("replica_identity");
    if (!identity) return reader.error();
    switch (static_cast<ReplicaIdentity>(*identity)) {
      case ReplicaIdentity::kDefault:
      case ReplicaIdentity::kNothing:
      case ReplicaIdentity::kFull:
      case ReplicaIdentity::kIndex:
        event.replica_identity = static_cast<ReplicaIdentity>(*identity);
        break;
      default:
        return reader.Fail(ErrorCode::kBadValue, "replica_identity", identity_offset,
                           "unknown replica identity " + std::to_string(*identity));
    }
    if (!ReadRow(reader, "data", &event.data) || !ReadRow(reader, "old", &event.old)) {
      return reader.error();
    }
    auto has_changed = ReadFlag(reader, "changed");
    if (!has_changed) return reader.error();
    if (*has_changed && !ReadList(reader, "changed", &event.changed.emplace())) {
      return reader.error();
    }
    if (!ReadList(reader, "unchanged", &event.unchanged)) return reader.error();
  }
  if (auto end = reader.ExpectEnd(); !end.ok()) return end.error();
  return change;
}

}  // namespace walcast::decoder
