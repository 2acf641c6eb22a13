// TableCatalogRefresher: keeps the daemon's decoder::TableCatalog (what GET /api/tables lists and
// what clients' table names and column filters are checked against) current, by reading the
// catalog (database/table_catalog_query.h) on the REST pool at start and every `interval`. A
// column added by ALTER TABLE, or a table added to the publication, is known within one interval
// (docs/tables.md); a failed read keeps the last catalog and is logged once until a read works
// again. Start/Stop on any thread; the timer runs on its own strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <memory>
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

 private:
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
};

}  // namespace walcast::daemon
