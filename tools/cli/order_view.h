// Human-readable renderings of REST responses (docs/contract.md §3 envelopes) for `walcast orders`
// and the shell. Each takes the response body as received; a body that does not have the
// expected shape comes back unchanged, so nothing is ever hidden. Pure; unit-tested.
#pragma once

#include <string>

namespace walcast::cli {

// {"data":[order…],"pagination":{…}} → a table (ID, STATUS, CUSTOMER, PRODUCT, UPDATED) and a
// "N of TOTAL orders" footer. Also accepts a bare data array (bulk-status).
std::string OrderTable(const std::string& body);
// {"data":order,"message"?} → "field: value" lines, the message first.
std::string OrderDetails(const std::string& body);
// {"data":{total_orders,…}} → aligned "name: value" lines.
std::string StatsView(const std::string& body);
// {"error":…,"details":[{field,message}]?} of an HTTP `status` → "400 Validation failed" and one
// indented "field: message" line per detail.
std::string ErrorView(int status, const std::string& body);

}  // namespace walcast::cli
