// ChangePipeline: the replication stream's handler. Feeds each pgoutput message to the decoder
// (synchronously, on the stream's strand), serializes every committed transaction's events once
// and hands them to its sink (api/stream/transaction_sink.h: the event hub on one node, the Redis
// stream on a cluster's leader), and reports the sink's acknowledgement as the slot's flush LSN.
// This is where database/ meets api/ without either including the other.
//
// A transaction of more than `part_events` events (or one the decoder spilled to disk) is
// published in parts of that size, each when the sink has room for it (EventHub::RoomForPart), so
// clients that keep reading get all of it and the daemon never holds it whole: at most one part is
// serialized at a time, the rest waits in the decoder's spill file or, behind TCP, in PostgreSQL.
// docs/change-stream.md explains the design.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "api/orders/write_tracker.h"
#include "api/status/metrics.h"
#include "api/stream/transaction_sink.h"
#include "database/replication_stream.h"
#include "decoder/stream_decoder.h"

namespace walcast::daemon {

struct PipelineOptions {
  decoder::StreamDecoderOptions decoder;
  std::size_t part_events = 1024;
  // A reader that has not pulled from the window for this long no longer holds a large
  // transaction back.
  std::chrono::steady_clock::duration stall_timeout = std::chrono::seconds(10);
};

class ChangePipeline : public database::ReplicationHandler {
 public:
  ChangePipeline(std::shared_ptr<api::TransactionSink> sink, std::shared_ptr<api::Metrics> metrics,
                 PipelineOptions options);

  void OnStreamStart(decoder::Lsn confirmed_flush) override;
  decoder::Status OnXLogData(const decoder::XLogData& data) override;
  void OnKeepalive(decoder::Lsn wal_end) override;
  decoder::Lsn FlushLsn() override;
  decoder::Result<database::Backlog> Drain() override;

  // Told the xid and first event id of every published transaction (REST eventId). Optional.
  void SetWriteTracker(std::shared_ptr<api::WriteTracker> tracker) {
    write_tracker_ = std::move(tracker);
  }

 private:
  // A committed transaction being published in parts.
  struct Delivery {
    decoder::CommittedTransaction transaction;
    std::size_t next_event = 0;                     // in transaction.events, when not spilled
    bool more = true;                               // events remain to be read
    std::optional<api::PublishedTransaction> part;  // serialized, waiting for room
    std::size_t published = 0;
    std::string first_id;  // for the write tracker
    std::chrono::steady_clock::time_point started;
  };

  void Publish(decoder::CommittedTransaction transaction);
  // Serializes the next part of the delivery into delivery_->part.
  decoder::Status PrepareNextPart();
  void FinishDelivery();

  std::shared_ptr<api::TransactionSink> sink_;
  std::shared_ptr<api::Metrics> metrics_;
  PipelineOptions options_;
  std::optional<decoder::StreamDecoder> decoder_;  // a fresh one per connection
  std::optional<Delivery> delivery_;
  std::shared_ptr<api::WriteTracker> write_tracker_;
};

}  // namespace walcast::daemon
