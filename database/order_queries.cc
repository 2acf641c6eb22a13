#include "database/order_queries.h"

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "database/restricted_statement.h"

namespace walcast::database::order_queries {
namespace {

// The table's columns in table order, as events carry them.
#define WALCAST_ORDER_COLUMNS "id, customer_name, product_name, status, created_at, updated_at"

// RFC 3339 UTC with microseconds inside json_build_object (json's own timestamp text drops
// trailing zeros of the fraction and writes +00:00).
#define WALCAST_JSON_TIME(column) \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

}  // namespace

const Statement& Get() {
  static const Statement s{
      "orders_get", "SELECT " WALCAST_ORDER_COLUMNS " FROM orders WHERE id = $1::int4", true};
  return s;
}

const Statement& List() {
  static const Statement s{
      "orders_list",
      "WITH matching AS ("
      "  SELECT " WALCAST_ORDER_COLUMNS
      " FROM orders"
      "  WHERE ($1::text IS NULL OR status = $1::text)"
      "    AND ($2::text IS NULL OR customer_name ILIKE $2::text))"
      " SELECT page.*, total.n AS __total"
      " FROM (SELECT count(*) AS n FROM matching) total"
      " LEFT JOIN LATERAL (SELECT * FROM matching ORDER BY updated_at DESC, id DESC"
      "   LIMIT $3::int8 OFFSET $4::int8) page ON true"
      " ORDER BY page.updated_at DESC, page.id DESC",
      true};
  return s;
}

const Statement& Insert() {
  static const Statement s{
      "orders_insert",
      "INSERT INTO orders (customer_name, product_name, status) VALUES ($1, $2, $3)"
      " RETURNING " WALCAST_ORDER_COLUMNS ", txid_current() AS __xid",
      false};
  return s;
}

const Statement& Update() {
  static const Statement s{
      "orders_update",
      "UPDATE orders SET customer_name = COALESCE($2::text, customer_name),"
      " product_name = COALESCE($3::text, product_name), status = COALESCE($4::text, status)"
      " WHERE id = $1::int4"
      " RETURNING " WALCAST_ORDER_COLUMNS ", txid_current() AS __xid",
      false};
  return s;
}

const Statement& Delete() {
  static const Statement s{"orders_delete",
                           "DELETE FROM orders WHERE id = $1::int4"
                           " RETURNING " WALCAST_ORDER_COLUMNS ", txid_current() AS __xid",
                           false};
  return s;
}

const Statement& BulkStatus() {
  static const Statement s{"orders_bulk_status",
                           "UPDATE orders SET status = $2::text WHERE id = ANY($1::int4[])"
                           " RETURNING " WALCAST_ORDER_COLUMNS ", txid_current() AS __xid",
                           false};
  return s;
}

const Statement& Stats() {
  static const Statement s{"orders_stats",
                           "SELECT count(*) AS total_orders,"
                           " count(*) FILTER (WHERE status = 'pending') AS pending_orders,"
                           " count(*) FILTER (WHERE status = 'shipped') AS shipped_orders,"
                           " count(*) FILTER (WHERE status = 'delivered') AS delivered_orders,"
                           " count(DISTINCT customer_name) AS unique_customers,"
                           " max(updated_at) AS last_updated"
                           " FROM orders",
                           true};
  return s;
}

const Statement& Recent() {
  static const Statement s{"orders_recent",
                           "SELECT " WALCAST_ORDER_COLUMNS
                           " FROM orders"
                           " WHERE updated_at >= now() - make_interval(hours => $1::int4)"
                           " ORDER BY updated_at DESC, id DESC LIMIT $2::int8",
                           true};
  return s;
}

const Statement& Search(std::string_view sort_by, bool ascending) {
  static constexpr std::array<std::string_view, 6> kColumns{
      "id", "customer_name", "product_name", "status", "updated_at", "created_at"};
  static const std::array<Statement, 12> statements = [] {
    std::array<Statement, 12> out;
    for (size_t c = 0; c < kColumns.size(); ++c) {
      for (int asc = 0; asc < 2; ++asc) {
        std::string column(kColumns[c]);
        std::string direction = asc ? "ASC" : "DESC";
        std::string order =
            column == "id" ? "id " + direction : column + " " + direction + ", id " + direction;
        std::string page_order =
            "page." + (column == "id" ? "id " + direction
                                      : column + " " + direction + ", page.id " + direction);
        out[c * 2 + asc] =
            Statement{"orders_search_" + column + "_" + (asc ? "asc" : "desc"),
                      "WITH matching AS ("
                      "  SELECT " WALCAST_ORDER_COLUMNS
                      " FROM orders"
                      "  WHERE ($1::text IS NULL OR customer_name ILIKE $1::text"
                      "         OR product_name ILIKE $1::text)"
                      "    AND ($2::text IS NULL OR status = $2::text)"
                      "    AND ($3::timestamptz IS NULL OR created_at >= $3::timestamptz)"
                      "    AND ($4::timestamptz IS NULL OR created_at < $4::timestamptz"
                      "         OR (NOT $5::bool AND created_at = $4::timestamptz)))"
                      " SELECT page.*, total.n AS __total"
                      " FROM (SELECT count(*) AS n FROM matching) total"
                      " LEFT JOIN LATERAL (SELECT * FROM matching ORDER BY " +
                          order +
                          " LIMIT $6::int8 OFFSET $7::int8) page ON true"
                          " ORDER BY " +
                          page_order,
                      true};
      }
    }
    return out;
  }();
  size_t index = 4;  // updated_at
  for (size_t c = 0; c < kColumns.size(); ++c) {
    if (kColumns[c] == sort_by) index = c;
  }
  return statements[index * 2 + (ascending ? 1 : 0)];
}

// The original app's keys (its clients read them), each a JSON number or an RFC 3339 time; the
// keys walcast added before (pending_orders, orders_last_24h, last_order_at, orders, ...) stay.
const Statement& Analytics() {
  static const Statement s{
      "orders_analytics",
      "SELECT"
      " (SELECT json_build_object("
      "    'total_orders', count(*),"
      "    'pending_count', count(*) FILTER (WHERE status = 'pending'),"
      "    'shipped_count', count(*) FILTER (WHERE status = 'shipped'),"
      "    'delivered_count', count(*) FILTER (WHERE status = 'delivered'),"
      "    'pending_percentage', coalesce(round(100.0 * count(*) FILTER (WHERE status = 'pending')"
      "        / nullif(count(*), 0), 2), 0),"
      "    'shipped_percentage', coalesce(round(100.0 * count(*) FILTER (WHERE status = 'shipped')"
      "        / nullif(count(*), 0), 2), 0),"
      "    'delivered_percentage', coalesce(round(100.0 * count(*) FILTER"
      "        (WHERE status = 'delivered') / nullif(count(*), 0), 2), 0),"
      "    'latest_order', " WALCAST_JSON_TIME("max(created_at)") ","
      "    'earliest_order', " WALCAST_JSON_TIME("min(created_at)") ","
      "    'unique_customers', count(DISTINCT customer_name),"
      "    'orders_today', count(*) FILTER (WHERE created_at >= date_trunc('day', now())),"
      "    'orders_this_week', count(*) FILTER (WHERE created_at >= date_trunc('week', now())),"
      "    'pending_orders', count(*) FILTER (WHERE status = 'pending'),"
      "    'shipped_orders', count(*) FILTER (WHERE status = 'shipped'),"
      "    'delivered_orders', count(*) FILTER (WHERE status = 'delivered'),"
      "    'unique_products', count(DISTINCT product_name),"
      "    'orders_last_24h', count(*) FILTER (WHERE created_at >= now() - interval '24 hours'),"
      "    'orders_last_7d', count(*) FILTER (WHERE created_at >= now() - interval '7 days'))"
      "  FROM orders) AS overview,"
      " (SELECT coalesce(array_to_json(array_agg(t ORDER BY t.order_count DESC, t.customer_name)), '[]')"
      "  FROM (SELECT customer_name, count(*) AS order_count,"
      "          array_agg(DISTINCT status ORDER BY status) AS statuses,"
      "          " WALCAST_JSON_TIME("max(updated_at)") " AS last_order_at"
      "        FROM orders GROUP BY customer_name"
      "        ORDER BY count(*) DESC, customer_name LIMIT 5) t) AS top_customers,"
      " (SELECT coalesce(array_to_json(array_agg(t ORDER BY t.order_count DESC, t.product_name)), '[]')"
      "  FROM (SELECT product_name, count(*) AS order_count,"
      "          mode() WITHIN GROUP (ORDER BY status) AS most_common_status"
      "        FROM orders GROUP BY product_name"
      "        ORDER BY count(*) DESC, product_name LIMIT 5) t) AS top_products,"
      " (SELECT coalesce(array_to_json(array_agg(t ORDER BY t.date DESC)), '[]')"
      "  FROM (SELECT to_char(date_trunc('day', created_at), 'YYYY-MM-DD') AS date,"
      "          count(*) AS orders_count,"
      "          count(*) FILTER (WHERE status = 'pending') AS pending,"
      "          count(*) FILTER (WHERE status = 'shipped') AS shipped,"
      "          count(*) FILTER (WHERE status = 'delivered') AS delivered,"
      "          count(*) AS orders"
      "        FROM orders WHERE created_at >= date_trunc('day', now()) - interval '6 days'"
      "        GROUP BY 1) t) AS daily_trend",
      true};
  return s;
}

const Statement& ExportBatch() {
  static const Statement s{"orders_export_batch",
                           "SELECT " WALCAST_ORDER_COLUMNS
                           " FROM orders WHERE id > $1::int4"
                           " ORDER BY id LIMIT $2::int8",
                           true};
  return s;
}

const Statement& Restricted(const Statement& read) {
  static std::mutex mutex;
  static std::unordered_map<const Statement*, std::unique_ptr<Statement>> restricted;
  std::lock_guard lock(mutex);
  auto& variant = restricted[&read];
  if (!variant) variant = std::make_unique<Statement>(RestrictedRead(read));
  return *variant;
}

const Statement& RestrictedUpdate() {
  static const Statement s{
      "orders_update_restricted",
      "UPDATE orders SET customer_name = COALESCE($2::text, customer_name),"
      " product_name = COALESCE($3::text, product_name), status = COALESCE($4::text, status)"
      " WHERE id = $1::int4 AND " +
          RowRestrictionPredicate(5, 6) +
          " RETURNING " WALCAST_ORDER_COLUMNS ", txid_current() AS __xid",
      false};
  return s;
}

const Statement& RestrictedDelete() {
  static const Statement s{"orders_delete_restricted",
                           "DELETE FROM orders WHERE id = $1::int4 AND " +
                               RowRestrictionPredicate(2, 3) +
                               " RETURNING " WALCAST_ORDER_COLUMNS ", txid_current() AS __xid",
                           false};
  return s;
}

// The listed rows are locked (in id order, as concurrent bulk updates then queue rather than
// deadlock) before they are counted, so a row cannot move out of the restriction between the
// count and the update; the UPDATE carries the restriction as well, so even then it could change
// no row beyond it. The LEFT JOIN brings __refused when nothing was updated.
const Statement& RestrictedBulkStatus() {
  static const Statement s{
      "orders_bulk_status_restricted",
      "WITH listed AS ("
      "  SELECT id, customer_name FROM orders WHERE id = ANY($1::int4[]) ORDER BY id FOR UPDATE),"
      " refused AS (SELECT count(*) AS n FROM listed WHERE NOT (" +
          RowRestrictionPredicate(3, 4) +
          ")),"
          " updated AS ("
          "  UPDATE orders SET status = $2::text FROM refused"
          "  WHERE refused.n = 0 AND orders.id = ANY($1::int4[]) AND " +
          RowRestrictionPredicate(3, 4, "orders") +
          "  RETURNING " WALCAST_ORDER_COLUMNS
          ", txid_current() AS __xid)"
          " SELECT updated.*, refused.n AS __refused FROM refused LEFT JOIN updated ON true",
      false};
  return s;
}

}  // namespace walcast::database::order_queries
