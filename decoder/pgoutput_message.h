// The pgoutput vocabulary: one struct per logical replication message, held in `Message`.
// https://www.postgresql.org/docs/15/protocol-logicalrep-message-formats.html
//
// Messages are views: every string_view (and TupleData) points into the buffer the message was read
// from and lives exactly as long as that buffer. Copy what must outlive it. Plain value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "decoder/lsn.h"

namespace walcast::decoder {

// The first byte of each message; the values are the wire bytes (logicalproto.h).
enum class MessageTag : char {
  kBegin = 'B',
  kCommit = 'C',
  kOrigin = 'O',
  kRelation = 'R',
  kType = 'Y',
  kInsert = 'I',
  kUpdate = 'U',
  kDelete = 'D',
  kTruncate = 'T',
  kMessage = 'M',
  kStreamStart = 'S',
  kStreamStop = 'E',
  kStreamCommit = 'c',
  kStreamAbort = 'A',
  // Two-phase commit (protocol 3, `two_phase`): recognised only to be rejected clearly.
  kBeginPrepare = 'b',
  kPrepare = 'P',
  kCommitPrepared = 'K',
  kRollbackPrepared = 'r',
  kStreamPrepare = 'p',
};

// "Begin", "StreamCommit", ...; "Unknown" for other bytes. Static storage.
std::string_view MessageTagName(MessageTag tag);

// PostgreSQL's InvalidTransactionId. Changes outside stream blocks carry it.
inline constexpr uint32_t kInvalidXid = 0;

// How one column value travels in TupleData.
enum class ColumnKind : char {
  kNull = 'n',
  kUnchangedToast = 'u',  // a TOASTed value the change did not touch: unknown, not NULL
  kText = 't',
  kBinary = 'b',
};

struct ColumnValue {
  ColumnKind kind = ColumnKind::kNull;
  std::string_view data;  // kText and kBinary only
};

// A row image. The reader validated the whole tuple, so iterating cannot fail; columns are decoded
// lazily from the wire bytes, which keeps reading free of allocations.
class TupleData {
 public:
  class Iterator {
   public:
    using value_type = ColumnValue;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    ColumnValue operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& other) const { return pos_ == other.pos_; }

   private:
    friend class TupleData;
    explicit Iterator(const char* pos) : pos_(pos) {}
    const char* pos_ = nullptr;
  };

  TupleData() = default;
  // `columns` is the wire bytes after the column count, `offset` where the count sits in the
  // message (for errors). Only the reader builds valid ones.
  TupleData(uint16_t count, std::string_view columns, size_t offset)
      : count_(count), offset_(offset), columns_(columns) {}

  size_t size() const { return count_; }
  size_t offset() const { return offset_; }
  Iterator begin() const { return Iterator(columns_.data()); }
  Iterator end() const { return Iterator(columns_.data() + columns_.size()); }
  std::string_view wire_bytes() const { return columns_; }
  std::vector<ColumnValue> ToVector() const;

 private:
  uint16_t count_ = 0;
  size_t offset_ = 0;
  std::string_view columns_;
};

struct BeginMessage {
  Lsn final_lsn;            // the commit record's LSN
  int64_t commit_time = 0;  // µs since 2000-01-01
  uint32_t xid = kInvalidXid;
};

struct CommitMessage {
  uint8_t flags = 0;
  Lsn commit_lsn;  // equals Begin's final_lsn
  Lsn end_lsn;     // acknowledge this one: everything up to it is consumed
  int64_t commit_time = 0;
};

struct OriginMessage {
  Lsn commit_lsn;
  std::string_view name;
};

// `stream_xid` fields below: the (sub)transaction id that protocol 2 adds inside a stream block;
// kInvalidXid elsewhere.

enum class ReplicaIdentity : char {
  kDefault = 'd',
  kNothing = 'n',
  kFull = 'f',
  kIndex = 'i',
};

struct RelationColumn {
  bool key = false;  // part of the replica identity
  std::string_view name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
};

struct RelationMessage {
  uint32_t stream_xid = kInvalidXid;
  uint32_t relation_id = 0;
  std::string_view namespace_name;  // empty means pg_catalog
  std::string_view name;
  ReplicaIdentity replica_identity = ReplicaIdentity::kDefault;
  std::vector<RelationColumn> columns;
};

struct TypeMessage {
  uint32_t stream_xid = kInvalidXid;
  uint32_t type_oid = 0;
  std::string_view namespace_name;
  std::string_view name;
};

struct InsertMessage {
  uint32_t stream_xid = kInvalidXid;
  uint32_t relation_id = 0;
  TupleData new_tuple;
};

// How an old row image is sent: the replica identity key columns only ('K'; other columns are
// nulls), or the whole row ('O', REPLICA IDENTITY FULL).
enum class OldTupleKind : char {
  kNone = 0,
  kKey = 'K',
  kFull = 'O',
};

struct UpdateMessage {
  uint32_t stream_xid = kInvalidXid;
  uint32_t relation_id = 0;
  OldTupleKind old_kind = OldTupleKind::kNone;  // kNone when the key did not change
  TupleData old_tuple;
  TupleData new_tuple;
};

struct DeleteMessage {
  uint32_t stream_xid = kInvalidXid;
  uint32_t relation_id = 0;
  OldTupleKind old_kind = OldTupleKind::kKey;  // never kNone
  TupleData old_tuple;
};

struct TruncateMessage {
  static constexpr uint8_t kCascade = 1;
  static constexpr uint8_t kRestartIdentity = 2;

  uint32_t stream_xid = kInvalidXid;
  uint8_t options = 0;
  std::vector<uint32_t> relation_ids;
};

// pg_logical_emit_message().
struct LogicalMessage {
  uint32_t stream_xid = kInvalidXid;
  bool transactional = false;
  Lsn lsn;
  std::string_view prefix;
  std::string_view content;
};

struct StreamStartMessage {
  uint32_t xid = kInvalidXid;
  bool first_segment = false;
};

struct StreamStopMessage {};

struct StreamCommitMessage {
  uint32_t xid = kInvalidXid;
  uint8_t flags = 0;
  Lsn commit_lsn;
  Lsn end_lsn;
  int64_t commit_time = 0;
};

// subxid == xid aborts the whole transaction; otherwise only that subtransaction's changes.
struct StreamAbortMessage {
  uint32_t xid = kInvalidXid;
  uint32_t subxid = kInvalidXid;
};

using Message =
    std::variant<BeginMessage, CommitMessage, OriginMessage, RelationMessage, TypeMessage,
                 InsertMessage, UpdateMessage, DeleteMessage, TruncateMessage, LogicalMessage,
                 StreamStartMessage, StreamStopMessage, StreamCommitMessage, StreamAbortMessage>;

MessageTag TagOf(const Message& message);

}  // namespace walcast::decoder
