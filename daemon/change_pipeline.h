// ChangePipeline: the replication stream's handler. Feeds each pgoutput message to the decoder
// (synchronously, on the stream's strand), serializes every committed transaction's events once
// and publishes them to the hub, and reports the hub's acknowledgement as the slot's flush LSN.
// This is where database/ meets api/ without either including the other.
#pragma once

#include <memory>
#include <optional>

#include "event_hub.h"
#include "metrics.h"
#include "replication_stream.h"
#include "stream_decoder.h"
#include "write_tracker.h"

namespace walcast::daemon {

class ChangePipeline : public database::ReplicationHandler {
 public:
  ChangePipeline(std::shared_ptr<api::EventHub> hub, std::shared_ptr<api::Metrics> metrics,
                 decoder::StreamDecoderOptions options);

  void OnStreamStart(decoder::Lsn confirmed_flush) override;
  decoder::Status OnXLogData(const decoder::XLogData& data) override;
  void OnKeepalive(decoder::Lsn wal_end) override;
  decoder::Lsn FlushLsn() override;

  // Told the xid and first event id of every published transaction (REST eventId). Optional.
  void SetWriteTracker(std::shared_ptr<api::WriteTracker> tracker) {
    write_tracker_ = std::move(tracker);
  }

 private:
  void Publish(decoder::CommittedTransaction transaction);

  std::shared_ptr<api::EventHub> hub_;
  std::shared_ptr<api::Metrics> metrics_;
  decoder::StreamDecoderOptions options_;
  std::optional<decoder::StreamDecoder> decoder_;  // a fresh one per connection
  std::shared_ptr<api::WriteTracker> write_tracker_;
};

}  // namespace walcast::daemon
