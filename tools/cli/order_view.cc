#include "tools/cli/order_view.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <vector>

#include "tools/cli/cli_text.h"

namespace walcast::cli {
namespace {

using rapidjson::Value;

// Cuts to `max` characters (not bytes: names are UTF-8), marking the cut with "…".
std::string Clip(const std::string& text, std::size_t max) {
  if (CodePoints(text) <= max) return text;
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++n > max - 1) break;
    out += text[i];
  }
  return out + "…";
}

bool ParseObject(const std::string& body, rapidjson::Document& doc) {
  doc.Parse(body.c_str(), body.size());
  return !doc.HasParseError() && doc.IsObject();
}

}  // namespace

std::string OrderTable(const std::string& body) {
  rapidjson::Document doc;
  if (!ParseObject(body, doc) || !doc.HasMember("data") || !doc["data"].IsArray()) return body;
  const auto& orders = doc["data"].GetArray();
  const std::vector<std::string> headers = {"ID", "STATUS", "CUSTOMER", "PRODUCT", "UPDATED"};
  const char* keys[] = {"id", "status", "customer_name", "product_name", "updated_at"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& order : orders) {
    std::vector<std::string> row;
    for (const char* key : keys) row.push_back(Clip(MemberText(order, key), 32));
    rows.push_back(std::move(row));
  }
  std::vector<std::size_t> widths;
  for (std::size_t c = 0; c < headers.size(); ++c) {
    std::size_t w = CodePoints(headers[c]);
    for (const auto& row : rows) w = std::max(w, CodePoints(row[c]));
    widths.push_back(w);
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      out += c + 1 < cells.size() ? Pad(cells[c], widths[c]) + "  " : cells[c];
    }
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  std::string total;
  if (doc.HasMember("pagination") && doc["pagination"].IsObject()) {
    total = MemberText(doc["pagination"], "total");
  }
  out += std::to_string(rows.size()) + (total.empty() ? "" : " of " + total) +
         (rows.size() == 1 && total.empty() ? " order" : " orders");
  if (doc.HasMember("message") && doc["message"].IsString())
    out += " (" + JsonText(doc["message"]) + ")";
  return out;
}

std::string OrderDetails(const std::string& body) {
  rapidjson::Document doc;
  if (!ParseObject(body, doc) || !doc.HasMember("data") || !doc["data"].IsObject()) return body;
  std::string out;
  if (doc.HasMember("message") && doc["message"].IsString()) out += JsonText(doc["message"]) + "\n";
  bool has_event_id = doc.HasMember("eventId") && !doc["eventId"].IsNull();
  std::size_t width = has_event_id ? 8 : 0;  // "event id"
  for (const auto& m : doc["data"].GetObject())
    width = std::max(width, CodePoints(JsonText(m.name)));
  for (const auto& m : doc["data"].GetObject()) {
    out += Pad(JsonText(m.name) + ":", width + 1) + " " + JsonText(m.value) + "\n";
  }
  if (has_event_id) {
    out += Pad("event id:", width + 1) + " " + JsonText(doc["eventId"]) + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string StatsView(const std::string& body) {
  rapidjson::Document doc;
  if (!ParseObject(body, doc) || !doc.HasMember("data") || !doc["data"].IsObject()) return body;
  std::string out;
  for (const auto& m : doc["data"].GetObject()) {
    out += Pad(JsonText(m.name) + ":", 18) + " " + JsonText(m.value) + "\n";
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string ErrorView(int status, const std::string& body) {
  rapidjson::Document doc;
  std::string out = std::to_string(status);
  if (!ParseObject(body, doc) || !doc.HasMember("error")) {
    return body.empty() ? out : out + " " + Clip(body, 300);
  }
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict for `" " + text` here.
  out += ' ';
  out += JsonText(doc["error"]);
  if (doc.HasMember("details") && doc["details"].IsArray()) {
    for (const auto& detail : doc["details"].GetArray()) {
      std::string field = MemberText(detail, "field");
      out += "\n  " + (field.empty() ? "" : field + ": ") + MemberText(detail, "message");
    }
  }
  return out;
}

}  // namespace walcast::cli
