#include "decoder/pgoutput_message.h"

namespace walcast::decoder {
namespace {

// Big-endian Int32 at `p`; the reader has checked that four bytes are there.
uint32_t LoadU32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) << 24 | static_cast<uint32_t>(u[1]) << 16 |
         static_cast<uint32_t>(u[2]) << 8 | static_cast<uint32_t>(u[3]);
}

bool HasValue(char kind) {
  return kind == static_cast<char>(ColumnKind::kText) ||
         kind == static_cast<char>(ColumnKind::kBinary);
}

}  // namespace

std::string_view MessageTagName(MessageTag tag) {
  switch (tag) {
    case MessageTag::kBegin:
      return "Begin";
    case MessageTag::kCommit:
      return "Commit";
    case MessageTag::kOrigin:
      return "Origin";
    case MessageTag::kRelation:
      return "Relation";
    case MessageTag::kType:
      return "Type";
    case MessageTag::kInsert:
      return "Insert";
    case MessageTag::kUpdate:
      return "Update";
    case MessageTag::kDelete:
      return "Delete";
    case MessageTag::kTruncate:
      return "Truncate";
    case MessageTag::kMessage:
      return "Message";
    case MessageTag::kStreamStart:
      return "StreamStart";
    case MessageTag::kStreamStop:
      return "StreamStop";
    case MessageTag::kStreamCommit:
      return "StreamCommit";
    case MessageTag::kStreamAbort:
      return "StreamAbort";
    case MessageTag::kBeginPrepare:
      return "BeginPrepare";
    case MessageTag::kPrepare:
      return "Prepare";
    case MessageTag::kCommitPrepared:
      return "CommitPrepared";
    case MessageTag::kRollbackPrepared:
      return "RollbackPrepared";
    case MessageTag::kStreamPrepare:
      return "StreamPrepare";
  }
  return "Unknown";
}

ColumnValue TupleData::Iterator::operator*() const {
  const char kind = pos_[0];
  if (!HasValue(kind)) return ColumnValue{static_cast<ColumnKind>(kind), {}};
  return ColumnValue{static_cast<ColumnKind>(kind), std::string_view(pos_ + 5, LoadU32(pos_ + 1))};
}

TupleData::Iterator& TupleData::Iterator::operator++() {
  pos_ += HasValue(pos_[0]) ? 5 + LoadU32(pos_ + 1) : 1;
  return *this;
}

std::vector<ColumnValue> TupleData::ToVector() const {
  std::vector<ColumnValue> values;
  values.reserve(count_);
  for (ColumnValue value : *this) values.push_back(value);
  return values;
}

MessageTag TagOf(const Message& message) {
  // In the order of Message's alternatives.
  static constexpr MessageTag kTags[] = {
      MessageTag::kBegin,        MessageTag::kCommit,      MessageTag::kOrigin,
      MessageTag::kRelation,     MessageTag::kType,        MessageTag::kInsert,
      MessageTag::kUpdate,       MessageTag::kDelete,      MessageTag::kTruncate,
      MessageTag::kMessage,      MessageTag::kStreamStart, MessageTag::kStreamStop,
      MessageTag::kStreamCommit, MessageTag::kStreamAbort,
  };
  static_assert(std::size(kTags) == std::variant_size_v<Message>);
  return kTags[message.index()];
}

}  // namespace walcast::decoder
