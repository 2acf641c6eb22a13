// What a per-user token's AccessGrant allows on the REST API (docs/rest-api.md "Per-user
// tokens"): the scope each method needs, the checks a write passes before the database is asked
// (a create for another customer, an update moving its row out, a bulk update naming an id beyond
// the token), and the row restriction as the restricted statements' parameters
// (database/order_queries.h). Which rows a read sees, and which rows a write may change, is decided
// in SQL. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/orders/order_request.h"
#include "api/stream/access_grant.h"

namespace walcast::api::orders {

// GET and HEAD need the `read` scope, POST, PUT, PATCH and DELETE the `write` scope: 403 without
// it. Other methods need neither (they are answered 405).
std::optional<Invalid> CheckScope(http::verb method, const AccessGrant& grant);

// The 403 for a write beyond the token's rows.
Invalid OutsideRows();

// POST: the new row must be allowed. With a customer restriction its customer_name must be that
// customer; with an order_ids restriction every create is refused (a new id is not in the list).
std::optional<Invalid> CheckCreate(const RowRestriction& rows, const OrderFields& fields);
// PUT: refused when the change would move the row out of the restriction (another customer_name
// under a customer restriction). Whether the row itself is allowed is the restricted statement's
// part.
std::optional<Invalid> CheckUpdate(const RowRestriction& rows, const OrderFields& fields);
// PATCH bulk-status: under an order_ids restriction every id must be listed, whether or not the
// order exists. The customer part is checked in SQL (RestrictedBulkStatus).
std::optional<Invalid> CheckBulkIds(const RowRestriction& rows, const std::vector<int32_t>& ids);

// The restriction as the restricted statements' last two parameters: the ids as an int8[] literal
// ("{3,7}"; "{}" for an empty list, which allows no row) or NULL, and the customer_name or NULL.
std::vector<std::optional<std::string>> RestrictionParams(const RowRestriction& rows);

}  // namespace walcast::api::orders
