#include "database_monitor.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "reconnect.h"

namespace walcast::database {
namespace asio = boost::asio;
using namespace std::chrono_literals;

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
}

asio::awaitable<void> DatabaseMonitor::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  bool was_up = true;  // so the first failure is logged
  while (!stopped_) {
    auto error = co_await connection_.Connect(options_.params, 10s);
    if (!error && !options_.schema_sql.empty() && !Snapshot().schema_applied) {
      auto outcome = co_await connection_.Exec(options_.schema_sql, 120s);
      if (outcome.ok()) {
        std::lock_guard lock(mutex_);
        state_.schema_applied = true;
        spdlog::info("database schema applied");
      } else {
        error = PgError{outcome.error->sqlstate,
                        "applying the schema failed: " + outcome.error->message};
      }
    }
    if (error) {
      if (stopped_) break;
      if (was_up) {
        spdlog::warn("database unavailable: {}; retrying with backoff up to {} ms", error->message,
                     options_.backoff_max.count());
      } else {
        spdlog::debug("database still unavailable: {}", error->message);
      }
      was_up = false;
      SetState(false, error->message);
      connection_.Close();
      if (!co_await SleepUnlessStopped(timer_, backoff.Next(), stopped_)) break;
      continue;
    }

    SetState(true, "");
    spdlog::info("database reachable");
    if (options_.on_first_ready) std::exchange(options_.on_first_ready, nullptr)();
    was_up = true;
    backoff.Reset();
    while (co_await SleepUnlessStopped(timer_, options_.check_interval, stopped_)) {
      auto outcome = co_await connection_.Exec("SELECT 1", 5s);
      if (!outcome.ok()) {
        error = outcome.error;
        break;
      }
    }
    if (stopped_) break;
    spdlog::warn("database connection lost: {}", error ? error->message : "unknown");
    SetState(false, error ? error->message : "connection lost");
    was_up = false;
    connection_.Close();
  }
  connection_.Close();
}

}  // namespace walcast::database
