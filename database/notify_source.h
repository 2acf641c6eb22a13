// NotifySource: the compatibility change source (docs/contract.md §5, --source notify). It LISTENs
// on the schema's trigger channel (default orders_change) over a normal connection, on its own
// strand, and hands every notification's payload to the handler in the order PostgreSQL delivers
// them (commit order).
//
// It never gives up: a lost connection (the socket closes, the server ends the session, or the
// periodic `SELECT 1` that unmasks a half-open connection fails) leads to a log line, a health
// state and a reconnect with capped exponential backoff. NOTIFY has no replay: whatever commits
// while no LISTEN is active is lost, so every LISTEN after the first one is reported to the
// handler as a reconnect (the pipeline then tells clients to resync).
//
// Start/Stop from any thread; State() is thread-safe. The handler is called on the strand only
// and must outlive the source.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "database/pg_connection.h"

namespace walcast::database {

struct NotifyOptions {
  ConnectionParams params;
  std::string channel = "orders_change";
  // Shown in pg_stat_activity, so operators (and tests) can tell the LISTEN session apart.
  // Overrides an application_name in `params`; empty keeps theirs.
  std::string application_name = "walcast notify";
  // How long the connection may stay silent before a `SELECT 1` checks that it is still alive.
  std::chrono::milliseconds check_interval{10000};
  std::chrono::milliseconds check_timeout{5000};
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{5000};
};

// What the source hands notifications to. Called on the source's strand.
class NotifyHandler {
 public:
  virtual ~NotifyHandler() = default;
  // LISTEN is active on a new connection; notifications follow. `reconnect` is false only for
  // the first connection of this source: after a reconnect, changes committed while no LISTEN
  // was active are lost.
  virtual void OnListenStart(bool reconnect) = 0;
  // One notification on the channel, in delivery order. The view lives until the call returns.
  virtual void OnNotification(std::string_view payload) = 0;
};

struct NotifyState {
  bool listening = false;
  std::string problem = "waiting for the database";  // operator-facing reason while not listening
};

class NotifySource : public std::enable_shared_from_this<NotifySource> {
 public:
  NotifySource(boost::asio::any_io_executor executor, NotifyOptions options,
               NotifyHandler& handler);

  void Start();
  // Closes the connection; the coroutine finishes soon after. No handler call follows the
  // completion of the posted stop.
  void Stop();
  NotifyState State() const;

 private:
  boost::asio::awaitable<void> Run();
  // One connection's life: connect, LISTEN, then receive until an error. Returns why it ended.
  // One connection (ConnectAndListen), closed after; returns why it ended.
  boost::asio::awaitable<std::string> Attempt();
  boost::asio::awaitable<std::string> ConnectAndListen();
  boost::asio::awaitable<std::string> Receive();
  // Hands every buffered notification to the handler; yields to the strand now and then so a
  // flood cannot starve Stop().
  boost::asio::awaitable<void> Drain();
  void SetListening(bool listening, std::string problem);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  NotifyOptions options_;
  NotifyHandler& handler_;
  PgConnection connection_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;          // on the strand
  bool listened_before_ = false;  // on the strand: a LISTEN has been active once

  mutable std::mutex mutex_;
  NotifyState state_;
};

}  // namespace walcast::database
