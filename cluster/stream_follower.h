// StreamFollower: what every cluster member does with the Redis stream (docs/contract.md §8):
// reads it with blocking XREADs on a connection of its own (a blocked connection serves nothing
// else) and publishes what it reads into the member's EventHub, whole transactions in commit
// order, a large one in parts as the leader wrote them. The hub then serves the member's clients
// as on a single node. Entries at or below the hub's newest event are dropped by the hub itself,
// so starting again from an older id is harmless.
//
// Not thread-safe: runs on its connection's strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/stream/event_hub.h"
#include "cluster/stream_script.h"
#include "redis/redis_connection.h"

namespace walcast::cluster {

struct FollowerOptions {
  std::chrono::milliseconds block{1000};  // one XREAD waits at most this long
  std::size_t count = 512;                // entries per XREAD
  // Told the events each publish adds to the hub (EventHub::Publish), before clients see them.
  api::TransactionSink::OnFresh on_fresh;
};

// Entries are numbered within the stream's epoch (`n`, cluster/stream_entry.h). A number that does
// not follow the last one read means entries this member never read are gone: trimmed while it
// was behind, or a new epoch (Redis lost the stream). The follower then tells the hub
// (EventHub::ReportGap: its clients resync, never skip silently) and reads on.

class StreamFollower : public std::enable_shared_from_this<StreamFollower> {
 public:
  // `on_error` runs when the stream holds something walcast did not write or the read fails;
  // the follower stops then (its owner decides: reconnect, report).
  StreamFollower(std::shared_ptr<redis::RedisConnection> connection, StreamKeys keys,
                 std::shared_ptr<api::EventHub> hub, FollowerOptions options,
                 std::function<void(std::string error)> on_error);

  // Reads the entries after `after` (a stream id; "0-0" for all), then follows.
  void Start(std::string after);
  void Stop() { stopped_ = true; }

  const std::string& last_id() const { return last_id_; }
  uint64_t entries_read() const { return entries_read_; }
  uint64_t gaps() const { return gaps_; }

 private:
  void DoRead();
  void OnRead(const redis::RedisValue& reply);
  // Publishes what `pending_` holds (the rest of its transaction may come in a later read).
  void PublishPending(bool complete);

  std::shared_ptr<redis::RedisConnection> connection_;
  StreamKeys keys_;
  std::shared_ptr<api::EventHub> hub_;
  FollowerOptions options_;
  std::function<void(std::string)> on_error_;
  std::string last_id_ = "0-0";
  uint64_t entries_read_ = 0;
  api::PublishedTransaction pending_;
  uint64_t last_number_ = 0;  // 0: none read yet
  uint64_t gaps_ = 0;
  bool stopped_ = false;
};

}  // namespace walcast::cluster
