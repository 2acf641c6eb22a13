// Test-only: a published transaction of `events` change events committed at `commit`, ending
// 0x10 bytes later, with ids (commit, 0..events-1) and an empty JSON body.
#pragma once

#include <memory>

#include "stream_event.h"

namespace walcast::api::testing {

inline PublishedTransaction Txn(uint64_t commit, uint32_t events, uint64_t length = 0x10) {
  PublishedTransaction t;
  t.commit_lsn = decoder::Lsn(commit);
  t.end_lsn = decoder::Lsn(commit + length);
  for (uint32_t i = 0; i < events; ++i) {
    auto event = std::make_shared<StreamEvent>();
    event->id = decoder::EventId(t.commit_lsn, i);
    event->name = "orders:insert";
    event->json = "{}";
    t.events.push_back(event);
  }
  return t;
}

// Events `first`..`first + events - 1` of a transaction committed at `commit`, published as one
// part; `complete` on its last part.
inline PublishedTransaction Part(uint64_t commit, uint32_t first, uint32_t events, bool complete,
                                 uint64_t length = 0x10) {
  PublishedTransaction t = Txn(commit, 0, length);
  t.complete = complete;
  for (uint32_t i = first; i < first + events; ++i) {
    auto event = std::make_shared<StreamEvent>();
    event->id = decoder::EventId(t.commit_lsn, i);
    event->name = "orders:delete";
    event->json = "{}";
    t.events.push_back(event);
  }
  return t;
}

}  // namespace walcast::api::testing
