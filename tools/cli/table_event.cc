#include "tools/cli/table_event.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

#include "tools/cli/cli_text.h"

namespace walcast::cli {
namespace {

using rapidjson::Value;

constexpr std::array<std::string_view, 4> kOperations = {"insert", "update", "delete", "truncate"};
constexpr std::size_t kEventWidth = 18;  // "customers:truncate"; longer names push the rest

// Text from the database on a terminal: C0 controls and DEL as \u escapes (an ESC in a value
// must not reach the terminal as one), the rest unchanged.
std::string Printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A value of a row: a string bare when that cannot be misread (no blank, quote or '='), else
// quoted as JSON; numbers, booleans, null and JSON columns as compact JSON.
std::string ValueText(const Value& value) {
  if (!value.IsString()) return Printable(JsonText(value));
  std::string_view text(value.GetString(), value.GetStringLength());
  bool bare = !text.empty();
  for (unsigned char c : text) {
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) bare = false;
  }
  if (bare) return std::string(text);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return Printable(std::string_view(buffer.GetString(), buffer.GetSize()));
}

std::string RowText(const Value& row) {
  std::string out;
  if (!row.IsObject()) return out;
  for (const auto& member : row.GetObject()) {
    if (!out.empty()) out += ' ';
    out += Printable(std::string_view(member.name.GetString(), member.name.GetStringLength()));
    out += '=' + ValueText(member.value);
  }
  return out;
}

std::string MemberValueText(const Value& row, const char* name) {
  if (!row.IsObject()) return "";
  auto it = row.FindMember(name);
  return it == row.MemberEnd() ? "" : ValueText(it->value);
}

// "(status pending → shipped)" from `changed` and `old`; "" when the server sent no old row
// (REPLICA IDENTITY other than FULL). updated_at is bumped by every orders update: noise.
std::string Changes(const Value& data, const Value& row) {
  auto changed = data.FindMember("changed");
  auto old = data.FindMember("old");
  if (changed == data.MemberEnd() || !changed->value.IsArray() || old == data.MemberEnd() ||
      !old->value.IsObject()) {
    return "";
  }
  std::string out;
  for (const auto& column : changed->value.GetArray()) {
    if (!column.IsString()) continue;
    std::string name = column.GetString();
    if (name == "updated_at") continue;
    out += (out.empty() ? "" : ", ") + Printable(name) + " " +
           MemberValueText(old->value, name.c_str()) + " → " + MemberValueText(row, name.c_str());
  }
  return out;
}

}  // namespace

bool IsChangeEvent(std::string_view event) {
  auto colon = event.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto operation = event.substr(colon + 1);
  for (auto known : kOperations) {
    if (known == operation) return true;
  }
  return false;
}

std::optional<StreamMessage> ParseTailMessage(std::string_view frame) {
  auto message = ParseStreamMessage(frame);
  if (!message || message->kind != MessageKind::kOther || !IsChangeEvent(message->event)) {
    return message;
  }
  // Another table's change: ParseStreamMessage knows orders only. The frame parsed once already,
  // so it is an object with an object "data".
  rapidjson::Document doc;
  doc.Parse(frame.data(), frame.size());
  message->kind = MessageKind::kChange;
  message->id = StringMember(doc["data"], "id");
  if (message->id.empty()) return std::nullopt;
  return message;
}

std::string EventLine(std::string_view frame, bool color) {
  rapidjson::Document doc;
  doc.Parse(frame.data(), frame.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string(frame);
  auto data_it = doc.FindMember("data");
  if (data_it == doc.MemberEnd() || !data_it->value.IsObject()) return std::string(frame);
  const Value& data = data_it->value;
  std::string event = StringMember(doc, "event");
  std::string operation = StringMember(data, "operation");
  if (!IsChangeEvent(event) || operation.empty()) return std::string(frame);
  std::string table = event.substr(0, event.rfind(':'));

  std::string line;
  auto styled = [&](const std::string& text, const char* style) {
    line += color ? std::string(style) + text + kReset : text;
  };
  styled(ShortTime(StringMember(data, "timestamp")), kDim);
  line += "  ";
  styled(Pad(Printable(event), kEventWidth), OperationColor(operation));
  line += "  ";
  if (operation == "truncate") {
    line += "the " + Printable(table) + " table was emptied";
    return line;
  }
  auto row_it = data.FindMember("data");
  const Value& row = row_it != data.MemberEnd() ? row_it->value : data;
  if (table == "orders") {
    styled(Pad("#" + MemberValueText(row, "id"), 8), kBold);
    line += Pad(MemberValueText(row, "status"), 10) + "  " +
            Printable(MemberText(row, "customer_name")) + " · " +
            Printable(MemberText(row, "product_name"));
  } else {
    line += RowText(row);
  }
  if (operation == "update") {
    std::string changes = Changes(data, row);
    if (!changes.empty()) {
      line += "  ";
      styled("(" + changes + ")", kDim);
    }
  }
  return line;
}

}  // namespace walcast::cli
