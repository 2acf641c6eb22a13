#include "database/replication_stream.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "database/reconnect.h"
#include "database/sql_quote.h"
#include "decoder/pg_time.h"

namespace walcast::database {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using decoder::Lsn;

namespace {

// Frames handled before yielding to the event loop, so a busy stream cannot starve Stop().
constexpr int kFramesPerSlice = 4096;

std::string ResultText(const QueryOutcome& outcome, int row, int column) {
  if (!outcome.result || PQntuples(outcome.result.get()) <= row ||
      PQgetisnull(outcome.result.get(), row, column)) {
    return "";
  }
  return PQgetvalue(outcome.result.get(), row, column);
}

// Turns a libpq/server error into an operator-facing reason with what to do about it.
std::string Explain(std::string_view what, const PgError& error) {
  std::string text = std::string(what) + ": " + error.message;
  if (error.sqlstate == "42501" ||
      error.message.find("must be superuser or replication role") != std::string::npos) {
    text +=
        " (the role needs the REPLICATION attribute: ALTER ROLE ... REPLICATION; or run with "
        "--source notify)";
  } else if (error.sqlstate == "55006") {
    text += " (another process is using the slot; stop it or choose another --slot)";
  } else if (error.sqlstate == "53400") {
    text += " (no free replication slot: raise max_replication_slots)";
  } else if (error.sqlstate == "42P01") {
    text += " (create the table first: run walcastd with --apply-schema)";
  }
  return text;
}

bool IsNull(const QueryOutcome& outcome, int row, int column) {
  return !outcome.result || PQntuples(outcome.result.get()) <= row ||
         PQgetisnull(outcome.result.get(), row, column);
}

// "schema.table" for messages; the SQL form is QuotedTable.
std::string TableText(const decoder::TableName& table) { return table.schema + "." + table.name; }

std::string QuotedTable(const decoder::TableName& table) {
  return QuoteIdentifier(table.schema) + "." + QuoteIdentifier(table.name);
}

// "public.a, sales.b" (or the quoted SQL form) of a table list.
std::string JoinTables(const std::vector<decoder::TableName>& tables,
                       std::string (*form)(const decoder::TableName&)) {
  std::string out;
  for (const auto& table : tables) out += (out.empty() ? "" : ", ") + form(table);
  return out;
}

// The server's own words, without libpq's "ERROR:  " prefix, to quote inside a longer reason.
std::string ServerWords(const PgError& error) {
  std::string_view text = error.message;
  if (text.starts_with("ERROR:")) text.remove_prefix(6);
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  return std::string(text);
}

// ARRAY['a','b']::text[] (a walsender connection takes no parameters).
std::string TextArrayExpression(const std::vector<decoder::TableName>& tables,
                                std::string decoder::TableName::*part) {
  std::string out = "ARRAY[";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i > 0) out += ", ";
    out += QuoteLiteral(tables[i].*part);
  }
  return out + "]::text[]";
}

}  // namespace

ReplicationStream::ReplicationStream(asio::any_io_executor executor, ReplicationOptions options,
                                     ReplicationHandler& handler)
    : strand_(asio::make_strand(executor)),
      options_(std::move(options)),
      handler_(handler),
      connection_(strand_),
      timer_(strand_) {}

void ReplicationStream::Start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->Run(); }, asio::detached);
}

void ReplicationStream::Stop() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->stopped_ = true;
    self->timer_.cancel();
    if (self->connection_.IsOpen()) {
      // Report the final position, then end the COPY (both fail harmlessly outside COPY mode).
      self->SendStatus(false, /*final=*/true);
      PQputCopyEnd(self->connection_.Raw(), nullptr);
      PQflush(self->connection_.Raw());
    }
    self->connection_.Close();
  });
}

ReplicationState ReplicationStream::State() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void ReplicationStream::SetStreaming(bool streaming, std::string problem) {
  std::lock_guard lock(mutex_);
  state_.streaming = streaming;
  state_.problem = std::move(problem);
}

asio::awaitable<void> ReplicationStream::Run() {
  if (!options_.reconnect) {
    std::string reason = co_await Attempt();
    SetStreaming(false, stopped_ ? "stopped" : reason);
    if (options_.on_end) options_.on_end(stopped_ ? "stopped" : reason);
    co_return;
  }
  Backoff backoff(options_.backoff_min, options_.backoff_max);
  Backoff repeat_backoff(options_.backoff_max, options_.repeat_backoff_max);
  std::string previous_reason;
  uint64_t decode_failures_before = 0;
  co_await RetryUntilStopped(
      timer_, stopped_,
      [&] {
        decode_failures_before = State().decode_failures;
        return Attempt();
      },
      [&](const std::string& reason, std::chrono::steady_clock::duration lasted) {
        SetStreaming(false, reason);
        // A connection that streamed for a while earns a fast retry; repeated failures back
        // off, and the same failure again (a transaction that cannot be handled, decoded again
        // after each reconnect) keeps backing off however long each attempt streamed.
        const bool decode_failed = State().decode_failures != decode_failures_before;
        const bool repeated = decode_failed && reason == previous_reason;
        if (lasted > 30s && !repeated) backoff.Reset();
        if (!repeated) repeat_backoff.Reset();
        previous_reason = reason;
        auto wait = backoff.Next();
        if (repeated) wait = std::max(wait, repeat_backoff.Next());
        {
          // Only a message that could not be handled counts as a failure of the data: a lost
          // connection or a server restart is reported while it lasts, then forgotten.
          std::lock_guard lock(mutex_);
          if (decode_failed) {
            state_.last_failure = reason;
            state_.last_failure_at = std::chrono::steady_clock::now();
          }
        }
        spdlog::warn("replication stopped slot={} lsn={}: {}; reconnecting in {} ms", options_.slot,
                     received_lsn_.ToString(), reason, wait.count());
        return wait;
      });
  SetStreaming(false, "stopped");
}

asio::awaitable<std::string> ReplicationStream::Attempt() {
  std::string reason = co_await ConnectAndStream();
  connection_.Close();
  co_return reason;
}

asio::awaitable<std::string> ReplicationStream::ConnectAndStream() {
  if (auto error = co_await connection_.Connect(options_.params, 10s, /*replication=*/true)) {
    co_return Explain("cannot open a replication connection", *error);
  }
  Lsn confirmed_flush;
  if (auto problem = co_await Bootstrap(&confirmed_flush)) co_return *problem;
  if (options_.on_server_position) {
    // Columns: systemid, timeline, xlogpos, dbname. xlogpos is the flushed WAL position, on a
    // standby too; every commit decoded so far, by this slot or any other, lies before it.
    auto identified = co_await connection_.Exec("IDENTIFY_SYSTEM", 10s);
    if (!identified.ok()) co_return Explain("IDENTIFY_SYSTEM failed", *identified.error);
    if (auto position = Lsn::Parse(ResultText(identified, 0, 2))) {
      options_.on_server_position(*position);
    }
  }

  std::string command = "START_REPLICATION SLOT " + QuoteIdentifier(options_.slot) +
                        " LOGICAL 0/0 (proto_version '2', streaming 'on', publication_names " +
                        QuoteLiteral(QuoteIdentifier(options_.publication)) + ")";
  auto started = co_await connection_.Exec(command, 30s);
  if (!started.ok()) co_return Explain("START_REPLICATION failed", *started.error);
  if (!started.result || PQresultStatus(started.result.get()) != PGRES_COPY_BOTH) {
    co_return "START_REPLICATION did not start a COPY stream";
  }
  received_lsn_ = std::max(received_lsn_, confirmed_flush);
  reported_flush_ = confirmed_flush;
  handler_.OnStreamStart(confirmed_flush);
  {
    std::lock_guard lock(mutex_);
    state_.confirmed_lsn = std::max(state_.confirmed_lsn, confirmed_flush);
  }
  SetStreaming(true, "");
  spdlog::info("replication streaming slot={} publication={} from lsn={}", options_.slot,
               options_.publication, confirmed_flush.ToString());
  co_return co_await Stream();
}

asio::awaitable<std::optional<std::string>> ReplicationStream::Bootstrap(Lsn* confirmed_flush) {
  auto wal_level = co_await connection_.Exec("SHOW wal_level", 10s);
  if (!wal_level.ok()) co_return Explain("cannot read wal_level", *wal_level.error);
  if (std::string level = ResultText(wal_level, 0, 0); level != "logical") {
    co_return "wal_level is '" + level +
        "': logical replication needs wal_level=logical (ALTER SYSTEM SET wal_level = logical, "
        "then restart PostgreSQL), or run with --source notify";
  }

  if (auto problem = co_await EnsurePublication()) co_return *problem;
  if (options_.on_publication_ready) options_.on_publication_ready();

  auto slot = co_await connection_.Exec(
      "SELECT plugin, database = current_database(), active, active_pid, confirmed_flush_lsn "
      "FROM pg_catalog.pg_replication_slots WHERE slot_name = " +
          QuoteLiteral(options_.slot),
      10s);
  if (!slot.ok()) co_return Explain("cannot look up the replication slot", *slot.error);
  if (PQntuples(slot.result.get()) == 0) {
    auto created =
        co_await connection_.Exec("CREATE_REPLICATION_SLOT " + QuoteIdentifier(options_.slot) +
                                      " LOGICAL pgoutput (SNAPSHOT 'nothing')",
                                  60s);
    if (!created.ok()) {
      co_return Explain("cannot create replication slot " + options_.slot, *created.error);
    }
    auto consistent_point = Lsn::Parse(ResultText(created, 0, 1));
    if (!consistent_point) co_return "CREATE_REPLICATION_SLOT returned no consistent point";
    *confirmed_flush = *consistent_point;
    spdlog::info("created replication slot {} at lsn={}", options_.slot,
                 consistent_point->ToString());
    co_return std::nullopt;
  }
  if (std::string plugin = ResultText(slot, 0, 0); plugin != "pgoutput") {
    co_return "replication slot " + options_.slot + " uses plugin '" + plugin +
        "', not pgoutput: drop it or choose another --slot";
  }
  if (ResultText(slot, 0, 1) != "t") {
    co_return "replication slot " + options_.slot +
        " belongs to another database: choose another --slot";
  }
  if (ResultText(slot, 0, 2) == "t") {
    co_return "replication slot " + options_.slot + " is in use by another process (pid " +
        ResultText(slot, 0, 3) + "); retrying";
  }
  auto flushed = Lsn::Parse(ResultText(slot, 0, 4));
  *confirmed_flush = flushed.value_or(Lsn());
  co_return std::nullopt;
}

// The publication decides what the slot sends: walcast creates it for the streamed tables and adds
// a listed table it lacks, since a table missing from it would stream nothing and say nothing.
// It never removes a table (another consumer may use the publication), and with `*` it takes the
// publication as it is. Privileges are PostgreSQL's: CREATE on the database and ownership of each
// table to create one FOR TABLE, a superuser for FOR ALL TABLES, ownership of the publication and
// of the table to add one. When the role lacks them the reason names who must run what.
asio::awaitable<std::optional<std::string>> ReplicationStream::EnsurePublication() {
  const std::string& name = options_.publication;
  const auto& tables = options_.tables;
  // A walsender connection accepts only the simple query protocol: values are quoted by
  // sql_quote.h (the publication's name is also validated by the configuration).
  auto found = co_await connection_.Exec(
      "SELECT current_user::text, p.owner, p.puballtables, p.pubviaroot "
      "FROM (SELECT 1) AS one LEFT JOIN (SELECT pg_catalog.pg_get_userbyid(pubowner)::text AS "
      "owner, puballtables, pubviaroot FROM pg_catalog.pg_publication WHERE pubname = " +
          QuoteLiteral(name) + ") AS p ON true",
      10s);
  if (!found.ok()) co_return Explain("cannot look up the publication", *found.error);
  const std::string role = ResultText(found, 0, 0);
  const bool exists = !IsNull(found, 0, 1);
  const std::string owner = ResultText(found, 0, 1);
  const bool all_tables = ResultText(found, 0, 2) == "t";
  const bool via_root = ResultText(found, 0, 3) == "t";

  // For a list: which tables exist, and which the publication already publishes (in list order).
  // A partitioned table's changes come under its partitions' names unless the publication
  // publishes via the root, and the decoder selects relations by name: a listed partitioned
  // table needs publish_via_partition_root.
  std::vector<decoder::TableName> unpublished;
  std::vector<decoder::TableName> partitioned;
  if (!tables.empty()) {
    auto listed = co_await connection_.Exec(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = l.s AND c.relname = l.t "
        "AND c.relkind IN ('r', 'p')), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname = l.s AND c.relname = l.t "
        "AND c.relkind = 'p'), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_publication_tables p WHERE p.pubname = " +
            QuoteLiteral(name) +
            " AND p.schemaname = l.s AND p.tablename = l.t) "
            "FROM unnest(" +
            TextArrayExpression(tables, &decoder::TableName::schema) + ", " +
            TextArrayExpression(tables, &decoder::TableName::name) +
            ") WITH ORDINALITY AS l(s, t, i) ORDER BY l.i",
        10s);
    if (!listed.ok()) co_return Explain("cannot look up the streamed tables", *listed.error);
    std::vector<std::string> missing;
    bool orders_missing = false;
    for (size_t i = 0; i < tables.size(); ++i) {
      const int row = static_cast<int>(i);
      if (ResultText(listed, row, 0) != "t") {
        missing.push_back(TableText(tables[i]));
        orders_missing =
            orders_missing || (tables[i].schema == "public" && tables[i].name == "orders");
        continue;
      }
      if (ResultText(listed, row, 1) == "t") partitioned.push_back(tables[i]);
      // FOR ALL TABLES has every table (pg_publication_tables lists a partitioned one by its
      // partitions), and refuses ADD TABLE.
      if (!all_tables && ResultText(listed, row, 2) != "t") unpublished.push_back(tables[i]);
    }
    if (!missing.empty()) {
      std::string list;
      for (const auto& table : missing) list += (list.empty() ? "" : ", ") + table;
      co_return (missing.size() == 1 ? "table " + list + " does not exist"
                                     : "tables " + list + " do not exist") +
          " in this database: create " + (missing.size() == 1 ? "it" : "them") + ", or leave " +
          (missing.size() == 1 ? "it" : "them") + " out of --tables" +
          (orders_missing ? " (walcastd --apply-schema creates the orders table)" : "");
    }
  }

  if (!exists) {
    // Via the root: a partitioned table's changes are named after it, as a client names it.
    const std::string sql =
        "CREATE PUBLICATION " + QuoteIdentifier(name) +
        (tables.empty() ? " FOR ALL TABLES" : " FOR TABLE " + JoinTables(tables, QuotedTable)) +
        " WITH (publish_via_partition_root = true)";
    auto created = co_await connection_.Exec(sql, 30s);
    if (!created.ok()) {
      if (created.error->sqlstate == "42501" && tables.empty()) {
        co_return "cannot create publication " + name + " FOR ALL TABLES (--tables *): role " +
            role + " may not (" + ServerWords(*created.error) +
            "; only a superuser may create a publication FOR ALL TABLES); have a superuser run `" +
            sql + "`, or list the tables to stream with --tables";
      }
      if (created.error->sqlstate == "42501") {
        co_return "cannot create publication " + name + ": role " + role + " may not (" +
            ServerWords(*created.error) +
            "; creating a publication needs CREATE on the database and ownership of each "
            "table); have the tables' owner run `" +
            sql + "`";
      }
      co_return Explain("cannot create publication " + name, *created.error);
    }
    spdlog::info("created publication {} for {}", name,
                 tables.empty() ? "all tables" : "tables " + JoinTables(tables, TableText));
    co_return std::nullopt;
  }

  if (!partitioned.empty() && !via_root) {
    co_return "publication " + name + " publishes partitioned table " +
        TableText(partitioned.front()) +
        " under its partitions' names, which walcastd does not stream: have its owner (" + owner +
        ") run `ALTER PUBLICATION " + QuoteIdentifier(name) +
        " SET (publish_via_partition_root = true)`, or list the partitions in --tables";
  }

  for (const auto& table : unpublished) {
    const std::string sql =
        "ALTER PUBLICATION " + QuoteIdentifier(name) + " ADD TABLE " + QuotedTable(table);
    auto added = co_await connection_.Exec(sql, 30s);
    // 42710: already a member after all (a partitioned table whose partitions are published, or
    // another walcastd adding it at the same moment).
    if (!added.ok() && added.error->sqlstate == "42710") continue;
    if (!added.ok() && added.error->sqlstate == "42501") {
      co_return "cannot add table " + TableText(table) + " to publication " + name + ": role " +
          role + " may not (" + ServerWords(*added.error) +
          "; only the publication's owner, who must also own the table, may); have its owner (" +
          owner + ") run `" + sql + "`, or leave " + TableText(table) + " out of --tables";
    }
    if (!added.ok()) {
      co_return Explain("cannot add table " + TableText(table) + " to publication " + name,
                        *added.error);
    }
    spdlog::info("added table {} to publication {}", TableText(table), name);
  }
  co_return std::nullopt;
}

std::optional<std::string> ReplicationStream::HandleFrame(std::string_view copy_data,
                                                          bool* reply_now) {
  auto frame = decoder::ParseWalsenderFrame(copy_data);
  if (!frame.ok()) return "malformed walsender frame: " + frame.error().ToString();
  if (auto* data = std::get_if<decoder::XLogData>(&*frame)) {
    received_lsn_ = std::max({received_lsn_, data->data_start, data->wal_end});
    decoder::Status status = handler_.OnXLogData(*data);
    if (!status.ok()) {
      std::lock_guard lock(mutex_);
      ++state_.decode_failures;
      return "cannot decode the stream: " + status.error().ToString();
    }
  } else {
    const auto& keepalive = std::get<decoder::PrimaryKeepalive>(*frame);
    received_lsn_ = std::max(received_lsn_, keepalive.wal_end);
    handler_.OnKeepalive(keepalive.wal_end);
    if (keepalive.reply_requested) *reply_now = true;
  }
  return std::nullopt;
}

bool ReplicationStream::SendStatus(bool reply_requested, bool final) {
  decoder::StandbyStatus status;
  status.write = received_lsn_;
  // The acknowledgement is held back below the replay window on purpose. PostgreSQL's fast
  // shutdown waits until the walsender's sent position equals the reported flush position (or the
  // write position when flush is invalid: walsender.c WalSndDone), so a held-back flush would
  // stall every server shutdown until wal_sender_timeout. So the flush position is reported when
  // it moves (the slot keeps it: LogicalConfirmReceivedLocation) and as invalid otherwise.
  Lsn ack = handler_.FlushLsn();
  if (ack > reported_flush_ || final) {
    status.flush = ack;
    reported_flush_ = std::max(reported_flush_, ack);
  }
  status.apply = status.flush;
  status.clock = decoder::PgMicrosFromUnix(decoder::UnixMicros(std::chrono::system_clock::now()));
  status.reply_requested = reply_requested;
  auto bytes = decoder::BuildStandbyStatusUpdate(status);
  if (PQputCopyData(connection_.Raw(), bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return false;
  }
  std::lock_guard lock(mutex_);
  state_.confirmed_lsn = std::max(state_.confirmed_lsn, ack);
  state_.server_wal_end = std::max(state_.server_wal_end, received_lsn_);
  return true;
}

asio::awaitable<std::optional<std::string>> ReplicationStream::DrainHandler(
    std::chrono::steady_clock::time_point* next_status) {
  while (!stopped_) {
    auto backlog = handler_.Drain();
    if (!backlog.ok()) {
      std::lock_guard lock(mutex_);
      ++state_.decode_failures;
      co_return "cannot hand on a transaction: " + backlog.error().ToString();
    }
    if (*backlog == Backlog::kNone) co_return std::nullopt;
    // The server waits behind TCP meanwhile; status updates keep wal_sender_timeout away.
    if (std::chrono::steady_clock::now() >= *next_status) {
      if (!SendStatus(false)) co_return "cannot send a status update";
      *next_status = std::chrono::steady_clock::now() + options_.status_interval;
      if (auto error = co_await connection_.Flush(10s)) co_return error->message;
    }
    if (*backlog == Backlog::kWaitForReaders) {
      if (!co_await SleepUnlessStopped(timer_, 2ms, stopped_)) break;
    } else {
      co_await asio::post(strand_, asio::use_awaitable);
    }
  }
  co_return std::nullopt;
}

asio::awaitable<std::string> ReplicationStream::Stream() {
  auto next_status = std::chrono::steady_clock::now();
  int frames_in_slice = 0;
  while (!stopped_) {
    char* buffer = nullptr;
    int length = PQgetCopyData(connection_.Raw(), &buffer, /*async=*/1);
    if (length > 0) {
      std::unique_ptr<char, decltype(&PQfreemem)> owned(buffer, &PQfreemem);
      bool reply_now = false;
      if (auto error = HandleFrame(std::string_view(buffer, length), &reply_now)) co_return *error;
      owned.reset();
      if (auto error = co_await DrainHandler(&next_status)) co_return *error;
      if (stopped_) break;
      if (reply_now || std::chrono::steady_clock::now() >= next_status) {
        if (!SendStatus(false)) co_return "cannot send a status update";
        next_status = std::chrono::steady_clock::now() + options_.status_interval;
        if (auto error = co_await connection_.Flush(10s)) co_return error->message;
      }
      if (++frames_in_slice == kFramesPerSlice) {
        frames_in_slice = 0;
        co_await asio::post(strand_, asio::use_awaitable);
      }
      continue;
    }
    if (length == -1) {
      // The server ended the COPY (e.g. a fast shutdown): fetch the final result and reconnect.
      ResultPtr result(PQgetResult(connection_.Raw()));
      std::string detail = result ? OneLine(PQresultErrorMessage(result.get())) : "";
      co_return "the server ended the replication stream" + (detail.empty() ? "" : ": " + detail);
    }
    if (length == -2) co_return "connection lost: " + OneLine(PQerrorMessage(connection_.Raw()));

    // Nothing buffered: report the position when due, then wait for data or the next report.
    auto now = std::chrono::steady_clock::now();
    if (now >= next_status) {
      if (!SendStatus(false)) co_return "cannot send a status update";
      next_status = now + options_.status_interval;
      if (auto error = co_await connection_.Flush(10s)) co_return error->message;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_status - now);
    bool readable = co_await connection_.WaitReadable(std::max(wait, 1ms));
    if (stopped_) break;
    if (readable && !PQconsumeInput(connection_.Raw())) {
      co_return "connection lost: " + OneLine(PQerrorMessage(connection_.Raw()));
    }
    frames_in_slice = 0;
  }
  co_return "stopped";
}

}  // namespace walcast::database
