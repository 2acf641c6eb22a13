#include "daemon/table_catalog_refresher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "database/pg_pool.h"
#include "database/table_catalog_query.h"

namespace walcast::daemon {

namespace asio = boost::asio;

TableCatalogRefresher::TableCatalogRefresher(asio::any_io_executor executor,
                                             std::shared_ptr<database::PgPool> pool,
                                             std::string publication,
                                             std::vector<decoder::TableName> tables,
                                             std::shared_ptr<decoder::TableCatalog> catalog,
                                             std::chrono::milliseconds interval)
    : strand_(asio::make_strand(executor)),
      timer_(strand_),
      pool_(std::move(pool)),
      publication_(std::move(publication)),
      tables_(std::move(tables)),
      catalog_(std::move(catalog)),
      interval_(interval) {}

void TableCatalogRefresher::Start() {
  asio::dispatch(strand_, [self = shared_from_this()] { self->Load(); });
}

void TableCatalogRefresher::Stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void TableCatalogRefresher::Load() {
  if (stopped_) return;
  database::table_catalog_query::Load(
      *pool_, publication_, tables_,
      [self = shared_from_this()](database::table_catalog_query::Outcome outcome) {
        asio::post(self->strand_, [self, outcome = std::move(outcome)]() mutable {
          if (outcome.ok()) {
            if (self->failing_) spdlog::info("table catalog: read again");
            self->failing_ = false;
            self->catalog_->Replace(std::move(outcome.tables));
          } else if (!self->failing_) {
            // Once until a read works again: a down database would repeat it every interval.
            spdlog::warn("table catalog: cannot read it, keeping the last one: {}", outcome.error);
            self->failing_ = true;
          }
          self->ScheduleNext();
        });
      });
}

void TableCatalogRefresher::ScheduleNext() {
  if (stopped_) return;
  timer_.expires_after(interval_);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    if (!error) self->Load();
  });
}

}  // namespace walcast::daemon
