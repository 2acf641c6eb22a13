#include "database/pg_connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace walcast::database {
namespace asio = boost::asio;
using stream_descriptor = asio::posix::stream_descriptor;

namespace {

// libpq prints notices and warnings from the server (a NOTICE from the schema's DDL, a WARNING)
// to stderr by default: they go to the log instead, one line each, with the connection's context.
void LogServerNotice(void* connection, const PGresult* notice) {
  auto* conn = static_cast<PGconn*>(connection);
  auto field = [notice](int code) {
    const char* value = PQresultErrorField(notice, code);
    return std::string_view(value ? value : "");
  };
  std::string_view severity = field(PG_DIAG_SEVERITY_NONLOCALIZED);
  auto level = severity == "WARNING"                     ? spdlog::level::warn
               : severity == "DEBUG" || severity.empty() ? spdlog::level::debug
                                                         : spdlog::level::info;
  std::string message(field(PG_DIAG_MESSAGE_PRIMARY));
  for (char& c : message) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  auto text = [](const char* value) { return std::string_view(value ? value : ""); };
  spdlog::log(level, "postgres {} db={} user={} host={} sqlstate={}: {}",
              severity.empty() ? "NOTICE" : severity, text(PQdb(conn)), text(PQuser(conn)),
              text(PQhost(conn)), field(PG_DIAG_SQLSTATE), message);
}

}  // namespace

PgConnection::PgConnection(asio::any_io_executor executor)
    : executor_(std::move(executor)), socket_(executor_) {}

PgConnection::~PgConnection() { Close(); }

bool PgConnection::IsOpen() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

void PgConnection::Close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  conn_.reset();
}

PgError PgConnection::ConnectionError(std::string_view context) const {
  std::string message(context);
  if (conn_) message += ": " + OneLine(PQerrorMessage(conn_.get()));
  return PgError{"", message};
}

bool PgConnection::AttachSocket() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  int fd = PQsocket(conn_.get());
  if (fd < 0) return false;
  int own = ::dup(fd);
  if (own < 0) return false;
  socket_.assign(own, ignored);
  return !ignored;
}

asio::awaitable<bool> PgConnection::Wait(stream_descriptor::wait_type type,
                                         std::chrono::milliseconds timeout) {
  // The timer cancels the wait; the wait cancels the timer. Whichever finishes first decides.
  // The timer's handler may already be queued when the wait completes (both became ready in one
  // turn): cancel() cannot stop it then, so it finds `done` set and touches nothing. The state
  // is shared because the handler can run after this frame is gone. The socket may have been
  // closed meanwhile (Close() from a Stop), hence the non-throwing cancel.
  struct WaitState {
    bool done = false;
    bool timed_out = false;
  };
  auto state = std::make_shared<WaitState>();
  asio::steady_timer timer(executor_, timeout);
  timer.async_wait([this, state](boost::system::error_code ec) {
    if (!ec && !state->done) {
      state->timed_out = true;
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    }
  });
  auto [ec] = co_await socket_.async_wait(type, asio::as_tuple(asio::use_awaitable));
  state->done = true;
  timer.cancel();
  co_return !ec && !state->timed_out;
}

asio::awaitable<bool> PgConnection::WaitReadable(std::chrono::milliseconds timeout) {
  co_return co_await Wait(stream_descriptor::wait_read, timeout);
}

asio::awaitable<bool> PgConnection::WaitWritable(std::chrono::milliseconds timeout) {
  co_return co_await Wait(stream_descriptor::wait_write, timeout);
}

asio::awaitable<std::optional<PgError>> PgConnection::Connect(ConnectionParams params,
                                                              std::chrono::milliseconds timeout,
                                                              bool replication) {
  Close();
  if (replication) params.emplace_back("replication", "database");
  std::vector<const char*> keywords, values;
  for (const auto& [key, value] : params) {
    keywords.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);

  conn_.reset(PQconnectStartParams(keywords.data(), values.data(), /*expand_dbname=*/1));
  if (!conn_) co_return PgError{"", "out of memory creating a connection"};
  PQsetNoticeReceiver(conn_.get(), LogServerNotice, conn_.get());
  if (PQstatus(conn_.get()) == CONNECTION_BAD) {
    auto error = ConnectionError("cannot connect");
    Close();
    co_return error;
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  PostgresPollingStatusType poll = PGRES_POLLING_WRITING;
  while (poll != PGRES_POLLING_OK) {
    if (poll == PGRES_POLLING_FAILED) {
      auto error = ConnectionError("cannot connect");
      Close();
      co_return error;
    }
    // libpq may open a new socket while it tries addresses or falls back from SSL.
    if (!AttachSocket()) {
      Close();
      co_return PgError{"", "cannot connect: no socket"};
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    bool ready = left.count() > 0 &&
                 co_await Wait(poll == PGRES_POLLING_READING ? stream_descriptor::wait_read
                                                             : stream_descriptor::wait_write,
                               left);
    if (!ready) {
      Close();
      co_return PgError{"", "cannot connect: timed out"};
    }
    poll = PQconnectPoll(conn_.get());
  }
  if (PQsetnonblocking(conn_.get(), 1) != 0 || !AttachSocket()) {
    auto error = ConnectionError("cannot switch to non-blocking mode");
    Close();
    co_return error;
  }
  co_return std::nullopt;
}

asio::awaitable<std::optional<PgError>> PgConnection::Flush(std::chrono::milliseconds timeout) {
  while (true) {
    int r = PQflush(conn_.get());
    if (r == 0) co_return std::nullopt;
    if (r < 0) co_return ConnectionError("send failed");
    if (!co_await WaitWritable(timeout)) co_return PgError{"", "send timed out"};
    if (!PQconsumeInput(conn_.get())) co_return ConnectionError("connection lost");
  }
}

asio::awaitable<QueryOutcome> PgConnection::CollectResults(std::string_view what,
                                                           std::chrono::milliseconds timeout) {
  QueryOutcome outcome;
  auto fail = [&](PgError error) {
    Close();
    return QueryOutcome{nullptr, std::move(error)};
  };
  if (auto error = co_await Flush(timeout)) co_return fail(std::move(*error));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    while (PQisBusy(conn_.get())) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !co_await WaitReadable(left)) {
        co_return fail(PgError{"", std::string(what) + " timed out"});
      }
      if (!PQconsumeInput(conn_.get())) co_return fail(ConnectionError("connection lost"));
    }
    ResultPtr result(PQgetResult(conn_.get()));
    if (!result) break;
    auto status = PQresultStatus(result.get());
    if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE ||
        status == PGRES_NONFATAL_ERROR) {
      if (!outcome.error) {
        const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
        outcome.error = PgError{state ? state : "", OneLine(PQresultErrorMessage(result.get()))};
      }
    } else if (status == PGRES_COPY_BOTH || status == PGRES_COPY_OUT || status == PGRES_COPY_IN) {
      outcome.result = std::move(result);  // the caller drives the COPY
      co_return outcome;
    } else {
      outcome.result = std::move(result);
    }
  }
  if (PQstatus(conn_.get()) != CONNECTION_OK) co_return fail(ConnectionError("connection lost"));
  if (outcome.error) outcome.result.reset();
  co_return outcome;
}

asio::awaitable<QueryOutcome> PgConnection::Exec(std::string sql,
                                                 std::chrono::milliseconds timeout) {
  if (!conn_) co_return QueryOutcome{nullptr, PgError{"", "not connected"}};
  if (!PQsendQuery(conn_.get(), sql.c_str())) {
    auto error = ConnectionError("send failed");
    Close();
    co_return QueryOutcome{nullptr, error};
  }
  co_return co_await CollectResults("query", timeout);
}

asio::awaitable<QueryOutcome> PgConnection::Query(std::string sql, Params params,
                                                  std::chrono::milliseconds timeout) {
  if (!conn_) co_return QueryOutcome{nullptr, PgError{"", "not connected"}};
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (!PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                         values.data(), nullptr, nullptr, 0)) {
    auto error = ConnectionError("send failed");
    Close();
    co_return QueryOutcome{nullptr, error};
  }
  co_return co_await CollectResults("query", timeout);
}

asio::awaitable<QueryOutcome> PgConnection::Prepare(std::string name, std::string sql,
                                                    std::chrono::milliseconds timeout) {
  if (!conn_) co_return QueryOutcome{nullptr, PgError{"", "not connected"}};
  if (!PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), 0, nullptr)) {
    auto error = ConnectionError("send failed");
    Close();
    co_return QueryOutcome{nullptr, error};
  }
  co_return co_await CollectResults("prepare", timeout);
}

asio::awaitable<QueryOutcome> PgConnection::QueryPrepared(const std::string& name,
                                                          const Params& params,
                                                          std::chrono::milliseconds timeout) {
  if (!conn_) co_return QueryOutcome{nullptr, PgError{"", "not connected"}};
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  if (!PQsendQueryPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                           values.data(), nullptr, nullptr, 0)) {
    auto error = ConnectionError("send failed");
    Close();
    co_return QueryOutcome{nullptr, error};
  }
  co_return co_await CollectResults("query", timeout);
}

}  // namespace walcast::database
