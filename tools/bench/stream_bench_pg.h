// PostgreSQL for stream_bench: a blocking libpq connection (fine in a tool, one per thread), the
// writers that produce the measured changes, and slot administration. Every failure throws
// std::runtime_error with the server's message.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

struct pg_conn;

namespace walcast::bench {

class PgConnection {
 public:
  explicit PgConnection(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One statement with text parameters $1..; returns the rows as text ("" for NULL).
  std::vector<std::vector<std::string>> Query(const std::string& sql,
                                              const std::vector<std::string>& params = {});
  // The first column of the first row; nullopt when there is no row.
  std::optional<std::string> Scalar(const std::string& sql,
                                    const std::vector<std::string>& params = {});

 private:
  pg_conn* conn_;
};

// Commits `transactions` transactions of `rows_per_transaction` inserted orders each (one
// INSERT ... SELECT per transaction, so the client adds nothing to the server's cost).
void InsertTransactions(PgConnection& db, int transactions, int rows_per_transaction);

// pg_current_wal_lsn() as "X/Y".
std::string CurrentWalLsn(PgConnection& db);

// Drops `slot` if it exists, waiting up to `timeout` for a walsender that still holds it to exit.
void DropSlot(PgConnection& db, const std::string& slot, std::chrono::milliseconds timeout);
// Drops and creates a pgoutput slot; returns its confirmed_flush_lsn.
std::string RecreateSlot(PgConnection& db, const std::string& slot);
// Waits until no process holds `slot`; returns how long that took.
std::chrono::microseconds WaitSlotInactive(PgConnection& db, const std::string& slot,
                                           std::chrono::milliseconds timeout);
// The pid of the walsender holding `slot`, if any.
std::optional<int> SlotActivePid(PgConnection& db, const std::string& slot);

}  // namespace walcast::bench
