#include "decoder/stream_decoder.h"

#include <cstdlib>
#include <string>
#include <utility>

#include "decoder/pgoutput_reader.h"

namespace walcast::decoder {
namespace {

using Output = Result<std::optional<CommittedTransaction>>;

Output Nothing(const Status& status) {
  if (!status.ok()) return status.error();
  return std::optional<CommittedTransaction>();
}

// Made in place: a transaction holds its first event inline, so each move of it moves an event.
Output Committed(Result<CommittedTransaction> result) {
  if (!result.ok()) return result.error();
  return Output(std::in_place, std::in_place, std::move(result).value());
}

}  // namespace

StreamDecoder::StreamDecoder(StreamDecoderOptions options)
    : normalizer_(std::move(options.tables)),
      assembler_(options.max_buffered_bytes, options.spill) {}

Output StreamDecoder::Feed(std::string_view bytes) {
  const bool in_stream_block = assembler_.in_stream_block();
  Result<Message> read = ReadMessage(bytes, in_stream_block);
  if (!read.ok()) return read.error();
  Message& message = *read;
  switch (TagOf(message)) {
    case MessageTag::kBegin:
      return Nothing(assembler_.Begin(std::get<BeginMessage>(message)));
    case MessageTag::kCommit:
      return Committed(assembler_.Commit(std::get<CommitMessage>(message)));
    case MessageTag::kRelation:
      // Applied at once, even inside a stream block: later changes are rendered with it as they
      // arrive, and pgoutput does not re-send it after a subtransaction that sent it aborts.
      relations_.Apply(std::get<RelationMessage>(message));
      return Nothing(Status());
    case MessageTag::kInsert:
      return Nothing(OnInsert(std::get<InsertMessage>(message), in_stream_block));
    case MessageTag::kUpdate:
      return Nothing(OnUpdate(std::get<UpdateMessage>(message), in_stream_block));
    case MessageTag::kDelete:
      return Nothing(OnDelete(std::get<DeleteMessage>(message), in_stream_block));
    case MessageTag::kTruncate:
      return Nothing(OnTruncate(std::get<TruncateMessage>(message), in_stream_block));
    case MessageTag::kStreamStart:
      return Nothing(assembler_.StreamStart(std::get<StreamStartMessage>(message)));
    case MessageTag::kStreamStop:
      return Nothing(assembler_.StreamStop());
    case MessageTag::kStreamCommit:
      return Committed(assembler_.StreamCommit(std::get<StreamCommitMessage>(message)));
    case MessageTag::kStreamAbort:
      return Nothing(assembler_.StreamAbort(std::get<StreamAbortMessage>(message)));
    case MessageTag::kOrigin:   // replication origin of the transaction: not an event
    case MessageTag::kType:     // user types are written as text; nothing to remember
    case MessageTag::kMessage:  // pg_logical_emit_message: not a row change
      return Nothing(Status());
    default:
      break;
  }
  // ReadMessage yields only the tags above.
  std::abort();
}

Result<const RelationInfo*> StreamDecoder::Lookup(uint32_t relation_id, std::string_view kind,
                                                  bool in_stream_block) const {
  const RelationInfo* relation = relations_.Find(relation_id);
  if (relation != nullptr) return relation;
  return DecodeError{ErrorCode::kUnknownRelation, kind, "relation_id",
                     in_stream_block ? size_t{5} : size_t{1},
                     "no Relation message defined relation id " + std::to_string(relation_id)};
}

Status StreamDecoder::OnInsert(const InsertMessage& message, bool in_stream_block) {
  Result<const RelationInfo*> relation = Lookup(message.relation_id, "Insert", in_stream_block);
  if (!relation.ok()) return relation.error();
  if (Status s = Normalizer::CheckTuple(message.new_tuple, **relation, "Insert", "new_tuple");
      !s.ok()) {
    return s;
  }
  if (!normalizer_.Selects(**relation)) {
    return assembler_.AddChange("Insert", message.stream_xid, std::nullopt);
  }
  Result<OrderEvent> event = normalizer_.Insert(message, **relation);
  if (!event.ok()) return event.error();
  return assembler_.AddChange("Insert", message.stream_xid, std::move(event).value());
}

Status StreamDecoder::OnUpdate(const UpdateMessage& message, bool in_stream_block) {
  Result<const RelationInfo*> relation = Lookup(message.relation_id, "Update", in_stream_block);
  if (!relation.ok()) return relation.error();
  if (message.old_kind != OldTupleKind::kNone) {
    if (Status s = Normalizer::CheckTuple(message.old_tuple, **relation, "Update", "old_tuple");
        !s.ok()) {
      return s;
    }
  }
  if (Status s = Normalizer::CheckTuple(message.new_tuple, **relation, "Update", "new_tuple");
      !s.ok()) {
    return s;
  }
  if (!normalizer_.Selects(**relation)) {
    return assembler_.AddChange("Update", message.stream_xid, std::nullopt);
  }
  Result<OrderEvent> event = normalizer_.Update(message, **relation);
  if (!event.ok()) return event.error();
  return assembler_.AddChange("Update", message.stream_xid, std::move(event).value());
}

Status StreamDecoder::OnDelete(const DeleteMessage& message, bool in_stream_block) {
  Result<const RelationInfo*> relation = Lookup(message.relation_id, "Delete", in_stream_block);
  if (!relation.ok()) return relation.error();
  if (Status s = Normalizer::CheckTuple(message.old_tuple, **relation, "Delete", "old_tuple");
      !s.ok()) {
    return s;
  }
  if (!normalizer_.Selects(**relation)) {
    return assembler_.AddChange("Delete", message.stream_xid, std::nullopt);
  }
  Result<OrderEvent> event = normalizer_.Delete(message, **relation);
  if (!event.ok()) return event.error();
  return assembler_.AddChange("Delete", message.stream_xid, std::move(event).value());
}

Status StreamDecoder::OnTruncate(const TruncateMessage& message, bool in_stream_block) {
  // Every relation is checked before any is added, so a bad id adds nothing.
  // Ids start after the tag, [xid], nrelations and options.
  const size_t ids_at = in_stream_block ? 10 : 6;
  std::vector<const RelationInfo*> relations;
  relations.reserve(message.relation_ids.size());
  for (size_t i = 0; i < message.relation_ids.size(); ++i) {
    const RelationInfo* relation = relations_.Find(message.relation_ids[i]);
    if (relation == nullptr) {
      return DecodeError{
          ErrorCode::kUnknownRelation, "Truncate", "relation_id", ids_at + 4 * i,
          "no Relation message defined relation id " + std::to_string(message.relation_ids[i])};
    }
    relations.push_back(relation);
  }
  for (const RelationInfo* relation : relations) {
    std::optional<OrderEvent> event;
    if (normalizer_.Selects(*relation)) event = normalizer_.Truncate(*relation);
    if (Status s = assembler_.AddChange("Truncate", message.stream_xid, std::move(event));
        !s.ok()) {
      return s;
    }
  }
  return Status();
}

}  // namespace walcast::decoder
