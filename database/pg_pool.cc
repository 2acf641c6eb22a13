#include "database/pg_pool.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace walcast::database {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

struct PgPool::Worker {
  Worker(asio::any_io_executor executor, size_t index)
      : strand(asio::make_strand(executor)), connection(strand), index(index) {}

  asio::strand<asio::any_io_executor> strand;
  PgConnection connection;
  size_t index;
  std::unordered_set<const Statement*> prepared;  // on the current connection
  Clock::time_point holdoff_until{};              // after a failed connect
  bool was_up = true;                             // so the first failure is logged once
};

namespace {

StoreError Classify(const PgError& error) {
  if (error.sqlstate.empty()) {
    return error.message.find("timed out") != std::string::npos ? StoreError::kTimeout
                                                                : StoreError::kUnavailable;
  }
  if (error.sqlstate == "57014") return StoreError::kTimeout;  // statement_timeout
  // 08: connection exception; 57P01..57P03: shutdown, crash, cannot connect now; 53: resources.
  if (error.sqlstate.starts_with("08") || error.sqlstate.starts_with("57P") ||
      error.sqlstate.starts_with("53")) {
    return StoreError::kUnavailable;
  }
  if (error.sqlstate.starts_with("23")) return StoreError::kConstraint;
  return StoreError::kInternal;
}

}  // namespace

PgPool::PgPool(asio::any_io_executor executor, PgPoolOptions options)
    : executor_(std::move(executor)), options_(std::move(options)) {
  session_params_ = options_.params;
  // UTC ISO timestamps are what value_format turns into RFC 3339 directly (as on the replication
  // connection), and a statement never runs longer than the timeout.
  session_params_.emplace_back("options", "-c TimeZone=UTC -c DateStyle=ISO -c statement_timeout=" +
                                              std::to_string(options_.statement_timeout.count()));
  session_params_.emplace_back("application_name", "walcast-rest");
  if (options_.size == 0) options_.size = 1;
  for (size_t i = 0; i < options_.size; ++i) {
    workers_.push_back(std::make_shared<Worker>(executor_, i));
    idle_.push_back(workers_.back());
  }
}

PgPool::~PgPool() = default;

void PgPool::Execute(const Statement& statement, Params params, Callback done) {
  Enqueue(Job{&statement, std::move(params), std::move(done), false});
}

void PgPool::ExecuteInSnapshot(const Statement& statement, Params params, Callback done) {
  Enqueue(Job{&statement, std::move(params), std::move(done), true});
}

const Statement& PgPool::SnapshotVariant(const Statement& statement) {
  std::lock_guard lock(mutex_);
  auto& variant = snapshot_variants_[&statement];
  if (!variant) {
    // One statement, one snapshot (READ COMMITTED takes it when the statement starts): the read
    // and pg_current_snapshot() see the same, and the insert position is read after it was taken.
    // Joined LATERAL so an empty read still brings them (its row of NULLs is left out, the "__"
    // columns are read from it: database/result_rows.h).
    variant = std::make_unique<Statement>(Statement{
        statement.name + "_in_snapshot",
        "SELECT walcast_read.*, walcast_snap.* FROM (SELECT "
        "pg_current_snapshot()::text AS __walcast_snapshot, pg_current_wal_insert_lsn()::text AS "
        "__walcast_until) AS walcast_snap LEFT JOIN LATERAL (" +
            statement.sql + ") AS walcast_read ON true",
        statement.retry_safe});
  }
  return *variant;
}

void PgPool::Enqueue(Job job) {
  std::unique_lock lock(mutex_);
  if (stopped_ || queue_.size() >= options_.max_queue) {
    bool stopped = stopped_;
    lock.unlock();
    return job.done(StoreOutcome{stopped ? StoreError::kUnavailable : StoreError::kOverload,
                                 stopped ? "pool stopped" : "request queue full",
                                 {},
                                 {}});
  }
  queue_.push_back(std::move(job));
  if (idle_.empty()) return;
  std::shared_ptr<Worker> worker = std::move(idle_.back());
  idle_.pop_back();
  lock.unlock();
  asio::co_spawn(worker->strand, Drain(worker), asio::detached);
}

void PgPool::Stop() {
  std::deque<Job> pending;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    pending.swap(queue_);
  }
  for (auto& job : pending)
    job.done(StoreOutcome{StoreError::kUnavailable, "pool stopped", {}, {}});
  for (auto& worker : workers_) {
    asio::post(worker->strand, [worker] { worker->connection.Close(); });
  }
}

asio::awaitable<void> PgPool::Drain(std::shared_ptr<Worker> worker) {
  // Keeps `this` alive while jobs run: the App owns the pool and stops the io_context first.
  auto self = shared_from_this();
  while (true) {
    Job job;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        idle_.push_back(worker);
        co_return;
      }
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    StoreOutcome outcome;
    try {
      outcome = co_await RunJob(*worker, job);
    } catch (const std::exception& e) {
      outcome = StoreOutcome{StoreError::kInternal, e.what(), {}, {}};
    }
    job.done(std::move(outcome));
  }
}

asio::awaitable<bool> PgPool::EnsureConnected(Worker& worker, std::string* error) {
  if (worker.connection.IsOpen()) co_return true;
  if (Clock::now() < worker.holdoff_until) {
    *error = "database unavailable (recent connect failure)";
    co_return false;
  }
  worker.prepared.clear();
  auto failure = co_await worker.connection.Connect(session_params_, options_.connect_timeout);
  if (failure) {
    worker.holdoff_until = Clock::now() + options_.failed_connect_holdoff;
    if (worker.was_up) {
      spdlog::warn("rest pool connection={} cannot connect: {}", worker.index, failure->message);
    }
    worker.was_up = false;
    *error = failure->message;
    co_return false;
  }
  if (!worker.was_up) spdlog::info("rest pool connection={} connected again", worker.index);
  worker.was_up = true;
  co_return true;
}

asio::awaitable<StoreOutcome> PgPool::RunJob(Worker& worker, const Job& job) {
  const auto timeout = options_.statement_timeout + std::chrono::seconds(1);
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string connect_error;
    bool reused = worker.connection.IsOpen();
    if (!co_await EnsureConnected(worker, &connect_error)) {
      co_return StoreOutcome{StoreError::kUnavailable, connect_error, {}, {}};
    }
    const Statement& statement = job.in_snapshot ? SnapshotVariant(*job.statement) : *job.statement;
    if (!worker.prepared.contains(&statement)) {
      auto prepared = co_await worker.connection.Prepare(statement.name, statement.sql, timeout);
      if (!prepared.ok()) {
        if (reused && !worker.connection.IsOpen() && attempt == 0) continue;  // stale: retry
        co_return StoreOutcome{Classify(*prepared.error),
                               "prepare " + statement.name + ": " + prepared.error->message,
                               {},
                               {}};
      }
      worker.prepared.insert(&statement);
    }
    auto outcome = co_await worker.connection.QueryPrepared(statement.name, job.params, timeout);
    if (outcome.ok()) {
      StoreOutcome done{StoreError::kNone, {}, RenderRows(outcome.result.get()), {}};
      if (job.in_snapshot) {
        auto snapshot = done.rows.Extra("walcast_snapshot");
        auto until = done.rows.Extra("walcast_until");
        if (!snapshot || !until) {
          co_return StoreOutcome{StoreError::kInternal, statement.name + ": no snapshot", {}, {}};
        }
        done.snapshot = ReadSnapshot{std::move(*snapshot), std::move(*until)};
      }
      co_return done;
    }
    // A connection lost while idle (the database restarted) is found out by the next query. A
    // read may run again on a new connection; a write may have committed, so it may not.
    if (reused && !worker.connection.IsOpen() && statement.retry_safe && attempt == 0) continue;
    co_return StoreOutcome{
        Classify(*outcome.error), statement.name + ": " + outcome.error->message, {}, {}};
  }
  co_return StoreOutcome{StoreError::kUnavailable, "connection lost twice", {}, {}};
}

}  // namespace walcast::database
