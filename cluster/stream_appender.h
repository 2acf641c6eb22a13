// StreamAppender: the leader's writing side of the cluster's Redis stream (docs/contract.md §8).
// TakeOver() starts a term (a new stream and epoch when Redis has none); Append() writes one
// published transaction, or part of one, through the append script (api in
// cluster/stream_script.h), in call order, one script call at a time: what is queued while a call
// is in flight rides the next one (with `appendfsync always` every call waits for an fsync, so
// group commit is what keeps the leader up with PostgreSQL). Appends wait for the takeover. A
// refusal says why: the stream was lost (epoch) or another member leads now (fenced); either way
// this leader must stop writing and step down.
//
// Not thread-safe: runs on its connection's strand.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "api/stream/stream_event.h"
#include "cluster/stream_script.h"
#include "redis/redis_connection.h"

namespace walcast::cluster {

class StreamAppender : public std::enable_shared_from_this<StreamAppender> {
 public:
  using Outcome = std::variant<Appended, ScriptRefusal>;

  // `connection` must be usable; `max_entries` bounds the stream (--replay-max-events).
  StreamAppender(std::shared_ptr<redis::RedisConnection> connection, StreamKeys keys,
                 std::size_t max_entries, std::string member);

  // Starts this member's term from the slot's confirmed position. `floor` is the event id below
  // which nothing can be resumed when the stream is new (or starts again after a loss).
  void TakeOver(std::string floor, decoder::Lsn confirmed,
                std::function<void(std::variant<Takeover, ScriptRefusal>)> done);
  void Append(const api::PublishedTransaction& transaction, std::function<void(Outcome)> done);
  // Raises the stream's `end` to `position` (the advance script), so the slot may be told it.
  void Advance(decoder::Lsn position, std::function<void(Outcome)> done);

  const std::string& epoch() const { return epoch_; }
  int64_t term() const { return term_; }

 private:
  struct Job {
    std::vector<StreamEntry> entries;
    std::function<void(Outcome)> done;
  };
  void Next();
  void Run(std::vector<std::string> args, bool by_sha, std::function<void(redis::RedisValue)> done);

  std::shared_ptr<redis::RedisConnection> connection_;
  StreamKeys keys_;
  std::size_t max_entries_;
  std::string member_;
  std::string epoch_;
  int64_t term_ = 0;
  std::string append_sha_;  // SCRIPT LOAD's answer: EVALSHA saves sending the script each time
  std::deque<Job> jobs_;
  bool taken_over_ = false;  // appends wait for the term
  bool running_ = false;     // a script call is in flight
};

}  // namespace walcast::cluster
