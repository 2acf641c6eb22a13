#include "api/stream/client_stream.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/stream/control_message.h"
#include "api/stream/restricted_view.h"

namespace walcast::api {

ClientStream::ClientStream(std::shared_ptr<StreamContext> context, StreamFilter filter,
                           StreamFrom from, std::string client_id, std::string peer,
                           std::string_view transport,
                           std::unique_ptr<ConnectionLimiter::Slot> slot)
    : context_(std::move(context)),
      filter_(std::move(filter)),
      client_id_(std::move(client_id)),
      peer_(std::move(peer)),
      transport_(transport),
      slot_(std::move(slot)),
      queue_(context_->outbound) {
  if (auto* id = std::get_if<decoder::EventId>(&from)) from_ = *id;
  if (auto* position = std::get_if<StreamPosition>(&from)) {
    from_ = position->after();
    position_ = std::move(*position);
  }
}

ClientStream::~ClientStream() { Unsubscribe(); }

void ClientStream::Unsubscribe() {
  if (subscription_id_ == 0) return;
  context_->hub->Unsubscribe(subscription_id_);
  subscription_id_ = 0;
  if (auto* open = context_->counters.OpenOf(transport_)) {
    open->fetch_sub(1, std::memory_order_relaxed);
  }
}

void ClientStream::Start(std::weak_ptr<EventSubscriber> self) {
  context_->counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  self_ = self;
  auto subscription = context_->hub->Subscribe(std::move(self), from_);
  subscription_id_ = subscription.id;
  // Counted while subscribed, not from construction: a WebSocket session builds its stream before
  // the handshake, and a refused one never subscribes; so the transports add up to `clients`.
  if (auto* open = context_->counters.OpenOf(transport_)) {
    open->fetch_add(1, std::memory_order_relaxed);
  }
  PushControl("welcome",
              WelcomeMessage(client_id_, context_->hub->Subscribers(), subscription.last_id));
  const bool too_old = subscription.status == ReplayWindow::ResumeStatus::kTooOld;
  if (from_ &&
      (subscription.status == ReplayWindow::ResumeStatus::kOk || (too_old && context_->archive))) {
    // Everything after `from` that is retained comes from the window (or first from the
    // archive), then live.
    cursor_ = *from_;
    behind_ = true;
    resumed_ = true;
    archive_reading_ = too_old;
    head_at_start_ = subscription.head;
    oldest_at_start_ = subscription.oldest_id;
  } else {
    oldest_at_start_ = subscription.oldest_id;
    if (from_) PushResync(subscription.status);
    // Live from here: deliveries from now on are new to this client.
    cursor_ = subscription.head;
  }
  spdlog::info("{} client={} peer={} connected from={}{}{}", transport_, client_id_, peer_,
               from_ ? std::string(from_->view()) : "-", position_ ? " (a read's position)" : "",
               archive_reading_ ? " (before the replay window: reading the archive)" : "");
  Refill();
}

void ClientStream::PushResync(ReplayWindow::ResumeStatus status) {
  const char* what = position_ ? "stream position" : "event id";
  PushControl("resync",
              ResyncMessage(status == ReplayWindow::ResumeStatus::kNeverProduced
                                ? fmt::format("the requested {} was never produced by this "
                                              "database (beyond its newest change); refetch "
                                              "through the REST API",
                                              what)
                                : fmt::format("the requested {} is older than the replay "
                                              "window; refetch through the REST API",
                                              what),
                            oldest_at_start_));
  position_.reset();
}

bool ClientStream::Offer(const StreamEventPtr& event) {
  if (event->id <= cursor_) return true;  // already handed on, or before the client's from
  const decoder::Lsn commit = event->id.commit_lsn();
  if (position_ && position_->Settled(commit)) position_.reset();  // plain ids from here on
  if (position_ && !position_->Delivers(event->xid, commit)) {
    cursor_ = event->id;  // the read saw this change
    return true;
  }
  StreamEventPtr visible = RestrictedView(event, grant_.rows);
  if (visible && filter_.Matches(*visible)) {
    OutboundMessage message{std::move(visible), {}, {}, {}};
    if (position_) message.resume = position_->Advanced(event->id).ToString();
    // An event larger than the byte bound still goes out alone, or the client would stall.
    if (queue_.Empty()) {
      queue_.PushUnbounded(std::move(message));
    } else if (!queue_.Push(std::move(message))) {
      return false;
    }
  }
  cursor_ = event->id;
  return true;
}

void ClientStream::OnDelivered(const std::vector<StreamEventPtr>& events) {
  if (closing_) return;
  if (archive_reading_) return;  // the cursor is before the window on purpose
  if (behind_) {
    // Still catching up from the window; only make sure what it needs is still there.
    if (context_->hub->Fetch(cursor_, 0).status == ReplayWindow::ResumeStatus::kTooOld) {
      MarkSlow();
    }
    return;
  }
  for (const auto& event : events) {
    if (!Offer(event)) {
      // The rest is in the window. Registering as a reader now (not at the next pull) holds a
      // large transaction back before this client's events can be pushed out.
      behind_ = true;
      context_->hub->Fetch(subscription_id_, cursor_, 0);
      return;
    }
  }
}

void ClientStream::OnDelivered(const DeliveryInbox::Drained& drained) {
  if (drained.overflowed) {
    // Some batches were let go: everything after the cursor is taken from the window.
    if (closing_) return;
    behind_ = true;
    return Refill();
  }
  for (const auto& batch : drained.batches) OnDelivered(*batch);
}

void ClientStream::Refill() {
  if (archive_reading_ && RefillFromArchive()) return;
  const std::size_t capacity = context_->outbound.max_messages;
  while (behind_ && !closing_ && queue_.Messages() < capacity / 2 + 1) {
    // Tracked: while this client pulls, a large transaction is published at its pace.
    auto chunk = context_->hub->Fetch(subscription_id_, cursor_, capacity - queue_.Messages());
    if (chunk.status == ReplayWindow::ResumeStatus::kTooOld) return MarkSlow();
    bool full = false;
    for (const auto& event : chunk.events) {
      if (!Offer(event)) {
        full = true;
        break;
      }
    }
    if (full) return;  // more after the next writes
    if (!chunk.more) {
      behind_ = false;
      context_->hub->CaughtUp(subscription_id_);
    }
  }
}

bool ClientStream::RefillFromArchive() {
  const std::size_t capacity = context_->outbound.max_messages;
  while (!closing_ && queue_.Messages() < capacity / 2 + 1) {
    if (!archived_.empty()) {
      if (!Offer(archived_.front())) return true;  // more after the next writes
      archived_.pop_front();
      continue;
    }
    if (archive_done_) {
      // At the archive's end, which the window's newest events reach or pass: the window (and the
      // deliveries it keeps) takes over after the cursor.
      archive_reading_ = false;
      return false;
    }
    if (!archive_pending_) {
      archive_pending_ = true;
      archive_requested_ = std::min<std::size_t>(512, capacity - queue_.Messages());
      context_->archive->ReadAfter(cursor_, archive_requested_,
                                   [self = self_](EventArchive::Page page) {
                                     if (auto session = self.lock()) {
                                       session->ArchivePage(std::move(page));
                                     }
                                   });
    }
    return true;
  }
  return true;
}

void ClientStream::OnArchivePage(EventArchive::Page page) {
  archive_pending_ = false;
  if (closing_ || !archive_reading_) return;
  if (!page.error.empty()) {
    spdlog::info("{} client={} peer={} cannot resume from {}: {}", transport_, client_id_, peer_,
                 cursor_.view(), page.error);
    PushResync(ReplayWindow::ResumeStatus::kTooOld);
    // Live from where it would have started without `from`; what came since is in the window.
    archive_reading_ = false;
    archived_.clear();
    cursor_ = std::max(cursor_, head_at_start_);
    return Refill();
  }
  archive_done_ = page.events.size() < archive_requested_;
  for (auto& event : page.events) archived_.push_back(std::move(event));
  Refill();
}

void ClientStream::MarkSlow() {
  slow_ = true;
  context_->counters.slow_clients_dropped.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn(
      "{} client={} peer={} too slow: the events after {} left the replay window; disconnecting",
      transport_, client_id_, peer_, cursor_.view());
  PushControl("error", ErrorMessage("slow consumer: reconnect with your last event id"), true);
}

void ClientStream::PushControl(std::string name, std::string json, bool final) {
  if (closing_) return;
  queue_.PushUnbounded(OutboundMessage{nullptr, std::move(name), std::move(json), {}});
  if (final) closing_ = true;
}

void ClientStream::PushRaw(std::string text) {
  queue_.PushUnbounded(OutboundMessage{nullptr, {}, std::move(text), {}});
}

void ClientStream::Expire() {
  if (closing_) return;
  expired_ = true;
  PushControl("error",
              ErrorMessage("token expired: reconnect with a fresh token and your last event id"),
              /*final=*/true);
}

}  // namespace walcast::api
