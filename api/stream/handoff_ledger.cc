#include "api/stream/handoff_ledger.h"

#include <algorithm>

namespace walcast::api {

void HandoffLedger::Retained(uint32_t xid, decoder::Lsn commit_lsn) {
  if (retained_.empty() || static_cast<int32_t>(xid - max_retained_) > 0) max_retained_ = xid;
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
  // Departures since the read began: the log must still hold them all, and none of them may be a
  // transaction the read did not see.
  const uint64_t since = departures_ - mark.departures;
  if (since > log_.size()) return std::nullopt;
  for (auto it = log_.end() - static_cast<std::ptrdiff_t>(since); it != log_.end(); ++it) {
    if (!snapshot.Sees(*it)) return std::nullopt;
  }
  // Gone while still invisible to the horizon: too old for any read that did not see it.
  if (unsafe_.size() > kLogSize) return std::nullopt;
  for (uint32_t xid : unsafe_) {
    if (!snapshot.Sees(xid)) return std::nullopt;
  }
  // Evicted by a previous process while still invisible: possible only for what had committed
  // and was still in progress when this process first looked.
  if (!mark.horizon_known || !suspects_) {
    if (!snapshot.in_progress.empty()) return std::nullopt;
  } else {
    for (uint64_t suspect : *suspects_) {
      if (!snapshot.Sees(static_cast<uint32_t>(suspect))) return std::nullopt;
    }
  }
  // A transaction the read did not see may have committed (and been published) before the read:
  // one listed in progress, or one at or beyond xmax that had written its commit record but not
  // yet finished (xmax follows the newest *finished* transaction). Every retained one pulls the
  // start back to its commit; one not retained commits after everything published before the read.
  decoder::Lsn start = published_before;
  for (uint64_t in_progress : snapshot.in_progress) {
    if (auto found = retained_.find(static_cast<uint32_t>(in_progress)); found != retained_.end()) {
      start = std::min(start, found->second.commit_lsn);
    }
  }
  if (!retained_.empty()) {
    const auto xmax = static_cast<uint32_t>(snapshot.xmax);
    const auto span = static_cast<int32_t>(max_retained_ - xmax);  // modulo 2^32
    if (span >= 0) {
      if (static_cast<uint32_t>(span) >= kLogSize)
        return std::nullopt;  // unlikely: be exact or refuse
      for (uint32_t i = 0; i <= static_cast<uint32_t>(span); ++i) {
        if (auto found = retained_.find(xmax + i); found != retained_.end()) {
          start = std::min(start, found->second.commit_lsn);
        }
      }
    }
  }
  return start;
}

}  // namespace walcast::api
