// NotifyPipeline: the NOTIFY source's handler (docs/contract.md §5, --source notify). Parses each
// trigger payload, gives it an id and publishes it to the hub as a transaction of its own; a
// payload of the wrong shape or table is logged, counted and dropped, and the stream goes on.
//
// NOTIFY carries no WAL position, so ids come from a per-run counter placed above the run's start
// time: commit LSN = (run start in Unix seconds << 32) + sequence, index 0. Ids are unique and
// ordered within a run, and every id of an earlier run sorts below this run's floor, so a client
// resuming with one gets `resync` instead of a silent gap. (A later run starts at least a second
// later, which moves the floor by 2^32: more than any run can count.)
//
// Construct it only when NOTIFY is the source: the constructor claims the hub's id space, which
// a replication source must not share. Handler calls come from the source's strand; the counters
// are thread-safe. Events and rejected payloads are also counted in `metrics`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "database/notify_source.h"
#include "decoder/lsn.h"
#include "decoder/notify_payload.h"

namespace walcast::api {
class EventHub;
class Metrics;
}  // namespace walcast::api

namespace walcast::daemon {

class NotifyPipeline : public database::NotifyHandler {
 public:
  NotifyPipeline(
      std::shared_ptr<api::EventHub> hub, std::shared_ptr<api::Metrics> metrics,
      decoder::NotifyPayloadOptions options = {},
      std::chrono::system_clock::time_point run_start = std::chrono::system_clock::now());

  void OnListenStart(bool reconnect) override;
  void OnNotification(std::string_view payload) override;

  // Ids of this run are above this position; ids of earlier runs are below it.
  decoder::Lsn RunFloor() const { return decoder::Lsn(base_); }
  uint64_t Published() const { return published_.load(std::memory_order_relaxed); }
  uint64_t Rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  std::shared_ptr<api::EventHub> hub_;
  std::shared_ptr<api::Metrics> metrics_;
  decoder::NotifyPayloadParser parser_;
  uint64_t base_;          // run start in Unix seconds << 32
  uint64_t sequence_ = 0;  // on the source's strand: the last id handed out
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> rejected_{0};
};

}  // namespace walcast::daemon
