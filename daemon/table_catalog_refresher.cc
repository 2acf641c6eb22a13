#include "daemon/table_catalog_refresher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
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
  asio::dispatch(strand_, [self = shared_from_this()] { self->LoadSoon(); });
}

void TableCatalogRefresher::Stop() {
  asio::dispatch(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->timer_.cancel();
  });
}

void TableCatalogRefresher::RefreshNow() {
  requested_.fetch_add(1);
  asio::dispatch(strand_, [self = shared_from_this()] { self->LoadSoon(); });
}

void TableCatalogRefresher::LoadSoon() {
  if (stopped_) return;
  if (loading_) {
    again_ = true;  // that read may have started before the publication changed
    return;
  }
  timer_.cancel();  // a wait that had already expired finds loading_ set and does nothing
  Load();
}

bool TableCatalogRefresher::Current() const { return loaded_.load() >= requested_.load(); }

std::string TableCatalogRefresher::LastError() const {
  std::lock_guard lock(error_mutex_);
  return last_error_;
}

void TableCatalogRefresher::Load() {
  if (stopped_) return;
  loading_ = true;
  again_ = false;
  const uint64_t request = requested_.load();
  database::table_catalog_query::Load(
      *pool_, publication_, tables_,
      [self = shared_from_this(), request](database::table_catalog_query::Outcome outcome) {
        asio::post(self->strand_, [self, request, outcome = std::move(outcome)]() mutable {
          self->loading_ = false;
          if (outcome.ok()) {
            if (self->failing_) spdlog::info("table catalog: read again");
            self->failing_ = false;
            self->catalog_->Replace(std::move(outcome.tables));
            if (self->loaded_.load() < request) self->loaded_.store(request);
            std::lock_guard lock(self->error_mutex_);
            self->last_error_.clear();
          } else {
            if (!self->failing_) {
              // Once until a read works again: a down database would repeat it every interval.
              spdlog::warn("table catalog: cannot read it, keeping the last one: {}",
                           outcome.error);
            }
            self->failing_ = true;
            std::lock_guard lock(self->error_mutex_);
            self->last_error_ = outcome.error;
          }
          if (self->again_) return self->Load();
          self->ScheduleNext();
        });
      });
}

void TableCatalogRefresher::ScheduleNext() {
  if (stopped_) return;
  // A requested read that failed (the pool still refusing just after the database came back) is
  // retried soon: /health waits for it.
  constexpr std::chrono::milliseconds kRetry{250};
  timer_.expires_after(Current() ? interval_ : std::min(interval_, kRetry));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
    // A RefreshNow may have started a read after this wait had already expired (then the read
    // it started schedules the next wait).
    if (!error && !self->loading_) self->Load();
  });
}

}  // namespace walcast::daemon
