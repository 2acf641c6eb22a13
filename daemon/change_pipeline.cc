#include "daemon/change_pipeline.h"

#include <spdlog/spdlog.h>

#include "decoder/pg_time.h"

namespace walcast::daemon {
namespace {

std::string ServerTimeNow(int64_t* now) {
  *now = decoder::UnixMicros(std::chrono::system_clock::now());
  return decoder::FormatRfc3339(*now);
}

}  // namespace

ChangePipeline::ChangePipeline(std::shared_ptr<api::TransactionSink> sink,
                               std::shared_ptr<api::Metrics> metrics, PipelineOptions options)
    : sink_(std::move(sink)), metrics_(std::move(metrics)), options_(std::move(options)) {
  if (options_.part_events == 0) options_.part_events = 1;
}

void ChangePipeline::OnStreamStart(decoder::Lsn confirmed_flush) {
  // A new walsender session re-sends Relation messages and restarts open transactions, and
  // sends a transaction whose delivery was cut short again: the sink keeps only its new events.
  delivery_.reset();
  decoder_.emplace(options_.decoder);
  sink_->OnStreamStart(confirmed_flush);
}

decoder::Status ChangePipeline::OnXLogData(const decoder::XLogData& data) {
  auto result = decoder_->Feed(data.message);
  if (!result.ok()) {
    // The connection ends; the decoder's buffers and spill files go now, not at the reconnect
    // (which may be a long backoff away).
    decoder_.reset();
    return result.error();
  }
  if (result->has_value()) Publish(std::move(**result));
  return {};
}

void ChangePipeline::OnKeepalive(decoder::Lsn wal_end) {
  // Only between transactions may the acknowledgement follow the server's position: an open
  // transaction (or a streamed one not yet committed, or one still being handed on) must be
  // decoded again after a restart.
  if (decoder_ && decoder_->between_transactions() && !delivery_) {
    sink_->ObserveIdleWalEnd(wal_end);
  }
}

decoder::Lsn ChangePipeline::FlushLsn() { return sink_->AckLsn(); }

void ChangePipeline::Publish(decoder::CommittedTransaction transaction) {
  if (transaction.spilled || transaction.events.size() > options_.part_events) {
    // Large: handed on in parts by Drain, which the stream calls before reading on.
    spdlog::info(
        "transaction xid={} lsn={} is large ({}): publishing it in parts of {} events",
        transaction.xid, transaction.commit_lsn.ToString(),
        transaction.spilled
            ? "spilled " + std::to_string(transaction.spilled->spilled_bytes()) + " bytes to disk"
            : std::to_string(transaction.events.size()) + " events",
        options_.part_events);
    delivery_.emplace();
    delivery_->transaction = std::move(transaction);
    delivery_->started = std::chrono::steady_clock::now();
    return;
  }
  api::PublishedTransaction published;
  published.commit_lsn = transaction.commit_lsn;
  published.end_lsn = transaction.end_lsn;
  published.events.reserve(transaction.events.size());
  int64_t now = 0;
  std::string server_time = ServerTimeNow(&now);
  for (const auto& event : transaction.events) {
    published.events.push_back(api::MakeStreamEvent(event, server_time));
  }
  std::size_t count = published.events.size();
  bool fresh =
      sink_->Publish(std::move(published), [&](const std::vector<api::StreamEventPtr>& added) {
        for (const auto& event : added) metrics_->CountEvent(event->keys.operation);
        // Commit time is PostgreSQL's clock: on another host, clock skew adds to the figure.
        const std::chrono::microseconds lag(now - transaction.commit_time);
        metrics_->ObserveCommitToSend(lag);
        metrics_->SetLastCommitLag(lag);
        metrics_->ObserveCommitDelay(lag, count);  // api/status/wal_flush_diagnosis.h
      });
  // After the sink has it, so a client told this eventId can already resume from it.
  if (write_tracker_ && count > 0 && transaction.xid != decoder::kInvalidXid) {
    write_tracker_->Published(transaction.xid, transaction.events.front().id.ToString());
  }
  spdlog::debug("transaction xid={} lsn={} end={} events={}{}", transaction.xid,
                transaction.commit_lsn.ToString(), transaction.end_lsn.ToString(), count,
                fresh ? "" : " (duplicate, skipped)");
}

decoder::Status ChangePipeline::PrepareNextPart() {
  Delivery& delivery = *delivery_;
  decoder::CommittedTransaction& txn = delivery.transaction;
  std::vector<decoder::OrderEvent> read;
  const decoder::OrderEvent* source = nullptr;  // read's or the transaction's
  std::size_t begin = 0;
  std::size_t end = 0;
  if (txn.spilled) {
    read.reserve(options_.part_events);
    auto more = txn.spilled->Next(options_.part_events, &read);
    if (!more.ok()) return more.error();
    delivery.more = *more;
    source = read.data();
    end = read.size();
  } else {
    source = txn.events.data();
    begin = delivery.next_event;
    end = std::min(txn.events.size(), begin + options_.part_events);
    delivery.next_event = end;
    delivery.more = end < txn.events.size();
  }
  api::PublishedTransaction part;
  part.commit_lsn = txn.commit_lsn;
  part.end_lsn = txn.end_lsn;
  part.complete = !delivery.more;
  part.events.reserve(end - begin);
  int64_t now = 0;
  std::string server_time = ServerTimeNow(&now);
  for (std::size_t i = begin; i < end; ++i) {
    const decoder::OrderEvent& event = source[i];
    part.events.push_back(api::MakeStreamEvent(event, server_time));
  }
  if (delivery.first_id.empty() && !part.events.empty()) {
    delivery.first_id = std::string(part.events.front()->id.view());
  }
  if (!txn.spilled) {
    // Parts already handed on need not stay in memory twice.
    for (std::size_t i = begin; i < end; ++i) txn.events[i] = decoder::OrderEvent();
  }
  delivery.part = std::move(part);
  return {};
}

decoder::Result<database::Backlog> ChangePipeline::Drain() {
  if (!delivery_) {
    return sink_->Backlogged() ? database::Backlog::kWaitForReaders : database::Backlog::kNone;
  }
  // A few parts per call, so the stream yields to the event loop between them.
  for (int parts = 0; parts < 8; ++parts) {
    if (!delivery_->part) {
      if (auto status = PrepareNextPart(); !status.ok()) {
        delivery_.reset();
        return status.error();
      }
    }
    api::PublishedTransaction& part = *delivery_->part;
    uint64_t bytes = 0;
    for (const auto& event : part.events) bytes += api::RetainedBytes(*event);
    if (!sink_->RoomForPart(part.events.size(), bytes, options_.stall_timeout)) {
      return database::Backlog::kWaitForReaders;
    }
    const bool last = part.complete;
    delivery_->published += part.events.size();
    // A part decoded again after a reconnect is a duplicate (or partly one): only what is new
    // counts.
    const int64_t commit_time = delivery_->transaction.commit_time;
    sink_->Publish(std::move(part), [&](const std::vector<api::StreamEventPtr>& added) {
      for (const auto& event : added) metrics_->CountEvent(event->keys.operation);
      // A large transaction is handed off with its last part: without this, the lag gauge would
      // keep the small transaction before it through a delivery that may take minutes.
      if (last) {
        const int64_t now = decoder::UnixMicros(std::chrono::system_clock::now());
        metrics_->SetLastCommitLag(std::chrono::microseconds(now - commit_time));
      }
    });
    delivery_->part.reset();
    if (last) {
      FinishDelivery();
      return database::Backlog::kNone;
    }
  }
  return database::Backlog::kMore;
}

void ChangePipeline::FinishDelivery() {
  Delivery& delivery = *delivery_;
  const auto& txn = delivery.transaction;
  if (write_tracker_ && !delivery.first_id.empty() && txn.xid != decoder::kInvalidXid) {
    write_tracker_->Published(txn.xid, delivery.first_id);
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - delivery.started);
  spdlog::info(
      "transaction xid={} lsn={} end={} published: {} events in {:.2f} s ({:.0f}/s)", txn.xid,
      txn.commit_lsn.ToString(), txn.end_lsn.ToString(), delivery.published, seconds.count(),
      seconds.count() > 0 ? static_cast<double>(delivery.published) / seconds.count() : 0.0);
  delivery_.reset();
}

}  // namespace walcast::daemon
