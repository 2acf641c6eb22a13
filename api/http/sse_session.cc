#include "api/http/sse_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "api/stream/control_message.h"

namespace walcast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;

SseSession::SseSession(beast::tcp_stream stream, std::shared_ptr<StreamContext> context,
                       StreamFilter filter, StreamFrom from, std::string client_id,
                       std::string peer, std::unique_ptr<ConnectionLimiter::Slot> slot)
    : StreamSession(stream.get_executor(), std::move(context), std::move(filter), std::move(from),
                    std::move(client_id), std::move(peer), "sse", std::move(slot)),
      stream_(std::move(stream)),
      heartbeat_(stream_.get_executor()),
      close_grace_(stream_.get_executor()) {}

void SseSession::Start(std::string response_head) {
  asio::dispatch(stream_.get_executor(),
                 [self = shared_from_this(), head = std::move(response_head)]() mutable {
                   self->client_.PushRaw(std::move(head));
                   self->client_.Start(self->weak_from_this());
                   self->DoReadForClose();
                   self->ScheduleHeartbeat();
                   self->DoWrite();
                 });
}

void SseSession::DoWrite() {
  if (closed_) return;
  if (client_.closing()) StartCloseGrace();
  if (writing_) return;
  auto& queue = client_.queue();
  if (queue.Empty()) {
    if (client_.closing()) Close(client_.slow() ? "slow consumer" : "closing");
    return;
  }
  // Everything queued (up to a bound) goes out in one gathered write: one system call for a
  // burst instead of one per ~600-byte event.
  writing_ = true;
  writing_count_ = std::min(queue.Messages(), kMaxMessagesPerWrite);
  prefixes_.clear();
  prefixes_.reserve(writing_count_);  // the buffers point into these strings: no reallocation
  buffers_.clear();
  for (std::size_t i = 0; i < writing_count_; ++i) {
    const auto& message = queue.At(i);
    if (message.event) {
      std::string& prefix = prefixes_.emplace_back("id: ");
      // From a read's position, until past what the read saw: the browser's Last-Event-ID must
      // be the position moved on, not the id (docs/change-stream.md).
      if (message.resume.empty()) {
        prefix.append(message.event->id.view());
      } else {
        prefix.append(message.resume);
      }
      prefix += "\nevent: " + message.event->name + "\ndata: ";
      buffers_.push_back(asio::buffer(prefix));
      buffers_.push_back(asio::buffer(message.event->json));
      buffers_.push_back(asio::buffer("\n\n", 2));
    } else if (!message.name.empty()) {
      // Control events carry no id, so they never move the client's Last-Event-ID.
      buffers_.push_back(
          asio::buffer(prefixes_.emplace_back("event: " + message.name + "\ndata: ")));
      buffers_.push_back(asio::buffer(message.owned));
      buffers_.push_back(asio::buffer("\n\n", 2));
    } else {
      buffers_.push_back(asio::buffer(message.owned));
    }
  }
  asio::async_write(stream_, buffers_,
                    [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
                      self->OnWrite(ec, bytes);
                    });
}

void SseSession::OnWrite(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return Close(ec.message());
  auto& queue = client_.queue();
  uint64_t events = 0;
  for (std::size_t i = 0; i < writing_count_; ++i) {
    if (queue.Front().event) ++events;
    queue.Pop();
  }
  client_.context().counters.events_sent.fetch_add(events, std::memory_order_relaxed);
  client_.Refill();
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
  heartbeat_.expires_after(client_.context().heartbeat);
  heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    if (self->client_.queue().Empty()) self->client_.PushRaw(": heartbeat\n\n");
    self->DoWrite();
    self->ScheduleHeartbeat();
  });
}

void SseSession::StartCloseGrace() {
  if (close_grace_started_) return;
  close_grace_started_ = true;
  close_grace_.expires_after(client_.context().close_grace);
  close_grace_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec) return;
    self->Close(self->client_.slow() ? "slow consumer: did not read its error event in time"
                                     : "closing: did not read its last events in time");
  });
}

void SseSession::Close(std::string_view why) {
  if (closed_) return;
  closed_ = true;
  heartbeat_.cancel();
  close_grace_.cancel();
  client_.Unsubscribe();
  spdlog::info("sse client={} peer={} disconnected: {}", client_.client_id(), client_.peer(), why);
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace walcast::api
