// Test-only: published transactions (or parts of one) with ids (commit LSN, index) and an empty
// JSON body.
#pragma once

#include <memory>

#include "api/stream/stream_event.h"

namespace walcast::api::testing {

// Events `first`..`first + events - 1` of a transaction committed at `commit` and ending `length`
// bytes later, published as one part; `complete` on its last part.
inline PublishedTransaction Part(uint64_t commit, uint32_t first, uint32_t events, bool complete,
                                 uint64_t length = 0x10, uint32_t xid = 0) {
  PublishedTransaction t;
  t.commit_lsn = decoder::Lsn(commit);
  t.end_lsn = decoder::Lsn(commit + length);
  t.complete = complete;
  for (uint32_t i = first; i < first + events; ++i) {
    auto event = std::make_shared<StreamEvent>();
    event->id = decoder::EventId(t.commit_lsn, i);
    event->name = "orders:insert";
    event->json = "{}";
    event->xid = xid;
    t.events.push_back(event);
  }
  return t;
}

inline PublishedTransaction Txn(uint64_t commit, uint32_t events, uint64_t length = 0x10) {
  return Part(commit, 0, events, true, length);
}

// A whole transaction of `events` events by transaction `xid`.
inline PublishedTransaction XidTxn(uint64_t commit, uint32_t xid, uint32_t events = 1) {
  return Part(commit, 0, events, true, 0x10, xid);
}

}  // namespace walcast::api::testing
