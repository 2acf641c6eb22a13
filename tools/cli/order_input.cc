#include "tools/cli/order_input.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cstdint>

#include "tools/cli/cli_text.h"
#include "tools/cli/endpoint.h"

namespace walcast::cli {
std::string Trim(const std::string& text) {
  const char* kSpace = " \t\r\n\f\v";
  auto first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::optional<std::string> CheckOrderId(const std::string& text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 ||
      value > 2147483647) {
    return "Invalid order ID: '" + text + "' is not a positive integer";
  }
  return std::nullopt;
}

std::optional<std::string> CheckName(const std::string& field, const std::string& text) {
  std::string trimmed = Trim(text);
  if (trimmed.empty()) return field + " is required (1 to 255 characters)";
  if (CodePoints(trimmed) > 255) return field + " must be at most 255 characters";
  return std::nullopt;
}

std::optional<std::string> CheckStatus(const std::string& text) {
  for (const auto& status : kOrderStatuses) {
    if (text == status) return std::nullopt;
  }
  return "status must be one of pending, shipped, delivered (got '" + text + "')";
}

std::string OrderBody(const OrderFields& fields) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  auto field = [&](const char* name, const std::optional<std::string>& value) {
    if (!value) return;
    w.Key(name);
    w.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
  };
  field("customer_name", fields.customer_name);
  field("product_name", fields.product_name);
  field("status", fields.status);
  w.EndObject();
  return buffer.GetString();
}

std::string BulkStatusBody(const std::vector<std::string>& ids, const std::string& status) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("order_ids");
  w.StartArray();
  for (const auto& id : ids) w.Int64(std::stoll(id));
  w.EndArray();
  w.Key("status");
  w.String(status.c_str(), static_cast<rapidjson::SizeType>(status.size()));
  w.EndObject();
  return buffer.GetString();
}

std::string ListQuery(const ListFilter& filter) {
  std::string query;
  auto add = [&](const std::string& name, const std::string& value) {
    query += (query.empty() ? "?" : "&") + name + "=" + PercentEncode(value);
  };
  if (!filter.status.empty()) add("status", filter.status);
  if (!filter.customer_name.empty()) add("customer_name", filter.customer_name);
  if (filter.limit) add("limit", std::to_string(*filter.limit));
  if (filter.offset) add("offset", std::to_string(*filter.offset));
  return query;
}

}  // namespace walcast::cli
