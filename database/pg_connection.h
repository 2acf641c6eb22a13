// PgConnection: one non-blocking libpq connection driven by Asio coroutines.
//
// Nothing here blocks an io_context thread: connecting loops on PQconnectPoll and queries wait for
// socket readiness through a posix::stream_descriptor wrapping a dup() of PQsocket (so Asio and
// libpq never close each other's descriptor; it is re-created on every connect).
//
// One operation at a time per connection; use it from one strand. Every operation takes a timeout;
// on timeout or a lost connection the connection is closed and the error says why.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "database/pg_result.h"

namespace walcast::database {

using ConnectionParams = std::vector<std::pair<std::string, std::string>>;
using Params = std::vector<std::optional<std::string>>;  // text parameters; nullopt is NULL

class PgConnection {
 public:
  explicit PgConnection(boost::asio::any_io_executor executor);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects (closing any previous connection). `params` are libpq keywords/values; a "dbname"
  // holding a conninfo string or URI is expanded. With `replication`, opens a walsender
  // connection (replication=database) for logical replication commands.
  boost::asio::awaitable<std::optional<PgError>> Connect(ConnectionParams params,
                                                         std::chrono::milliseconds timeout,
                                                         bool replication = false);

  // Runs one or more statements with the simple query protocol; returns the last result, or the
  // first error.
  boost::asio::awaitable<QueryOutcome> Exec(std::string sql, std::chrono::milliseconds timeout);

  // Runs one statement with $1.. text parameters (extended protocol).
  boost::asio::awaitable<QueryOutcome> Query(std::string sql, Params params,
                                             std::chrono::milliseconds timeout);

  // Creates the prepared statement `name` on this connection (one round trip), and runs it with
  // text parameters. Prepared statements live as long as the connection: after a reconnect they
  // must be prepared again.
  boost::asio::awaitable<QueryOutcome> Prepare(std::string name, std::string sql,
                                               std::chrono::milliseconds timeout);
  boost::asio::awaitable<QueryOutcome> QueryPrepared(const std::string& name, const Params& params,
                                                     std::chrono::milliseconds timeout);

  bool IsOpen() const;
  void Close();
  pg_conn* Raw() const { return conn_.get(); }

  // Waits until the socket is readable (true) or `timeout` passes (false). For streaming callers
  // (replication, LISTEN) that drive libpq themselves.
  boost::asio::awaitable<bool> WaitReadable(std::chrono::milliseconds timeout);
  boost::asio::awaitable<bool> WaitWritable(std::chrono::milliseconds timeout);

  // Sends pending output (PQflush), waiting for writability as needed.
  boost::asio::awaitable<std::optional<PgError>> Flush(std::chrono::milliseconds timeout);

 private:
  boost::asio::awaitable<bool> Wait(boost::asio::posix::stream_descriptor::wait_type type,
                                    std::chrono::milliseconds timeout);
  boost::asio::awaitable<QueryOutcome> CollectResults(std::string_view what,
                                                      std::chrono::milliseconds timeout);
  bool AttachSocket();
  PgError ConnectionError(std::string_view context) const;

  boost::asio::any_io_executor executor_;
  ConnPtr conn_;
  boost::asio::posix::stream_descriptor socket_;
};

}  // namespace walcast::database
