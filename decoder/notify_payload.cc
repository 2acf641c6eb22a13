#include "decoder/notify_payload.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "decoder/value_format.h"

namespace walcast::decoder {
namespace {

constexpr std::string_view kKind = "NotifyPayload";

enum class JsonType { kNull, kBool, kNumber, kString, kNested };

struct Field {
  JsonType type = JsonType::kNull;
  std::string text;  // string contents, number text, "true"/"false", or nested JSON
};

struct Payload {
  std::optional<Field> operation, table, data, timestamp;
  std::vector<std::pair<std::string, Field>> columns;  // data's members, in order
};

DecodeError Bad(std::string_view field, std::string reason, size_t offset = 0) {
  return DecodeError{ErrorCode::kBadPayload, kKind, field, offset, std::move(reason)};
}

// SAX handler: keeps the top-level keys and data's members; nested values (json columns, unknown
// keys) are re-written whole. Numbers arrive as text (kParseNumbersAsStringsFlag) so numeric and
// bigint values keep every digit.
class Handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
 public:
  explicit Handler(Payload* payload) : payload_(payload) {}

  bool Null() { return Scalar(JsonType::kNull, "null"); }
  bool Bool(bool value) { return Scalar(JsonType::kBool, value ? "true" : "false"); }
  bool RawNumber(const char* text, rapidjson::SizeType size, bool) {
    return Scalar(JsonType::kNumber, std::string_view(text, size));
  }
  bool String(const char* text, rapidjson::SizeType size, bool) {
    return Scalar(JsonType::kString, std::string_view(text, size));
  }
  bool StartObject() { return Open(true); }
  bool EndObject(rapidjson::SizeType) { return Close(true); }
  bool StartArray() { return Open(false); }
  bool EndArray(rapidjson::SizeType) { return Close(false); }
  bool Key(const char* text, rapidjson::SizeType size, bool) {
    if (nested_depth_ > 0) return nested_.Key(text, size);
    (depth_ == 1 ? key_ : column_).assign(text, size);
    return true;
  }

  // Set when the handler stops the parse.
  std::optional<DecodeError> error;

 private:
  bool Scalar(JsonType type, std::string_view text) {
    if (nested_depth_ > 0) {
      switch (type) {
        case JsonType::kNull:
          return nested_.Null();
        case JsonType::kBool:
          return nested_.Bool(text == "true");
        case JsonType::kNumber:
          // Writer::RawNumber would quote it; the text was validated by the reader.
          return nested_.RawValue(text.data(), text.size(), rapidjson::kNumberType);
        default:
          return nested_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      }
    }
    if (depth_ == 0) return Fail("", "payload is not a JSON object");
    return Store(Field{type, std::string(text)});
  }

  bool Open(bool object) {
    if (nested_depth_ > 0) {
      ++nested_depth_;
      return object ? nested_.StartObject() : nested_.StartArray();
    }
    if (depth_ == 0) {
      if (!object) return Fail("", "payload is not a JSON object");
      depth_ = 1;
      return true;
    }
    if (depth_ == 1 && key_ == "data" && object) {
      if (payload_->data) return Fail("data", "duplicate key");
      payload_->data = Field{JsonType::kNested, {}};
      depth_ = 2;
      return true;
    }
    // A nested value: a json column, or something Store will judge when it is complete.
    nested_buffer_.Clear();
    nested_.Reset(nested_buffer_);
    nested_depth_ = 1;
    return object ? nested_.StartObject() : nested_.StartArray();
  }

  bool Close(bool object) {
    if (nested_depth_ > 0) {
      bool ok = object ? nested_.EndObject() : nested_.EndArray();
      if (--nested_depth_ == 0) {
        return ok && Store(Field{JsonType::kNested, std::string(nested_buffer_.GetString(),
                                                                nested_buffer_.GetSize())});
      }
      return ok;
    }
    --depth_;
    return true;
  }

  // A complete value at depth 1 (under key_) or 2 (a column of data, under column_).
  bool Store(Field field) {
    if (depth_ == 2) {
      payload_->columns.emplace_back(column_, std::move(field));
      return true;
    }
    std::optional<Field>* slot = nullptr;
    if (key_ == "operation") slot = &payload_->operation;
    if (key_ == "table") slot = &payload_->table;
    if (key_ == "timestamp") slot = &payload_->timestamp;
    if (key_ == "data") return Fail("data", "data is not a JSON object");
    if (slot == nullptr) return true;  // a key the original payload does not have: ignored
    if (*slot) return Fail("", "duplicate key \"" + key_ + "\"");
    *slot = std::move(field);
    return true;
  }

  bool Fail(std::string_view field, std::string reason) {
    error = Bad(field, std::move(reason));
    return false;
  }

  Payload* payload_;
  int depth_ = 0;  // 1 inside the payload object, 2 inside data
  std::string key_;
  std::string column_;
  int nested_depth_ = 0;
  rapidjson::StringBuffer nested_buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> nested_;
};

// Epoch seconds, e.g. "1732445154.991053", to Unix µs. Digits past the sixth decimal are dropped.
std::optional<int64_t> ParseEpochSeconds(std::string_view text) {
  if (text.find_first_of("eE") != std::string_view::npos) {
    double seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(seconds) ||
        std::fabs(seconds) > 1e12) {
      return std::nullopt;
    }
    return static_cast<int64_t>(std::llround(seconds * 1e6));
  }
  size_t pos = 0;
  const bool negative = !text.empty() && text[0] == '-';
  if (negative) ++pos;
  int64_t whole = 0;
  int whole_digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (++whole_digits > 12) return std::nullopt;
    whole = whole * 10 + (text[pos++] - '0');
  }
  if (whole_digits == 0) return std::nullopt;
  int64_t fraction = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) fraction = fraction * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 6; ++digits) fraction *= 10;
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t micros = whole * 1'000'000 + fraction;
  return negative ? -micros : micros;
}

// PostgreSQL's text form of a value row_to_json wrote as JSON.
std::string_view PgText(const Field& field) {
  if (field.type == JsonType::kBool) return field.text == "true" ? "t" : "f";
  return field.text;
}

void AddJsonAsIs(RowBuilder& row, std::string_view key, const Field& field) {
  if (field.type == JsonType::kString) {
    row.AddValue(key, ValueKind::kText, field.text);
  } else {
    row.AddRaw(key, field.text);
  }
}

}  // namespace

std::unordered_map<std::string, uint32_t> NotifyPayloadOptions::OrdersColumnTypes() {
  return {
      {"id", pg_type::kInt4},
      {"customer_name", pg_type::kVarchar},
      {"product_name", pg_type::kVarchar},
      {"status", pg_type::kVarchar},
      {"created_at", pg_type::kTimestampTz},
      {"updated_at", pg_type::kTimestampTz},
  };
}

NotifyPayloadParser::NotifyPayloadParser(NotifyPayloadOptions options)
    : options_(std::move(options)) {}

Result<OrderEvent> NotifyPayloadParser::Parse(std::string_view text, EventId id) const {
  Payload payload;
  Handler handler(&payload);
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(memory);
  rapidjson::Reader reader;
  rapidjson::ParseResult parsed =
      reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag>(
          input, handler);
  if (handler.error) return *handler.error;
  if (parsed.IsError()) {
    return Bad("", std::string("malformed JSON: ") + rapidjson::GetParseError_En(parsed.Code()),
               parsed.Offset());
  }

  if (!payload.operation || payload.operation->type != JsonType::kString) {
    return Bad("operation", "missing or not a string");
  }
  if (!payload.table || payload.table->type != JsonType::kString) {
    return Bad("table", "missing or not a string");
  }
  if (!payload.data) return Bad("data", "missing");
  if (!payload.timestamp || (payload.timestamp->type != JsonType::kNumber &&
                             payload.timestamp->type != JsonType::kString)) {
    return Bad("timestamp", "missing or not a number");
  }
  if (payload.table->text != options_.table) {
    return Bad("table", "table \"" + payload.table->text + "\" is not \"" + options_.table + "\"");
  }

  OrderEvent event;
  event.id = id;
  event.table = options_.table;
  const std::string& operation = payload.operation->text;
  if (operation == "INSERT") {
    event.operation = Operation::kInsert;
  } else if (operation == "UPDATE") {
    event.operation = Operation::kUpdate;
  } else if (operation == "DELETE") {
    event.operation = Operation::kDelete;
  } else {
    return Bad("operation", "unknown operation \"" + operation + "\" (INSERT, UPDATE or DELETE)");
  }
  std::optional<int64_t> timestamp = ParseEpochSeconds(payload.timestamp->text);
  if (!timestamp) {
    return Bad("timestamp", "\"" + payload.timestamp->text + "\" is not epoch seconds");
  }
  event.timestamp = *timestamp;

  RowBuilder row(text.size(), payload.columns.size());
  for (const auto& [name, field] : payload.columns) {
    const std::string key = JsonKey(name);
    auto type = options_.column_types.find(name);
    if (field.type == JsonType::kNull) {
      row.AddNull(key);
    } else if (type != options_.column_types.end()) {
      row.AddValue(key, ValueKindOf(type->second), PgText(field));
    } else {
      AddJsonAsIs(row, key, field);
    }
  }
  event.data = std::move(row).Finish();
  return event;
}

}  // namespace walcast::decoder
