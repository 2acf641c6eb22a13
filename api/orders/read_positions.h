// ReadPositions: the streamPosition of a REST read (docs/contract.md §9). A read marks the replay
// window when it starts (EventHub::MarkRead), runs its query in a snapshot it reads back
// (PgPool::ExecuteInSnapshot), and the two make the position (EventHub::PositionFor). Only the
// replication source can honour positions (NOTIFY events carry no xid): otherwise a read's
// position is null.
//
// Thread-safe (the hub is).
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "api/stream/event_hub.h"
#include "database/pg_pool.h"

namespace walcast::api::orders {

class ReadPositions {
 public:
  explicit ReadPositions(std::shared_ptr<EventHub> hub) : hub_(std::move(hub)) {}

  // The replication source reports xids; positions are made only then.
  void SetEnabled(bool enabled) { enabled_.store(enabled, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // Taken before the read's query is sent; nullopt when positions are off.
  std::optional<ReplayWindow::ReadMark> Begin() const;
  // The position text for a read that began at `mark` and ran in `snapshot`: nullopt (JSON null)
  // when positions are off. A read whose position cannot be exact (a transaction it may have
  // missed has already left the replay window) gets one the stream answers with resync, as it
  // does an event id that is too old.
  std::optional<std::string> Finish(const std::optional<ReplayWindow::ReadMark>& mark,
                                    const std::optional<database::ReadSnapshot>& snapshot) const;

 private:
  std::shared_ptr<EventHub> hub_;
  std::atomic<bool> enabled_{false};
};

}  // namespace walcast::api::orders
