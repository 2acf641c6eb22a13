// TableCatalogRefresher: keeps the daemon's decoder::TableCatalog (what GET /api/tables lists and
// what clients' table names and column filters are checked against) current, by reading the
// catalog (database/table_catalog_query.h) on the REST pool at start and every `interval`. A
// column added by ALTER TABLE, or a table added to the publication, is known within one interval
// (docs/tables.md); a failed read keeps the last catalog and is logged once until a read works
// again.
//
// RefreshNow reads at once: the replication stream calls it when it has just created or extended
// the publication, whose tables a read before then did not see (with `*`, an empty catalog).
// Current() says whether a read started after the last such request has worked: until then the
// daemon does not report its stream up (daemon/status_report.h), so a client that waited for
// /health is not told that a streamed table does not exist. Start/Stop/RefreshNow on any thread;
// the timer runs on its own strand.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "decoder/normalizer.h"
#include "decoder/table_catalog.h"

namespace walcast::database {
class PgPool;
}  // namespace walcast::database

namespace walcast::daemon {

class TableCatalogRefresher : public std::enable_shared_from_this<TableCatalogRefresher> {
 public:
  TableCatalogRefresher(boost::asio::any_io_executor executor,
                        std::shared_ptr<database::PgPool> pool, std::string publication,
                        std::vector<decoder::TableName> tables,
                        std::shared_ptr<decoder::TableCatalog> catalog,
                        std::chrono::milliseconds interval = std::chrono::seconds(2));

  void Start();
  void Stop();
  void RefreshNow();
  // Thread-safe: the last RefreshNow (or Start) has been followed by a successful read.
  bool Current() const;
  // Thread-safe: why the last read failed; empty after a successful one.
  std::string LastError() const;

 private:
  // Reads now, or once more after the read in flight.
  void LoadSoon();
  void Load();
  void ScheduleNext();

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::steady_timer timer_;
  std::shared_ptr<database::PgPool> pool_;
  std::string publication_;
  std::vector<decoder::TableName> tables_;
  std::shared_ptr<decoder::TableCatalog> catalog_;
  std::chrono::milliseconds interval_;
  bool stopped_ = false;  // on the strand
  bool failing_ = false;  // on the strand: the last read failed (logged once)
  bool loading_ = false;  // on the strand: a read is in flight
  bool again_ = false;    // on the strand: RefreshNow came during that read: read once more

  // Requests are numbered; a read carries the number current when it started, and the catalog is
  // current once a read carrying the latest number has worked.
  std::atomic<uint64_t> requested_{1};
  std::atomic<uint64_t> loaded_{0};
  mutable std::mutex error_mutex_;
  std::string last_error_;
};

}  // namespace walcast::daemon
