#include "replay_window.h"

#include <algorithm>

namespace walcast::api {

using decoder::EventId;
using decoder::Lsn;

ReplayWindow::ReplayWindow(ReplayLimits limits) : limits_(limits) {}

void ReplayWindow::SetStart(Lsn confirmed_flush) {
  ack_lsn_ = std::max(ack_lsn_, confirmed_flush);
  wal_end_ = std::max(wal_end_, confirmed_flush);
  // Everything committed from here on is decoded again, so resumes from here are complete. After a
  // reconnect within one run the slot restarts at our own acknowledgement, below the window, and
  // the floor the window already has stays.
  if (transactions_.empty() && !newest_commit_.valid()) {
    floor_ = std::max(floor_, EventId(confirmed_flush, 0));
  }
}

void ReplayWindow::SetServerPosition(Lsn position) {
  server_position_ = std::max(server_position_, position);
}

bool ReplayWindow::Append(PublishedTransaction transaction, Clock::time_point now) {
  if (newest_commit_.valid() && transaction.commit_lsn <= newest_commit_) return false;
  newest_commit_ = transaction.commit_lsn;
  newest_end_ = std::max(newest_end_, transaction.end_lsn);
  wal_end_ = std::max(wal_end_, transaction.end_lsn);
  if (transaction.events.empty()) {
    // Nothing to retain; with nothing older retained, the slot may move past it.
    if (transactions_.empty()) ack_lsn_ = std::max(ack_lsn_, transaction.end_lsn);
    return true;
  }
  newest_id_ = std::max(newest_id_, transaction.events.back()->id);
  event_count_ += transaction.events.size();
  transactions_.push_back(Retained{std::move(transaction), now});
  return true;
}

void ReplayWindow::MarkGap() {
  // Just above the newest id: a client that saw exactly that id also missed what the gap lost.
  floor_ = std::max(floor_, EventId(newest_id_.commit_lsn(), newest_id_.index() + 1));
}

void ReplayWindow::ObserveIdleWalEnd(Lsn wal_end) {
  wal_end_ = std::max(wal_end_, wal_end);
  if (transactions_.empty()) ack_lsn_ = std::max(ack_lsn_, wal_end);
}

uint64_t ReplayWindow::RetainedWalBytes() const {
  return wal_end_ > ack_lsn_ ? wal_end_.value() - ack_lsn_.value() : 0;
}

void ReplayWindow::EvictOldest() {
  auto& oldest = transactions_.front();
  ack_lsn_ = std::max(ack_lsn_, oldest.transaction.end_lsn);
  floor_ = std::max(floor_, oldest.transaction.events.back()->id);
  event_count_ -= oldest.transaction.events.size();
  transactions_.pop_front();
}

void ReplayWindow::Trim(Clock::time_point now) {
  while (!transactions_.empty() && (event_count_ > limits_.max_events ||
                                    now - transactions_.front().received > limits_.max_age ||
                                    RetainedWalBytes() > limits_.max_wal_bytes)) {
    EvictOldest();
  }
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
