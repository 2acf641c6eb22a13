// DeliveryInbox: the published transactions a session has not taken yet, handed from the
// publisher's thread to the session's strand.
//
// A burst of commits would otherwise cost one strand hop per transaction per session; with the
// inbox the publisher posts a drain only when the inbox was empty, and the drain takes every batch
// that arrived meanwhile, so a session behind the publisher writes them in one go. The batches
// are kept (not just counted) because the session's own bounded queue, not the shared replay
// window, is what absorbs a short burst: a small window must not turn a busy moment into a
// dropped client. Past `max_batches` waiting (a session whose strand is starved), the waiting
// batches and those after them are let go until the drain, which says so: the session then pulls
// from the window, which is where a client that far behind would be anyway.
//
// Thread-safe: Add from the publisher, Take from the session's strand.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "api/stream/replay_window.h"

namespace walcast::api {

class DeliveryInbox {
 public:
  using Batch = std::shared_ptr<const std::vector<StreamEventPtr>>;

  explicit DeliveryInbox(std::size_t max_batches) : max_batches_(max_batches) {}

  // Returns true when the caller must post a drain: the inbox had no drain pending.
  bool Add(Batch batch);

  struct Drained {
    std::vector<Batch> batches;  // in publish order
    bool overflowed = false;     // batches were let go: catch up from the replay window
  };
  // Takes what waits; a later Add posts a new drain. The result is valid until the next Take
  // (there is one consumer, the session's strand). Two vectors trade places, so a steady stream
  // of deliveries allocates nothing here.
  const Drained& Take();

 private:
  const std::size_t max_batches_;
  Drained taken_;  // the consumer's side
  std::mutex mutex_;
  std::vector<Batch> batches_;
  bool overflowed_ = false;
  bool drain_pending_ = false;
};

}  // namespace walcast::api
