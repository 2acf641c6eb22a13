#include "sse_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "control_message.h"

namespace walcast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// A queued SSE block is `prefix` + JSON + "\n\n"; owned control messages carry their prefix in
// front of the JSON, separated by kPrefixEnd, so the queue stores one string per message.
constexpr char kPrefixEnd = '\x1f';

}  // namespace

SseSession::SseSession(beast::tcp_stream stream, std::shared_ptr<StreamContext> context,
                       StreamFilter filter, std::optional<decoder::EventId> from,
                       std::string client_id, std::string peer)
    : stream_(std::move(stream)),
      context_(std::move(context)),
      filter_(std::move(filter)),
      cursor_(from),
      client_id_(std::move(client_id)),
      peer_(std::move(peer)),
      queue_(context_->outbound),
      heartbeat_(stream_.get_executor()) {}

SseSession::~SseSession() {
  if (subscription_id_ != 0) context_->hub->Unsubscribe(subscription_id_);
}

void SseSession::Start(std::string response_headers) {
  asio::dispatch(stream_.get_executor(),
                 [self = shared_from_this(), headers = std::move(response_headers)]() mutable {
                   self->OnStart(std::move(headers));
                 });
}

void SseSession::OnStart(std::string response_headers) {
  context_->counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  queue_.PushUnbounded(OutboundMessage{nullptr, std::string(1, kPrefixEnd) + response_headers});

  // Subscribing and queueing the backlog happen in this one handler on the strand; live events
  // are posted to the strand, so they queue after the backlog.
  auto from = cursor_;
  auto subscription = context_->hub->Subscribe(weak_from_this(), from);
  subscription_id_ = subscription.id;
  PushControl("welcome",
              WelcomeMessage(client_id_, context_->hub->Subscribers(), subscription.last_id),
              false);
  if (subscription.status == ReplayWindow::ResumeStatus::kTooOld) {
    PushControl("resync",
                ResyncMessage("the requested event id is older than the replay window; "
                              "refetch through the REST API",
                              subscription.oldest_id),
                false);
    cursor_.reset();
  }
  for (const auto& event : subscription.backlog) Offer(event);
  spdlog::info("sse client={} peer={} connected from={} backlog={}", client_id_, peer_,
               from ? std::string(from->view()) : "-", subscription.backlog.size());
  DoReadForClose();
  ScheduleHeartbeat();
  DoWrite();
}

void SseSession::Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), events = std::move(events)] {
    for (const auto& event : *events) self->Offer(event);
    self->DoWrite();
  });
}

void SseSession::Resync(std::string reason) {
  asio::post(stream_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    self->PushControl("resync", ResyncMessage(reason, std::nullopt), false);
    self->DoWrite();
  });
}

void SseSession::Shutdown() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->PushControl("server_shutdown", ShutdownMessage(), true);
    self->DoWrite();
  });
}

void SseSession::Offer(const StreamEventPtr& event) {
  if (closing_) return;
  if (cursor_ && event->id <= *cursor_) return;  // already sent (or before the client's from)
  cursor_ = event->id;
  if (!filter_.Matches(event->keys)) return;
  if (!queue_.Push(OutboundMessage{event, {}})) {
    context_->counters.slow_clients_dropped.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("sse client={} peer={} too slow: {} messages, {} bytes queued; disconnecting",
                 client_id_, peer_, queue_.Messages(), queue_.Bytes());
    PushControl("error", ErrorMessage("slow consumer: reconnect with your last event id"), true);
  }
}

void SseSession::PushControl(std::string_view name, std::string json, bool final) {
  if (closing_) return;
  std::string block = "event: " + std::string(name) + "\ndata: " + kPrefixEnd + json;
  queue_.PushUnbounded(OutboundMessage{nullptr, std::move(block)});
  if (final) closing_ = true;
}

void SseSession::DoWrite() {
  if (writing_ || closed_) return;
  if (queue_.Empty()) {
    if (closing_) Close("closing");
    return;
  }
  writing_ = true;
  const auto& message = queue_.Front();
  std::array<asio::const_buffer, 3> buffers;
  if (message.event) {
    write_prefix_ = "id: ";
    write_prefix_.append(message.event->id.view());
    write_prefix_ += "\nevent: " + message.event->name + "\ndata: ";
    buffers = {asio::buffer(write_prefix_), asio::buffer(message.event->json),
               asio::buffer("\n\n", 2)};
  } else {
    std::string_view text = message.owned;
    auto split = text.find(kPrefixEnd);
    bool is_headers = split == 0;
    buffers = {asio::buffer(text.substr(0, split)), asio::buffer(text.substr(split + 1)),
               is_headers ? asio::const_buffer() : asio::buffer("\n\n", 2)};
  }
  stream_.expires_after(context_->write_timeout);
  asio::async_write(stream_, buffers,
                    [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                      self->OnWrite(ec, bytes);
                    });
}

void SseSession::OnWrite(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return Close(ec.message());
  if (queue_.Front().event) context_->counters.events_sent.fetch_add(1, std::memory_order_relaxed);
  queue_.Pop();
  DoWrite();
}

// The client never sends anything on an event stream; a read completes only when it leaves.
void SseSession::DoReadForClose() {
  stream_.socket().async_read_some(asio::buffer(discard_),
                                   [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                     if (ec) return self->Close("client left");
                                     self->DoReadForClose();
                                   });
}

void SseSession::ScheduleHeartbeat() {
  heartbeat_.expires_after(context_->heartbeat);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    if (self->queue_.Empty()) {
      self->queue_.PushUnbounded(OutboundMessage{nullptr, std::string(": heartbeat") + kPrefixEnd});
    }
    self->DoWrite();
    self->ScheduleHeartbeat();
  });
}

void SseSession::Close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  heartbeat_.cancel();
  if (subscription_id_ != 0) {
    context_->hub->Unsubscribe(subscription_id_);
    subscription_id_ = 0;
  }
  spdlog::info("sse client={} peer={} disconnected: {}", client_id_, peer_, why);
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace walcast::api
