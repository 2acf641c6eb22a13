#include "database/database_monitor.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "database/reconnect.h"

namespace walcast::database {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// WAL kept for the slot: from its restart_lsn (the oldest WAL it may still need) to the server's
// current position; on a standby (a slot on a standby, PostgreSQL 16+) the replay position, since
// pg_current_wal_lsn() fails during recovery. NULL (no slot, or a slot without restart_lsn: not
// yet reserved, or invalidated by max_slot_wal_keep_size) is "unknown", not 0.
// Then the WAL inserted but not flushed, and the flush position (NULL on a standby): asynchronous
// commits wait there, unseen by the walsender (WalFlushReading). The insert position is read
// first, so a flush in between can only make the difference smaller, never invent one.
constexpr const char* kRetainedWalSql =
    "SELECT (SELECT greatest(pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN "
    "pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END, restart_lsn), 0)::bigint FROM "
    "pg_replication_slots WHERE slot_name = $1), w.unflushed, w.flushed FROM (SELECT CASE WHEN "
    "pg_is_in_recovery() THEN NULL ELSE greatest(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), "
    "pg_current_wal_flush_lsn()), 0)::bigint END AS unflushed, CASE WHEN pg_is_in_recovery() "
    "THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_flush_lsn(), '0/0')::bigint END AS flushed) w";

std::optional<uint64_t> Column(pg_result* result, int column) {
  if (PQntuples(result) != 1 || PQgetisnull(result, 0, column)) return std::nullopt;
  const char* text = PQgetvalue(result, 0, column);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text, text + PQgetlength(result, 0, column), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

}  // namespace

DatabaseMonitor::DatabaseMonitor(asio::any_io_executor executor, DatabaseMonitorOptions options)
    : strand_(asio::make_strand(executor)),
      options_(std::move(options)),
      connection_(strand_),
      timer_(strand_) {}

void DatabaseMonitor::Start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void DatabaseMonitor::Stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    self->connection_.Close();
  });
}

DatabaseState DatabaseMonitor::Snapshot() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void DatabaseMonitor::SetState(bool up, std::string error) {
  std::lock_guard lock(mutex_);
  state_.up = up;
  state_.last_error = std::move(error);
  // Read again once reachable: a figure from before an outage would pass for a current one.
  if (!up) state_.retained_wal_bytes.reset();
}

asio::awaitable<void> DatabaseMonitor::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  bool was_up = true;  // so the first failure is logged
  co_await RetryUntilStopped(
      timer_, stopped_, [this] { return Attempt(); },
      [&](const std::string& reason, std::chrono::steady_clock::duration) {
        if (Snapshot().up) {
          // It was reachable and the connection was lost: reconnect at once.
          spdlog::warn("database connection lost: {}", reason);
          SetState(false, reason);
          was_up = false;
          backoff.Reset();
          return 0ms;
        }
        if (was_up) {
          spdlog::warn("database unavailable: {}; retrying with backoff up to {} ms", reason,
                       options_.backoff_max.count());
        } else {
          spdlog::debug("database still unavailable: {}", reason);
        }
        was_up = false;
        SetState(false, reason);
        return backoff.Next();
      });
  connection_.Close();
}

asio::awaitable<std::string> DatabaseMonitor::Attempt() {
  std::string reason = co_await ConnectAndWatch();
  connection_.Close();
  co_return reason;
}

asio::awaitable<std::string> DatabaseMonitor::ConnectAndWatch() {
  auto error = co_await connection_.Connect(options_.params, 10s);
  if (!error && !options_.schema_sql.empty() && !Snapshot().schema_applied) {
    auto outcome = co_await connection_.Exec(options_.schema_sql, 120s);
    if (outcome.ok()) {
      std::lock_guard lock(mutex_);
      state_.schema_applied = true;
      spdlog::info("database schema applied");
    } else {
      error =
          PgError{outcome.error->sqlstate, "applying the schema failed: " + outcome.error->message};
    }
  }
  if (error) co_return error->message;

  SetState(true, "");
  spdlog::info("database reachable");
  if (options_.on_first_ready) std::exchange(options_.on_first_ready, nullptr)();
  do {
    if (options_.on_horizon) {
      auto outcome = co_await connection_.Exec(
          "SELECT pg_current_snapshot()::text, coalesce((SELECT string_agg(x::text, ',' ORDER BY "
          "x) FROM pg_snapshot_xip(pg_current_snapshot()) AS x WHERE pg_xact_status(x) = "
          "'committed'), '')",
          5s);
      if (!outcome.ok()) co_return outcome.error ? outcome.error->message : "connection lost";
      if (PQntuples(outcome.result.get()) == 1) {
        options_.on_horizon(PQgetvalue(outcome.result.get(), 0, 0),
                            PQgetvalue(outcome.result.get(), 0, 1));
      }
    } else {
      auto outcome = co_await connection_.Exec("SELECT 1", 5s);
      if (!outcome.ok()) co_return outcome.error ? outcome.error->message : "connection lost";
    }
    if (!options_.slot_name.empty()) {
      if (auto lost = co_await ReadRetainedWal()) co_return *lost;
    }
  } while (co_await SleepUnlessStopped(timer_, options_.check_interval, stopped_));
  co_return "stopped";
}

asio::awaitable<std::optional<std::string>> DatabaseMonitor::ReadRetainedWal() {
  Params params{options_.slot_name};
  auto outcome = co_await connection_.Query(kRetainedWalSql, std::move(params), 5s);
  std::optional<uint64_t> bytes;
  WalFlushReading reading;
  if (outcome.ok()) {
    pg_result* result = outcome.result.get();
    bytes = Column(result, 0);
    reading.unflushed_bytes = Column(result, 1);
    reading.flush_lsn = Column(result, 2);
    if (retained_wal_failing_) {
      spdlog::info("reading the WAL retained for slot {} works again", options_.slot_name);
      retained_wal_failing_ = false;
    }
  } else if (outcome.error && !outcome.error->sqlstate.empty() && connection_.IsOpen()) {
    // The server refused this query alone (a role without access to pg_replication_slots, a
    // function missing on an old or unusual server): the database still answers, so /health stays
    // up and the figure is only unknown. Logged once, not every check_interval.
    if (!retained_wal_failing_) {
      spdlog::warn(
          "cannot read the WAL retained for slot {} ({}): walcast_slot_retained_wal_bytes "
          "is not exported, nor late WAL flushes diagnosed, until it can",
          options_.slot_name, OneLine(outcome.error->message));
      retained_wal_failing_ = true;
    }
  } else {
    // Lost connection or timeout: the check failed like any other.
    std::string lost = outcome.error ? outcome.error->message : std::string("connection lost");
    co_return lost;
  }
  {
    std::lock_guard lock(mutex_);
    state_.retained_wal_bytes = bytes;
  }
  if (options_.on_wal_flush) options_.on_wal_flush(reading);
  co_return std::nullopt;
}

}  // namespace walcast::database
