// ClientStream: what every stream client (SSE or WebSocket) does the same way, apart from its
// transport: subscribing to the hub with its `from`, the welcome/resync/backlog that start the
// stream, the per-client filter, the cursor that skips ids already sent, and the bounded queue
// whose overflow marks the client too slow.
//
// Single-threaded: owned by a session and used only on that session's strand.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "event_hub.h"
#include "outbound_queue.h"
#include "stream_context.h"
#include "stream_filter.h"

namespace walcast::api {

class ClientStream {
 public:
  ClientStream(std::shared_ptr<StreamContext> context, StreamFilter filter,
               std::optional<decoder::EventId> from, std::string client_id, std::string peer,
               std::string_view transport);
  ~ClientStream();  // unsubscribes

  // Subscribes `self` (the session) and queues welcome, then resync or the backlog. Call once,
  // from the session's strand, before any Deliver can reach it.
  void Start(std::weak_ptr<EventSubscriber> self);
  void Unsubscribe();

  // Queues a change event if it is new to this client and matches the filter. When the queue is
  // full the client is too slow: an error is queued, `slow()` turns true and nothing more is
  // queued.
  void Offer(const StreamEventPtr& event);
  // A control message; `final` closes the stream after it is written.
  void PushControl(std::string name, std::string json, bool final = false);
  // Raw transport text (not counted against the bound).
  void PushRaw(std::string text);

  OutboundQueue& queue() { return queue_; }
  StreamFilter& filter() { return filter_; }
  bool closing() const { return closing_; }  // nothing more after what is queued
  bool slow() const { return slow_; }
  const std::string& client_id() const { return client_id_; }
  const std::string& peer() const { return peer_; }
  StreamContext& context() { return *context_; }

 private:
  std::shared_ptr<StreamContext> context_;
  StreamFilter filter_;
  std::optional<decoder::EventId> cursor_;  // the last event id sent (or the client's `from`)
  std::string client_id_;
  std::string peer_;
  std::string transport_;
  uint64_t subscription_id_ = 0;
  OutboundQueue queue_;
  bool closing_ = false;
  bool slow_ = false;
};

}  // namespace walcast::api
