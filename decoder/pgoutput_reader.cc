#include "decoder/pgoutput_reader.h"

#include <optional>
#include <string>
#include <utility>

#include "decoder/byte_reader.h"

// The grammar, PostgreSQL 15, protocol versions 1 and 2
// (https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html). Integers are
// big-endian; String is NUL-terminated; [Xid] is an Int32 present only inside a stream block.
//
//   Begin        'B' Int64 final_lsn, Int64 commit_time, Int32 xid
//   Commit       'C' Int8 flags (0), Int64 commit_lsn, Int64 end_lsn, Int64 commit_time
//   Origin       'O' Int64 commit_lsn, String name
//   Relation     'R' [Xid] Int32 relation_id, String namespace, String name,
//                    Int8 replica_identity ('d'|'n'|'f'|'i'), Int16 ncolumns,
//                    ncolumns x (Int8 flags (1 = key), String name, Int32 type_oid, Int32 typmod)
//   Type         'Y' [Xid] Int32 type_oid, String namespace, String name
//   Insert       'I' [Xid] Int32 relation_id, 'N' TupleData
//   Update       'U' [Xid] Int32 relation_id, [('K'|'O') TupleData], 'N' TupleData
//   Delete       'D' [Xid] Int32 relation_id, ('K'|'O') TupleData
//   Truncate     'T' [Xid] Int32 nrelations, Int8 options (1 cascade | 2 restart identity),
//                    nrelations x Int32 relation_id
//   Message      'M' [Xid] Int8 flags (1 = transactional), Int64 lsn, String prefix,
//                    Int32 length, Byte[length] content
//   StreamStart  'S' Int32 xid, Int8 first_segment (0|1)
//   StreamStop   'E'
//   StreamCommit 'c' Int32 xid, Int8 flags (0), Int64 commit_lsn, Int64 end_lsn, Int64 commit_time
//   StreamAbort  'A' Int32 xid, Int32 subxid
//   TupleData        Int16 ncolumns, ncolumns x ('n' | 'u' | 't' Int32 len Byte[len]
//                                                | 'b' Int32 len Byte[len])
//
// Each message is read by its own function, validated as it is read (as proto.c's
// logicalrep_read_* do), and must end exactly at its last field.

namespace walcast::decoder {
namespace {

// Smallest encoding of one Relation column: flags, empty name's NUL, type oid, typmod.
constexpr size_t kMinRelationColumnSize = 1 + 1 + 4 + 4;

std::optional<uint32_t> ReadStreamXid(ByteReader& reader, bool in_stream_block) {
  if (!in_stream_block) return kInvalidXid;
  return reader.ReadU32("xid");
}

// The size of `count` well-formed TupleData columns at the start of `bytes`, or nullopt if they
// are not all there and well-formed (the caller then reads them field by field for the error).
std::optional<size_t> WellFormedColumnsSize(std::string_view bytes, uint16_t count) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  for (uint16_t i = 0; i < count; ++i) {
    if (p == end) return std::nullopt;
    const char kind = *p++;
    if (kind == static_cast<char>(ColumnKind::kNull) ||
        kind == static_cast<char>(ColumnKind::kUnchangedToast)) {
      continue;
    }
    if ((kind != static_cast<char>(ColumnKind::kText) &&
         kind != static_cast<char>(ColumnKind::kBinary)) ||
        end - p < 4) {
      return std::nullopt;
    }
    const auto* u = reinterpret_cast<const unsigned char*>(p);
    // A negative Int32 reads as 2^31 or more, beyond any message.
    const uint32_t length = static_cast<uint32_t>(u[0]) << 24 | static_cast<uint32_t>(u[1]) << 16 |
                            static_cast<uint32_t>(u[2]) << 8 | static_cast<uint32_t>(u[3]);
    p += 4;
    if (length > static_cast<size_t>(end - p)) return std::nullopt;
    p += length;
  }
  return static_cast<size_t>(p - bytes.data());
}

std::optional<TupleData> ReadTuple(ByteReader& reader) {
  const size_t count_at = reader.offset();
  std::optional<uint16_t> count = reader.ReadU16("tuple.ncolumns");
  if (!count) return std::nullopt;
  size_t begin = reader.offset();
  // The usual case in one pass; anything else is read again below, field by field.
  if (std::optional<size_t> size = WellFormedColumnsSize(reader.data().substr(begin), *count)) {
    if (!reader.ReadBytes(*size, "tuple.columns")) return std::nullopt;
    return TupleData(*count, reader.data().substr(begin, *size), count_at);
  }
  for (uint16_t i = 0; i < *count; ++i) {
    size_t at = reader.offset();
    std::optional<uint8_t> kind = reader.ReadU8("tuple.column_kind");
    if (!kind) return std::nullopt;
    switch (static_cast<ColumnKind>(*kind)) {
      case ColumnKind::kNull:
      case ColumnKind::kUnchangedToast:
        break;
      case ColumnKind::kText:
      case ColumnKind::kBinary:
        if (!reader.ReadLengthPrefixed("tuple.column_value")) return std::nullopt;
        break;
      default:
        reader.Fail(ErrorCode::kBadValue, "tuple.column_kind", at,
                    "column " + std::to_string(i) + ": expected 'n', 'u', 't' or 'b', got " +
                        DescribeByte(*kind));
        return std::nullopt;
    }
  }
  return TupleData(*count, reader.data().substr(begin, reader.offset() - begin), count_at);
}

// Reads a tuple introduced by the marker byte just read at `marker_at`, which must be 'N'.
std::optional<TupleData> ReadNewTuple(ByteReader& reader, size_t marker_at, uint8_t marker) {
  if (marker != 'N') {
    reader.Fail(ErrorCode::kBadValue, "new_tuple_marker", marker_at,
                "expected 'N', got " + DescribeByte(marker));
    return std::nullopt;
  }
  return ReadTuple(reader);
}

std::optional<uint8_t> ReadFlag(ByteReader& reader, std::string_view field, uint8_t max) {
  size_t at = reader.offset();
  std::optional<uint8_t> value = reader.ReadU8(field);
  if (value && *value > max) {
    reader.Fail(ErrorCode::kBadValue, field, at,
                "expected 0.." + std::to_string(max) + ", got " + std::to_string(*value));
    return std::nullopt;
  }
  return value;
}

std::optional<BeginMessage> ReadBegin(ByteReader& reader) {
  std::optional<uint64_t> final_lsn = reader.ReadU64("final_lsn");
  std::optional<int64_t> commit_time = reader.ReadI64("commit_time");
  std::optional<uint32_t> xid = reader.ReadU32("xid");
  if (!reader.ok()) return std::nullopt;
  return BeginMessage{Lsn(*final_lsn), *commit_time, *xid};
}

std::optional<CommitMessage> ReadCommit(ByteReader& reader) {
  std::optional<uint8_t> flags = ReadFlag(reader, "flags", 0);
  std::optional<uint64_t> commit_lsn = reader.ReadU64("commit_lsn");
  std::optional<uint64_t> end_lsn = reader.ReadU64("end_lsn");
  std::optional<int64_t> commit_time = reader.ReadI64("commit_time");
  if (!reader.ok()) return std::nullopt;
  return CommitMessage{*flags, Lsn(*commit_lsn), Lsn(*end_lsn), *commit_time};
}

std::optional<OriginMessage> ReadOrigin(ByteReader& reader) {
  std::optional<uint64_t> commit_lsn = reader.ReadU64("commit_lsn");
  std::optional<std::string_view> name = reader.ReadCString("name");
  if (!reader.ok()) return std::nullopt;
  return OriginMessage{Lsn(*commit_lsn), *name};
}

std::optional<RelationMessage> ReadRelation(ByteReader& reader, bool in_stream_block) {
  RelationMessage message;
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  std::optional<uint32_t> relation_id = reader.ReadU32("relation_id");
  std::optional<std::string_view> namespace_name = reader.ReadCString("namespace");
  std::optional<std::string_view> name = reader.ReadCString("name");
  size_t identity_at = reader.offset();
  std::optional<uint8_t> identity = reader.ReadU8("replica_identity");
  size_t count_at = reader.offset();
  std::optional<uint16_t> count = reader.ReadU16("ncolumns");
  if (!reader.ok()) return std::nullopt;
  switch (static_cast<ReplicaIdentity>(*identity)) {
    case ReplicaIdentity::kDefault:
    case ReplicaIdentity::kNothing:
    case ReplicaIdentity::kFull:
    case ReplicaIdentity::kIndex:
      break;
    default:
      reader.Fail(ErrorCode::kBadValue, "replica_identity", identity_at,
                  "expected 'd', 'n', 'f' or 'i', got " + DescribeByte(*identity));
      return std::nullopt;
  }
  // Checked before reserving, so a corrupt count cannot make us allocate.
  if (*count > reader.remaining() / kMinRelationColumnSize) {
    reader.Fail(ErrorCode::kTruncated, "ncolumns", count_at,
                std::to_string(*count) + " columns cannot fit in the " +
                    std::to_string(reader.remaining()) + " bytes left");
    return std::nullopt;
  }
  message.stream_xid = *xid;
  message.relation_id = *relation_id;
  message.namespace_name = *namespace_name;
  message.name = *name;
  message.replica_identity = static_cast<ReplicaIdentity>(*identity);
  message.columns.reserve(*count);
  for (uint16_t i = 0; i < *count; ++i) {
    std::optional<uint8_t> flags = ReadFlag(reader, "column.flags", 1);
    std::optional<std::string_view> column_name = reader.ReadCString("column.name");
    std::optional<uint32_t> type_oid = reader.ReadU32("column.type_oid");
    std::optional<int32_t> type_modifier = reader.ReadI32("column.type_modifier");
    if (!reader.ok()) return std::nullopt;
    message.columns.push_back(RelationColumn{*flags == 1, *column_name, *type_oid, *type_modifier});
  }
  return message;
}

std::optional<TypeMessage> ReadType(ByteReader& reader, bool in_stream_block) {
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  std::optional<uint32_t> type_oid = reader.ReadU32("type_oid");
  std::optional<std::string_view> namespace_name = reader.ReadCString("namespace");
  std::optional<std::string_view> name = reader.ReadCString("name");
  if (!reader.ok()) return std::nullopt;
  return TypeMessage{*xid, *type_oid, *namespace_name, *name};
}

std::optional<InsertMessage> ReadInsert(ByteReader& reader, bool in_stream_block) {
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  std::optional<uint32_t> relation_id = reader.ReadU32("relation_id");
  size_t marker_at = reader.offset();
  std::optional<uint8_t> marker = reader.ReadU8("new_tuple_marker");
  if (!reader.ok()) return std::nullopt;
  std::optional<TupleData> tuple = ReadNewTuple(reader, marker_at, *marker);
  if (!tuple) return std::nullopt;
  return InsertMessage{*xid, *relation_id, *tuple};
}

std::optional<UpdateMessage> ReadUpdate(ByteReader& reader, bool in_stream_block) {
  UpdateMessage message;
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  std::optional<uint32_t> relation_id = reader.ReadU32("relation_id");
  size_t marker_at = reader.offset();
  std::optional<uint8_t> marker = reader.ReadU8("tuple_marker");
  if (!reader.ok()) return std::nullopt;
  message.stream_xid = *xid;
  message.relation_id = *relation_id;
  if (*marker == 'K' || *marker == 'O') {
    message.old_kind = static_cast<OldTupleKind>(*marker);
    std::optional<TupleData> old_tuple = ReadTuple(reader);
    if (!old_tuple) return std::nullopt;
    message.old_tuple = *old_tuple;
    marker_at = reader.offset();
    marker = reader.ReadU8("new_tuple_marker");
    if (!marker) return std::nullopt;
  } else if (*marker != 'N') {
    reader.Fail(ErrorCode::kBadValue, "tuple_marker", marker_at,
                "expected 'K', 'O' or 'N', got " + DescribeByte(*marker));
    return std::nullopt;
  }
  std::optional<TupleData> new_tuple = ReadNewTuple(reader, marker_at, *marker);
  if (!new_tuple) return std::nullopt;
  message.new_tuple = *new_tuple;
  return message;
}

std::optional<DeleteMessage> ReadDelete(ByteReader& reader, bool in_stream_block) {
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  std::optional<uint32_t> relation_id = reader.ReadU32("relation_id");
  size_t marker_at = reader.offset();
  std::optional<uint8_t> marker = reader.ReadU8("old_tuple_marker");
  if (!reader.ok()) return std::nullopt;
  if (*marker != 'K' && *marker != 'O') {
    reader.Fail(ErrorCode::kBadValue, "old_tuple_marker", marker_at,
                "expected 'K' or 'O', got " + DescribeByte(*marker));
    return std::nullopt;
  }
  std::optional<TupleData> old_tuple = ReadTuple(reader);
  if (!old_tuple) return std::nullopt;
  return DeleteMessage{*xid, *relation_id, static_cast<OldTupleKind>(*marker), *old_tuple};
}

std::optional<TruncateMessage> ReadTruncate(ByteReader& reader, bool in_stream_block) {
  TruncateMessage message;
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  size_t count_at = reader.offset();
  std::optional<int32_t> count = reader.ReadI32("nrelations");
  std::optional<uint8_t> options =
      ReadFlag(reader, "options", TruncateMessage::kCascade | TruncateMessage::kRestartIdentity);
  if (!reader.ok()) return std::nullopt;
  if (*count < 0) {
    reader.Fail(ErrorCode::kBadValue, "nrelations", count_at,
                "negative count " + std::to_string(*count));
    return std::nullopt;
  }
  // Checked before reserving, so a corrupt count cannot make us allocate.
  if (static_cast<size_t>(*count) > reader.remaining() / 4) {
    reader.Fail(ErrorCode::kTruncated, "nrelations", count_at,
                std::to_string(*count) + " relation ids cannot fit in the " +
                    std::to_string(reader.remaining()) + " bytes left");
    return std::nullopt;
  }
  message.stream_xid = *xid;
  message.options = *options;
  message.relation_ids.reserve(static_cast<size_t>(*count));
  for (int32_t i = 0; i < *count; ++i) {
    std::optional<uint32_t> relation_id = reader.ReadU32("relation_id");
    if (!relation_id) return std::nullopt;
    message.relation_ids.push_back(*relation_id);
  }
  return message;
}

std::optional<LogicalMessage> ReadLogicalMessage(ByteReader& reader, bool in_stream_block) {
  std::optional<uint32_t> xid = ReadStreamXid(reader, in_stream_block);
  std::optional<uint8_t> flags = ReadFlag(reader, "flags", 1);
  std::optional<uint64_t> lsn = reader.ReadU64("lsn");
  std::optional<std::string_view> prefix = reader.ReadCString("prefix");
  std::optional<std::string_view> content = reader.ReadLengthPrefixed("content");
  if (!reader.ok()) return std::nullopt;
  return LogicalMessage{*xid, *flags == 1, Lsn(*lsn), *prefix, *content};
}

std::optional<StreamStartMessage> ReadStreamStart(ByteReader& reader) {
  std::optional<uint32_t> xid = reader.ReadU32("xid");
  std::optional<uint8_t> first_segment = ReadFlag(reader, "first_segment", 1);
  if (!reader.ok()) return std::nullopt;
  return StreamStartMessage{*xid, *first_segment == 1};
}

std::optional<StreamCommitMessage> ReadStreamCommit(ByteReader& reader) {
  std::optional<uint32_t> xid = reader.ReadU32("xid");
  std::optional<uint8_t> flags = ReadFlag(reader, "flags", 0);
  std::optional<uint64_t> commit_lsn = reader.ReadU64("commit_lsn");
  std::optional<uint64_t> end_lsn = reader.ReadU64("end_lsn");
  std::optional<int64_t> commit_time = reader.ReadI64("commit_time");
  if (!reader.ok()) return std::nullopt;
  return StreamCommitMessage{*xid, *flags, Lsn(*commit_lsn), Lsn(*end_lsn), *commit_time};
}

std::optional<StreamAbortMessage> ReadStreamAbort(ByteReader& reader) {
  std::optional<uint32_t> xid = reader.ReadU32("xid");
  std::optional<uint32_t> subxid = reader.ReadU32("subxid");
  if (!reader.ok()) return std::nullopt;
  return StreamAbortMessage{*xid, *subxid};
}

// A message is accepted only if it was read whole and nothing follows it.
template <typename T>
Result<Message> Finish(ByteReader& reader, std::optional<T> message) {
  if (!message) return reader.error();
  if (Status end = reader.ExpectEnd(); !end.ok()) return end.error();
  return Message(std::move(*message));
}

}  // namespace

Result<Message> ReadMessage(std::string_view bytes, bool in_stream_block) {
  if (bytes.empty()) {
    return DecodeError{ErrorCode::kTruncated, "Message", "tag", 0, "empty message"};
  }
  const auto tag = static_cast<MessageTag>(bytes[0]);
  ByteReader reader(bytes, MessageTagName(tag));
  reader.ReadU8("tag");
  switch (tag) {
    case MessageTag::kBegin:
      return Finish(reader, ReadBegin(reader));
    case MessageTag::kCommit:
      return Finish(reader, ReadCommit(reader));
    case MessageTag::kOrigin:
      return Finish(reader, ReadOrigin(reader));
    case MessageTag::kRelation:
      return Finish(reader, ReadRelation(reader, in_stream_block));
    case MessageTag::kType:
      return Finish(reader, ReadType(reader, in_stream_block));
    case MessageTag::kInsert:
      return Finish(reader, ReadInsert(reader, in_stream_block));
    case MessageTag::kUpdate:
      return Finish(reader, ReadUpdate(reader, in_stream_block));
    case MessageTag::kDelete:
      return Finish(reader, ReadDelete(reader, in_stream_block));
    case MessageTag::kTruncate:
      return Finish(reader, ReadTruncate(reader, in_stream_block));
    case MessageTag::kMessage:
      return Finish(reader, ReadLogicalMessage(reader, in_stream_block));
    case MessageTag::kStreamStart:
      return Finish(reader, ReadStreamStart(reader));
    case MessageTag::kStreamStop:
      return Finish(reader, std::optional<StreamStopMessage>(StreamStopMessage{}));
    case MessageTag::kStreamCommit:
      return Finish(reader, ReadStreamCommit(reader));
    case MessageTag::kStreamAbort:
      return Finish(reader, ReadStreamAbort(reader));
    case MessageTag::kBeginPrepare:
    case MessageTag::kPrepare:
    case MessageTag::kCommitPrepared:
    case MessageTag::kRollbackPrepared:
    case MessageTag::kStreamPrepare:
      return reader.Fail(ErrorCode::kUnsupported, "tag", 0,
                         "two-phase commit messages are not supported; start replication "
                         "without the two_phase option");
  }
  return reader.Fail(ErrorCode::kBadValue, "tag", 0,
                     "unknown message tag " + DescribeByte(static_cast<uint8_t>(bytes[0])));
}

}  // namespace walcast::decoder
