#include "database/pg_pool.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
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
  // connection), a statement never runs longer than the timeout, and literals quoted here
  // (database/sql_quote.h) read as written whatever the database's default.
  session_params_.emplace_back("options",
                               "-c TimeZone=UTC -c DateStyle=ISO -c standard_conforming_strings=on "
                               "-c statement_timeout=" +
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
  Enqueue(Job{&statement, std::move(params), std::move(done), false, {}});
}

void PgPool::ExecuteInSnapshot(const Statement& statement, Params params, Callback done) {
  Enqueue(Job{&statement, std::move(params), std::move(done), true, {}});
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
    if (job.lease_done) {
      co_await RunLease(*worker, std::move(job));
      continue;
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

asio::awaitable<StoreOutcome> PgPool::RunStatement(Worker& worker, const Statement& given,
                                                   const Params& params, bool in_snapshot,
                                                   Failure* failure) {
  const auto timeout = options_.statement_timeout + std::chrono::seconds(1);
  const Statement& statement = in_snapshot ? SnapshotVariant(given) : given;
  *failure = Failure{};
  if (!worker.prepared.contains(&statement)) {
    auto prepared = co_await worker.connection.Prepare(statement.name, statement.sql, timeout);
    if (!prepared.ok()) {
      *failure = Failure{!worker.connection.IsOpen(), true};
      co_return StoreOutcome{Classify(*prepared.error),
                             "prepare " + statement.name + ": " + prepared.error->message,
                             {},
                             {}};
    }
    worker.prepared.insert(&statement);
  }
  auto outcome = co_await worker.connection.QueryPrepared(statement.name, params, timeout);
  if (!outcome.ok()) {
    failure->lost = !worker.connection.IsOpen();
    co_return StoreOutcome{
        Classify(*outcome.error), statement.name + ": " + outcome.error->message, {}, {}};
  }
  StoreOutcome done{StoreError::kNone, {}, RenderRows(outcome.result.get()), {}};
  if (in_snapshot) {
    auto snapshot = done.rows.Extra("walcast_snapshot");
    auto until = done.rows.Extra("walcast_until");
    if (!snapshot || !until) {
      co_return StoreOutcome{StoreError::kInternal, statement.name + ": no snapshot", {}, {}};
    }
    done.snapshot = ReadSnapshot{std::move(*snapshot), std::move(*until)};
  }
  co_return done;
}

asio::awaitable<StoreOutcome> PgPool::RunJob(Worker& worker, const Job& job) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string connect_error;
    bool reused = worker.connection.IsOpen();
    if (!co_await EnsureConnected(worker, &connect_error)) {
      co_return StoreOutcome{StoreError::kUnavailable, connect_error, {}, {}};
    }
    Failure failure;
    auto outcome =
        co_await RunStatement(worker, *job.statement, job.params, job.in_snapshot, &failure);
    // A connection lost while idle (the database restarted) is found out by the next query. A
    // read may run again on a new connection; a write may have committed, so it may not (a
    // failed prepare ran nothing).
    if (!outcome.ok() && failure.lost && reused && attempt == 0 &&
        (job.statement->retry_safe || failure.at_prepare)) {
      continue;
    }
    co_return outcome;
  }
  co_return StoreOutcome{StoreError::kUnavailable, "connection lost twice", {}, {}};
}

// What a lease's coroutine and its handle share. The handle queues statements; the coroutine, on
// the worker's strand, runs them and ends the transaction when the handle is gone.
struct PgPool::LeaseState {
  explicit LeaseState(asio::any_io_executor strand) : wake(strand) {}
  struct Request {
    const Statement* statement;
    Params params;
    Callback done;
    bool in_snapshot;
  };
  std::mutex mutex;
  std::deque<Request> requests;
  bool released = false;  // the handle is gone
  bool ended = false;     // the transaction is over: later requests fail at once
  asio::steady_timer wake;
};

class PgPool::LeaseHandle : public ReadLease {
 public:
  explicit LeaseHandle(std::shared_ptr<LeaseState> state) : state_(std::move(state)) {}
  ~LeaseHandle() override {
    {
      std::lock_guard lock(state_->mutex);
      state_->released = true;
    }
    asio::post(state_->wake.get_executor(), [state = state_] { state->wake.cancel(); });
  }
  void Execute(const Statement& statement, Params params, Callback done,
               bool in_snapshot) override {
    {
      std::lock_guard lock(state_->mutex);
      if (!state_->ended) {
        state_->requests.push_back({&statement, std::move(params), std::move(done), in_snapshot});
        asio::post(state_->wake.get_executor(), [state = state_] { state->wake.cancel(); });
        return;
      }
    }
    done(StoreOutcome{StoreError::kUnavailable, "lease ended", {}, {}});
  }

 private:
  std::shared_ptr<LeaseState> state_;
};

void PgPool::Lease(LeaseCallback done) {
  {
    std::lock_guard lock(mutex_);
    const size_t max_leases =
        options_.max_leases > 0 ? options_.max_leases : std::max<size_t>(1, options_.size / 2);
    if (stopped_ || leases_ >= max_leases) {
      StoreOutcome refused{
          stopped_ ? StoreError::kUnavailable : StoreError::kOverload,
          stopped_ ? "pool stopped" : "every connection a lease may take is leased",
          {},
          {}};
      return done(nullptr, std::move(refused));
    }
    ++leases_;
  }
  Job job{nullptr, {}, nullptr, false, std::move(done)};
  // Refused before it ran (the pool stopped, the queue is full): the count goes back too.
  job.done = [weak = weak_from_this(), lease_done = job.lease_done](StoreOutcome failure) {
    if (auto pool = weak.lock()) {
      std::lock_guard lock(pool->mutex_);
      --pool->leases_;
    }
    lease_done(nullptr, std::move(failure));
  };
  Enqueue(std::move(job));
}

asio::awaitable<void> PgPool::RunLease(Worker& worker, Job job) {
  auto state = std::make_shared<LeaseState>(worker.strand);
  auto release_count = [this] {
    std::lock_guard lock(mutex_);
    --leases_;
  };
  std::string connect_error;
  if (!co_await EnsureConnected(worker, &connect_error)) {
    release_count();
    job.lease_done(nullptr, StoreOutcome{StoreError::kUnavailable, connect_error, {}, {}});
    co_return;
  }
  const auto timeout = options_.statement_timeout + std::chrono::seconds(1);
  auto begun =
      co_await worker.connection.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", timeout);
  if (!begun.ok()) {
    release_count();
    job.lease_done(nullptr,
                   StoreOutcome{Classify(*begun.error), "lease: " + begun.error->message, {}, {}});
    co_return;
  }
  job.lease_done(std::make_shared<LeaseHandle>(state), StoreOutcome{});
  bool failed = false;
  while (true) {
    std::optional<LeaseState::Request> request;
    {
      std::lock_guard lock(state->mutex);
      if (!state->requests.empty()) {
        request = std::move(state->requests.front());
        state->requests.pop_front();
      } else if (state->released) {
        break;
      }
    }
    if (!request) {
      state->wake.expires_after(options_.lease_idle_timeout);
      auto [ec] = co_await state->wake.async_wait(asio::as_tuple(asio::use_awaitable));
      if (!ec) {
        spdlog::warn("rest pool connection={} lease idle for {} ms: its transaction ends",
                     worker.index, options_.lease_idle_timeout.count());
        break;
      }
      continue;
    }
    StoreOutcome outcome;
    if (failed || !worker.connection.IsOpen()) {
      outcome = StoreOutcome{StoreError::kUnavailable, "lease connection lost", {}, {}};
    } else {
      Failure failure;
      outcome = co_await RunStatement(worker, *request->statement, request->params,
                                      request->in_snapshot, &failure);
      failed = !outcome.ok();  // the transaction is aborted: nothing more runs in it
    }
    request->done(std::move(outcome));
  }
  std::deque<LeaseState::Request> left;
  {
    std::lock_guard lock(state->mutex);
    state->ended = true;
    left.swap(state->requests);
  }
  for (auto& request : left) {
    request.done(StoreOutcome{StoreError::kUnavailable, "lease ended", {}, {}});
  }
  if (worker.connection.IsOpen()) co_await worker.connection.Exec("ROLLBACK", timeout);
  release_count();
}

}  // namespace walcast::database
