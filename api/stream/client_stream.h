// ClientStream: what every stream client (SSE or WebSocket) does the same way, apart from its
// transport: subscribing with its `from`, the welcome (and resync) that start the stream, the
// per-client filter, the cursor (the last event id handed to this client), and a bounded queue.
//
// Flow control is pull-based. A client that keeps up takes each published transaction as the hub
// delivers it. When the queue has no room (a burst, a backlog to replay, a slow reader), the
// client is "behind": later deliveries are ignored and the session pulls from the shared replay
// window as the queue drains (Refill). So a burst or a resume costs no per-client memory beyond
// the bounded queue, and a client is too slow only when the events it still needs have left the
// replay window: it then gets an `error` and is closed (WebSocket 4008) and resumes with `from`.
//
// Single-threaded: owned by a session and used only on that session's strand.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/stream/access_grant.h"
#include "api/stream/delivery_inbox.h"
#include "api/stream/event_hub.h"
#include "api/stream/outbound_queue.h"
#include "api/stream/stream_context.h"
#include "api/stream/stream_filter.h"
#include "api/stream/stream_position.h"

namespace walcast::api {

// Where a client's stream starts (docs/contract.md §4, §9): live, after an event id, or at a
// REST read's stream position.
using StreamFrom = std::variant<std::monostate, decoder::EventId, StreamPosition>;

class ClientStream {
 public:
  // `slot` is the connection's place under the per-address limit, freed with the stream.
  ClientStream(std::shared_ptr<StreamContext> context, StreamFilter filter, StreamFrom from,
               std::string client_id, std::string peer, std::string_view transport,
               std::unique_ptr<ConnectionLimiter::Slot> slot = nullptr);
  ~ClientStream();  // unsubscribes

  // Subscribes `self` (the session), queues welcome (and resync when `from` is too old) and the
  // first part of the backlog. Call once, from the session's strand. From here to Unsubscribe the
  // stream counts in its transport's open gauge (StreamCounters::OpenOf).
  void Start(std::weak_ptr<EventSubscriber> self);
  void Unsubscribe();

  // A published transaction (from the session's Deliver, on its strand).
  void OnDelivered(const std::vector<StreamEventPtr>& events);
  // Pulls from the replay window while behind and the queue has room. Call when the queue
  // drains (after each write).
  void Refill();
  // What the session's inbox collected since its last drain.
  void OnDelivered(const DeliveryInbox::Drained& drained);
  // The archive's answer to the last read (EventSubscriber::ArchivePage, on the session's strand).
  void OnArchivePage(EventArchive::Page page);

  // A control message; `final` closes the stream after it is written.
  void PushControl(std::string name, std::string json, bool final = false);
  // Raw transport text (not counted against the bound).
  void PushRaw(std::string text);

  OutboundQueue& queue() { return queue_; }
  StreamFilter& filter() { return filter_; }
  // What the client's token allows (api/stream/access_grant.h): events pass through
  // RestrictedView (api/stream/restricted_view.h) before the filter. Set before Start; a token
  // refresh replaces it, for the events not yet queued.
  void SetGrant(AccessGrant grant) { grant_ = std::move(grant); }
  const AccessGrant& grant() const { return grant_; }
  bool closing() const { return closing_; }  // nothing more after what is queued
  bool slow() const { return slow_; }
  // The grant expired before a refresh replaced it: an `error` is queued and the stream closes
  // after it (WebSocket 4001).
  void Expire();
  bool expired() const { return expired_; }
  // After Start: the stream continues after the client's `from` (no resync was needed).
  bool resumed() const { return resumed_; }
  const std::string& client_id() const { return client_id_; }
  const std::string& peer() const { return peer_; }
  StreamContext& context() { return *context_; }

 private:
  // Queues `event` unless already sent or filtered out; false when the queue is full (the
  // cursor then stays before it).
  bool Offer(const StreamEventPtr& event);
  void MarkSlow();
  // While resuming from before the window: queues archived events, asks for the next page when
  // they are gone, and hands over to the window once the archive has reached its end.
  // Returns true while the archive is still being read.
  bool RefillFromArchive();
  void PushResync(ReplayWindow::ResumeStatus status);

  std::shared_ptr<StreamContext> context_;
  StreamFilter filter_;
  AccessGrant grant_;
  decoder::EventId cursor_;  // the last event id handed to this client (or its `from`)
  bool behind_ = false;      // events after the cursor wait in the window, not in deliveries
  std::optional<decoder::EventId> from_;
  // Opened at a REST read's position, not yet past what the read may have seen: events the read
  // saw are passed over, and each one sent carries the position moved past it (the client's
  // resume point), since a plain id would resume before events the read saw.
  std::optional<StreamPosition> position_;
  std::string client_id_;
  std::string peer_;
  std::string transport_;
  uint64_t subscription_id_ = 0;
  std::unique_ptr<ConnectionLimiter::Slot> slot_;
  OutboundQueue queue_;
  bool closing_ = false;
  bool slow_ = false;
  bool expired_ = false;
  bool resumed_ = false;

  // A resume from before the window, read from the archive (api/stream/event_archive.h) page by
  // page until the archive's end; events arriving meanwhile wait in the window.
  std::weak_ptr<EventSubscriber> self_;
  bool archive_reading_ = false;
  bool archive_pending_ = false;  // a read is in flight
  bool archive_done_ = false;     // the last page was short: nothing more in the archive
  std::size_t archive_requested_ = 0;
  std::deque<StreamEventPtr> archived_;  // read, not yet queued
  decoder::EventId head_at_start_;       // where to go on if the archive fails
  std::optional<decoder::EventId> oldest_at_start_;
};

}  // namespace walcast::api
