// TransactionAssembler: groups change events into committed transactions.
//
// Protocol 1 sends each transaction whole, Begin...Commit. Protocol 2 also streams large
// in-progress transactions in chunks (Stream Start xid ... Stream Stop), possibly interleaved with
// other transactions, and ends each with Stream Commit or Stream Abort; inside a chunk every
// change carries the xid of the (sub)transaction that made it, so a subtransaction abort drops
// exactly its changes. Nothing is emitted before commit. At commit each event gets its commit
// fields and its id from (commit LSN, index among the transaction's surviving changes), the same
// whether the transaction was streamed or spilled or not, so ids are stable when the slot re-sends
// it.
//
// Memory is bounded, not transaction size. Buffered changes of all open transactions are held in
// memory up to `max_buffered_bytes`; beyond, the largest open transaction's changes go to a spill
// file (decoder/spill_file.h) and later ones follow them there, as PostgreSQL's reorder buffer
// does. A spilled transaction is handed on at commit as a reader (SpilledEvents) that yields its
// events in batches, so it never needs to be in memory whole. Without a spill space, going over
// the bound fails with kMemoryLimit. After any error the state is unspecified: discard the
// assembler (the stream reconnects). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decoder/buffered_change.h"
#include "decoder/decode_error.h"
#include "decoder/lsn.h"
#include "decoder/order_event.h"
#include "decoder/order_events.h"
#include "decoder/pgoutput_message.h"
#include "decoder/spill_file.h"

namespace walcast::decoder {

class SpilledEvents;

struct CommittedTransaction {
  uint32_t xid = kInvalidXid;
  Lsn commit_lsn;           // event ids derive from it
  Lsn end_lsn;              // acknowledge this as flushed once the events are safely handed on
  int64_t commit_time = 0;  // Unix µs
  bool streamed = false;
  // Data changes, selected tables or not (for a spilled transaction: once `spilled` is read).
  uint32_t change_count = 0;
  OrderEvents events;  // commit order; ids, lsn, xid and timestamp set
  // Set when the transaction was spilled to disk: its events come from here, not `events`.
  std::shared_ptr<SpilledEvents> spilled;
};

// The events of a committed transaction that was spilled: its spill file, then the changes that
// were still in memory at commit. Owns both; the SpillSpace that made the file must outlive it.
class SpilledEvents {
 public:
  // A subtransaction abort: the subxid and how many records the file held then (later records of
  // the same id, should there be any, are not its).
  struct Abort {
    uint32_t subxid;
    uint64_t records;
  };
  SpilledEvents(std::unique_ptr<SpillFile> file, std::vector<BufferedChange> tail,
                std::vector<Abort> aborts, Lsn commit_lsn, uint32_t xid, int64_t commit_time_unix);

  // Appends up to `max_events` next events to `out`, with ids and commit fields set. Returns
  // whether more follow; an error if the file cannot be read back.
  Result<bool> Next(size_t max_events, std::vector<OrderEvent>* out);
  Result<bool> Next(size_t max_events, OrderEvents* out);
  // Data changes read so far (all of them once Next returned false).
  uint32_t change_count() const { return index_; }
  uint64_t spilled_bytes() const { return file_ ? file_->size() : 0; }

 private:
  template <typename Events>
  Result<bool> NextInto(size_t max_events, Events* out);
  // The next surviving change, from the file and then the tail; nullopt at the end.
  Result<std::optional<BufferedChange>> NextChange();

  std::unique_ptr<SpillFile> file_;
  bool file_done_ = false;
  std::vector<BufferedChange> tail_;
  size_t tail_next_ = 0;
  std::vector<Abort> aborts_;
  uint64_t records_read_ = 0;
  Lsn commit_lsn_;
  uint32_t xid_;
  int64_t commit_time_;
  uint32_t index_ = 0;
};

class TransactionAssembler {
 public:
  static constexpr size_t kDefaultMaxBufferedBytes = size_t{256} << 20;

  // `spill` may be null (no spilling: kMemoryLimit past the bound); it must outlive the
  // assembler and every SpilledEvents it returns.
  explicit TransactionAssembler(size_t max_buffered_bytes = kDefaultMaxBufferedBytes,
                                SpillSpace* spill = nullptr);

  // Between Stream Start and Stream Stop: the reader must expect xids in change messages.
  bool in_stream_block() const { return stream_block_xid_.has_value(); }
  // Between Begin and Commit.
  bool in_transaction() const { return current_.has_value(); }
  size_t buffered_bytes() const { return buffered_bytes_; }  // in memory
  // Transactions that went to disk since the assembler was made.
  uint64_t spilled_transactions() const { return spilled_transactions_; }
  size_t open_streamed_transactions() const { return streams_.size(); }

  Status Begin(const BeginMessage& message);
  Result<CommittedTransaction> Commit(const CommitMessage& message);
  Status StreamStart(const StreamStartMessage& message);
  Status StreamStop();
  Result<CommittedTransaction> StreamCommit(const StreamCommitMessage& message);
  Status StreamAbort(const StreamAbortMessage& message);

  // Adds one data change of the open transaction or stream block; `kind` names the message in
  // errors. `stream_xid` is the change's (sub)transaction inside a stream block (unused
  // elsewhere). `slots` is how many changes the message stands for (a Truncate of n relations is
  // n); `event` is nullopt for changes to tables that are not selected, which still count towards
  // the indexes of later events. With an event, `slots` must be 1.
  Status AddChange(std::string_view kind, uint32_t stream_xid, std::optional<OrderEvent> event,
                   uint32_t slots = 1);

 private:
  // No default member initializers: value-initialization zeroes it, and clang cannot default
  // construct a nested class with them inside std::optional before the outer class is complete.
  struct Pending {
    uint32_t xid;
    Lsn final_lsn;                              // from Begin; checked against Commit
    std::vector<BufferedChange> entries;        // in memory, after those in `spill`
    size_t bytes;                               // of `entries`
    std::unique_ptr<SpillFile> spill;           // the older changes, once memory ran short
    uint64_t spilled_records;                   // in `spill`
    std::vector<SpilledEvents::Abort> aborted;  // subtransactions aborted after a spill
  };

  Result<CommittedTransaction> Finish(std::string_view kind, Pending pending, Lsn commit_lsn,
                                      Lsn end_lsn, int64_t commit_time, bool streamed);
  void Drop(Pending& pending, uint32_t subxid);
  // Makes room for `bytes` more by spilling the largest open transactions (perhaps the one the
  // change belongs to). Sets *direct when even an empty memory cannot hold them: the change then
  // goes straight to its transaction's file.
  Status MakeRoom(size_t bytes, std::string_view kind, bool* direct);
  Status Spill(Pending& pending, std::string_view kind);
  Status AppendToSpill(Pending& pending, const BufferedChange& change, std::string_view kind);

  size_t max_buffered_bytes_;
  SpillSpace* spill_space_;
  size_t buffered_bytes_ = 0;
  uint64_t spilled_transactions_ = 0;
  std::string record_;                             // reused encoding buffer
  std::optional<Pending> current_;                 // Begin...Commit
  std::optional<uint32_t> stream_block_xid_;       // inside Stream Start...Stop
  std::unordered_map<uint32_t, Pending> streams_;  // open streamed transactions by xid
  // The last committed transaction's entry buffer, reused by the next Begin: saves an allocation
  // per transaction in the common one-row autocommit case.
  std::vector<BufferedChange> spare_entries_;
};

}  // namespace walcast::decoder
