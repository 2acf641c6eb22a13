#include "api/orders/order_routes.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "api/http/json_response.h"
#include "api/http/log_text.h"
#include "api/http/url.h"
#include "api/orders/order_access.h"
#include "api/orders/order_json.h"
#include "api/orders/order_request.h"
#include "api/orders/read_positions.h"
#include "api/orders/write_tracker.h"
#include "database/order_queries.h"
#include "database/pg_pool.h"
#include "decoder/pg_time.h"

namespace walcast::api::orders {
namespace queries = database::order_queries;
using database::StoreError;
using database::StoreOutcome;

namespace {

Response Refuse(const Invalid& invalid) {
  return JsonError(invalid.status, invalid.error, invalid.details);
}

Response MethodNotAllowed(std::string_view allow) {
  auto response = JsonError(http::status::method_not_allowed, "Method not allowed");
  response.set(http::field::allow, allow);
  return response;
}

// The client learns the kind of failure, never the database's text (that goes to the log).
Response StoreFailure(const StoreOutcome& outcome, std::string_view what) {
  switch (outcome.error) {
    case StoreError::kUnavailable:
      spdlog::debug("rest {}: database unavailable: {}", what, outcome.log_message);
      return JsonError(http::status::service_unavailable, "Database unavailable");
    case StoreError::kTimeout:
      spdlog::warn("rest {}: database timeout: {}", what, outcome.log_message);
      return JsonError(http::status::service_unavailable, "Database timeout");
    case StoreError::kOverload: {
      spdlog::warn("rest {}: {}", what, outcome.log_message);
      auto response = JsonError(http::status::service_unavailable, "Server busy");
      response.set(http::field::retry_after, "1");
      return response;
    }
    case StoreError::kConstraint:
      spdlog::info("rest {}: constraint: {}", what, outcome.log_message);
      return JsonError(http::status::conflict, "Conflicting change");
    case StoreError::kInternal:
    case StoreError::kNone:
      break;
  }
  spdlog::error("rest {}: {}", what, outcome.log_message);
  return JsonError(http::status::internal_server_error, "Internal server error");
}

Response Ok(std::string body, http::status status = http::status::ok) {
  return JsonResponse(status, std::move(body));
}

std::optional<Invalid> CheckBodyType(const Request& request) {
  auto it = request.find(http::field::content_type);
  if (it == request.end()) return CheckJsonContentType({});
  return CheckJsonContentType(std::string_view(it->value().data(), it->value().size()));
}

int64_t TotalOf(const database::Rows& rows) {
  auto total = rows.Extra("total");
  return total ? std::stoll(*total) : 0;
}

database::Params Text(std::initializer_list<std::optional<std::string>> values) {
  return database::Params(values);
}

std::optional<std::string> PatternOf(const std::optional<std::string>& substring) {
  if (!substring) return std::nullopt;
  return ContainsPattern(*substring);
}

// `read` as `rows` restricts it: its restricted variant with the restriction's parameters
// appended to `*params`, or `read` itself, at no cost, when nothing is restricted.
const database::Statement& Visible(const database::Statement& read, const RowRestriction& rows,
                                   database::Params* params) {
  if (rows.Unrestricted()) return read;
  for (auto& value : RestrictionParams(rows)) params->push_back(std::move(value));
  return queries::Restricted(read);
}

Response NotFound() { return JsonError(http::status::not_found, "Order not found"); }

}  // namespace

OrderRoutes::OrderRoutes(std::shared_ptr<database::PgPool> pool,
                         std::shared_ptr<WriteTracker> tracker,
                         boost::asio::any_io_executor executor, OrderRoutesOptions options,
                         std::shared_ptr<ReadPositions> positions)
    : pool_(std::move(pool)),
      tracker_(std::move(tracker)),
      executor_(std::move(executor)),
      options_(options),
      positions_(std::move(positions)) {}

void OrderRoutes::Read(const database::Statement& read, database::Params params,
                       const RowRestriction& rows, const Respond& respond, const std::string& log,
                       RenderRead render, bool not_found_when_empty) const {
  const database::Statement& statement = Visible(read, rows, &params);
  if (!positions_ || !positions_->enabled()) {
    // No positions to give: one statement, no transaction.
    return pool_->Execute(
        statement, std::move(params),
        [respond, log, render = std::move(render), not_found_when_empty](StoreOutcome outcome) {
          if (!outcome.ok()) return respond(StoreFailure(outcome, log));
          if (not_found_when_empty && outcome.rows.rows.empty()) {
            return respond(NotFound());
          }
          respond(Ok(WithStreamPosition(render(outcome.rows), std::nullopt)));
        });
  }
  auto mark = positions_->Begin();
  pool_->ExecuteInSnapshot(statement, std::move(params),
                           [respond, log, render = std::move(render), not_found_when_empty,
                            positions = positions_, mark](StoreOutcome outcome) {
                             if (!outcome.ok()) return respond(StoreFailure(outcome, log));
                             if (not_found_when_empty && outcome.rows.rows.empty()) {
                               return respond(NotFound());
                             }
                             respond(Ok(WithStreamPosition(
                                 render(outcome.rows), positions->Finish(mark, outcome.snapshot))));
                           });
}

bool OrderRoutes::Handle(const Request& request, const AccessGrant& grant,
                         const Respond& respond) const {
  std::string_view path = PathOf(request.target());
  constexpr std::string_view kPrefix = "/api/orders";
  if (path != "/api" && path != kPrefix && !path.starts_with("/api/orders/")) {
    return false;  // "/api/ordersx" included: not ours
  }
  // The scope first, whatever the path below: a token without it learns nothing more.
  if (auto refused = CheckScope(request.method(), grant)) {
    respond(Refuse(*refused));
    return true;
  }
  const RowRestriction& rows = grant.rows;
  if (path == "/api") {
    if (request.method() != http::verb::get) {
      respond(MethodNotAllowed("GET"));
    } else {
      respond(Ok(ApiDescriptionBody()));
    }
    return true;
  }
  // For log lines about this request: the session puts its request id in the request.
  auto request_id = request.find("X-Request-Id");
  const std::string log =
      "request=" +
      (request_id == request.end() ? std::string("-") : std::string(request_id->value())) + " " +
      std::string(http::to_string(request.method())) + " " + LoggableTarget(request.target());
  std::string_view rest = path.substr(kPrefix.size());
  if (rest.empty()) {
    HandleCollection(request, rows, respond, log);
    return true;
  }
  rest.remove_prefix(1);  // the '/'
  std::string_view query = QueryOf(request.target());
  const auto method = request.method();

  if (rest == "bulk-status") {
    if (method != http::verb::patch) {
      respond(MethodNotAllowed("PATCH"));
    } else {
      BulkStatus(request, rows, respond, log);
    }
    return true;
  }
  for (std::string_view name : {"stats", "analytics", "recent", "search", "export"}) {
    if (rest != name) continue;
    if (method != http::verb::get) {
      respond(MethodNotAllowed("GET"));
    } else if (name == "stats") {
      Stats(rows, respond, log);
    } else if (name == "analytics") {
      Analytics(rows, respond, log);
    } else if (name == "recent") {
      Recent(query, rows, respond, log);
    } else if (name == "search") {
      Search(query, rows, respond, log);
    } else {
      Export(query, rows, respond, log);
    }
    return true;
  }
  if (rest.starts_with("customer/")) {
    if (method != http::verb::get) {
      respond(MethodNotAllowed("GET"));
      return true;
    }
    auto name = DecodeUrlPath(rest.substr(9));
    if (!name || name->empty() || name->find('/') != std::string::npos || !Utf8Length(*name) ||
        *Utf8Length(*name) > kMaxNameCharacters) {
      respond(JsonError(http::status::bad_request, "Invalid customer name",
                        {{"name", "must be 1 to 255 characters of UTF-8 text"}}));
      return true;
    }
    Customer(*name, query, rows, respond, log);
    return true;
  }
  if (rest.find('/') != std::string_view::npos) {
    respond(JsonError(http::status::not_found, "Endpoint not found"));
    return true;
  }
  HandleItem(request, rest, rows, respond, log);
  return true;
}

void OrderRoutes::HandleCollection(const Request& request, const RowRestriction& rows,
                                   const Respond& respond, const std::string& log) const {
  switch (request.method()) {
    case http::verb::get:
      return List(QueryOf(request.target()), rows, respond, log);
    case http::verb::post:
      return Create(request, rows, respond, log);
    default:
      return respond(MethodNotAllowed("GET, POST"));
  }
}

void OrderRoutes::HandleItem(const Request& request, std::string_view id_text,
                             const RowRestriction& rows, const Respond& respond,
                             const std::string& log) const {
  const auto method = request.method();
  if (method != http::verb::get && method != http::verb::put && method != http::verb::delete_) {
    return respond(MethodNotAllowed("GET, PUT, DELETE"));
  }
  auto id = ParseOrderId(id_text);
  if (!id) return respond(Refuse(InvalidOrderId()));
  if (method == http::verb::put) return Update(request, *id, rows, respond, log);
  if (method == http::verb::delete_) return Delete(*id, rows, respond, log);
  // An order beyond the restriction is 404 like a missing one: a read cannot probe other ids.
  Read(
      queries::Get(), Text({std::to_string(*id)}), rows, respond, log,
      [](const database::Rows& found) { return OrderBody(found.rows[0]); },
      /*not_found_when_empty=*/true);
}

void OrderRoutes::List(std::string_view query_text, const RowRestriction& rows,
                       const Respond& respond, const std::string& log) const {
  ListQuery query;
  if (auto invalid = ParseListQuery(query_text, &query)) return respond(Refuse(*invalid));
  Read(queries::List(),
       Text({query.status, PatternOf(query.customer_name), std::to_string(query.limit),
             std::to_string(query.offset)}),
       rows, respond, log, [query](const database::Rows& found) {
         return ListBody(found.rows, {query.limit, query.offset, TotalOf(found)});
       });
}

void OrderRoutes::Customer(std::string_view name, std::string_view query_text,
                           const RowRestriction& rows, const Respond& respond,
                           const std::string& log) const {
  ListQuery query;
  if (auto invalid = ParseListQuery(query_text, &query)) return respond(Refuse(*invalid));
  std::string customer(name);
  Read(queries::List(),
       Text({query.status, ContainsPattern(customer), std::to_string(query.limit),
             std::to_string(query.offset)}),
       rows, respond, log, [query, customer](const database::Rows& found) {
         return ListBody(found.rows, {query.limit, query.offset, TotalOf(found)}, customer);
       });
}

// Answers a single-row write: waits (bounded) for its change event when a stream reports xids.
static void AnswerWrite(const std::shared_ptr<WriteTracker>& tracker,
                        boost::asio::any_io_executor executor, std::chrono::milliseconds wait,
                        StoreOutcome outcome, http::status status, std::string message,
                        Respond respond) {
  decoder::Row row = std::move(outcome.rows.rows[0]);
  auto txid = outcome.rows.Extra("xid");
  std::optional<uint32_t> xid = txid ? XidOfTxid(*txid) : std::nullopt;
  if (!tracker || !tracker->enabled() || !xid) {
    return respond(Ok(WriteBody(row, message, std::nullopt), status));
  }
  tracker->Wait(*xid, wait, executor,
                [respond = std::move(respond), row = std::move(row), status,
                 message = std::move(message)](std::optional<std::string> event_id) {
                  respond(Ok(WriteBody(row, message, event_id), status));
                });
}

void OrderRoutes::WriteOne(const database::Statement& statement, database::Params params,
                           http::status status, std::string message, std::optional<int32_t> target,
                           bool restricted, const Respond& respond, const std::string& log) const {
  pool_->Execute(
      statement, std::move(params),
      [respond, log, status, message = std::move(message), target, restricted, pool = pool_,
       tracker = tracker_, executor = executor_,
       wait = options_.write_event_wait](StoreOutcome outcome) {
        if (!outcome.ok()) return respond(StoreFailure(outcome, log));
        if (outcome.rows.rows.empty()) {
          if (!target) {
            return respond(
                StoreFailure({StoreError::kInternal, "write returned no row", {}, {}}, log));
          }
          if (!restricted) return respond(NotFound());
          // The restricted statement changed nothing: the order is missing (404) or beyond the
          // restriction (403). Asked only now, so a write inside the restriction costs one
          // statement; a concurrent change can only alter which refusal is given, since the
          // write itself never reaches beyond the restriction.
          return pool->Execute(queries::Get(), Text({std::to_string(*target)}),
                               [respond, log](StoreOutcome found) {
                                 if (!found.ok()) return respond(StoreFailure(found, log));
                                 if (found.rows.rows.empty()) return respond(NotFound());
                                 respond(Refuse(OutsideRows()));
                               });
        }
        AnswerWrite(tracker, executor, wait, std::move(outcome), status, message, respond);
      });
}

void OrderRoutes::Create(const Request& request, const RowRestriction& rows, const Respond& respond,
                         const std::string& log) const {
  if (auto invalid = CheckBodyType(request)) return respond(Refuse(*invalid));
  OrderFields fields;
  if (auto invalid = ParseCreateBody(request.body(), &fields)) return respond(Refuse(*invalid));
  if (auto refused = CheckCreate(rows, fields)) return respond(Refuse(*refused));
  WriteOne(queries::Insert(), Text({fields.customer_name, fields.product_name, fields.status}),
           http::status::created, "Order created successfully", std::nullopt, false, respond, log);
}

void OrderRoutes::Update(const Request& request, int32_t id, const RowRestriction& rows,
                         const Respond& respond, const std::string& log) const {
  // The body is validated before the order's existence, so a bad body is always a 400.
  if (auto invalid = CheckBodyType(request)) return respond(Refuse(*invalid));
  OrderFields fields;
  if (auto invalid = ParseUpdateBody(request.body(), &fields)) return respond(Refuse(*invalid));
  if (auto refused = CheckUpdate(rows, fields)) return respond(Refuse(*refused));
  auto params =
      Text({std::to_string(id), fields.customer_name, fields.product_name, fields.status});
  if (rows.Unrestricted()) {
    return WriteOne(queries::Update(), std::move(params), http::status::ok,
                    "Order updated successfully", id, false, respond, log);
  }
  for (auto& value : RestrictionParams(rows)) params.push_back(std::move(value));
  WriteOne(queries::RestrictedUpdate(), std::move(params), http::status::ok,
           "Order updated successfully", id, true, respond, log);
}

void OrderRoutes::Delete(int32_t id, const RowRestriction& rows, const Respond& respond,
                         const std::string& log) const {
  auto params = Text({std::to_string(id)});
  if (rows.Unrestricted()) {
    return WriteOne(queries::Delete(), std::move(params), http::status::ok,
                    "Order deleted successfully", id, false, respond, log);
  }
  for (auto& value : RestrictionParams(rows)) params.push_back(std::move(value));
  WriteOne(queries::RestrictedDelete(), std::move(params), http::status::ok,
           "Order deleted successfully", id, true, respond, log);
}

void OrderRoutes::BulkStatus(const Request& request, const RowRestriction& rows,
                             const Respond& respond, const std::string& log) const {
  if (auto invalid = CheckBodyType(request)) return respond(Refuse(*invalid));
  orders::BulkStatus bulk;
  if (auto invalid = ParseBulkStatusBody(request.body(), &bulk)) return respond(Refuse(*invalid));
  if (auto refused = CheckBulkIds(rows, bulk.order_ids)) return respond(Refuse(*refused));
  std::string ids = "{";
  for (size_t i = 0; i < bulk.order_ids.size(); ++i) {
    if (i > 0) ids += ',';
    ids += std::to_string(bulk.order_ids[i]);
  }
  ids += '}';
  auto params = Text({ids, bulk.status});
  const database::Statement* statement = &queries::BulkStatus();
  if (!rows.Unrestricted()) {
    for (auto& value : RestrictionParams(rows)) params.push_back(std::move(value));
    statement = &queries::RestrictedBulkStatus();
  }
  pool_->Execute(*statement, std::move(params), [respond, log](StoreOutcome outcome) {
    if (!outcome.ok()) return respond(StoreFailure(outcome, log));
    // Only the restricted statement says it: a listed order exists beyond the restriction, and
    // nothing was changed.
    if (auto refused = outcome.rows.Extra("refused"); refused && *refused != "0") {
      return respond(Refuse(OutsideRows()));
    }
    respond(Ok(BulkBody(outcome.rows.rows)));
  });
}

void OrderRoutes::Stats(const RowRestriction& rows, const Respond& respond,
                        const std::string& log) const {
  database::Params params;
  const database::Statement& statement = Visible(queries::Stats(), rows, &params);
  pool_->Execute(statement, std::move(params), [respond, log](StoreOutcome outcome) {
    if (!outcome.ok()) return respond(StoreFailure(outcome, log));
    if (outcome.rows.rows.empty()) {
      return respond(StoreFailure({StoreError::kInternal, "stats returned no row", {}, {}}, log));
    }
    respond(Ok(DataBody(outcome.rows.rows[0].json())));
  });
}

void OrderRoutes::Analytics(const RowRestriction& rows, const Respond& respond,
                            const std::string& log) const {
  database::Params params;
  const database::Statement& statement = Visible(queries::Analytics(), rows, &params);
  pool_->Execute(statement, std::move(params), [respond, log](StoreOutcome outcome) {
    if (!outcome.ok()) return respond(StoreFailure(outcome, log));
    if (outcome.rows.rows.empty()) {
      return respond(
          StoreFailure({StoreError::kInternal, "analytics returned no row", {}, {}}, log));
    }
    auto now = decoder::FormatRfc3339(decoder::UnixMicros(std::chrono::system_clock::now()));
    respond(Ok(AnalyticsBody(outcome.rows.rows[0], now)));
  });
}

void OrderRoutes::Recent(std::string_view query_text, const RowRestriction& rows,
                         const Respond& respond, const std::string& log) const {
  RecentQuery query;
  if (auto invalid = ParseRecentQuery(query_text, &query)) return respond(Refuse(*invalid));
  Read(queries::Recent(), Text({std::to_string(query.hours), std::to_string(query.limit)}), rows,
       respond, log,
       [query](const database::Rows& found) { return RecentBody(found.rows, query); });
}

void OrderRoutes::Search(std::string_view query_text, const RowRestriction& rows,
                         const Respond& respond, const std::string& log) const {
  SearchQuery query;
  if (auto invalid = ParseSearchQuery(query_text, &query)) return respond(Refuse(*invalid));
  Read(queries::Search(SortColumnName(query.sort_by), query.ascending),
       Text({PatternOf(query.search), query.status, query.from_bound, query.to_bound,
             query.to_exclusive ? "true" : "false", std::to_string(query.limit),
             std::to_string(query.offset)}),
       rows, respond, log, [query](const database::Rows& found) {
         return SearchBody(found.rows, query, TotalOf(found));
       });
}

void OrderRoutes::Export(std::string_view query_text, const RowRestriction& rows,
                         const Respond& respond, const std::string& log) const {
  ExportFormat format;
  if (auto invalid = ParseExportQuery(query_text, &format)) return respond(Refuse(*invalid));
  // Keyset pagination by id, one batch per chunk, all in one snapshot on one leased connection
  // (docs/contract.md §9: the export is one read): memory stays at one batch whatever the table
  // size. The first batch is fetched before answering, so a database failure is still a clean 503.
  struct ExportState {
    ExportFormat format;
    size_t batch;
    std::shared_ptr<database::ReadLease> lease;      // ends the transaction when the export is done
    const database::Statement* statement = nullptr;  // ExportBatch, restricted or not
    database::Params restriction = {};               // its restriction's parameters, if any
    int64_t after_id = 0;
    uint64_t count = 0;
    bool rows_done = false;
    bool tail_sent = false;
    std::optional<std::string> position = std::nullopt;

    std::string Render(const std::vector<decoder::Row>& rows) {
      std::string out;
      for (const auto& row : rows) {
        if (format == ExportFormat::kCsv) {
          AppendCsvRow(row, &out);
        } else {
          if (count > 0) out.push_back(',');
          out.append(row.json());
        }
        ++count;
        if (auto id = row.Find("id")) after_id = std::stoll(std::string(*id));
      }
      if (rows.size() < batch) rows_done = true;
      return out;
    }
    database::Params NextParams() const {
      database::Params params{std::to_string(after_id), std::to_string(batch)};
      params.insert(params.end(), restriction.begin(), restriction.end());
      return params;
    }
    std::string Tail() {
      tail_sent = true;
      return format == ExportFormat::kJson ? ExportJsonTail(count, position) : std::string();
    }
  };
  auto state = std::make_shared<ExportState>(
      ExportState{format, std::max<size_t>(options_.export_batch_rows, 1), nullptr});
  state->statement = &Visible(queries::ExportBatch(), rows, &state->restriction);
  auto mark = positions_ ? positions_->Begin() : std::nullopt;
  pool_->Lease([respond, log, state, mark, positions = positions_](
                   std::shared_ptr<database::ReadLease> lease, StoreOutcome leased) {
    if (!lease) return respond(StoreFailure(leased, log));
    state->lease = std::move(lease);
    state->lease->Execute(
        *state->statement, state->NextParams(),
        [respond, log, state, mark, positions](StoreOutcome outcome) {
          if (!outcome.ok()) return respond(StoreFailure(outcome, log));
          if (positions) state->position = positions->Finish(mark, outcome.snapshot);
          Response head(http::status::ok, 11);
          std::string first;
          if (state->format == ExportFormat::kCsv) {
            head.set(http::field::content_type, "text/csv; charset=utf-8; header=present");
            head.set(http::field::content_disposition, "attachment; filename=\"orders.csv\"");
            if (state->position) head.set("X-Stream-Position", *state->position);
            first = std::string(CsvHeader());
          } else {
            head.set(http::field::content_type, "application/json; charset=utf-8");
            first = std::string(kExportJsonHead);
          }
          head.set(http::field::cache_control, "no-store");
          first += state->Render(outcome.rows.rows);
          auto pending = std::make_shared<std::optional<std::string>>(std::move(first));
          respond.Stream(std::move(head), [state, pending, log](DeliverChunk deliver) {
            if (*pending) {
              std::string chunk = std::move(**pending);
              pending->reset();
              return deliver(std::move(chunk));
            }
            if (state->tail_sent) {
              state->lease.reset();
              return deliver(std::nullopt);
            }
            if (state->rows_done) return deliver(state->Tail());
            state->lease->Execute(*state->statement, state->NextParams(),
                                  [state, deliver, log](StoreOutcome next) {
                                    if (!next.ok()) {
                                      // The head is sent: all that is left is to end the body
                                      // early.
                                      spdlog::warn("rest export: stopped after {} rows: {}",
                                                   state->count, next.log_message);
                                      state->tail_sent = true;
                                      return deliver(std::nullopt);
                                    }
                                    std::string chunk = state->Render(next.rows.rows);
                                    if (state->rows_done) chunk += state->Tail();
                                    deliver(std::move(chunk));
                                  });
          });
        },
        /*in_snapshot=*/positions != nullptr && mark.has_value());
  });
}

}  // namespace walcast::api::orders
