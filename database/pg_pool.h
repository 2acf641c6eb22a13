// PgPool: a small pool of non-blocking libpq connections (PgConnection) for the REST API.
//
// Why a pool of non-blocking connections rather than a thread pool running blocking libpq: the
// server's io_context threads are never blocked either way, but with non-blocking connections a
// waiting query costs a coroutine frame instead of a thread, and the pool size is chosen for the
// database (a few connections keep PostgreSQL's backends busy; more only add contention on a
// 2-core machine), not for the number of requests in flight. See docs/rest-api.md.
//
// Requests are queued (bounded) and served in order by whichever connection is free. Each
// connection lives on its own strand; it connects lazily, prepares each statement once per
// connection, and reconnects after a lost connection. While the database cannot be reached, a
// connection that just failed to connect answers "unavailable" at once for a short while instead
// of trying again for every request, so a down database costs nothing and recovery needs no
// restart. Execute is thread-safe; the callback runs on a pool strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "database/pg_connection.h"
#include "database/result_rows.h"

namespace walcast::database {

// A statement the pool prepares on each connection under `name`. Must outlive the pool (they are
// static definitions, see order_queries.h). `retry_safe`: a read that may run again on a fresh
// connection when the one it was sent on turns out to be lost (a write never is: it may have
// committed).
struct Statement {
  std::string name;
  std::string sql;
  bool retry_safe = false;
};

struct PgPoolOptions {
  ConnectionParams params;  // the pool adds TimeZone, DateStyle and statement_timeout
  size_t size = 8;
  size_t max_queue = 20'000;  // requests waiting for a connection; beyond: unavailable
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds statement_timeout{5000};  // server side; the client waits 1 s more
  std::chrono::milliseconds failed_connect_holdoff{500};
  // ReadLease: connections held at once for multi-statement reads (at most size / 2, at least 1,
  // so ordinary requests always have one), and how long one may wait for its next statement.
  size_t max_leases = 0;  // 0: size / 2
  std::chrono::milliseconds lease_idle_timeout{30000};
};

enum class StoreError {
  kNone,
  kUnavailable,  // no connection could be had, or it was lost during the query
  kTimeout,      // statement_timeout or the client-side wait
  kConstraint,   // an integrity constraint (class 23): the request was inconsistent
  kOverload,     // the queue is full
  kInternal,     // anything else: a bug, logged
};

// What ExecuteInSnapshot learns besides the rows: the read's snapshot (pg_current_snapshot() as
// text, "xmin:xmax:xip,...") and the WAL insert position read after it was taken.
struct ReadSnapshot {
  std::string snapshot;
  std::string insert_lsn;
};

struct StoreOutcome {
  StoreError error = StoreError::kNone;
  std::string log_message;  // for the log, never for a client
  Rows rows;
  std::optional<ReadSnapshot> snapshot;  // ExecuteInSnapshot only
  bool ok() const { return error == StoreError::kNone; }
};

// One connection held for a read of several statements in one snapshot (the orders export): a
// REPEATABLE READ READ ONLY transaction, ended when the last reference to the lease is dropped or
// when it waited longer than lease_idle_timeout for its next statement (a client that stopped
// reading). Thread-safe.
class ReadLease {
 public:
  using Callback = std::function<void(StoreOutcome)>;
  virtual ~ReadLease() = default;
  // Runs on the leased connection, in order; `in_snapshot` as for PgPool::ExecuteInSnapshot (the
  // transaction's snapshot: the first statement takes it).
  virtual void Execute(const Statement& statement, Params params, Callback done,
                       bool in_snapshot = false) = 0;
};

class PgPool : public std::enable_shared_from_this<PgPool> {
 public:
  using Callback = std::function<void(StoreOutcome)>;
  using LeaseCallback = std::function<void(std::shared_ptr<ReadLease> lease, StoreOutcome outcome)>;

  PgPool(boost::asio::any_io_executor executor, PgPoolOptions options);
  ~PgPool();

  // Runs `statement` with `params` on a free connection; `done` is called exactly once.
  void Execute(const Statement& statement, Params params, Callback done);
  // The same for a read, reporting the snapshot it ran in (StoreOutcome::snapshot): what a REST
  // read's stream position is made of. Still one statement and one round trip: the read is
  // wrapped in a SELECT that also reads the snapshot (SnapshotVariant).
  void ExecuteInSnapshot(const Statement& statement, Params params, Callback done);
  // A connection in one snapshot for several statements: `done` gets the lease, or null and the
  // failure (kOverload when max_leases are out).
  void Lease(LeaseCallback done);

  // Closes every connection; pending and later requests are answered unavailable.
  void Stop();

 private:
  struct Worker;
  struct Job {
    const Statement* statement;
    Params params;
    Callback done;
    bool in_snapshot = false;
    LeaseCallback lease_done;  // set for a lease: the worker is held until it ends
  };
  struct LeaseState;
  class LeaseHandle;
  void Enqueue(Job job);
  // `statement` wrapped to return its snapshot as the extra columns walcast_snapshot and
  // walcast_until; made once per statement, kept as long as the pool.
  const Statement& SnapshotVariant(const Statement& statement);

  boost::asio::awaitable<void> Drain(std::shared_ptr<Worker> worker);
  boost::asio::awaitable<StoreOutcome> RunJob(Worker& worker, const Job& job);
  boost::asio::awaitable<void> RunLease(Worker& worker, Job job);
  // How a statement failed: whether the connection was lost with it (the caller may run it again
  // on a new one: a read, or anything whose prepare failed, since nothing ran).
  struct Failure {
    bool lost = false;
    bool at_prepare = false;
  };
  // Prepares (once per connection) and runs `statement`; on failure `*failure` says how.
  boost::asio::awaitable<StoreOutcome> RunStatement(Worker& worker, const Statement& statement,
                                                    const Params& params, bool in_snapshot,
                                                    Failure* failure);
  boost::asio::awaitable<bool> EnsureConnected(Worker& worker, std::string* error);

  boost::asio::any_io_executor executor_;
  PgPoolOptions options_;
  ConnectionParams session_params_;
  std::vector<std::shared_ptr<Worker>> workers_;

  std::mutex mutex_;
  std::deque<Job> queue_;
  std::vector<std::shared_ptr<Worker>> idle_;
  std::unordered_map<const Statement*, std::unique_ptr<Statement>> snapshot_variants_;
  bool stopped_ = false;
  size_t leases_ = 0;  // under mutex_
};

}  // namespace walcast::database
