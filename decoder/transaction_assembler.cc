#include "decoder/transaction_assembler.h"

#include <algorithm>
#include <string>
#include <utility>

#include "decoder/pg_time.h"

namespace walcast::decoder {
namespace {

DecodeError OutOfSequence(std::string_view kind, std::string_view field, std::string reason) {
  // Sequence errors are about the message as a whole, so the offset is that of its tag.
  return DecodeError{ErrorCode::kSequence, kind, field, 0, std::move(reason)};
}

std::string Xid(uint32_t xid) { return "xid " + std::to_string(xid); }

// The entry buffer kept for the next transaction: up to 64 KiB (about 200 changes), so
// transactions of a few hundred rows reuse it too, while a huge one does not pin its memory.
constexpr size_t kSpareEntriesCapacity = (size_t{64} << 10) / sizeof(BufferedChange);

size_t BytesOf(const BufferedChange& change) {
  return sizeof(BufferedChange) + (change.event ? change.event->ApproxBytes() : 0);
}

// Adds a spill error's context: which transaction, how much it had written.
DecodeError InSpill(DecodeError error, std::string_view kind, uint32_t xid, uint64_t written) {
  error.kind = kind;
  error.reason =
      "spilling " + Xid(xid) + " (" + std::to_string(written) + " bytes on disk): " + error.reason;
  return error;
}

}  // namespace

SpilledEvents::SpilledEvents(std::unique_ptr<SpillFile> file, std::vector<BufferedChange> tail,
                             std::vector<Abort> aborts, Lsn commit_lsn, uint32_t xid,
                             int64_t commit_time_unix)
    : file_(std::move(file)),
      tail_(std::move(tail)),
      aborts_(std::move(aborts)),
      commit_lsn_(commit_lsn),
      xid_(xid),
      commit_time_(commit_time_unix) {}

Result<std::optional<BufferedChange>> SpilledEvents::NextChange() {
  while (!file_done_) {
    auto record = file_->Next();
    if (!record.ok()) return record.error();
    if (!*record) {
      file_done_ = true;
      file_.reset();  // frees the disk space now, not when the last batch is gone
      break;
    }
    auto change = ReadBufferedChange(**record);
    if (!change.ok()) return change.error();
    const uint64_t position = records_read_++;
    if (std::any_of(aborts_.begin(), aborts_.end(), [&](const Abort& abort) {
          return abort.subxid == change->xid && position < abort.records;
        })) {
      continue;
    }
    return std::optional<BufferedChange>(std::move(change).value());
  }
  if (tail_next_ == tail_.size()) return std::optional<BufferedChange>();
  return std::optional<BufferedChange>(std::move(tail_[tail_next_++]));
}

Result<bool> SpilledEvents::Next(size_t max_events, std::vector<OrderEvent>* out) {
  return NextInto(max_events, out);
}

Result<bool> SpilledEvents::Next(size_t max_events, OrderEvents* out) {
  return NextInto(max_events, out);
}

template <typename Events>
Result<bool> SpilledEvents::NextInto(size_t max_events, Events* out) {
  size_t added = 0;
  while (added < max_events) {
    auto change = NextChange();
    if (!change.ok()) return change.error();
    if (!*change) return false;
    BufferedChange& entry = **change;
    if (entry.event) {
      OrderEvent& event = out->emplace_back(std::move(*entry.event));
      event.id = EventId(commit_lsn_, index_);
      event.lsn = commit_lsn_;
      event.xid = xid_;
      event.timestamp = commit_time_;
      ++added;
    }
    index_ += entry.slots;
  }
  return true;
}

TransactionAssembler::TransactionAssembler(size_t max_buffered_bytes, SpillSpace* spill)
    : max_buffered_bytes_(max_buffered_bytes), spill_space_(spill) {}

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
  return Finish("Commit", std::move(pending), message.commit_lsn, message.end_lsn,
                message.commit_time, false);
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
  return Finish("StreamCommit", std::move(pending), message.commit_lsn, message.end_lsn,
                message.commit_time, true);
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
  BufferedChange change{xid, slots, std::move(event)};
  const size_t bytes = BytesOf(change);
  if (buffered_bytes_ + bytes > max_buffered_bytes_) {
    if (spill_space_ == nullptr) {
      return DecodeError{ErrorCode::kMemoryLimit, kind, "", 0,
                         "buffering " + Xid(pending->xid) + " would exceed the limit of " +
                             std::to_string(max_buffered_bytes_) + " bytes (" +
                             std::to_string(buffered_bytes_) + " held by " +
                             std::to_string(streams_.size() + (current_ ? 1 : 0)) +
                             " open transactions)"};
    }
    bool direct = false;
    if (auto status = MakeRoom(bytes, kind, &direct); !status.ok()) return status;
    if (direct) return AppendToSpill(*pending, change, kind);
  }
  pending->entries.push_back(std::move(change));
  pending->bytes += bytes;
  buffered_bytes_ += bytes;
  return Status();
}

Status TransactionAssembler::MakeRoom(size_t bytes, std::string_view kind, bool* direct) {
  while (buffered_bytes_ + bytes > max_buffered_bytes_) {
    // The largest holder goes to disk first: the fewest files for the most memory.
    Pending* largest = current_ && current_->bytes > 0 ? &*current_ : nullptr;
    for (auto& [stream_xid, stream] : streams_) {
      if (stream.bytes > 0 && (largest == nullptr || stream.bytes > largest->bytes)) {
        largest = &stream;
      }
    }
    if (largest == nullptr) break;
    if (auto status = Spill(*largest, kind); !status.ok()) return status;
  }
  // Order stays right either way: a transaction's in-memory changes always follow its file's.
  *direct = buffered_bytes_ + bytes > max_buffered_bytes_;
  return Status();
}

Status TransactionAssembler::AppendToSpill(Pending& pending, const BufferedChange& change,
                                           std::string_view kind) {
  if (!pending.spill) {
    auto file = spill_space_->Create();
    if (!file.ok()) return InSpill(file.error(), kind, pending.xid, 0);
    pending.spill = std::move(file).value();
    ++spilled_transactions_;
  }
  record_.clear();
  AppendBufferedChange(change, &record_);
  if (auto status = pending.spill->Append(record_); !status.ok()) {
    return InSpill(status.error(), kind, pending.xid, pending.spill->size());
  }
  ++pending.spilled_records;
  return Status();
}

Status TransactionAssembler::Spill(Pending& pending, std::string_view kind) {
  for (const BufferedChange& change : pending.entries) {
    if (auto status = AppendToSpill(pending, change, kind); !status.ok()) return status;
  }
  buffered_bytes_ -= pending.bytes;
  pending.bytes = 0;
  pending.entries = {};  // releases the capacity too
  return Status();
}

void TransactionAssembler::Drop(Pending& pending, uint32_t subxid) {
  size_t dropped = 0;
  std::erase_if(pending.entries, [&](const BufferedChange& entry) {
    if (entry.xid != subxid) return false;
    dropped += BytesOf(entry);
    return true;
  });
  pending.bytes -= dropped;
  buffered_bytes_ -= dropped;
  // Its spilled changes are skipped when the file is read back.
  if (pending.spill) pending.aborted.push_back({subxid, pending.spilled_records});
}

Result<CommittedTransaction> TransactionAssembler::Finish(std::string_view kind, Pending pending,
                                                          Lsn commit_lsn, Lsn end_lsn,
                                                          int64_t commit_time, bool streamed) {
  buffered_bytes_ -= pending.bytes;
  // Made in place: a transaction holds its first event inline, so each move of it moves an event.
  Result<CommittedTransaction> result(std::in_place);
  CommittedTransaction& txn = *result;
  txn.xid = pending.xid;
  txn.commit_lsn = commit_lsn;
  txn.end_lsn = end_lsn;
  txn.commit_time = UnixMicrosFromPg(commit_time);
  txn.streamed = streamed;
  if (pending.spill) {
    // The in-memory tail goes to the file too: while the transaction is published part by part,
    // the next transactions' changes get the whole memory bound. The reader assigns ids.
    pending.bytes = 0;  // no longer counted in buffered_bytes_ (subtracted above)
    for (const BufferedChange& change : pending.entries) {
      if (auto status = AppendToSpill(pending, change, kind); !status.ok()) return status.error();
    }
    txn.spilled = std::make_shared<SpilledEvents>(
        std::move(pending.spill), std::vector<BufferedChange>{}, std::move(pending.aborted),
        commit_lsn, pending.xid, txn.commit_time);
    return result;
  }
  txn.events.reserve(pending.entries.size());
  uint32_t index = 0;
  for (BufferedChange& entry : pending.entries) {
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
  return result;
}

}  // namespace walcast::decoder
