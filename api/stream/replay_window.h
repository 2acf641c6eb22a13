// ReplayWindow: the retained recent events, so a client that reconnects with `from=<last id>`
// gets every event it missed, and the slot acknowledgement that makes the window survive a
// daemon restart (docs/contract.md §4 "Event ids and resume").
//
// The window holds committed transactions in commit order, a large one as consecutive parts, and
// is bounded by event count, bytes, age and retained WAL bytes. Its acknowledged LSN is the end
// LSN of the newest transaction that has left the window whole, never of one (or a part of one)
// still in it: after a restart the slot decodes the window again. The slot delivers at least
// once, so a transaction at or below the newest one seen is a duplicate and is dropped, and so are
// the events of a part at or below the newest id (a large transaction decoded again after a
// reconnect in the middle of its delivery continues where it stopped).
//
// Pure and single-threaded: the caller (the event hub) serializes access.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "api/stream/handoff_ledger.h"
#include "api/stream/stream_event.h"

namespace walcast::api {

struct ReplayLimits {
  std::size_t max_events = 100'000;
  std::chrono::milliseconds max_age = std::chrono::minutes(15);
  uint64_t max_wal_bytes = 256ull << 20;  // WAL the server keeps for us beyond the acknowledgement
  uint64_t max_bytes = 48ull << 20;       // serialized events held (RetainedBytes)
};

class ReplayWindow {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReplayWindow(ReplayLimits limits);

  // Where the slot will resume decoding (its confirmed_flush_lsn), learnt when the stream
  // starts: every event committed at or after it will be decoded again, so a resume from there is
  // complete. Also the acknowledgement until transactions leave the window.
  void SetStart(decoder::Lsn confirmed_flush);

  // Adds a committed transaction (or the next part of one) received at `now`. Returns false for a
  // duplicate (commit LSN below the newest seen, or equal to it with every event at or below the
  // newest id), which is ignored; a part that is partly new keeps only its new events, and
  // `*skipped` (when given) tells how many leading events it dropped. Transactions without events
  // are not retained but still advance the acknowledgement once older ones have left.
  bool Append(PublishedTransaction transaction, Clock::time_point now,
              std::size_t* skipped = nullptr);

  // How far the server's WAL had been written when the source (re)connected (IDENTIFY_SYSTEM's
  // xlogpos). Every event any walcast has decoded from this server has a commit LSN below it or
  // below what this window has seen since: a `from` at or beyond both was never produced (an id
  // from another database, a forged one, one from before a restore that rewound the WAL) and is
  // answered with resync instead of waiting for ids that may never come. Until a position is
  // known such a `from` is not judged.
  void SetServerPosition(decoder::Lsn position);

  // The server's WAL position while no transaction is open (keepalive walEnd): with nothing
  // retained the acknowledgement follows it, so an idle walcast never makes PostgreSQL keep WAL.
  void ObserveIdleWalEnd(decoder::Lsn wal_end);

  // The source may have missed changes (a NOTIFY reconnect): resumes from any id seen so far,
  // the newest included, are refused from now on (they would skip the gap silently); ids after
  // the gap resume normally.
  void MarkGap();

  // Drops transactions (or parts) from the old end while a limit is exceeded. The WAL bound
  // leaves a transaction still being published alone: dropping its parts would not move the
  // acknowledgement, only take events from its readers.
  void Trim(Clock::time_point now);

  // Events and bytes retained after `id`, counted by whole parts from the one holding it (so
  // slightly more than exact). For pacing a large transaction: how much of the window a reader
  // at `id` still needs.
  struct Needed {
    uint64_t events = 0;
    uint64_t bytes = 0;
  };
  Needed NeededAfter(const decoder::EventId& id) const;
  const ReplayLimits& limits() const { return limits_; }

  // The LSN to report as flushed to the slot.
  decoder::Lsn AckLsn() const { return ack_lsn_; }

  // --- stream positions of REST reads (api/stream/stream_position.h) ---
  // A newer snapshot from the database (HandoffLedger::ObserveHorizon).
  void ObserveHorizon(const XidSnapshot& horizon, const std::vector<uint64_t>& committed);
  // Taken when a read starts: the ledger's mark and the end of everything published so far.
  struct ReadMark {
    HandoffLedger::Mark ledger;
    decoder::Lsn published;
  };
  ReadMark MarkRead() const;
  // The position for a read that began at `mark`, taken with `snapshot`, `until` being a WAL
  // insert position read after the snapshot. nullopt when it cannot be exact: a transaction the
  // read may have missed has already left the window.
  std::optional<StreamPosition> PositionFor(const ReadMark& mark, const XidSnapshot& snapshot,
                                            decoder::Lsn until) const;

  enum class ResumeStatus {
    kOk,             // `events` are every retained event after `from`, in order
    kTooOld,         // events after `from` have left the window: the client must resync
    kNeverProduced,  // `from` is beyond anything the server has written: the client must resync
  };
  struct Resume {
    ResumeStatus status = ResumeStatus::kOk;
    std::vector<StreamEventPtr> events;
    bool more = false;  // more retained events follow the ones returned
  };
  // At most `max_events` retained events after `from`, in order.
  Resume After(const decoder::EventId& from, std::size_t max_events = SIZE_MAX) const;

  // Where a client with no `from` starts: after the newest event appended, or the floor.
  decoder::EventId Head() const { return std::max(newest_id_, floor_); }

  std::optional<decoder::EventId> OldestId() const;
  std::optional<decoder::EventId> LastId() const;
  std::size_t EventCount() const { return event_count_; }
  uint64_t ByteCount() const { return byte_count_; }
  std::size_t TransactionCount() const { return transactions_.size(); }
  uint64_t RetainedWalBytes() const;

 private:
  struct Retained {
    PublishedTransaction transaction;
    Clock::time_point received;
    uint64_t bytes;          // RetainedBytes of its events
    uint64_t events_before;  // events appended before it, ever (for NeededAfter)
    uint64_t bytes_before;
  };
  void EvictOldest();
  // The oldest retained part belongs to a transaction whose last part has been appended.
  bool OldestTransactionComplete() const;

  ReplayLimits limits_;
  std::deque<Retained> transactions_;  // only transactions with events
  std::size_t event_count_ = 0;
  uint64_t byte_count_ = 0;
  uint64_t appended_events_ = 0;  // ever
  uint64_t appended_bytes_ = 0;
  bool newest_complete_ = true;  // the newest transaction's last part has been appended
  decoder::Lsn ack_lsn_;
  decoder::Lsn newest_commit_;    // duplicates are at or below it
  decoder::Lsn newest_end_;       // end of the newest transaction seen, retained or not
  decoder::Lsn wal_end_;          // the furthest position known on the server
  decoder::Lsn server_position_;  // SetServerPosition; invalid while unknown
  decoder::EventId newest_id_;    // the newest event id appended
  // Events after `floor_` are complete in the window: resumes from below it are too old.
  decoder::EventId floor_;
  decoder::Lsn start_;  // SetStart: the slot's confirmed flush at the stream's start
  HandoffLedger ledger_;
};

}  // namespace walcast::api
