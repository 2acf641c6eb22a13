#include "database/async_commit_flusher.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "database/reconnect.h"

namespace walcast::database {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr const char* kStatement = "walcast_flush";
// NULL when there is nothing to flush; else the message's LSN, after a commit that flushed the WAL
// up to it. CASE evaluates the message only when its condition holds. `local`, not `on`: the
// walsender reads the local flush position, so waiting for a synchronous standby would only add
// its round trip.
constexpr const char* kSetUp = "SET synchronous_commit = local";
constexpr const char* kFlushSql =
    "SELECT CASE WHEN pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn() THEN "
    "pg_logical_emit_message(true, 'walcast_flush', '') END";
// Ticks while the stream is not the replication source need not be fast; nor need `wanted` be
// asked more often.
constexpr std::chrono::milliseconds kIdleTick{100};
constexpr std::chrono::seconds kLastedLongEnough{10};

}  // namespace

AsyncCommitFlusher::AsyncCommitFlusher(asio::any_io_executor executor,
                                       AsyncCommitFlusherOptions options)
    : strand_(asio::make_strand(executor)),
      options_(std::move(options)),
      connection_(strand_),
      timer_(strand_) {
  for (auto& [key, value] : options_.params) {
    if (key == "application_name") value = "walcast flusher";  // tells it apart in pg_stat_activity
  }
}

void AsyncCommitFlusher::Start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void AsyncCommitFlusher::Stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    self->connection_.Close();
  });
}

asio::awaitable<void> AsyncCommitFlusher::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  bool logged_down = false;
  co_await RetryUntilStopped(
      timer_, stopped_, [this] { return Attempt(); },
      [&](const std::string& reason, std::chrono::steady_clock::duration lasted) {
        // A connection that worked for a while and was lost: again at once. One that fails soon
        // after connecting (a statement the server refuses, e.g. on a standby) backs off like a
        // failed connect, or it would reconnect in a loop.
        if (std::exchange(was_up_, false) && lasted >= kLastedLongEnough) {
          spdlog::warn("async-commit flusher: connection lost ({}); reconnecting", reason);
          announced_ = false;
          backoff.Reset();
          logged_down = false;
          return 0ms;
        }
        if (!logged_down) {
          spdlog::warn("async-commit flusher: {}; retrying with backoff up to {} ms", reason,
                       options_.backoff_max.count());
          logged_down = true;
          announced_ = false;
        } else {
          spdlog::debug("async-commit flusher still failing: {}", reason);
        }
        return backoff.Next();
      });
  connection_.Close();
}

asio::awaitable<std::string> AsyncCommitFlusher::Attempt() {
  std::string reason = co_await ConnectAndFlush();
  connection_.Close();
  co_return reason;
}

asio::awaitable<std::string> AsyncCommitFlusher::ConnectAndFlush() {
  if (auto error = co_await connection_.Connect(options_.params, 10s)) co_return error->message;
  auto set_up = co_await connection_.Exec(kSetUp, 5s);
  if (!set_up.ok()) co_return set_up.error ? set_up.error->message : "connection lost";
  auto prepared = co_await connection_.Prepare(kStatement, kFlushSql, 5s);
  if (!prepared.ok()) co_return prepared.error ? prepared.error->message : "connection lost";
  was_up_ = true;
  // Once, and again after each warning: not at every retry of a connection that keeps failing.
  spdlog::log(std::exchange(announced_, true) ? spdlog::level::debug : spdlog::level::info,
              "async-commit flusher connected: every {} ms, a synchronous commit while unflushed "
              "WAL exists (--flush-async-commits)",
              options_.interval.count());

  auto next = std::chrono::steady_clock::now();
  auto ask_again = next;  // `wanted` is asked at most every kIdleTick
  bool wanted = true;
  const Params no_params;
  const std::string statement = kStatement;
  while (!stopped_) {
    if (options_.wanted && next >= ask_again) {
      wanted = options_.wanted();
      ask_again = next + kIdleTick;
    }
    if (wanted) {
      auto outcome = co_await connection_.QueryPrepared(statement, no_params, 5s);
      if (!outcome.ok()) co_return outcome.error ? outcome.error->message : "connection lost";
      pg_result* result = outcome.result.get();
      if (PQntuples(result) == 1 && !PQgetisnull(result, 0, 0)) {
        flushes_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    // Fixed ticks from the start, not `interval` after each statement; after a stall (a slow
    // server, a busy loop) the next tick comes at once, without a burst to catch up.
    next += wanted ? options_.interval : kIdleTick;
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now;
    timer_.expires_at(next);
    co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return "stopped";
}

}  // namespace walcast::database
