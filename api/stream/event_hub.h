// EventHub: where committed transactions meet the clients. It keeps the replay window, from which
// sessions pull what they have not sent yet (Fetch), and tells every subscribed session (SSE and
// WebSocket alike) about each published transaction (Deliver), which a session that is keeping up
// takes directly. An event is serialized once, before it reaches the hub, and shared by all.
//
// Thread-safe. Publish runs on the change stream's strand; Subscribe and Fetch on a session's.
// The mutex covers the window and the subscriber list; deliveries happen outside it, after the
// transaction is in the window, so a session that sees a Deliver can always Fetch what preceded
// it. Sessions are held weakly; a dead one is dropped at the next publish.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "api/stream/event_archive.h"
#include "api/stream/replay_window.h"
#include "api/stream/transaction_sink.h"

namespace walcast::api {

class EventSubscriber {
 public:
  virtual ~EventSubscriber() = default;
  // The events of one committed transaction, in order. Called from the publisher's thread with
  // no lock held; must not block (post to the session's strand).
  virtual void Deliver(std::shared_ptr<const std::vector<StreamEventPtr>> events) = 0;
  // The source lost events it cannot replay (a NOTIFY reconnect, a recreated slot): the client
  // must refetch through REST.
  virtual void Resync(std::string reason) = 0;
  // The daemon is stopping: say so to the client and close.
  virtual void Shutdown() = 0;
  // A control message for every client ("clients" with the live count); sessions that do not
  // show such messages may ignore it.
  virtual void Notice(std::string /*name*/, std::string /*json*/) {}
  // A page of older events the session asked the archive for (ClientStream), from any thread.
  virtual void ArchivePage(EventArchive::Page /*page*/) {}
};

class EventHub : public TransactionSink {
 public:
  explicit EventHub(ReplayLimits limits);

  // --- publisher side (the change source; api/stream/transaction_sink.h) ---
  void OnStreamStart(decoder::Lsn confirmed_flush) override;
  // The server's written WAL position at a (re)connect: resumes from beyond it get resync
  // (ReplayWindow::SetServerPosition).
  void ObserveServerPosition(decoder::Lsn position);
  // `on_fresh` gets the events a Publish adds (a part published again after a reconnect adds only
  // what is new), before any session sees them: what counts them is never behind a client.
  // Returns false for a duplicate (already published), which reaches nobody. A large
  // transaction comes as parts (PublishedTransaction::complete), each published when
  // RoomForPart allows.
  bool Publish(PublishedTransaction transaction, const OnFresh& on_fresh = {}) override;
  // Whether a part of `events` events and `bytes` bytes may be published now without pushing out
  // of the window an event that a reader still pulling from it needs. Readers that have not
  // pulled for `stall_timeout` do not count: a stalled client must not stall the stream (it is
  // closed as too slow once its events are gone, as always). Cheap: one map walk over the readers
  // that are behind.
  bool RoomForPart(std::size_t events, uint64_t bytes,
                   std::chrono::steady_clock::duration stall_timeout) const override;
  void ObserveIdleWalEnd(decoder::Lsn wal_end) override;
  decoder::Lsn AckLsn() const override;

  // --- REST reads' stream positions (ReplayWindow::MarkRead, PositionFor) ---
  // A snapshot the database monitor observed, with its in-progress xids that had committed.
  void ObserveHorizon(const XidSnapshot& horizon, const std::vector<uint64_t>& committed);
  ReplayWindow::ReadMark MarkRead() const;
  std::optional<StreamPosition> PositionFor(const ReplayWindow::ReadMark& mark,
                                            const XidSnapshot& snapshot, decoder::Lsn until) const;
  // The source may have missed changes: connected subscribers are told to resync, and resumes
  // from ids before this point are refused with resync from now on.
  void ReportGap(const std::string& reason);
  // Tells every subscriber to resync.
  void ResyncAll(const std::string& reason);
  // Tells every subscriber the daemon is stopping.
  void ShutdownAll();
  // Sends a control message to every subscriber.
  void BroadcastNotice(const std::string& name, const std::string& json);

  // --- subscriber side (sessions) ---
  struct Subscription {
    uint64_t id = 0;
    ReplayWindow::ResumeStatus status = ReplayWindow::ResumeStatus::kOk;  // of `from`
    decoder::EventId head;                      // where a client without `from` starts
    std::optional<decoder::EventId> last_id;    // newest event published so far
    std::optional<decoder::EventId> oldest_id;  // oldest retained, for `resync`
  };
  // Registers the subscriber; from then on every published transaction reaches its Deliver.
  Subscription Subscribe(std::weak_ptr<EventSubscriber> subscriber,
                         const std::optional<decoder::EventId>& from);
  void Unsubscribe(uint64_t id);

  // Pull side: at most `max_events` retained events after `after` (kTooOld once they are gone).
  // Sessions read at their own pace this way, so a burst or a backlog costs them no memory.
  ReplayWindow::Resume Fetch(const decoder::EventId& after, std::size_t max_events) const;
  // The same, by a subscriber catching up: records its position and the time, so RoomForPart
  // paces a large transaction to the readers that are making progress.
  ReplayWindow::Resume Fetch(uint64_t subscription, const decoder::EventId& after,
                             std::size_t max_events);
  // The subscriber has caught up (takes deliveries again): it no longer holds back publishing.
  void CaughtUp(uint64_t subscription);

  std::size_t Subscribers() const;
  std::optional<decoder::EventId> LastId() const;
  // Wall-clock time of the newest published event (for /health), or nullopt.
  std::optional<std::chrono::system_clock::time_point> LastEventAt() const;
  std::size_t RetainedEvents() const;
  uint64_t RetainedBytes() const;

 private:
  std::vector<std::shared_ptr<EventSubscriber>> LiveSubscribers() const;

  mutable std::mutex mutex_;
  ReplayWindow window_;
  struct Entry {
    uint64_t id;
    std::weak_ptr<EventSubscriber> subscriber;
  };
  std::vector<Entry> subscribers_;
  // Subscribers pulling from the window: where they are and when they last pulled.
  struct Reader {
    decoder::EventId cursor;
    std::chrono::steady_clock::time_point pulled;
  };
  std::unordered_map<uint64_t, Reader> readers_;
  uint64_t next_id_ = 1;
  uint64_t publishes_ = 0;  // the change stream's strand only: where the next hand-out starts
  std::optional<decoder::EventId> last_id_;
  std::optional<std::chrono::system_clock::time_point> last_event_at_;
};

}  // namespace walcast::api
