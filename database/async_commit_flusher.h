// AsyncCommitFlusher: --flush-async-commits. Writers that commit with synchronous_commit = off
// leave their commit records in unflushed WAL until the WAL writer flushes it (every
// wal_writer_delay, 200 ms by default), and a logical walsender decodes flushed WAL only; so
// their changes reach walcast up to wal_writer_delay late. This connection, every `interval`,
// commits one tiny transaction synchronously when (and only when) unflushed WAL exists: a
// synchronous commit flushes the WAL up to its own commit record, and with it every asynchronous
// commit before it.
//
// The transaction must write WAL of its own, or PostgreSQL commits it asynchronously all the
// same (an xid alone, txid_current(), writes none): it emits a transactional logical decoding
// message (pg_logical_emit_message, allowed to any role), which pgoutput drops since walcast
// does not ask for messages, and an empty transaction is not sent (PostgreSQL 15). Cost, stated
// in docs/operations.md: while unflushed WAL exists at a tick, one xid, ~100 bytes of WAL and
// one WAL flush per interval (200/s at the 5 ms default); nothing while the server is idle.
//
// Like the monitor it never gives up: after a failure it reconnects with capped exponential
// backoff, on its own strand, so it never blocks the daemon. Start/Stop from any thread;
// Flushes() is thread-safe. It must outlive the io_context's run() or be stopped before.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "database/pg_connection.h"

namespace walcast::database {

struct AsyncCommitFlusherOptions {
  ConnectionParams params;
  std::chrono::milliseconds interval{5};
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{5000};
  // Asked every 100 ms at most: false skips the ticks until asked again (the change source is not
  // the replication stream: --source auto chose NOTIFY, a cluster member follows). Empty: always.
  std::function<bool()> wanted;
};

class AsyncCommitFlusher : public std::enable_shared_from_this<AsyncCommitFlusher> {
 public:
  AsyncCommitFlusher(boost::asio::any_io_executor executor, AsyncCommitFlusherOptions options);

  void Start();
  void Stop();
  // Transactions run to flush unflushed WAL since start (walcast_async_flushes_total).
  uint64_t Flushes() const { return flushes_.load(std::memory_order_relaxed); }

 private:
  boost::asio::awaitable<void> Run();
  boost::asio::awaitable<std::string> Attempt();
  // Connects, then ticks every interval until a statement fails or Stop. Returns why it ended.
  boost::asio::awaitable<std::string> ConnectAndFlush();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  AsyncCommitFlusherOptions options_;
  PgConnection connection_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;    // on the strand
  bool was_up_ = false;     // on the strand: the last connection got as far as flushing
  bool announced_ = false;  // on the strand: "connected" was logged since the last warning
  std::atomic<uint64_t> flushes_{0};
};

}  // namespace walcast::database
