// How a change event is kept in the cluster's Redis stream (docs/contract.md §8), as pure code:
// one stream entry per event, its entry id the event id in Redis's form, its fields what a member
// needs to serve it without parsing JSON:
//
//   entry id  <commit LSN, decimal>-<index, decimal>   "27521736-3" for 0000000001A3F2C8-00000003
//   j         the event's JSON text, as /ws and SSE send it
//   f         its filter keys and transaction id: <op>\x1f<order id>\x1f<old order id>\x1f
//             <status>\x1f<old status>\x1f<xid>, an absent value empty (a status never holds
//             0x1F: it comes from JSON text, where control characters are escaped, and escaped
//             statuses are not filter keys)
//   e         the transaction's end LSN, decimal (what the slot is acknowledged with once the
//             transaction is in Redis), on every entry: a large transaction is appended and read
//             in parts, and each part is published with it
//   n         the entry's number in the stream's epoch, 1, 2, 3…, set by the append script
//             (cluster/stream_script.h): a follower that finds one missing fell behind a trim
//   z         "1" on the last entry of a transaction only
//
// Ids compare in Redis as they do in walcast (the commit LSN, then the index, numerically), so
// Redis's own rule, an id at or below the stream's top is refused, makes an append that is
// already there harmless. Clients never see the decimal form.
//
// Thread-compatible; pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/stream/stream_event.h"
#include "decoder/event_id.h"
#include "decoder/lsn.h"
#include "redis/redis_value.h"

namespace walcast::cluster {

// "27521736-3" for the event id 0000000001A3F2C8-00000003.
std::string StreamIdOf(const decoder::EventId& id);
// The inverse; nullopt for anything that is not two decimal numbers an event id can hold (LSN
// 1..2^64-1, index below 2^32).
std::optional<decoder::EventId> EventIdOfStreamId(std::string_view stream_id);

std::string EncodeKeys(const api::EventKeys& keys, uint32_t xid);
struct DecodedKeys {
  api::EventKeys keys;
  uint32_t xid = 0;
};
std::optional<DecodedKeys> DecodeKeys(std::string_view text);

struct StreamEntry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;  // in the order above
};

// The entries of one published transaction (or part of one); the last one is marked when
// `transaction.complete`.
std::vector<StreamEntry> EntriesOf(const api::PublishedTransaction& transaction);

// A member's copy of an event read back from the stream, serialized for every transport as
// MakeStreamEvent does, with its transaction's end LSN and whether it ended the transaction.
// nullopt, with `error` set, for an entry walcast did not write (a foreign id, missing fields).
struct ReadEntry {
  api::StreamEventPtr event;
  decoder::Lsn end_lsn;
  bool last = false;    // the transaction's last event
  uint64_t number = 0;  // `n`; 0 when absent
};
std::optional<ReadEntry> EventOfEntry(
    std::string_view id, const std::vector<std::pair<std::string, std::string>>& fields,
    std::string* error);

// The entries of an XRANGE reply, or of one stream of an XREAD reply: [[id, [field, value, …]], …].
// nullopt, with `error` set, at the first entry walcast did not write.
std::optional<std::vector<ReadEntry>> EventsOfEntries(const redis::RedisValue& entries,
                                                      std::string* error);

}  // namespace walcast::cluster
