// DatabaseMonitor: keeps one connection to the database so /health can say honestly whether the
// database is reachable, and applies the schema once the database is first reached.
//
// It never gives up: after a failure it reconnects with capped exponential backoff, so the daemon
// starts and keeps running while PostgreSQL is down. Start/Stop from any thread; Snapshot is
// thread-safe. The monitor must outlive the io_context's run() or be stopped before.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "database/pg_connection.h"

namespace walcast::database {

// What a check read of the server's WAL: both unknown on a standby (its positions are the
// primary's business) and when the read failed.
struct WalFlushReading {
  // WAL inserted but not yet flushed (pg_current_wal_insert_lsn() - pg_current_wal_flush_lsn(),
  // 0 at least): commits with synchronous_commit = off wait there for the WAL writer.
  std::optional<uint64_t> unflushed_bytes;
  std::optional<uint64_t> flush_lsn;  // pg_current_wal_flush_lsn()
};

struct DatabaseMonitorOptions {
  ConnectionParams params;
  std::string schema_sql;  // applied once after the first successful connect; empty: none
  std::chrono::milliseconds check_interval{2000};
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{5000};
  // Called once, on the monitor's strand, when the database is first reached (and the schema, if
  // any, applied): what depends on the schema starts then.
  std::function<void()> on_first_ready;
  // When set, each check also reads the database's current snapshot ("xmin:xmax:xip,..." as
  // pg_current_snapshot() prints it) and which of its in-progress xids had already committed
  // ("x,y", pg_xact_status), and hands both on: the horizon of REST reads' stream positions
  // (api/stream/handoff_ledger.h). Called on the monitor's strand, first right after connecting.
  std::function<void(const std::string& snapshot, const std::string& committed)> on_horizon;
  // When set, each check also reads how much WAL the server keeps for this replication slot
  // (DatabaseState::retained_wal_bytes) and the server's WAL insert and flush positions
  // (on_wal_flush). Empty: not read (NOTIFY mode has no slot).
  std::string slot_name;
  // With slot_name: called on the monitor's strand after each check that read the WAL positions,
  // for the late-WAL-flush diagnosis (api/status/wal_flush_diagnosis.h).
  std::function<void(const WalFlushReading&)> on_wal_flush;
};

struct DatabaseState {
  bool up = false;
  bool schema_applied = false;
  std::string last_error;  // for logs and operators; never sent to HTTP clients verbatim
  // The WAL the server keeps for the slot: its current WAL position (the replay position on a
  // standby) minus the slot's restart_lsn, 0 at least. As of the last check; nullopt without
  // DatabaseMonitorOptions::slot_name, while the slot does not exist (or has no restart_lsn),
  // while the database is down, and while reading it fails.
  std::optional<uint64_t> retained_wal_bytes;
};

class DatabaseMonitor : public std::enable_shared_from_this<DatabaseMonitor> {
 public:
  DatabaseMonitor(boost::asio::any_io_executor executor, DatabaseMonitorOptions options);

  void Start();
  void Stop();
  DatabaseState Snapshot() const;

 private:
  boost::asio::awaitable<void> Run();
  // One connection (ConnectAndWatch), closed after; returns why it ended.
  boost::asio::awaitable<std::string> Attempt();
  // Connects (applying the schema once), reports the database up, then checks it every
  // check_interval until a check fails or Stop. Returns why it ended.
  boost::asio::awaitable<std::string> ConnectAndWatch();
  void SetState(bool up, std::string error);
  // Reads retained_wal_bytes for options_.slot_name and the WAL positions (on_wal_flush). Returns
  // why the connection is unusable, or nullopt (also when only this query failed: see the
  // definition).
  boost::asio::awaitable<std::optional<std::string>> ReadRetainedWal();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  DatabaseMonitorOptions options_;
  PgConnection connection_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;               // on the strand
  bool retained_wal_failing_ = false;  // on the strand: the last read failed (logged once)

  mutable std::mutex mutex_;
  DatabaseState state_;
};

}  // namespace walcast::database
