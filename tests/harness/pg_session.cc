#include "tests/harness/pg_session.h"

#include <libpq-fe.h>
#include <poll.h>

#include <memory>
#include <stdexcept>

namespace walcast::testing {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

std::vector<Row> TakeRows(PGresult* raw, PGconn* conn, const std::string& sql) {
  ResultPtr result(raw, &PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    throw std::runtime_error("query failed: " + std::string(PQerrorMessage(conn)) + " in: " + sql);
  }
  std::vector<Row> rows;
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    Row row;
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(PQgetvalue(result.get(), r, c));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

PgSession::PgSession(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("cannot connect to " + conninfo + ": " + message);
  }
  // Tests assert on results; server NOTICEs ("does not exist, skipping") are noise here.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgSession::~PgSession() { PQfinish(conn_); }

std::vector<Row> PgSession::Exec(const std::string& sql) {
  if (!PQsendQuery(conn_, sql.c_str())) {
    throw std::runtime_error("send failed: " + std::string(PQerrorMessage(conn_)));
  }
  std::vector<Row> last;
  while (PGresult* result = PQgetResult(conn_)) last = TakeRows(result, conn_, sql);
  return last;
}

std::vector<Row> PgSession::Query(const std::string& sql,
                                  const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return TakeRows(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0),
                  conn_, sql);
}

std::string PgSession::Scalar(const std::string& sql,
                              const std::vector<std::optional<std::string>>& params) {
  auto rows = Query(sql, params);
  if (rows.size() != 1 || rows[0].size() != 1) {
    throw std::runtime_error("expected one value from: " + sql);
  }
  return rows[0][0].value_or("");
}

std::optional<Notification> PgSession::WaitNotification(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    PQconsumeInput(conn_);
    if (PGnotify* n = PQnotifies(conn_)) {
      Notification out{n->relname, n->extra};
      PQfreemem(n);
      return out;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{PQsocket(conn_), POLLIN, 0};
    poll(&fd, 1, static_cast<int>(left.count()));
  }
}

}  // namespace walcast::testing
