// The two Lua scripts through which a leader writes the cluster's Redis stream, and what their
// replies mean (docs/contract.md §8; the safety argument is in docs/cluster.md). Pure: the script
// texts, their arguments and the parsing of their replies.
//
// A script, not MULTI/EXEC: EXEC runs the commands after one that failed and cannot test a
// condition first, and a script's writes reach the AOF wrapped in MULTI/EXEC, so a batch is in
// Redis whole or not at all.
//
//   takeover  KEYS stream, meta   ARGV epoch-if-new, floor, member, the slot's confirmed LSN
//             No meta (a new stream, or a Redis that lost it): a new epoch, term 1, the floor
//             (below it, resumes get `resync`). Else the term goes up by one, and if the meta's
//             `end` is below the slot's position (acknowledged entries were lost: a lazy fsync, a
//             lagging replica) the stream starts again as a new epoch from the floor. Replies
//             {epoch, term, end, "new"|"kept"|"lost"}, `end` the position up to which every
//             change is accounted for in the stream (decimal).
//   append    KEYS stream, meta   ARGV epoch, term, max entries, then id, j, f, e, z per entry
//             Refused whole, before any write, when the epoch or the term is not the caller's
//             (WALCAST_EPOCH: the stream was lost or replaced; WALCAST_FENCED: a newer leader).
//             An entry at or below the stream's top was appended before (by this leader before a
//             reconnect, or by the one it replaced) and counts as present. Each entry added gets
//             `n`, its number in the epoch (meta `count`): consecutive, so a follower sees when
//             trimming took entries it had not read. `end` moves to each complete transaction's
//             end LSN, never back. Replies {added, present}.
//   advance   KEYS stream, meta   ARGV epoch, term, position
//             Fenced like append; raises `end` to a position that holds no change of the stream
//             (the server's WAL end while idle), before the leader acknowledges it to the slot, so
//             `end` is never below what the slot was told. Replies {0, 0}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cluster/stream_entry.h"
#include "redis/redis_value.h"

namespace walcast::cluster {

// The keys of one slot's stream, with a hash tag so a Redis Cluster keeps them on one shard:
// walcast:{<slot>}:events and walcast:{<slot>}:meta.
struct StreamKeys {
  std::string stream;
  std::string meta;
  static StreamKeys ForSlot(std::string_view slot);
};

std::string_view TakeoverScript();
std::string_view AppendScript();
std::string_view AdvanceScript();

// EVAL's arguments after the script: numkeys, keys, then ARGV.
std::vector<std::string> TakeoverArguments(const StreamKeys& keys, std::string_view new_epoch,
                                           std::string_view floor, std::string_view member,
                                           decoder::Lsn confirmed);
std::vector<std::string> AdvanceArguments(const StreamKeys& keys, std::string_view epoch,
                                          int64_t term, decoder::Lsn position);
std::vector<std::string> AppendArguments(const StreamKeys& keys, std::string_view epoch,
                                         int64_t term, std::size_t max_entries,
                                         const std::vector<StreamEntry>& entries);

struct Takeover {
  std::string epoch;
  int64_t term = 0;
  std::string end_lsn;  // decimal: every change up to it is accounted for in the stream
  bool new_stream = false;
  bool lost = false;  // the stream had lost acknowledged entries and starts again (a new epoch)
};
struct Appended {
  int64_t added = 0;
  int64_t present = 0;
};
struct ScriptRefusal {
  enum class Kind { kEpoch, kFenced, kOther };
  Kind kind = Kind::kOther;
  std::string message;
};

std::variant<Takeover, ScriptRefusal> ParseTakeoverReply(const redis::RedisValue& reply);
std::variant<Appended, ScriptRefusal> ParseAppendReply(const redis::RedisValue& reply);

}  // namespace walcast::cluster
