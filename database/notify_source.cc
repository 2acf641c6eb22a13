#include "database/notify_source.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "database/reconnect.h"
#include "database/sql_quote.h"

namespace walcast::database {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Notifications handed on before yielding to the event loop, so a flood cannot starve Stop().
constexpr int kNotificationsPerSlice = 4096;

// A connection that stayed up this long earns a fast retry after it drops.
constexpr auto kStableConnection = 30s;

// Server notices on the LISTEN connection, including the FATAL message a terminated session
// receives (libpq reports an error outside a query as a notice), go to the log instead of
// libpq's default of stderr. `arg` is the channel name, owned by the source.
void LogNotice(void* arg, const char* message) {
  spdlog::warn("notify channel={} server message: {}", *static_cast<const std::string*>(arg),
               OneLine(message ? message : ""));
}

}  // namespace

NotifySource::NotifySource(asio::any_io_executor executor, NotifyOptions options,
                           NotifyHandler& handler)
    : strand_(asio::make_strand(executor)),
      options_(std::move(options)),
      handler_(handler),
      connection_(strand_),
      timer_(strand_) {}

void NotifySource::Start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void NotifySource::Stop() {
  asio::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
    // Ends the session (and with it the LISTEN); a pending wait completes as aborted.
    self->connection_.Close();
  });
}

NotifyState NotifySource::State() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void NotifySource::SetListening(bool listening, std::string problem) {
  std::lock_guard lock(mutex_);
  state_.listening = listening;
  state_.problem = std::move(problem);
}

asio::awaitable<void> NotifySource::Run() {
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  co_await RetryUntilStopped(
      timer_, stopped_, [this] { return Attempt(); },
      [&](const std::string& reason, std::chrono::steady_clock::duration lasted) {
        SetListening(false, reason);
        if (lasted > kStableConnection) backoff.Reset();
        auto wait = backoff.Next();
        spdlog::warn("notify stopped channel={}: {}; reconnecting in {} ms", options_.channel,
                     reason, wait.count());
        return wait;
      });
  SetListening(false, "stopped");
}

asio::awaitable<std::string> NotifySource::Attempt() {
  std::string reason = co_await ConnectAndListen();
  connection_.Close();
  co_return reason;
}

asio::awaitable<std::string> NotifySource::ConnectAndListen() {
  ConnectionParams params = options_.params;
  if (!options_.application_name.empty()) {
    // Later keywords override those of an expanded conninfo in "dbname".
    params.emplace_back("application_name", options_.application_name);
  }
  if (auto error = co_await connection_.Connect(std::move(params), 10s)) co_return error->message;
  PQsetNoticeProcessor(connection_.Raw(), &LogNotice, &options_.channel);

  auto listen = co_await connection_.Exec("LISTEN " + QuoteIdentifier(options_.channel), 10s);
  if (!listen.ok()) co_return "LISTEN failed: " + listen.error->message;
  // database/schema.sql's trigger is silent under walcast.notify = off (set for WAL mode). The
  // writers' sessions may differ from ours, but a database-wide setting shows here too.
  auto setting = co_await connection_.Exec("SELECT current_setting('walcast.notify', true)", 10s);
  if (setting.ok() && PQntuples(setting.result.get()) == 1 &&
      std::string_view(PQgetvalue(setting.result.get(), 0, 0)) == "off") {
    spdlog::warn(
        "notify channel={}: walcast.notify is off in this database, so the orders trigger sends "
        "no notifications; use the replication source, or ALTER DATABASE … RESET walcast.notify",
        options_.channel);
  }

  // Only now may clients be told to resync: a client that refetches through REST after this
  // point misses nothing, because every later commit reaches this LISTEN.
  bool reconnect = std::exchange(listened_before_, true);
  SetListening(true, "");
  spdlog::info(
      "notify listening channel={}{}", options_.channel,
      reconnect ? " after a reconnect: changes committed meanwhile were not received" : "");
  handler_.OnListenStart(reconnect);
  co_return co_await Receive();
}

asio::awaitable<void> NotifySource::Drain() {
  int in_slice = 0;
  // Notifications already received are handed on even when the connection has just failed:
  // their transactions committed. Raw() is null only after Close().
  while (!stopped_ && connection_.Raw() != nullptr) {
    std::unique_ptr<PGnotify, decltype(&PQfreemem)> notify(PQnotifies(connection_.Raw()),
                                                           &PQfreemem);
    if (!notify) break;
    // Only this channel is LISTENed to, so others cannot arrive; the check keeps it that way.
    if (options_.channel == notify->relname) {
      handler_.OnNotification(notify->extra ? notify->extra : "");
    }
    if (++in_slice == kNotificationsPerSlice) {
      in_slice = 0;
      co_await asio::post(strand_, asio::use_awaitable);
    }
  }
}

asio::awaitable<std::string> NotifySource::Receive() {
  while (!stopped_) {
    co_await Drain();
    if (stopped_) break;
    bool readable = co_await connection_.WaitReadable(options_.check_interval);
    if (stopped_) break;
    if (readable) {
      int consumed = PQconsumeInput(connection_.Raw());
      if (!consumed || PQstatus(connection_.Raw()) != CONNECTION_OK) {
        co_await Drain();
        co_return "connection lost: " + OneLine(PQerrorMessage(connection_.Raw()));
      }
      continue;
    }
    // Silent for check_interval: a half-open connection (the server or network gone without a
    // FIN) would stay silent forever, and a query times out on it. Notifications that arrive
    // while the query waits are buffered by libpq and drained at the top of the loop. If the
    // check fails, the connection is closed with whatever it had buffered; the reconnect makes
    // clients resync, which covers those too.
    auto check = co_await connection_.Exec("SELECT 1", options_.check_timeout);
    if (stopped_) break;
    if (!check.ok()) co_return "connection check failed: " + check.error->message;
  }
  co_return "stopped";
}

}  // namespace walcast::database
