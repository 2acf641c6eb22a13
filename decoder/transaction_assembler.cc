#include "transaction_assembler.h"

#include <string>
#include <utility>

#include "pg_time.h"

namespace walcast::decoder {
namespace {

DecodeError OutOfSequence(std::string_view kind, std::string_view field, std::string reason) {
  // Sequence errors are about the message as a whole, so the offset is that of its tag.
  return DecodeError{ErrorCode::kSequence, kind, field, 0, std::move(reason)};
}

std::string Xid(uint32_t xid) { return "xid " + std::to_string(xid); }

constexpr size_t kSpareEntriesCapacity = 64;

}  // namespace

TransactionAssembler::TransactionAssembler(size_t max_buffered_bytes)
    : max_buffered_bytes_(max_buffered_bytes) {}

Status TransactionAssembler::Begin(const BeginMessage& message) {
  if (current_) {
    return OutOfSequence("Begin", "", "transaction " + Xid(current_->xid) + " is still open");
  }
  if (stream_block_xid_) {
    return OutOfSequence("Begin", "", "inside the stream block of " + Xid(*stream_block_xid_));
  }
  current_.emplace();
  current_->entries = std::move(spare_entries_);
  current_->xid = message.xid;
  current_->final_lsn = message.final_lsn;
  return Status();
}

Result<CommittedTransaction> TransactionAssembler::Commit(const CommitMessage& message) {
  if (!current_) return OutOfSequence("Commit", "", "no open transaction");
  if (message.commit_lsn != current_->final_lsn) {
    return OutOfSequence("Commit", "commit_lsn",
                         "commit LSN " + message.commit_lsn.ToString() + " differs from Begin's " +
                             current_->final_lsn.ToString());
  }
  Pending pending = std::move(*current_);
  current_.reset();
  return Finish(std::move(pending), message.commit_lsn, message.end_lsn, message.commit_time,
                false);
}

Status TransactionAssembler::StreamStart(const StreamStartMessage& message) {
  if (stream_block_xid_) {
    return OutOfSequence("StreamStart", "",
                         "the stream block of " + Xid(*stream_block_xid_) + " is still open");
  }
  if (current_) {
    return OutOfSequence("StreamStart", "", "transaction " + Xid(current_->xid) + " is open");
  }
  const bool known = streams_.contains(message.xid);
  if (message.first_segment && known) {
    return OutOfSequence("StreamStart", "first_segment",
                         "first segment of " + Xid(message.xid) + ", which is already open");
  }
  if (!message.first_segment && !known) {
    return OutOfSequence("StreamStart", "first_segment",
                         "later segment of " + Xid(message.xid) + ", whose first was not seen");
  }
  if (!known) streams_[message.xid].xid = message.xid;
  stream_block_xid_ = message.xid;
  return Status();
}

Status TransactionAssembler::StreamStop() {
  if (!stream_block_xid_) return OutOfSequence("StreamStop", "", "no open stream block");
  stream_block_xid_.reset();
  return Status();
}

Result<CommittedTransaction> TransactionAssembler::StreamCommit(
    const StreamCommitMessage& message) {
  if (stream_block_xid_) {
    return OutOfSequence("StreamCommit", "",
                         "inside the stream block of " + Xid(*stream_block_xid_));
  }
  if (current_) {
    return OutOfSequence("StreamCommit", "", "transaction " + Xid(current_->xid) + " is open");
  }
  auto it = streams_.find(message.xid);
  if (it == streams_.end()) {
    return OutOfSequence("StreamCommit", "xid", "no streamed transaction " + Xid(message.xid));
  }
  Pending pending = std::move(it->second);
  streams_.erase(it);
  return Finish(std::move(pending), message.commit_lsn, message.end_lsn, message.commit_time, true);
}

Status TransactionAssembler::StreamAbort(const StreamAbortMessage& message) {
  if (stream_block_xid_) {
    return OutOfSequence("StreamAbort", "",
                         "inside the stream block of " + Xid(*stream_block_xid_));
  }
  if (current_) {
    return OutOfSequence("StreamAbort", "", "transaction " + Xid(current_->xid) + " is open");
  }
  auto it = streams_.find(message.xid);
  // Nothing buffered for an unknown transaction, so nothing to drop.
  if (it == streams_.end()) return Status();
  if (message.subxid == message.xid) {
    buffered_bytes_ -= it->second.bytes;
    streams_.erase(it);
  } else {
    Drop(it->second, message.subxid);
  }
  return Status();
}

Status TransactionAssembler::AddChange(std::string_view kind, uint32_t stream_xid,
                                       std::optional<OrderEvent> event, uint32_t slots) {
  Pending* pending;
  uint32_t xid;
  if (stream_block_xid_) {
    pending = &streams_[*stream_block_xid_];
    xid = stream_xid;
  } else if (current_) {
    pending = &*current_;
    xid = pending->xid;
  } else {
    return OutOfSequence(kind, "", "change outside a transaction or stream block");
  }
  // Consecutive skipped changes of one (sub)transaction share an entry, so a large transaction
  // on other tables costs almost nothing.
  if (!event && !pending->entries.empty() && !pending->entries.back().event &&
      pending->entries.back().xid == xid) {
    pending->entries.back().slots += slots;
    return Status();
  }
  const size_t bytes = sizeof(Entry) + (event ? event->ApproxBytes() : 0);
  if (buffered_bytes_ + bytes > max_buffered_bytes_) {
    return DecodeError{ErrorCode::kMemoryLimit, kind, "", 0,
                       "buffering " + Xid(pending->xid) + " would exceed the limit of " +
                           std::to_string(max_buffered_bytes_) + " bytes (" +
                           std::to_string(buffered_bytes_) + " held by " +
                           std::to_string(streams_.size() + (current_ ? 1 : 0)) +
                           " open transactions)"};
  }
  pending->entries.push_back(Entry{xid, slots, std::move(event)});
  pending->bytes += bytes;
  buffered_bytes_ += bytes;
  return Status();
}

void TransactionAssembler::Drop(Pending& pending, uint32_t subxid) {
  size_t dropped = 0;
  std::erase_if(pending.entries, [&](const Entry& entry) {
    if (entry.xid != subxid) return false;
    dropped += sizeof(Entry) + (entry.event ? entry.event->ApproxBytes() : 0);
    return true;
  });
  pending.bytes -= dropped;
  buffered_bytes_ -= dropped;
}

CommittedTransaction TransactionAssembler::Finish(Pending pending, Lsn commit_lsn, Lsn end_lsn,
                                                  int64_t commit_time, bool streamed) {
  buffered_bytes_ -= pending.bytes;
  CommittedTransaction txn;
  txn.xid = pending.xid;
  txn.commit_lsn = commit_lsn;
  txn.end_lsn = end_lsn;
  txn.commit_time = UnixMicrosFromPg(commit_time);
  txn.streamed = streamed;
  txn.events.reserve(pending.entries.size());
  uint32_t index = 0;
  for (Entry& entry : pending.entries) {
    if (entry.event) {
      OrderEvent& event = txn.events.emplace_back(std::move(*entry.event));
      event.id = EventId(commit_lsn, index);
      event.lsn = commit_lsn;
      event.xid = pending.xid;
      event.timestamp = txn.commit_time;
    }
    index += entry.slots;
  }
  txn.change_count = index;
  // Only a small buffer is kept, so one huge transaction does not pin its memory.
  if (pending.entries.capacity() <= kSpareEntriesCapacity) {
    pending.entries.clear();
    spare_entries_ = std::move(pending.entries);
  }
  return txn;
}

}  // namespace walcast::decoder
