// OrderRoutes: the orders endpoints and GET /api (docs/contract.md §3). Validates a request
// (order_request.h), runs its statement on the pool (database/order_queries.h) and answers with
// the bodies of order_json.h. Write responses wait, bounded, for the write's change event
// (write_tracker.h) to carry its eventId.
//
// Thread-safe; Handle may be called from any thread and answers later, from a pool strand or the
// executor. The pool and the tracker must outlive every request in flight (the App owns them).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/http/respond.h"
#include "api/stream/access_grant.h"

namespace walcast::database {
class PgPool;
struct Rows;
struct Statement;
}  // namespace walcast::database

namespace walcast::api {
class WriteTracker;
}

namespace walcast::api::orders {

class ReadPositions;

struct OrderRoutesOptions {
  std::chrono::milliseconds write_event_wait{2000};
  size_t export_batch_rows = 1000;
};

class OrderRoutes {
 public:
  // `positions` gives reads their streamPosition (null without it).
  OrderRoutes(std::shared_ptr<database::PgPool> pool, std::shared_ptr<WriteTracker> tracker,
              boost::asio::any_io_executor executor, OrderRoutesOptions options,
              std::shared_ptr<ReadPositions> positions = nullptr);

  // Answers `request` if its path is /api or under /api/orders; false (and `respond` untouched)
  // otherwise. `grant` (a per-user token's, or AccessGrant::Full()) decides what it may do: its
  // scopes the methods, its row restriction the rows every read sees and every write may change
  // (docs/rest-api.md "Per-user tokens"). An unrestricted grant runs the statements untouched.
  bool Handle(const Request& request, const AccessGrant& grant, const Respond& respond) const;

 private:
  void HandleCollection(const Request& request, const RowRestriction& rows, const Respond& respond,
                        const std::string& log) const;
  void HandleItem(const Request& request, std::string_view id_text, const RowRestriction& rows,
                  const Respond& respond, const std::string& log) const;
  void List(std::string_view query, const RowRestriction& rows, const Respond& respond,
            const std::string& log) const;
  void Customer(std::string_view name, std::string_view query, const RowRestriction& rows,
                const Respond& respond, const std::string& log) const;
  void Create(const Request& request, const RowRestriction& rows, const Respond& respond,
              const std::string& log) const;
  void Update(const Request& request, int32_t id, const RowRestriction& rows,
              const Respond& respond, const std::string& log) const;
  void Delete(int32_t id, const RowRestriction& rows, const Respond& respond,
              const std::string& log) const;
  // Runs a write of one row and answers `status` with the row and its eventId. No row back, for
  // an update or delete of order `target`: 404, or 403 when `restricted` (the statement carries
  // the row restriction) and the order exists beyond it; for an insert (no target): an internal
  // error.
  void WriteOne(const database::Statement& statement,
                std::vector<std::optional<std::string>> params, http::status status,
                std::string message, std::optional<int32_t> target, bool restricted,
                const Respond& respond, const std::string& log) const;
  void BulkStatus(const Request& request, const RowRestriction& rows, const Respond& respond,
                  const std::string& log) const;
  void Stats(const RowRestriction& rows, const Respond& respond, const std::string& log) const;
  void Analytics(const RowRestriction& rows, const Respond& respond, const std::string& log) const;
  void Recent(std::string_view query, const RowRestriction& rows, const Respond& respond,
              const std::string& log) const;
  void Search(std::string_view query, const RowRestriction& rows, const Respond& respond,
              const std::string& log) const;
  void Export(std::string_view query, const RowRestriction& rows, const Respond& respond,
              const std::string& log) const;
  // Runs a read, restricted to `rows`, in a snapshot and answers with `render(rows)` plus its
  // streamPosition.
  using RenderRead = std::function<std::string(const database::Rows& rows)>;
  void Read(const database::Statement& statement, std::vector<std::optional<std::string>> params,
            const RowRestriction& rows, const Respond& respond, const std::string& log,
            RenderRead render, bool not_found_when_empty = false) const;

  std::shared_ptr<database::PgPool> pool_;
  std::shared_ptr<WriteTracker> tracker_;
  boost::asio::any_io_executor executor_;
  OrderRoutesOptions options_;
  std::shared_ptr<ReadPositions> positions_;
};

}  // namespace walcast::api::orders
