#include "api/orders/order_request.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <array>
#include <tuple>

#include "api/http/url.h"
#include "api/stream/utf8.h"
#include "decoder/pg_time.h"

namespace walcast::api::orders {
namespace {

constexpr std::array<std::string_view, 3> kStatuses{"pending", "shipped", "delivered"};
constexpr std::string_view kStatusMessage = "must be one of: pending, shipped, delivered";

Invalid Validation(std::vector<FieldError> details) {
  return Invalid{http::status::bad_request, "Validation failed", std::move(details)};
}

Invalid OneField(std::string field, std::string message) {
  return Validation({{std::move(field), std::move(message)}});
}

std::string_view TrimSpace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

// Parses a JSON object body. The encoding is validated: a name must be UTF-8 to be counted.
std::optional<Invalid> ParseObject(std::string_view body, rapidjson::Document* doc) {
  doc->Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (doc->HasParseError()) {
    return Invalid{http::status::bad_request,
                   "Invalid JSON",
                   {{"body", std::string(rapidjson::GetParseError_En(doc->GetParseError())) +
                                 " at offset " + std::to_string(doc->GetErrorOffset())}}};
  }
  if (!doc->IsObject()) return OneField("body", "must be a JSON object");
  // PostgreSQL refuses text that is not UTF-8 (a lone surrogate escape decodes to such bytes).
  if (!JsonStringsAreValidUtf8(*doc)) {
    return OneField("body", "strings must be valid Unicode (no lone surrogate escapes)");
  }
  return std::nullopt;
}

// A name field: a string, trimmed, 1..255 characters. Appends to `errors` when invalid.
void ReadName(const rapidjson::Value& object, const char* field, bool required,
              std::optional<std::string>* out, std::vector<FieldError>* errors) {
  auto member = object.FindMember(field);
  if (member == object.MemberEnd()) {
    if (required) errors->push_back({field, "is required"});
    return;
  }
  if (!member->value.IsString()) {
    errors->push_back({field, "must be a string"});
    return;
  }
  std::string_view trimmed =
      TrimSpace({member->value.GetString(), member->value.GetStringLength()});
  if (trimmed.empty()) {
    errors->push_back({field, "must not be empty"});
    return;
  }
  if (trimmed.find('\0') != std::string_view::npos) {
    errors->push_back({field, "must not contain NUL characters"});
    return;
  }
  auto length = Utf8Length(trimmed);
  if (!length) {
    errors->push_back({field, "must be valid UTF-8 text"});
    return;
  }
  if (*length > kMaxNameCharacters) {
    errors->push_back({field, "must be at most 255 characters"});
    return;
  }
  *out = std::string(trimmed);
}

void ReadStatus(const rapidjson::Value& object, bool required, std::optional<std::string>* out,
                std::vector<FieldError>* errors) {
  auto member = object.FindMember("status");
  if (member == object.MemberEnd()) {
    if (required) errors->push_back({"status", "is required"});
    return;
  }
  if (!member->value.IsString() ||
      !IsOrderStatus({member->value.GetString(), member->value.GetStringLength()})) {
    errors->push_back({"status", std::string(kStatusMessage)});
    return;
  }
  *out = std::string(member->value.GetString(), member->value.GetStringLength());
}

// A query parameter: nullopt when absent or empty (empty form fields are "no filter"). A
// malformed escape, or a value that is not UTF-8 text (which PostgreSQL would refuse), is an error
// rather than silently absent.
std::optional<Invalid> Param(std::string_view query, std::string_view name,
                             std::optional<std::string>* out) {
  out->reset();
  auto value = QueryParameter(query, name);
  if (value) {
    if (!IsValidUtf8(*value)) {
      return OneField(std::string(name), "must be valid UTF-8 text (percent-encoded)");
    }
    if (!value->empty()) *out = std::move(*value);
    return std::nullopt;
  }
  // Absent, or present with a bad escape: look for the name itself.
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(pos, end - pos);
    if (pair.substr(0, pair.find('=')) == name) {
      return OneField(std::string(name), "is not a valid URL-encoded value");
    }
    pos = end + 1;
  }
  return std::nullopt;
}

// Decimal digits only (no sign, no spaces, no fraction), within [min, max].
std::optional<int64_t> ParseBounded(std::string_view text, int64_t min, int64_t max) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::optional<Invalid> IntParam(std::string_view query, std::string_view name, int64_t min,
                                int64_t max, int64_t* out) {
  std::optional<std::string> text;
  if (auto error = Param(query, name, &text)) return error;
  if (!text) return std::nullopt;  // the default stays
  auto value = ParseBounded(*text, min, max);
  if (!value) {
    return OneField(std::string(name), max == INT64_MAX
                                           ? "must be an integer >= " + std::to_string(min)
                                           : "must be an integer from " + std::to_string(min) +
                                                 " to " + std::to_string(max));
  }
  *out = *value;
  return std::nullopt;
}

std::optional<Invalid> LimitParam(std::string_view query, int* limit) {
  int64_t value = *limit;
  if (auto error = IntParam(query, "limit", 1, kMaxLimit, &value)) return error;
  *limit = static_cast<int>(value);
  return std::nullopt;
}

std::optional<Invalid> OffsetParam(std::string_view query, int64_t* offset) {
  // Bounded so that offset + limit and pages arithmetic never overflow.
  return IntParam(query, "offset", 0, 1'000'000'000'000, offset);
}

std::optional<Invalid> StatusParam(std::string_view query, std::optional<std::string>* status) {
  if (auto error = Param(query, "status", status)) return error;
  if (*status && !IsOrderStatus(**status)) return OneField("status", std::string(kStatusMessage));
  return std::nullopt;
}

bool IsDigits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The range of bounds: years 0001 to 9999 in UTC. PostgreSQL has no year 0 ("0000-01-01" is out
// of range there) and four-digit years are what RFC 3339 writes.
constexpr std::string_view kFirstBound = "0001-01-01T00:00:00Z";
constexpr std::string_view kEndOfBounds = "9999-12-31T23:59:59.999999Z";

// RFC 3339 (a 'T' or ' ' between date and time, a zone or none meaning UTC) or YYYY-MM-DD, from
// 0001-01-01 to 9999-12-31 (in UTC, once the zone is applied). Sets the UTC bound; `*date_only`
// when the text was a date.
bool ParseDate(std::string_view text, std::string* bound, bool* date_only) {
  *date_only = text.size() == 10 && IsDigits(text.substr(0, 4)) && text[4] == '-' &&
               IsDigits(text.substr(5, 2)) && text[7] == '-' && IsDigits(text.substr(8, 2));
  std::optional<int64_t> micros =
      *date_only ? decoder::ParsePgTimestamp(std::string(text) + "T00:00:00Z")
                 : (text.size() >= 19 ? decoder::ParsePgTimestamp(text) : std::nullopt);
  if (!micros || *micros < *decoder::ParsePgTimestamp(kFirstBound) ||
      *micros > *decoder::ParsePgTimestamp(kEndOfBounds)) {
    return false;
  }
  bound->clear();
  return decoder::AppendRfc3339(*micros, bound);
}

}  // namespace

bool IsOrderStatus(std::string_view status) {
  for (auto known : kStatuses) {
    if (status == known) return true;
  }
  return false;
}

std::optional<size_t> Utf8Length(std::string_view text) { return Utf8CodePoints(text); }

std::optional<Invalid> CheckJsonContentType(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  std::string_view media = TrimSpace(content_type.substr(0, semicolon));
  auto lower_equals = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      char c = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
      if (c != b[i]) return false;
    }
    return true;
  };
  bool ok = lower_equals(media, "application/json");
  if (ok && semicolon != std::string_view::npos) {
    // Only charset is meaningful, and only UTF-8 is accepted.
    std::string_view rest = content_type.substr(semicolon + 1);
    while (ok && !rest.empty()) {
      auto next = rest.find(';');
      std::string_view parameter = TrimSpace(rest.substr(0, next));
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
      auto equals = parameter.find('=');
      if (equals == std::string_view::npos) continue;
      if (lower_equals(TrimSpace(parameter.substr(0, equals)), "charset")) {
        std::string_view value = TrimSpace(parameter.substr(equals + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
          value = value.substr(1, value.size() - 2);
        }
        ok = lower_equals(value, "utf-8") || lower_equals(value, "utf8");
      }
    }
  }
  if (ok) return std::nullopt;
  return Invalid{http::status::unsupported_media_type,
                 "Content-Type must be application/json",
                 {{"Content-Type", "expected application/json (UTF-8)"}}};
}

std::optional<int32_t> ParseOrderId(std::string_view text) {
  auto value = ParseBounded(text, 1, INT32_MAX);
  if (!value) return std::nullopt;
  return static_cast<int32_t>(*value);
}

Invalid InvalidOrderId() {
  return Invalid{http::status::bad_request,
                 "Invalid order ID",
                 {{"id", "must be a positive integer up to 2147483647"}}};
}

std::optional<Invalid> ParseCreateBody(std::string_view body, OrderFields* out) {
  rapidjson::Document doc;
  if (auto error = ParseObject(body, &doc)) return error;
  std::vector<FieldError> errors;
  ReadName(doc, "customer_name", true, &out->customer_name, &errors);
  ReadName(doc, "product_name", true, &out->product_name, &errors);
  ReadStatus(doc, false, &out->status, &errors);
  if (!errors.empty()) return Validation(std::move(errors));
  if (!out->status) out->status = "pending";
  return std::nullopt;
}

std::optional<Invalid> ParseUpdateBody(std::string_view body, OrderFields* out) {
  rapidjson::Document doc;
  if (auto error = ParseObject(body, &doc)) return error;
  std::vector<FieldError> errors;
  ReadName(doc, "customer_name", false, &out->customer_name, &errors);
  ReadName(doc, "product_name", false, &out->product_name, &errors);
  ReadStatus(doc, false, &out->status, &errors);
  if (!errors.empty()) return Validation(std::move(errors));
  if (!out->customer_name && !out->product_name && !out->status) {
    return OneField("body", "must contain at least one of customer_name, product_name, status");
  }
  return std::nullopt;
}

std::optional<Invalid> ParseBulkStatusBody(std::string_view body, BulkStatus* out) {
  rapidjson::Document doc;
  if (auto error = ParseObject(body, &doc)) return error;
  std::vector<FieldError> errors;
  auto ids = doc.FindMember("order_ids");
  if (ids == doc.MemberEnd()) {
    errors.push_back({"order_ids", "is required"});
  } else if (!ids->value.IsArray()) {
    errors.push_back({"order_ids", "must be an array of order ids"});
  } else if (ids->value.Empty() || ids->value.Size() > kMaxBulkIds) {
    errors.push_back({"order_ids", "must contain 1 to 1000 order ids"});
  } else {
    out->order_ids.clear();
    out->order_ids.reserve(ids->value.Size());
    for (const auto& id : ids->value.GetArray()) {
      if (!id.IsInt() || id.GetInt() < 1) {
        errors.push_back({"order_ids", "every id must be a positive integer up to 2147483647"});
        break;
      }
      out->order_ids.push_back(id.GetInt());
    }
  }
  std::optional<std::string> status;
  ReadStatus(doc, true, &status, &errors);
  if (!errors.empty()) return Validation(std::move(errors));
  out->status = *status;
  return std::nullopt;
}

std::optional<Invalid> ParseListQuery(std::string_view query, ListQuery* out) {
  if (auto error = StatusParam(query, &out->status)) return error;
  if (auto error = Param(query, "customer_name", &out->customer_name)) return error;
  if (auto error = LimitParam(query, &out->limit)) return error;
  return OffsetParam(query, &out->offset);
}

std::optional<Invalid> ParseRecentQuery(std::string_view query, RecentQuery* out) {
  int64_t hours = out->hours;
  if (auto error = IntParam(query, "hours", 1, 720, &hours)) return error;
  out->hours = static_cast<int>(hours);
  return LimitParam(query, &out->limit);
}

std::optional<Invalid> ParseSearchQuery(std::string_view query, SearchQuery* out) {
  if (auto error = Param(query, "search", &out->search)) return error;
  if (auto error = StatusParam(query, &out->status)) return error;
  for (auto [name, text, bound, is_to] :
       {std::tuple{"date_from", &out->date_from, &out->from_bound, false},
        std::tuple{"date_to", &out->date_to, &out->to_bound, true}}) {
    if (auto error = Param(query, name, text)) return error;
    if (!*text) continue;
    std::string parsed;
    bool date_only = false;
    if (!ParseDate(**text, &parsed, &date_only)) {
      return OneField(name,
                      "must be an RFC 3339 time or a YYYY-MM-DD date from 0001-01-01 to "
                      "9999-12-31");
    }
    if (is_to && date_only) {
      // The whole day: up to the next midnight, exclusive (the last day: its last microsecond,
      // inclusive, since the next midnight has a five-digit year).
      auto micros = decoder::ParsePgTimestamp(parsed);
      if (parsed.starts_with("9999-12-31")) {
        parsed = std::string(kEndOfBounds);
      } else {
        parsed = decoder::FormatRfc3339(*micros + int64_t{86'400'000'000});
        out->to_exclusive = true;
      }
    }
    *bound = std::move(parsed);
  }
  if (auto error = LimitParam(query, &out->limit)) return error;
  if (auto error = OffsetParam(query, &out->offset)) return error;

  std::optional<std::string> sort_by;
  if (auto error = Param(query, "sort_by", &sort_by)) return error;
  if (sort_by) {
    bool found = false;
    for (auto column : {SortColumn::kId, SortColumn::kCustomerName, SortColumn::kProductName,
                        SortColumn::kStatus, SortColumn::kUpdatedAt, SortColumn::kCreatedAt}) {
      if (*sort_by == SortColumnName(column)) {
        out->sort_by = column;
        found = true;
      }
    }
    if (!found) {
      return OneField("sort_by",
                      "must be one of: id, customer_name, product_name, status, updated_at, "
                      "created_at");
    }
  }
  std::optional<std::string> sort_order;
  if (auto error = Param(query, "sort_order", &sort_order)) return error;
  if (sort_order) {
    if (*sort_order == "asc" || *sort_order == "ASC") {
      out->ascending = true;
    } else if (*sort_order == "desc" || *sort_order == "DESC") {
      out->ascending = false;
    } else {
      return OneField("sort_order", "must be asc or desc");
    }
  }
  return std::nullopt;
}

std::string_view SortColumnName(SortColumn column) {
  switch (column) {
    case SortColumn::kId:
      return "id";
    case SortColumn::kCustomerName:
      return "customer_name";
    case SortColumn::kProductName:
      return "product_name";
    case SortColumn::kStatus:
      return "status";
    case SortColumn::kUpdatedAt:
      return "updated_at";
    case SortColumn::kCreatedAt:
      return "created_at";
  }
  return "updated_at";
}

std::optional<Invalid> ParseExportQuery(std::string_view query, ExportFormat* out) {
  std::optional<std::string> format;
  if (auto error = Param(query, "format", &format)) return error;
  if (!format || *format == "json") {
    *out = ExportFormat::kJson;
  } else if (*format == "csv") {
    *out = ExportFormat::kCsv;
  } else {
    return OneField("format", "must be csv or json");
  }
  return std::nullopt;
}

std::string ContainsPattern(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

}  // namespace walcast::api::orders
