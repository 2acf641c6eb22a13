// PgSession: a blocking libpq connection for test code (setting up rows, reading the truth,
// LISTEN). Test-only: the daemon never blocks on libpq. Every failure throws std::runtime_error
// with the server's message, which GoogleTest reports as a test failure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace walcast::testing {

using Row = std::vector<std::optional<std::string>>;  // text values; nullopt is NULL

struct Notification {
  std::string channel;
  std::string payload;
};

class PgSession {
 public:
  explicit PgSession(const std::string& conninfo);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Runs one or more statements (simple query protocol); returns the last result's rows.
  std::vector<Row> Exec(const std::string& sql);
  // One statement with $1.. parameters (text; nullopt is NULL).
  std::vector<Row> Query(const std::string& sql,
                         const std::vector<std::optional<std::string>>& params = {});
  // The single value of a one-row, one-column query ("" for NULL).
  std::string Scalar(const std::string& sql,
                     const std::vector<std::optional<std::string>>& params = {});

  // Waits for the next notification on a channel this session LISTENs to.
  std::optional<Notification> WaitNotification(std::chrono::milliseconds timeout);

 private:
  pg_conn* conn_;
};

}  // namespace walcast::testing
