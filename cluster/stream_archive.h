// StreamArchive: a cluster member's EventArchive (api/stream/event_archive.h): resumes from before
// the member's replay window are read from the cluster's Redis stream, page by page, with XRANGE.
//
// Each page is read in one MULTI/EXEC with a check that the stream still holds an entry at or
// before the page's start: trimming removes a prefix, so then nothing after that start is missing
// (an entry id may sit between entries: a client's `from` need not be an entry of this stream).
// Otherwise (trimmed past it, or a new epoch that starts after it) the page is an error and the
// client resyncs. One connection of its own, opened on demand; a read has a deadline, and a
// failed connection fails the reads waiting on it and is opened again for the next one.
//
// Thread-safe: ReadAfter posts to the archive's strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <deque>
#include <memory>

#include "api/stream/event_archive.h"
#include "cluster/stream_script.h"
#include "redis/redis_connection.h"

namespace walcast::cluster {

class StreamArchive : public api::EventArchive, public std::enable_shared_from_this<StreamArchive> {
 public:
  StreamArchive(boost::asio::any_io_executor strand, redis::RedisEndpoint endpoint, StreamKeys keys,
                std::chrono::milliseconds deadline = std::chrono::seconds(5));

  void ReadAfter(const decoder::EventId& after, std::size_t max_events,
                 std::function<void(Page)> done) override;
  // Drops the connection (shutdown); reads after this fail.
  void Close();

 private:
  struct Read {
    decoder::EventId after;
    std::size_t max_events;
    std::function<void(Page)> done;
  };
  void Send(Read read);
  static Page PageOf(const redis::RedisValue& reply, const decoder::EventId& after);

  boost::asio::any_io_executor strand_;
  redis::RedisEndpoint endpoint_;
  StreamKeys keys_;
  std::chrono::milliseconds deadline_;
  std::shared_ptr<redis::RedisConnection> connection_;  // on the strand
  bool connecting_ = false;
  bool closed_ = false;
  std::deque<Read> waiting_;  // for the connection
};

}  // namespace walcast::cluster
