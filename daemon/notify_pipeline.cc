#include "daemon/notify_pipeline.h"

#include <spdlog/spdlog.h>

#include <string>

#include "api/status/metrics.h"
#include "api/stream/control_message.h"
#include "api/stream/event_hub.h"
#include "api/stream/stream_event.h"

namespace walcast::daemon {
namespace {

// Bytes of a rejected payload quoted in the log.
constexpr std::size_t kExcerptBytes = 160;

// A rejected payload as one printable log fragment: at most kExcerptBytes, cut on a UTF-8
// character boundary, control characters replaced, and the full size when it was cut.
std::string Excerpt(std::string_view payload) {
  std::size_t end = payload.size();
  if (end > kExcerptBytes) {
    end = kExcerptBytes;
    while (end > 0 && (static_cast<unsigned char>(payload[end]) & 0xC0) == 0x80) --end;
  }
  std::string text;
  text.reserve(end + 32);
  for (char c : payload.substr(0, end)) {
    text += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
  }
  if (end < payload.size()) text += "... (" + std::to_string(payload.size()) + " bytes)";
  return text;
}

}  // namespace

NotifyPipeline::NotifyPipeline(std::shared_ptr<api::EventHub> hub,
                               std::shared_ptr<api::Metrics> metrics,
                               decoder::NotifyPayloadOptions options,
                               std::chrono::system_clock::time_point run_start)
    : hub_(std::move(hub)),
      metrics_(std::move(metrics)),
      parser_(std::move(options)),
      base_(static_cast<uint64_t>(
                std::chrono::duration_cast<std::chrono::seconds>(run_start.time_since_epoch())
                    .count())
            << 32) {
  // The replay window's floor: a `from` below it (an id of an earlier run) gets resync.
  hub_->OnStreamStart(decoder::Lsn(base_));
  // Ids of this run are produced live, never decoded again: one beyond the newest was never
  // produced (resync rather than silence).
  hub_->ObserveServerPosition(decoder::Lsn(base_));
}

void NotifyPipeline::OnListenStart(bool reconnect) {
  // The source calls this once LISTEN is active again, so a client that refetches on `resync`
  // misses nothing from then on.
  // A client that was away during the gap and resumes later with an id from before it must not
  // get the events on both sides of the gap as if nothing were missing: ReportGap also refuses
  // such resumes with resync.
  if (reconnect) hub_->ReportGap("the NOTIFY connection was lost; changes may have been missed");
}

void NotifyPipeline::OnNotification(std::string_view payload) {
  // Plain addition, not an OR: past 2^32 events the counter carries into the seconds, which
  // stays unique and ordered (see the header on why the next run is still above it).
  decoder::Lsn position(base_ + sequence_ + 1);
  // A row over the trigger's 8000-byte limit arrives as {"truncated":true, "data":{"id":…}}: the
  // parser ignores the extra key and the event carries only the id. It is still published, so
  // clients learn that the order changed and can fetch it through REST.
  auto event = parser_.Parse(payload, decoder::EventId(position, 0));
  if (!event.ok()) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    metrics_->CountRejectedNotification();
    spdlog::warn("notify payload rejected: {}; payload: {}", event.error().ToString(),
                 Excerpt(payload));
    return;
  }
  ++sequence_;
  api::PublishedTransaction transaction;
  transaction.commit_lsn = position;
  transaction.end_lsn = position;
  transaction.events.push_back(api::MakeStreamEvent(*event, api::NowRfc3339()));
  // Ids only grow within the pipeline, so the hub never sees a duplicate unless another source
  // publishes to it too, which the constructor's contract forbids.
  // No commit-to-send latency: the payload's timestamp is the transaction's start (now() in the
  // trigger), not its commit, and would overstate the figure for long transactions.
  const decoder::Operation operation = event->operation;
  bool fresh = hub_->Publish(std::move(transaction), [&](const std::vector<api::StreamEventPtr>&) {
    metrics_->CountEvent(operation);
  });
  if (!fresh) {
    spdlog::error(
        "notify event id={} was not above the hub's newest: another source shares the hub",
        decoder::EventId(position, 0).ToString());
    return;
  }
  published_.fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("notify event id={} operation={}", decoder::EventId(position, 0).ToString(),
                decoder::OperationName(event->operation));
}

}  // namespace walcast::daemon
