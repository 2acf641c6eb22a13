#include "api/orders/order_json.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace walcast::api::orders {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, std::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}
void String(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
void OptionalString(Writer& w, const std::optional<std::string>& text) {
  if (text) {
    String(w, *text);
  } else {
    w.Null();
  }
}
void RawRow(Writer& w, const decoder::Row& row) {
  auto json = row.json();
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}
void RawRows(Writer& w, const std::vector<decoder::Row>& rows) {
  w.StartArray();
  for (const auto& row : rows) RawRow(w, row);
  w.EndArray();
}
void Success(Writer& w) {
  w.StartObject();
  Key(w, "success");
  w.Bool(true);
}
std::string Done(Writer& w, rapidjson::StringBuffer& buffer) {
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}
void PaginationObject(Writer& w, const Pagination& p) {
  Key(w, "pagination");
  w.StartObject();
  Key(w, "limit");
  w.Int(p.limit);
  Key(w, "offset");
  w.Int64(p.offset);
  Key(w, "total");
  w.Int64(p.total);
  w.EndObject();
}

}  // namespace

std::string OrderBody(const decoder::Row& row) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  RawRow(w, row);
  return Done(w, buffer);
}

std::string WriteBody(const decoder::Row& row, std::string_view message,
                      const std::optional<std::string>& event_id) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  RawRow(w, row);
  Key(w, "message");
  String(w, message);
  Key(w, "eventId");
  OptionalString(w, event_id);
  return Done(w, buffer);
}

std::string ListBody(const std::vector<decoder::Row>& rows, const Pagination& pagination,
                     const std::optional<std::string>& customer_name) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  RawRows(w, rows);
  Key(w, "count");
  w.Uint64(rows.size());
  if (customer_name) {
    Key(w, "customer_name");
    String(w, *customer_name);
  }
  PaginationObject(w, pagination);
  return Done(w, buffer);
}

std::string RecentBody(const std::vector<decoder::Row>& rows, const RecentQuery& query) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  RawRows(w, rows);
  Key(w, "count");
  w.Uint64(rows.size());
  Key(w, "hours");
  w.Int(query.hours);
  Key(w, "limit");
  w.Int(query.limit);
  return Done(w, buffer);
}

std::string SearchBody(const std::vector<decoder::Row>& rows, const SearchQuery& query,
                       int64_t total) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  RawRows(w, rows);
  Key(w, "count");
  w.Uint64(rows.size());
  Key(w, "pagination");
  w.StartObject();
  Key(w, "total");
  w.Int64(total);
  Key(w, "limit");
  w.Int(query.limit);
  Key(w, "offset");
  w.Int64(query.offset);
  Key(w, "pages");
  w.Int64((total + query.limit - 1) / query.limit);
  Key(w, "current_page");
  w.Int64(query.offset / query.limit + 1);
  w.EndObject();
  Key(w, "filters");
  w.StartObject();
  Key(w, "search");
  OptionalString(w, query.search);
  Key(w, "status");
  OptionalString(w, query.status);
  Key(w, "date_from");
  OptionalString(w, query.date_from);
  Key(w, "date_to");
  OptionalString(w, query.date_to);
  Key(w, "sort_by");
  String(w, SortColumnName(query.sort_by));
  Key(w, "sort_order");
  String(w, query.ascending ? "asc" : "desc");
  w.EndObject();
  return Done(w, buffer);
}

std::string BulkBody(const std::vector<decoder::Row>& rows) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  RawRows(w, rows);
  Key(w, "updated_count");
  w.Uint64(rows.size());
  Key(w, "message");
  String(w, "Successfully updated " + std::to_string(rows.size()) + " orders");
  return Done(w, buffer);
}

std::string DataBody(std::string_view raw_json_object) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  w.RawValue(raw_json_object.data(), raw_json_object.size(), rapidjson::kObjectType);
  return Done(w, buffer);
}

std::string AnalyticsBody(const decoder::Row& row, std::string_view generated_at) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  Success(w);
  Key(w, "data");
  w.StartObject();
  for (std::string_view column : {"overview", "top_customers", "top_products", "daily_trend"}) {
    Key(w, column);
    auto value = row.Find(column);
    std::string_view raw = value ? *value : std::string_view("null");
    w.RawValue(raw.data(), raw.size(), rapidjson::kObjectType);
  }
  Key(w, "generated_at");
  String(w, generated_at);
  w.EndObject();
  // The original app put it beside `data`; inside `data` too, as walcast did first.
  Key(w, "generated_at");
  String(w, generated_at);
  return Done(w, buffer);
}

const std::string& ApiDescriptionBody() {
  static const std::string body = [] {
    struct Endpoint {
      const char* method;
      const char* path;
      const char* description;
    };
    const Endpoint endpoints[] = {
        {"GET", "/api", "This description"},
        {"GET", "/api/orders",
         "List orders, newest updated_at first. Query: status, customer_name (substring), "
         "limit 1..1000 (50), offset >= 0"},
        {"POST", "/api/orders",
         "Create an order. Body: {customer_name, product_name, status?}; 201 with eventId"},
        {"GET", "/api/orders/:id", "One order; 400 Invalid order ID, 404 Order not found"},
        {"PUT", "/api/orders/:id",
         "Update any non-empty subset of customer_name, product_name, status; with eventId"},
        {"DELETE", "/api/orders/:id", "Delete an order; returns the deleted row and eventId"},
        {"PATCH", "/api/orders/bulk-status",
         "Set the status of up to 1000 orders in one transaction. Body: {order_ids, status}"},
        {"GET", "/api/orders/stats", "Counts by status, unique customers, last update"},
        {"GET", "/api/orders/analytics",
         "overview (counts, percentages, latest/earliest order, today, this week), "
         "top_customers and top_products (top 5), daily_trend (last 7 days, newest first), "
         "generated_at"},
        {"GET", "/api/orders/recent",
         "Orders updated in the last hours (1..720, 24). Query: limit"},
        {"GET", "/api/orders/search",
         "Query: search, status, date_from, date_to (RFC 3339 or YYYY-MM-DD, on created_at), "
         "limit, offset, sort_by (id, customer_name, product_name, status, updated_at, "
         "created_at), sort_order (asc, desc)"},
        {"GET", "/api/orders/export", "All orders, streamed. Query: format=csv|json"},
        {"GET", "/api/orders/customer/:name",
         "Orders whose customer name contains :name (case-insensitive); limit, offset"},
        {"GET", "/api/tables",
         "The streamed tables: columns, types, keys, replica identity (<table>:<op> events)"},
        {"GET", "/api/events",
         "Server-Sent Events stream of changes; from (or Last-Event-ID: an event id or a "
         "read's streamPosition), status, order_id, operation, table, filter "
         "(<table>:<column>=<op>.<value>, repeatable)"},
        {"GET", "/ws",
         "WebSocket stream of changes; from (an event id or a read's streamPosition), "
         "status, order_id, operation, table, filter; client events subscribe, unsubscribe, "
         "ping"},
        {"GET", "/health", "Database and change stream health"},
        {"GET", "/metrics", "Prometheus metrics"},
    };
    // Server to client (both streams; pong and cursor only on /ws), and client to server (/ws).
    const char* events[] = {"welcome",         "orders:insert", "orders:update", "orders:delete",
                            "orders:truncate", "resync",        "pong",          "error",
                            "server_shutdown", "clients",       "cursor"};
    const char* client_events[] = {"subscribe", "unsubscribe", "ping"};
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    Success(w);
    Key(w, "data");
    w.StartObject();
    Key(w, "name");
    String(w, "walcast");
    Key(w, "endpoints");
    w.StartArray();
    for (const auto& e : endpoints) {
      w.StartObject();
      Key(w, "method");
      String(w, e.method);
      Key(w, "path");
      String(w, e.path);
      Key(w, "description");
      String(w, e.description);
      w.EndObject();
    }
    w.EndArray();
    Key(w, "events");
    w.StartArray();
    // Every event name, either direction; then each direction on its own.
    for (const char* name : events) String(w, name);
    for (const char* name : client_events) {
      if (std::string_view(name) != "ping") String(w, name);  // "ping" once, below
    }
    String(w, "ping");
    w.EndArray();
    Key(w, "serverEvents");
    w.StartArray();
    for (const char* name : events) String(w, name);
    w.EndArray();
    Key(w, "clientEvents");
    w.StartArray();
    for (const char* name : client_events) String(w, name);
    w.EndArray();
    w.EndObject();
    return Done(w, buffer);
  }();
  return body;
}

std::string ExportJsonTail(uint64_t count, const std::optional<std::string>& stream_position) {
  return WithStreamPosition("],\"count\":" + std::to_string(count) + "}", stream_position);
}

std::string_view CsvHeader() {
  return "id,customer_name,product_name,status,created_at,updated_at\r\n";
}

void AppendCsvCell(std::string_view text, std::string* out) {
  bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                                   text[0] == '@' || text[0] == '\t' || text[0] == '\r');
  bool quote = formula || text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out->push_back('"');
  if (formula) out->push_back('\'');
  for (char c : text) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  if (quote) out->push_back('"');
}

void AppendCsvRow(const decoder::Row& row, std::string* out) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out->push_back(',');
    std::string_view raw = row.value(i);
    if (raw == "null") continue;  // an empty cell
    if (!raw.empty() && raw[0] == '"') {
      rapidjson::Document doc;
      doc.Parse(raw.data(), raw.size());
      if (doc.IsString()) {
        AppendCsvCell({doc.GetString(), doc.GetStringLength()}, out);
        continue;
      }
    }
    out->append(raw);  // numbers and booleans as written (a negative number is not a formula)
  }
  out->append("\r\n");
}

std::string WithStreamPosition(std::string body, const std::optional<std::string>& position) {
  if (body.empty() || body.back() != '}') return body;  // not an object: nothing to add to
  body.pop_back();
  if (body.size() > 1) body += ',';
  body += "\"streamPosition\":";
  if (position) {
    body += '"';
    body += *position;
    body += '"';
  } else {
    body += "null";
  }
  body += '}';
  return body;
}

}  // namespace walcast::api::orders
