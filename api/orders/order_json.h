// The JSON bodies of the orders endpoints (docs/contract.md §3), from rows already rendered by the
// database layer (database/result_rows.h). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/orders/order_request.h"
#include "decoder/json_row.h"

namespace walcast::api::orders {

struct Pagination {
  int limit = 0;
  int64_t offset = 0;
  int64_t total = 0;
};

// {"success":true,"data":<row>}
std::string OrderBody(const decoder::Row& row);
// {"success":true,"data":<row>,"message":…,"eventId":"…"|null}
std::string WriteBody(const decoder::Row& row, std::string_view message,
                      const std::optional<std::string>& event_id);
// {"success":true,"data":[rows],"count":n,"pagination":{limit,offset,total}}; `customer_name`
// adds that field (the /customer/:name route).
std::string ListBody(const std::vector<decoder::Row>& rows, const Pagination& pagination,
                     const std::optional<std::string>& customer_name = std::nullopt);
// {"success":true,"data":[rows],"count":n,"hours":h,"limit":l}
std::string RecentBody(const std::vector<decoder::Row>& rows, const RecentQuery& query);
// {"success":true,"data":[rows],"count":n,"pagination":{total,limit,offset,pages,current_page},
//  "filters":{search,status,date_from,date_to,sort_by,sort_order}}
std::string SearchBody(const std::vector<decoder::Row>& rows, const SearchQuery& query,
                       int64_t total);
// {"success":true,"data":[rows],"updated_count":n,"message":"Successfully updated n orders"}
std::string BulkBody(const std::vector<decoder::Row>& rows);

// A read's envelope (a JSON object) with the top-level `streamPosition` member added: the
// position's text, or null (docs/contract.md §9). Positions are URL-safe ASCII: nothing to escape.
std::string WithStreamPosition(std::string body, const std::optional<std::string>& position);
// {"success":true,"data":<object>} where `object` is a row (stats) or raw JSON members.
std::string DataBody(std::string_view raw_json_object);
// {"success":true,"data":{overview,top_customers,top_products,daily_trend,generated_at}} from
// the analytics row (whose columns are json values).
std::string AnalyticsBody(const decoder::Row& row, std::string_view generated_at);

// The self-description of GET /api: every endpoint and stream event.
const std::string& ApiDescriptionBody();

// Export pieces. JSON: `[` row `,` row … `]` wrapped as
// {"success":true,"data":[…],"count":n,"streamPosition":…}.
inline constexpr std::string_view kExportJsonHead = "{\"success\":true,\"data\":[";
std::string ExportJsonTail(uint64_t count, const std::optional<std::string>& stream_position);
// CSV: a header line and one line per row (RFC 4180: CRLF, quotes doubled, fields with
// separators quoted); a cell starting with = + - @ (or tab/CR) is prefixed with ' so spreadsheets
// do not run it as a formula.
std::string_view CsvHeader();
void AppendCsvRow(const decoder::Row& row, std::string* out);
void AppendCsvCell(std::string_view text, std::string* out);

}  // namespace walcast::api::orders
