// StreamPosition: where a stream opened after a REST read starts (docs/contract.md §9), so that it
// delivers exactly the committed changes the read did not see.
//
// The order of commits in the WAL and their visibility to a snapshot differ: a transaction whose
// commit record is in the WAL (and decoded) can still be invisible to new snapshots, for example
// while it waits for a synchronous standby. So a position is not a WAL point but the read's own
// snapshot (xmin, xmax and the transactions in progress, as pg_current_snapshot() gives them, in
// 64-bit xid8 form), with two WAL bounds: `after`, the event id after which every change the read
// did not see lies, and `until`, a WAL insert position taken after the snapshot, at and beyond
// which no change can have been visible to it. Between the two the stream decides per transaction
// from its xid. The argument is in docs/change-stream.md ("Snapshot → stream handoff").
//
// Text form (opaque to clients; URL-safe):
//   P1_<after event id>_<until: 16 hex>_<xmin hex>_<xmax hex>_<xip hex, '.'-separated>_<check: 8
//   hex>
// The check is a 32-bit FNV-1a of everything before it: it catches a position garbled or edited
// by hand. It is not a signature; a position grants nothing (the stream token does).
//
// Pure value type; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/event_id.h"
#include "decoder/lsn.h"

namespace walcast::api {

// A snapshot as pg_current_snapshot() reports it: xids below xmin are finished, xids at or above
// xmax had not started, `in_progress` (sorted, within [xmin, xmax)) were running.
struct XidSnapshot {
  uint64_t xmin = 0;
  uint64_t xmax = 0;
  std::vector<uint64_t> in_progress;

  // Parses "xmin:xmax:xip1,xip2,..." (the text of pg_snapshot); nullopt when malformed.
  static std::optional<XidSnapshot> Parse(std::string_view text);
  // Parses "x,y,..." (decimal xids, ascending; "" is empty); nullopt when malformed.
  static std::optional<std::vector<uint64_t>> ParseList(std::string_view text);
  // Whether the effects of `xid` (a 32-bit xid, as pgoutput sends it) were visible to the
  // snapshot. The 64-bit xid is taken to be the one nearest xmax with those low 32 bits: a
  // transaction decoded while this snapshot's position is still usable is at most a few million
  // xids away from it, far from the 2^31 ambiguity.
  bool Sees(uint32_t xid) const;
  // Widens a 32-bit xid to the xid8 nearest xmax.
  uint64_t Widen(uint32_t xid) const;
};

class StreamPosition {
 public:
  StreamPosition(decoder::EventId after, decoder::Lsn until, XidSnapshot snapshot)
      : after_(after), until_(until), snapshot_(std::move(snapshot)) {}

  // The position a read taken with `snapshot` hands over at: every change it did not see
  // committed at or after `from_lsn`, none of those it saw at or after `until`.
  static StreamPosition FromRead(decoder::Lsn from_lsn, decoder::Lsn until, XidSnapshot snapshot);

  static constexpr std::string_view kPrefix = "P1_";
  // Whether `text` claims to be a position (it may still be malformed); an event id never does.
  static bool LooksLikePosition(std::string_view text) { return text.starts_with(kPrefix); }
  // The text form, or an error message for a malformed one (wrong shape, check mismatch, fields
  // that contradict each other).
  struct Parsed;
  static Parsed Parse(std::string_view text);
  std::string ToString() const;

  // Events after this id are candidates; those before were all seen by the read.
  const decoder::EventId& after() const { return after_; }
  decoder::Lsn until() const { return until_; }
  const XidSnapshot& snapshot() const { return snapshot_; }

  // Whether a change of transaction `xid` committed at `commit_lsn` (after `after`) must be
  // delivered: always from `until` on, before it only when the read's snapshot did not see it.
  bool Delivers(uint32_t xid, decoder::Lsn commit_lsn) const {
    return commit_lsn >= until_ || !snapshot_.Sees(xid);
  }
  // No change at or beyond `commit_lsn` can have been seen by the read: from there on a plain
  // event id says where the client is.
  bool Settled(decoder::Lsn commit_lsn) const { return commit_lsn >= until_; }

  // The same position, moved on past event `id` that was delivered (or passed over) from it: what
  // a client that got `id` resumes with while the stream is not yet settled.
  StreamPosition Advanced(const decoder::EventId& id) const {
    return StreamPosition(id, until_, snapshot_);
  }

 private:
  decoder::EventId after_;
  decoder::Lsn until_;
  XidSnapshot snapshot_;
};

struct StreamPosition::Parsed {
  std::optional<StreamPosition> position;
  std::string error;  // when !position
};

}  // namespace walcast::api
