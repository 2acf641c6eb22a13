// RAII ownership of libpq objects and the error value the database layer returns.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct pg_result;
struct pg_conn;

namespace walcast::database {

struct ResultDeleter {
  void operator()(pg_result* result) const;
};
using ResultPtr = std::unique_ptr<pg_result, ResultDeleter>;

struct ConnDeleter {
  void operator()(pg_conn* conn) const;
};
using ConnPtr = std::unique_ptr<pg_conn, ConnDeleter>;

// A failure reported by libpq or the server. `sqlstate` is empty for client-side failures
// (connection refused, lost connection, timeout). `message` is for logs, never for HTTP clients.
struct PgError {
  std::string sqlstate;
  std::string message;
};

// libpq and server messages span lines ("...failed: Connection refused\n\tIs the server
// running..."); logs keep one line per event.
std::string OneLine(std::string_view text);

// The outcome of one query: the last result on success, or the error.
struct QueryOutcome {
  ResultPtr result;
  std::optional<PgError> error;

  bool ok() const { return !error.has_value(); }
};

}  // namespace walcast::database
