#include "tools/bench/stream_bench_pg.h"

#include <libpq-fe.h>

#include <memory>
#include <stdexcept>
#include <thread>

namespace walcast::bench {
namespace {

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

}  // namespace

PgConnection::PgConnection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn_);
    PQfinish(conn_);
    throw std::runtime_error("cannot connect to PostgreSQL: " + message);
  }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

std::vector<std::vector<std::string>> PgConnection::Query(const std::string& sql,
                                                          const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  ResultPtr result(PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0),
                   &PQclear);
  auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error(sql.substr(0, 60) + ": " + PQerrorMessage(conn_));
  }
  std::vector<std::vector<std::string>> rows(static_cast<std::size_t>(PQntuples(result.get())));
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    for (int c = 0; c < PQnfields(result.get()); ++c) {
      rows[static_cast<std::size_t>(r)].emplace_back(PQgetvalue(result.get(), r, c));
    }
  }
  return rows;
}

std::optional<std::string> PgConnection::Scalar(const std::string& sql,
                                                const std::vector<std::string>& params) {
  auto rows = Query(sql, params);
  if (rows.empty() || rows[0].empty()) return std::nullopt;
  return rows[0][0];
}

void InsertTransactions(PgConnection& db, int transactions, int rows_per_transaction) {
  for (int t = 0; t < transactions; ++t) {
    db.Query(
        "INSERT INTO orders (customer_name, product_name, status) "
        "SELECT 'bench customer ' || g, 'bench product', 'pending' FROM generate_series(1, $1) g",
        {std::to_string(rows_per_transaction)});
  }
}

std::string CurrentWalLsn(PgConnection& db) { return *db.Scalar("SELECT pg_current_wal_lsn()"); }

std::optional<int> SlotActivePid(PgConnection& db, const std::string& slot) {
  auto pid = db.Scalar("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", {slot});
  if (!pid || pid->empty()) return std::nullopt;
  return std::stoi(*pid);
}

std::chrono::microseconds WaitSlotInactive(PgConnection& db, const std::string& slot,
                                           std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  while (SlotActivePid(db, slot)) {
    if (std::chrono::steady_clock::now() - start > timeout) {
      throw std::runtime_error("replication slot " + slot + " is still in use");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

void DropSlot(PgConnection& db, const std::string& slot, std::chrono::milliseconds timeout) {
  WaitSlotInactive(db, slot, timeout);
  db.Query(
      "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1",
      {slot});
}

std::string RecreateSlot(PgConnection& db, const std::string& slot) {
  DropSlot(db, slot, std::chrono::seconds(10));
  db.Query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", {slot});
  return *db.Scalar("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1",
                    {slot});
}

}  // namespace walcast::bench
