// TransactionSink: where the change pipeline (daemon/change_pipeline.h) hands committed
// transactions, and what it acknowledges to the slot. On one node that is the EventHub itself; a
// cluster leader hands them to the Redis stream instead (cluster/leader_sink.h), from which every
// member, the leader included, fills its own hub.
//
// Called on the replication stream's strand only; implementations are thread-safe where they
// share state with other strands.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "api/stream/stream_event.h"
#include "decoder/lsn.h"

namespace walcast::api {

class TransactionSink {
 public:
  virtual ~TransactionSink() = default;

  // A new walsender session streams from the slot's confirmed flush position.
  virtual void OnStreamStart(decoder::Lsn confirmed_flush) = 0;
  // Called with the events a Publish adds that were not published before, before any client
  // sees them.
  using OnFresh = std::function<void(const std::vector<StreamEventPtr>& fresh)>;
  // Hands on one committed transaction or one part of a large one, in commit order. Returns false
  // for a duplicate (already handed on).
  virtual bool Publish(PublishedTransaction transaction, const OnFresh& on_fresh) = 0;
  // Whether a part of `events` events and `bytes` bytes may go now (see EventHub::RoomForPart).
  virtual bool RoomForPart(std::size_t events, uint64_t bytes,
                           std::chrono::steady_clock::duration stall_timeout) const = 0;
  // Whether the sink wants no more transactions for now (its writes are behind): the pipeline
  // then holds the stream back, as for a large transaction.
  virtual bool Backlogged() const { return false; }
  // The server's WAL position while no transaction is open or being handed on.
  virtual void ObserveIdleWalEnd(decoder::Lsn wal_end) = 0;
  // The position to acknowledge to the slot: every transaction ending at or before it is safe.
  virtual decoder::Lsn AckLsn() const = 0;
};

}  // namespace walcast::api
