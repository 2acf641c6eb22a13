// The SQL of the REST API (docs/contract.md §3), as statements PgPool prepares once per connection.
// Every value is a parameter ($1..); nothing a client sends is ever part of the SQL text. The only
// variable part, the search's ORDER BY, is chosen from a fixed list (SearchStatement).
//
// Conventions the API relies on: rows carry the table's six columns in table order; "__total" is
// the number of rows matching a filter (list, search), "__xid" the writing transaction's
// txid_current() (eventId, api/orders/write_tracker.h). Filters and totals come from one statement,
// so a page and its total are consistent.
#pragma once

#include <string_view>

#include "database/pg_pool.h"

namespace walcast::database::order_queries {

// $1 id.
const Statement& Get();
// $1 status or NULL, $2 ILIKE pattern or NULL, $3 limit, $4 offset. Newest updated_at first, ties
// by id desc; one row with NULL columns and __total when the page is empty.
const Statement& List();
// $1 customer_name, $2 product_name, $3 status. Returns the row and __xid.
const Statement& Insert();
// $1 id, $2 customer_name or NULL, $3 product_name or NULL, $4 status or NULL (NULL: unchanged).
const Statement& Update();
// $1 id. Returns the deleted row and __xid.
const Statement& Delete();
// $1 int4[] ids ("{1,2}"), $2 status: one statement, so one transaction.
const Statement& BulkStatus();
// total_orders, pending_orders, shipped_orders, delivered_orders, unique_customers, last_updated.
const Statement& Stats();
// $1 hours, $2 limit.
const Statement& Recent();
// $1 ILIKE pattern or NULL (customer or product name), $2 status or NULL, $3 from (inclusive) or
// NULL, $4 to or NULL, $5 'true' when $4 is exclusive, $6 limit, $7 offset.
// `sort_by` must be one of id, customer_name, product_name, status, updated_at, created_at
// (anything else sorts by updated_at); ties by id in the same direction.
const Statement& Search(std::string_view sort_by, bool ascending);
// One row of json columns: overview, top_customers, top_products, daily_trend.
const Statement& Analytics();
// $1 id after which to continue (0 to start), $2 batch size: keyset pagination by id.
const Statement& ExportBatch();

// --- Restricted statements: a per-user token's rows (docs/rest-api.md "Per-user tokens") ---
// Each takes the restriction after its own parameters: the allowed ids as an int8[] ("{3,7}") or
// NULL, then the allowed customer_name or NULL (database/restricted_statement.h). Unrestricted
// requests use the statements above, untouched.

// `read`, one of the reads above (Get, List, Stats, Recent, Search, Analytics, ExportBatch),
// seeing only the rows the restriction allows: RestrictedRead(read), made once per statement and
// kept for the life of the process (the pool keys prepared statements by address). Thread-safe.
const Statement& Restricted(const Statement& read);
// Update() changing only a row the restriction allows: $5 ids, $6 customer. No row back: the
// order is missing or outside the restriction (the caller tells which).
const Statement& RestrictedUpdate();
// Delete() of a row the restriction allows only: $2 ids, $3 customer.
const Statement& RestrictedDelete();
// BulkStatus(), all or nothing: $3 ids, $4 customer. "__refused" counts the listed orders that
// exist outside the restriction; when it is not 0 nothing was changed (and no row comes back).
// The listed rows are locked first, so the count and the update see the same rows.
const Statement& RestrictedBulkStatus();

}  // namespace walcast::database::order_queries
