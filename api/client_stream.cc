#include "client_stream.h"

#include <spdlog/spdlog.h>

#include "control_message.h"

namespace walcast::api {

ClientStream::ClientStream(std::shared_ptr<StreamContext> context, StreamFilter filter,
                           std::optional<decoder::EventId> from, std::string client_id,
                           std::string peer, std::string_view transport)
    : context_(std::move(context)),
      filter_(std::move(filter)),
      cursor_(from),
      client_id_(std::move(client_id)),
      peer_(std::move(peer)),
      transport_(transport),
      queue_(context_->outbound) {}

ClientStream::~ClientStream() { Unsubscribe(); }

void ClientStream::Unsubscribe() {
  if (subscription_id_ == 0) return;
  context_->hub->Unsubscribe(subscription_id_);
  subscription_id_ = 0;
}

void ClientStream::Start(std::weak_ptr<EventSubscriber> self) {
  context_->counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  // Subscribing and queueing the backlog happen in one handler on the session's strand; live
  // events are posted to that strand, so they queue after the backlog.
  auto from = cursor_;
  auto subscription = context_->hub->Subscribe(std::move(self), from);
  subscription_id_ = subscription.id;
  PushControl("welcome",
              WelcomeMessage(client_id_, context_->hub->Subscribers(), subscription.last_id));
  if (subscription.status == ReplayWindow::ResumeStatus::kTooOld) {
    PushControl("resync", ResyncMessage("the requested event id is older than the replay window; "
                                        "refetch through the REST API",
                                        subscription.oldest_id));
    cursor_.reset();
  }
  for (const auto& event : subscription.backlog) Offer(event);
  spdlog::info("{} client={} peer={} connected from={} backlog={}", transport_, client_id_, peer_,
               from ? std::string(from->view()) : "-", subscription.backlog.size());
}

void ClientStream::Offer(const StreamEventPtr& event) {
  if (closing_) return;
  if (cursor_ && event->id <= *cursor_) return;  // already sent, or before the client's from
  cursor_ = event->id;
  if (!filter_.Matches(event->keys)) return;
  if (!queue_.Push(OutboundMessage{event, {}, {}})) {
    slow_ = true;
    context_->counters.slow_clients_dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("{} client={} peer={} too slow: {} messages, {} bytes queued; disconnecting",
                 transport_, client_id_, peer_, queue_.Messages(), queue_.Bytes());
    PushControl("error", ErrorMessage("slow consumer: reconnect with your last event id"), true);
  }
}

void ClientStream::PushControl(std::string name, std::string json, bool final) {
  if (closing_) return;
  queue_.PushUnbounded(OutboundMessage{nullptr, std::move(name), std::move(json)});
  if (final) closing_ = true;
}

void ClientStream::PushRaw(std::string text) {
  queue_.PushUnbounded(OutboundMessage{nullptr, {}, std::move(text)});
}

}  // namespace walcast::api
