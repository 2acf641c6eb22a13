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

}  // namespace walcast::api::testing
