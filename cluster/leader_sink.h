// LeaderSink: where a cluster leader's change pipeline (daemon/change_pipeline.h) hands committed
// transactions: to the Redis stream through a StreamAppender, never to a hub. The leader's own
// clients, like every member's, are served from what its follower reads back (docs/cluster.md).
//
// When the replication stream starts, the sink takes the stream over (a new term); appends wait
// for that. It acknowledges to the slot only the end of transactions Redis has accepted whole, so
// whoever takes the slot next decodes again everything that might be missing, and a position
// without changes (idle) only after raising the stream's `end` to it: `end` is never below what
// the slot was told, which is how a takeover recognizes a stream that lost acknowledged entries.
// The first refusal or failure (another leader's term, a lost stream, Redis unreachable) calls
// `step_down` once; from then on nothing more is written, and the owner ends the replication
// stream.
//
// Thread-safe: the pipeline calls it on the replication stream's strand; the appender runs on its
// connection's strand (`appender_strand`), and the two share only atomics.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <string>

#include "api/stream/transaction_sink.h"
#include "cluster/stream_appender.h"

namespace walcast::cluster {

struct LeaderCallbacks {
  // The takeover succeeded: this member leads `takeover.term`. On the appender's strand.
  std::function<void(const Takeover& takeover)> on_leading;
  // Why this member must stop leading. Called at most once, on the appender's strand.
  std::function<void(const std::string& reason)> step_down;
};

class LeaderSink : public api::TransactionSink {
 public:
  // `max_in_flight_events`: appended events not yet answered by Redis beyond which the pipeline
  // holds the replication stream back.
  LeaderSink(boost::asio::any_io_executor appender_strand, std::shared_ptr<StreamAppender> appender,
             LeaderCallbacks callbacks, std::size_t max_in_flight_events = 16384);

  void OnStreamStart(decoder::Lsn confirmed_flush) override;
  bool Publish(api::PublishedTransaction transaction, const OnFresh& on_fresh) override;
  bool RoomForPart(std::size_t events, uint64_t bytes,
                   std::chrono::steady_clock::duration stall_timeout) const override;
  bool Backlogged() const override;
  void ObserveIdleWalEnd(decoder::Lsn wal_end) override;
  decoder::Lsn AckLsn() const override;

 private:
  // Shared with the callbacks that run on the appender's strand.
  struct State {
    std::atomic<uint64_t> acknowledged{0};  // an end LSN
    std::atomic<uint64_t> in_flight_events{0};
    std::atomic<uint64_t> in_flight_jobs{0};
    std::atomic<bool> leading{false};    // the takeover succeeded
    std::atomic<bool> advancing{false};  // an advance script is in flight
    std::atomic<bool> stepped_down{false};
    LeaderCallbacks callbacks;
    void StepDown(const std::string& reason);
    // Raises `acknowledged` to `position` (never lowers it).
    void Acknowledge(uint64_t position);
  };

  boost::asio::any_io_executor appender_strand_;
  std::shared_ptr<StreamAppender> appender_;
  std::shared_ptr<State> state_;
  std::size_t max_in_flight_events_;
};

}  // namespace walcast::cluster
