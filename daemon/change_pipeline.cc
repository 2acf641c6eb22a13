#include "change_pipeline.h"

#include <spdlog/spdlog.h>

#include "pg_time.h"

namespace walcast::daemon {

ChangePipeline::ChangePipeline(std::shared_ptr<api::EventHub> hub,
                               std::shared_ptr<api::Metrics> metrics,
                               decoder::StreamDecoderOptions options)
    : hub_(std::move(hub)), metrics_(std::move(metrics)), options_(std::move(options)) {}

void ChangePipeline::OnStreamStart(decoder::Lsn confirmed_flush) {
  // A new walsender session re-sends Relation messages and restarts open transactions.
  decoder_.emplace(options_);
  hub_->OnStreamStart(confirmed_flush);
}

decoder::Status ChangePipeline::OnXLogData(const decoder::XLogData& data) {
  auto result = decoder_->Feed(data.message);
  if (!result.ok()) return result.error();
  if (result->has_value()) Publish(std::move(**result));
  return {};
}

void ChangePipeline::OnKeepalive(decoder::Lsn wal_end) {
  // Only between transactions may the acknowledgement follow the server's position: an open
  // transaction (or a streamed one not yet committed) must be decoded again after a restart.
  const auto& assembler = decoder_->assembler();
  if (!assembler.in_transaction() && !assembler.in_stream_block() &&
      assembler.open_streamed_transactions() == 0) {
    hub_->ObserveIdleWalEnd(wal_end);
  }
}

decoder::Lsn ChangePipeline::FlushLsn() { return hub_->AckLsn(); }

void ChangePipeline::Publish(decoder::CommittedTransaction transaction) {
  api::PublishedTransaction published;
  published.commit_lsn = transaction.commit_lsn;
  published.end_lsn = transaction.end_lsn;
  published.events.reserve(transaction.events.size());
  int64_t now = decoder::UnixMicros(std::chrono::system_clock::now());
  std::string server_time = decoder::FormatRfc3339(now);
  for (const auto& event : transaction.events) {
    published.events.push_back(api::MakeStreamEvent(event, server_time));
  }
  std::size_t count = published.events.size();
  bool fresh = hub_->Publish(std::move(published));
  // After the hub has it, so a client told this eventId can already resume from it.
  if (write_tracker_ && count > 0 && transaction.xid != decoder::kInvalidXid) {
    write_tracker_->Published(transaction.xid, transaction.events.front().id.ToString());
  }
  if (fresh) {
    // Commit time is PostgreSQL's clock: on another host, clock skew adds to the figure.
    for (const auto& event : transaction.events) metrics_->CountEvent(event.operation);
    if (count > 0)
      metrics_->ObserveCommitToSend(std::chrono::microseconds(now - transaction.commit_time));
  }
  spdlog::debug("transaction xid={} lsn={} end={} events={}{}", transaction.xid,
                transaction.commit_lsn.ToString(), transaction.end_lsn.ToString(), count,
                fresh ? "" : " (duplicate, skipped)");
}

}  // namespace walcast::daemon
