#include "api/stream/replay_window.h"

#include <algorithm>
#include <utility>

namespace walcast::api {

using decoder::EventId;
using decoder::Lsn;

ReplayWindow::ReplayWindow(ReplayLimits limits) : limits_(limits) {}

void ReplayWindow::SetStart(Lsn confirmed_flush) {
  start_ = std::max(start_, confirmed_flush);
  ack_lsn_ = std::max(ack_lsn_, confirmed_flush);
  wal_end_ = std::max(wal_end_, confirmed_flush);
  // Everything committed from here on is decoded again, so resumes from here are complete. After a
  // reconnect within one run the slot restarts at our own acknowledgement, below the window, and
  // the floor the window already has stays.
  if (transactions_.empty() && !newest_commit_.valid() && confirmed_flush.value() > 0) {
    // Just below the first id that can follow: a read's stream position starting at
    // confirmed_flush (ReplayWindow::PositionFor) is complete too.
    floor_ = std::max(floor_, EventId(Lsn(confirmed_flush.value() - 1), UINT32_MAX));
  }
}

void ReplayWindow::SetServerPosition(Lsn position) {
  server_position_ = std::max(server_position_, position);
}

bool ReplayWindow::Append(PublishedTransaction transaction, Clock::time_point now,
                          std::size_t* skipped) {
  if (skipped != nullptr) *skipped = 0;
  if (newest_commit_.valid()) {
    if (transaction.commit_lsn < newest_commit_) return false;
    if (transaction.commit_lsn == newest_commit_) {
      // The next part of the transaction being published, or a part of it (or all of it) again
      // after a reconnect: only events after the newest id are new.
      if (newest_complete_) return false;
      auto& events = transaction.events;
      auto first_new = std::find_if(events.begin(), events.end(),
                                    [&](const StreamEventPtr& e) { return newest_id_ < e->id; });
      const auto dropped = static_cast<std::size_t>(first_new - events.begin());
      events.erase(events.begin(), first_new);
      if (skipped != nullptr) *skipped = dropped;
      if (events.empty() && !transaction.complete) return false;
    }
  }
  newest_commit_ = transaction.commit_lsn;
  newest_complete_ = transaction.complete;
  newest_end_ = std::max(newest_end_, transaction.end_lsn);
  wal_end_ = std::max(wal_end_, transaction.end_lsn);
  if (transaction.events.empty()) {
    // Nothing to retain; with nothing older retained, the slot may move past it.
    if (transactions_.empty() && transaction.complete) {
      ack_lsn_ = std::max(ack_lsn_, transaction.end_lsn);
    } else if (transaction.complete && !transactions_.empty() &&
               transactions_.back().transaction.commit_lsn == transaction.commit_lsn) {
      // The last part of a transaction carried no new event: its retained parts end it.
      transactions_.back().transaction.complete = true;
    }
    return true;
  }
  newest_id_ = std::max(newest_id_, transaction.events.back()->id);
  uint64_t bytes = 0;
  for (const auto& event : transaction.events) bytes += RetainedBytes(*event);
  ledger_.Retained(transaction.events.front()->xid, transaction.commit_lsn);
  Retained retained{std::move(transaction), now, bytes, appended_events_, appended_bytes_};
  event_count_ += retained.transaction.events.size();
  byte_count_ += bytes;
  appended_events_ += retained.transaction.events.size();
  appended_bytes_ += bytes;
  transactions_.push_back(std::move(retained));
  return true;
}

void ReplayWindow::MarkGap() {
  // Just above the newest id: a client that saw exactly that id also missed what the gap lost.
  floor_ = std::max(floor_, EventId(newest_id_.commit_lsn(), newest_id_.index() + 1));
}

void ReplayWindow::ObserveIdleWalEnd(Lsn wal_end) {
  wal_end_ = std::max(wal_end_, wal_end);
  // Never past a transaction whose parts are still being published.
  if (transactions_.empty() && newest_complete_) ack_lsn_ = std::max(ack_lsn_, wal_end);
}

void ReplayWindow::ObserveHorizon(const XidSnapshot& horizon,
                                  const std::vector<uint64_t>& committed) {
  ledger_.ObserveHorizon(horizon, committed);
}

ReplayWindow::ReadMark ReplayWindow::MarkRead() const {
  // Every transaction committed after this point has a commit LSN at or beyond the end of the
  // newest one published (or the slot's start, when none has been).
  return ReadMark{ledger_.MarkRead(), std::max(newest_end_, start_)};
}

std::optional<StreamPosition> ReplayWindow::PositionFor(const ReadMark& mark,
                                                        const XidSnapshot& snapshot,
                                                        Lsn until) const {
  auto start = ledger_.StartFor(mark.ledger, snapshot, mark.published);
  if (!start) return std::nullopt;
  return StreamPosition::FromRead(*start, until, snapshot);
}

uint64_t ReplayWindow::RetainedWalBytes() const {
  return wal_end_ > ack_lsn_ ? wal_end_.value() - ack_lsn_.value() : 0;
}

void ReplayWindow::EvictOldest() {
  auto& oldest = transactions_.front();
  // Only the last part of a transaction lets the slot move past it.
  if (oldest.transaction.complete) ack_lsn_ = std::max(ack_lsn_, oldest.transaction.end_lsn);
  floor_ = std::max(floor_, oldest.transaction.events.back()->id);
  ledger_.Evicted(oldest.transaction.events.front()->xid);
  event_count_ -= oldest.transaction.events.size();
  byte_count_ -= oldest.bytes;
  transactions_.pop_front();
}

bool ReplayWindow::OldestTransactionComplete() const {
  return transactions_.front().transaction.commit_lsn < newest_commit_ || newest_complete_;
}

void ReplayWindow::Trim(Clock::time_point now) {
  while (!transactions_.empty() &&
         (event_count_ > limits_.max_events || byte_count_ > limits_.max_bytes ||
          now - transactions_.front().received > limits_.max_age ||
          (RetainedWalBytes() > limits_.max_wal_bytes && OldestTransactionComplete()))) {
    EvictOldest();
  }
}

ReplayWindow::Needed ReplayWindow::NeededAfter(const EventId& id) const {
  // The first part whose newest event is after `id`: it and every later one are needed.
  auto first = std::upper_bound(transactions_.begin(), transactions_.end(), id,
                                [](const EventId& value, const Retained& r) {
                                  return value < r.transaction.events.back()->id;
                                });
  if (first == transactions_.end()) return {};
  return {appended_events_ - first->events_before, appended_bytes_ - first->bytes_before};
}

ReplayWindow::Resume ReplayWindow::After(const EventId& from, std::size_t max_events) const {
  Resume resume;
  if (from < floor_) {
    resume.status = ResumeStatus::kTooOld;
    return resume;
  }
  // A commit LSN at or beyond the server's written WAL (when it was last asked) and beyond every
  // transaction seen since cannot be an id anyone decoded. An id within a transaction already seen
  // (a made-up index) is not: later events follow it normally.
  if (server_position_.valid() && newest_id_ < from && from.commit_lsn() >= server_position_ &&
      from.commit_lsn() > newest_commit_ && from.commit_lsn() >= wal_end_) {
    resume.status = ResumeStatus::kNeverProduced;
    return resume;
  }
  // The first transaction whose newest event is after `from`; every later one is entirely after.
  auto first = std::upper_bound(
      transactions_.begin(), transactions_.end(), from,
      [](const EventId& id, const Retained& r) { return id < r.transaction.events.back()->id; });
  for (auto it = first; it != transactions_.end(); ++it) {
    for (const auto& event : it->transaction.events) {
      if (!(from < event->id)) continue;
      if (resume.events.size() == max_events) {
        resume.more = true;
        return resume;
      }
      resume.events.push_back(event);
    }
  }
  return resume;
}

std::optional<EventId> ReplayWindow::OldestId() const {
  if (transactions_.empty()) return std::nullopt;
  return transactions_.front().transaction.events.front()->id;
}

std::optional<EventId> ReplayWindow::LastId() const {
  if (transactions_.empty()) return std::nullopt;
  return transactions_.back().transaction.events.back()->id;
}

}  // namespace walcast::api
