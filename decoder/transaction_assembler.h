// TransactionAssembler: groups change events into committed transactions.
//
// Protocol 1 sends each transaction whole, Begin...Commit. Protocol 2 also streams large
// in-progress transactions in chunks (Stream Start xid ... Stream Stop), possibly interleaved with
// other transactions, and ends each with Stream Commit or Stream Abort; inside a chunk every
// change carries the xid of the (sub)transaction that made it, so a subtransaction abort drops
// exactly its changes. Nothing is emitted before commit. At commit each event gets its commit
// fields and its id from (commit LSN, index among the transaction's surviving changes), the same
// whether the transaction was streamed or not, so ids are stable when the slot re-sends it.
//
// Buffered events are bounded by `max_buffered_bytes` over all open transactions; past it
// AddChange fails with kMemoryLimit (spilling to disk is not implemented). After any error the
// state is unspecified: discard the assembler (the stream reconnects). Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "decode_error.h"
#include "lsn.h"
#include "order_event.h"
#include "pgoutput_message.h"

namespace walcast::decoder {

struct CommittedTransaction {
  uint32_t xid = kInvalidXid;
  Lsn commit_lsn;           // event ids derive from it
  Lsn end_lsn;              // acknowledge this as flushed once the events are safely handed on
  int64_t commit_time = 0;  // Unix µs
  bool streamed = false;
  uint32_t change_count = 0;       // data changes, selected tables or not
  std::vector<OrderEvent> events;  // commit order; ids, lsn, xid and timestamp set
};

class TransactionAssembler {
 public:
  static constexpr size_t kDefaultMaxBufferedBytes = size_t{256} << 20;

  explicit TransactionAssembler(size_t max_buffered_bytes = kDefaultMaxBufferedBytes);

  // Between Stream Start and Stream Stop: the reader must expect xids in change messages.
  bool in_stream_block() const { return stream_block_xid_.has_value(); }
  // Between Begin and Commit.
  bool in_transaction() const { return current_.has_value(); }
  size_t buffered_bytes() const { return buffered_bytes_; }
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
  struct Entry {
    uint32_t xid;    // the (sub)transaction, for subtransaction aborts
    uint32_t slots;  // changes this entry stands for
    std::optional<OrderEvent> event;
  };
  // No default member initializers: value-initialization zeroes it, and clang cannot default
  // construct a nested class with them inside std::optional before the outer class is complete.
  struct Pending {
    uint32_t xid;
    Lsn final_lsn;  // from Begin; checked against Commit
    std::vector<Entry> entries;
    size_t bytes;
  };

  CommittedTransaction Finish(Pending pending, Lsn commit_lsn, Lsn end_lsn, int64_t commit_time,
                              bool streamed);
  void Drop(Pending& pending, uint32_t subxid);

  size_t max_buffered_bytes_;
  size_t buffered_bytes_ = 0;
  std::optional<Pending> current_;                 // Begin...Commit
  std::optional<uint32_t> stream_block_xid_;       // inside Stream Start...Stop
  std::unordered_map<uint32_t, Pending> streams_;  // open streamed transactions by xid
  // The last committed transaction's entry buffer, reused by the next Begin: saves an allocation
  // per transaction in the common one-row autocommit case.
  std::vector<Entry> spare_entries_;
};

}  // namespace walcast::decoder
