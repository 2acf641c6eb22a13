// The row restriction of a per-user token in SQL (docs/rest-api.md "Per-user tokens"): the
// restricted variant of a REST read, and the predicate restricted writes carry. Pure: statement
// text in, statement text out; thread-safe.
//
// A restricted read is the read's own SQL with a CTE named `orders` in front of it that shadows
// the table: every `orders` the statement names, in subqueries, LATERAL joins, aggregates and
// sibling CTEs alike, then reads only the rows the restriction allows, so one rule covers every
// read (pages, totals, stats, analytics, export batches) and no statement is written twice. The
// restriction travels as two parameters after the statement's own:
//
//   $ids       int8[] of the allowed ids ("{3,7}"; "{}" allows none), or NULL: any id
//   $customer  text, the allowed customer_name (exact), or NULL: any customer
//
// Both must hold, as in api::RowRestriction::Allows. int8[] rather than int4[] so any id a token
// lists is a valid parameter (one beyond int4 simply matches nothing).
#pragma once

#include <string>
#include <string_view>

#include "database/pg_pool.h"

namespace walcast::database {

// The highest `$n` in `sql`; 0 when it has none. `sql` must use `$` only for parameters (no
// dollar quoting), as every statement in order_queries.cc does.
int HighestParameter(std::string_view sql);

// "($<ids>::int8[] IS NULL OR id = ANY($<ids>::int8[])) AND ($<customer>::text IS NULL OR
// customer_name = $<customer>::text)", with the columns qualified by `table` when it is not empty.
std::string RowRestrictionPredicate(int ids_parameter, int customer_parameter,
                                    std::string_view table = {});

// `read` restricted: named `<read.name>_restricted`, retry_safe as `read`, with SQL
//
//   WITH orders AS (SELECT * FROM orders WHERE <predicate $N+1, $N+2>) <read.sql>
//
// where N = HighestParameter(read.sql); a leading `WITH a AS (...)` of `read` is merged into
// `WITH orders AS (...), a AS (...)`. Inside its own definition the CTE is not in scope (the WITH
// is not RECURSIVE), so that `orders` is the table, found through search_path exactly as the
// unrestricted statement finds it. `read` must be a read (Statement::retry_safe) written as a
// SELECT or a non-recursive WITH ... SELECT: a CTE cannot restrict anything else (the target of an
// UPDATE is always the table), so any other statement is a programming error and aborts.
Statement RestrictedRead(const Statement& read);

}  // namespace walcast::database
