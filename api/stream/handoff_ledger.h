// HandoffLedger: what the replay window must remember so that a REST read's stream position
// (api/stream/stream_position.h) is exact or refused, never silently short.
//
// A read's snapshot does not see the transactions in progress when it was taken, nor those at or
// beyond its xmax (which follows the newest *finished* transaction). One of those may still have
// committed (its commit record in the WAL, decoded and published) before the read: while it
// waited for a synchronous standby, or in the moment between its commit record and its end. The
// position must start early enough to include it, and if it has already left the window the
// position is too old. So the ledger keeps:
//   - the commit LSN of every retained transaction, by xid;
//   - a horizon: the newest snapshot the database monitor observed. A transaction it sees is
//     visible to every later snapshot;
//   - the xids that left the window while the horizon did not yet see them ("unsafe"), until it
//     does;
//   - a numbered log of recent departures (visible ones, and unsafe ones once the horizon sees
//     them), so a read can tell whether one of its in-progress transactions left while it ran.
// After a restart what the previous process evicted is unknown. Only a transaction that had
// committed and was still invisible when this process began can be among it: until the first
// horizon is observed, and for the transactions it saw in progress but already committed, a read
// that needs one of them and cannot find it is told its position is too old (a resync, never a
// gap). Not covered: such a transaction at or beyond the first horizon's xmax (not listed by
// pg_current_snapshot()), i.e. one between its commit record and its end at the very moment the
// daemon restarted after publishing and evicting it.
//
// The argument is in docs/change-stream.md ("Snapshot → stream handoff"). Pure and
// single-threaded: the replay window (under the event hub's lock) owns it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/stream/stream_position.h"
#include "decoder/lsn.h"

namespace walcast::api {

class HandoffLedger {
 public:
  // How many departures the log keeps: a read that saw more leave while it ran is told its
  // position is too old. At 100,000 transactions/s that is over half a second of reads.
  static constexpr std::size_t kLogSize = 1 << 16;
  // Unsafe departures kept at most; past it every position is too old until the horizon catches up.
  static constexpr std::size_t kMaxUnsafe = 1 << 20;

  // A part of transaction `xid` committed at `commit_lsn` is retained.
  void Retained(uint32_t xid, decoder::Lsn commit_lsn);
  // A retained part of `xid` left the window.
  void Evicted(uint32_t xid);
  // The newest snapshot the database has shown (any session's pg_current_snapshot()), and which
  // of its in-progress transactions had already committed (pg_xact_status), sorted.
  void ObserveHorizon(const XidSnapshot& horizon,
                      const std::vector<uint64_t>& committed_in_progress);

  // Taken when a read starts, before its query.
  struct Mark {
    uint64_t departures = 0;
    bool horizon_known = false;
  };
  Mark MarkRead() const { return Mark{departures_, horizon_.has_value()}; }

  // Where the stream for a read that started at `mark` and was taken with `snapshot` must start:
  // at most `published_before` (the end of the newest transaction published before the read
  // began), lowered to the commit of every in-progress transaction still retained. nullopt when a
  // transaction the read may not have seen is gone: the position is too old.
  std::optional<decoder::Lsn> StartFor(const Mark& mark, const XidSnapshot& snapshot,
                                       decoder::Lsn published_before) const;

  std::size_t UnsafeCount() const { return unsafe_.size(); }

 private:
  struct Entry {
    decoder::Lsn commit_lsn;
    uint32_t parts = 0;
  };
  void LogDeparture(uint32_t xid);

  std::unordered_map<uint32_t, Entry> retained_;
  uint32_t max_retained_ = 0;  // the newest xid retained (modulo 2^32; may have left since)
  std::optional<XidSnapshot> horizon_;
  // Committed but still invisible when this process first looked: what a previous process may
  // have evicted while a read could still miss it.
  std::optional<std::vector<uint64_t>> suspects_;
  std::unordered_set<uint32_t> unsafe_;
  bool unsafe_overflow_ = false;
  std::deque<uint32_t> log_;  // the xids of departures departures_ - log_.size() + 1 .. departures_
  uint64_t departures_ = 0;
};

}  // namespace walcast::api
