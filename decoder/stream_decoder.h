// StreamDecoder: pgoutput messages in, committed transactions of order events out. The one entry
// point the replication stream calls, once per XLogData payload, in order.
//
//   walsender_frame.h  ParseWalsenderFrame   'w' -> XLogData.message
//   pgoutput_reader.h  ReadMessage           bytes -> Message (knows stream blocks from here)
//   relation_cache.h   RelationCache         Relation messages
//   normalizer.h       Normalizer            change -> OrderEvent, selected tables only
//   transaction_assembler.h                  Begin/Commit, Stream*, ids -> CommittedTransaction
//
// One decoder per replication connection: a new walsender session re-sends Relation messages and
// restarts in-progress transactions, so after a reconnect (or any error) make a new one. Errors
// are never skipped: a gap would lose events. Not thread-safe; use from the stream's strand.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "decoder/decode_error.h"
#include "decoder/normalizer.h"
#include "decoder/relation_cache.h"
#include "decoder/transaction_assembler.h"

namespace walcast::decoder {

struct StreamDecoderOptions {
  std::vector<TableName> tables = {TableName{}};  // public.orders; empty: every table sent
  size_t max_buffered_bytes = TransactionAssembler::kDefaultMaxBufferedBytes;
  // Where open transactions go beyond max_buffered_bytes (nullptr: nowhere, kMemoryLimit). Not
  // owned; must outlive the decoder and the transactions it returns.
  SpillSpace* spill = nullptr;
};

class StreamDecoder {
 public:
  explicit StreamDecoder(StreamDecoderOptions options = {});

  // Decodes one pgoutput message (the payload of one XLogData frame; it need not outlive the
  // call). Returns the transaction it committed, if it was a Commit or Stream Commit; every
  // committed transaction is returned, with or without events, so the caller can acknowledge its
  // end_lsn.
  Result<std::optional<CommittedTransaction>> Feed(std::string_view message);

  const RelationCache& relations() const { return relations_; }
  const TransactionAssembler& assembler() const { return assembler_; }
  // No transaction open or streamed-in-progress: every change received so far is committed (or
  // aborted), so an acknowledgement may follow the server's position.
  bool between_transactions() const {
    return !assembler_.in_transaction() && !assembler_.in_stream_block() &&
           assembler_.open_streamed_transactions() == 0;
  }

 private:
  Result<const RelationInfo*> Lookup(uint32_t relation_id, std::string_view kind,
                                     bool in_stream_block) const;
  Status OnInsert(const InsertMessage& message, bool in_stream_block);
  Status OnUpdate(const UpdateMessage& message, bool in_stream_block);
  Status OnDelete(const DeleteMessage& message, bool in_stream_block);
  Status OnTruncate(const TruncateMessage& message, bool in_stream_block);

  Normalizer normalizer_;
  RelationCache relations_;
  TransactionAssembler assembler_;
};

}  // namespace walcast::decoder
