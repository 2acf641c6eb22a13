#include "api/stream/handoff_ledger.h"

#include <algorithm>

namespace walcast::api {

void HandoffLedger::Retained(uint32_t xid, decoder::Lsn commit_lsn) {
  Entry& entry = retained_[xid];
  if (entry.parts == 0 || commit_lsn < entry.commit_lsn) entry.commit_lsn = commit_lsn;
  ++entry.parts;
}

void HandoffLedger::Evicted(uint32_t xid) {
  auto found = retained_.find(xid);
  if (found == retained_.end()) return;
  if (--found->second.parts > 0) return;  // later parts are still retained
  retained_.erase(found);
  if (horizon_ && horizon_->Sees(xid)) return LogDeparture(xid);
  if (unsafe_.size() >= kMaxUnsafe) {
    unsafe_overflow_ = true;
    return;
  }
  unsafe_.insert(xid);
}

void HandoffLedger::ObserveHorizon(const XidSnapshot& horizon,
                                   const std::vector<uint64_t>& committed_in_progress) {
  if (!suspects_) suspects_ = committed_in_progress;
  horizon_ = horizon;
  for (auto it = unsafe_.begin(); it != unsafe_.end();) {
    if (horizon.Sees(*it)) {
      // Now visible to every later snapshot, but a read already running may still list it as in
      // progress: it goes through the log.
      LogDeparture(*it);
      it = unsafe_.erase(it);
    } else {
      ++it;
    }
  }
  if (unsafe_overflow_ && unsafe_.empty()) {
    // What overflowed was evicted before this horizon; it may have been invisible then. Only
    // reads that start from now on are safe: the log makes older ones too old.
    unsafe_overflow_ = false;
    departures_ += kLogSize + 1;
    log_.clear();
  }
}

void HandoffLedger::LogDeparture(uint32_t xid) {
  ++departures_;
  log_.push_back(xid);
  if (log_.size() > kLogSize) log_.pop_front();
}

std::optional<decoder::Lsn> HandoffLedger::StartFor(const Mark& mark, const XidSnapshot& snapshot,
                                                    decoder::Lsn published_before) const {
  if (unsafe_overflow_) return std::nullopt;
  // Departures since the read began: the log must still hold them all.
  const uint64_t since = departures_ - mark.departures;
  if (since > log_.size()) return std::nullopt;
  decoder::Lsn start = published_before;
  for (uint64_t in_progress : snapshot.in_progress) {
    const auto xid = static_cast<uint32_t>(in_progress);
    if (auto found = retained_.find(xid); found != retained_.end()) {
      start = std::min(start, found->second.commit_lsn);
      continue;
    }
    // Not retained: not decoded yet (it commits later, after `published_before`), aborted, or
    // gone. Gone is what must not pass silently.
    if (unsafe_.contains(xid)) return std::nullopt;
    if (std::find(log_.end() - static_cast<std::ptrdiff_t>(since), log_.end(), xid) != log_.end()) {
      return std::nullopt;
    }
    // Evicted by a previous process while still invisible: possible only for what had committed
    // and was still in progress when this process first looked.
    if (!mark.horizon_known || !suspects_) return std::nullopt;
    if (std::binary_search(suspects_->begin(), suspects_->end(), in_progress)) return std::nullopt;
  }
  return start;
}

}  // namespace walcast::api
