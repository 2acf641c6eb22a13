// WriteTracker: matches a REST write to the change event it produced, for `eventId` on write
// responses (docs/contract.md §3, read-your-writes).
//
// The write's statement returns txid_current(); its low 32 bits are the xid pgoutput reports for
// the transaction. The change pipeline calls Published(xid, first event id) for every transaction
// it hands to the hub, and the REST handler waits (asynchronously, bounded) for its xid. A
// transaction published before the handler asked is still found in a bounded ring of recent
// transactions. xids wrap around after 2^32 transactions; the ring holds far fewer, and a waiter
// only waits for a transaction that has just committed, so a stale match would need 2^32
// transactions within the wait. Thread-safe.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace walcast::api {

class WriteTracker {
 public:
  // `enabled`: a change source that reports xids runs (replication mode). When false, Wait
  // answers nullopt at once (NOTIFY mode, no stream).
  explicit WriteTracker(bool enabled, size_t remembered = 65'536);

  bool enabled() const { return enabled_.load(); }
  // The daemon enables it once the change source turns out to be replication (--source auto
  // decides after start).
  void SetEnabled(bool enabled) { enabled_.store(enabled); }

  // A transaction reached the hub; `first_event_id` is the id of its first event.
  void Published(uint32_t xid, std::string first_event_id);

  // Calls `done` exactly once, on `executor`: with the first event id of transaction `xid` once
  // it is published, or nullopt after `timeout` (or when disabled).
  using Done = std::function<void(std::optional<std::string>)>;
  void Wait(uint32_t xid, std::chrono::milliseconds timeout, boost::asio::any_io_executor executor,
            Done done);

  size_t WaitersForTest() const;

 private:
  struct Waiter;

  std::atomic<bool> enabled_;
  const size_t remembered_;
  mutable std::mutex mutex_;
  std::unordered_map<uint32_t, std::string> recent_;  // xid → first event id
  std::deque<uint32_t> recent_order_;                 // eviction order of recent_
  std::unordered_map<uint32_t, std::vector<std::shared_ptr<Waiter>>> waiters_;
};

// The xid of txid_current()'s text ("123456789012"): its low 32 bits. nullopt if not a number.
std::optional<uint32_t> XidOfTxid(std::string_view txid_text);

}  // namespace walcast::api
