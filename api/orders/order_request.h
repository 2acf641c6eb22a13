// Validation of REST requests for the orders endpoints (docs/contract.md §3): JSON bodies, `:id`,
// query parameters. Pure: strings in, typed values or an Invalid (status, message, field details)
// out; no I/O, so every rule is unit-tested (order_request_test.cc). Thread-safe.
//
// Everything a client sends is validated here before the database sees it, so a bad input is a
// 400 with field details and never reaches SQL (where it would become a 500 with database text).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/json_response.h"

namespace walcast::api::orders {

inline constexpr int kDefaultLimit = 50;
inline constexpr int kMaxLimit = 1000;
inline constexpr int kMaxBulkIds = 1000;
inline constexpr size_t kMaxNameCharacters = 255;

// Why a request is refused: the response's status, `error` and `details`.
struct Invalid {
  http::status status = http::status::bad_request;
  std::string error;
  std::vector<FieldError> details;
};

// Content-Type of a request with a body: application/json, optionally with parameters such as
// charset=utf-8 (any other charset is refused: bodies are UTF-8). 415 otherwise.
std::optional<Invalid> CheckJsonContentType(std::string_view content_type);

// `:id`: decimal digits only, 1..2147483647 (int4, the column's type). nullopt otherwise.
std::optional<int32_t> ParseOrderId(std::string_view text);
// The 400 for a bad `:id`.
Invalid InvalidOrderId();

// The three writable fields; absent fields are nullopt. Names are trimmed.
struct OrderFields {
  std::optional<std::string> customer_name;
  std::optional<std::string> product_name;
  std::optional<std::string> status;
};

// POST body: customer_name and product_name required, status optional (default pending).
std::optional<Invalid> ParseCreateBody(std::string_view body, OrderFields* out);
// PUT body: any non-empty subset of the three fields, each validated as for POST.
std::optional<Invalid> ParseUpdateBody(std::string_view body, OrderFields* out);

// PATCH bulk-status body: {order_ids: [1..1000 distinct-or-not positive int4], status}.
struct BulkStatus {
  std::vector<int32_t> order_ids;
  std::string status;
};
std::optional<Invalid> ParseBulkStatusBody(std::string_view body, BulkStatus* out);

bool IsOrderStatus(std::string_view status);

// GET /api/orders and /api/orders/customer/:name.
struct ListQuery {
  std::optional<std::string> status;
  std::optional<std::string> customer_name;  // substring; "" (or absent) is no filter
  int limit = kDefaultLimit;
  int64_t offset = 0;
};
std::optional<Invalid> ParseListQuery(std::string_view query, ListQuery* out);

// GET /api/orders/recent.
struct RecentQuery {
  int hours = 24;
  int limit = kDefaultLimit;
};
std::optional<Invalid> ParseRecentQuery(std::string_view query, RecentQuery* out);

// GET /api/orders/search. Dates are kept as given (for the `filters` echo) and as RFC 3339 UTC
// bounds for SQL: a date-only `date_to` includes that whole day (the bound is the next midnight,
// exclusive).
enum class SortColumn { kId, kCustomerName, kProductName, kStatus, kUpdatedAt, kCreatedAt };
struct SearchQuery {
  std::optional<std::string> search;
  std::optional<std::string> status;
  std::optional<std::string> date_from;   // as given
  std::optional<std::string> date_to;     // as given
  std::optional<std::string> from_bound;  // RFC 3339 UTC, inclusive
  std::optional<std::string> to_bound;    // RFC 3339 UTC; inclusive, or exclusive for a date
  bool to_exclusive = false;
  int limit = kDefaultLimit;
  int64_t offset = 0;
  SortColumn sort_by = SortColumn::kUpdatedAt;
  bool ascending = false;
};
std::optional<Invalid> ParseSearchQuery(std::string_view query, SearchQuery* out);
std::string_view SortColumnName(SortColumn column);

// GET /api/orders/export: format=csv or json (default json).
enum class ExportFormat { kJson, kCsv };
std::optional<Invalid> ParseExportQuery(std::string_view query, ExportFormat* out);

// A substring as an ILIKE pattern that matches it literally: `%`, `_` and `\` escaped with `\`
// (ILIKE's default escape), wrapped in `%`.
std::string ContainsPattern(std::string_view text);

// Characters (code points) of valid UTF-8 text; nullopt when `text` is not valid UTF-8.
std::optional<size_t> Utf8Length(std::string_view text);

}  // namespace walcast::api::orders
