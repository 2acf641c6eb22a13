#include "api/stream/event_rows.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>

#include "decoder/json_row.h"
#include "decoder/order_event.h"
#include "decoder/value_format.h"

namespace walcast::api {
namespace {

// The object's members as a Row holding the raw JSON values the decoder wrote, so that a filter
// compares the same bytes on every node. Strings are escaped again by the decoder's own writer
// (decoder/value_format.h): RapidJSON's escapes control characters with upper-case hex, the
// decoder with lower-case, and text filters compare escaped forms. Integers round-trip exactly
// (int8 fits RapidJSON's int64); numeric, float and timestamp values are strings. Embedded json
// columns may differ in spacing, which no filter compares (docs/tables.md: json columns take only
// is.null).
std::optional<decoder::Row> RowOf(const rapidjson::Value& object) {
  if (!object.IsObject()) return std::nullopt;
  decoder::RowBuilder builder(64 * object.MemberCount(), object.MemberCount());
  rapidjson::StringBuffer value;
  std::string text;
  for (const auto& member : object.GetObject()) {
    const std::string key =
        decoder::JsonKey(std::string_view(member.name.GetString(), member.name.GetStringLength()));
    if (member.value.IsString()) {
      text.clear();
      decoder::AppendJsonString(
          std::string_view(member.value.GetString(), member.value.GetStringLength()), &text);
      builder.AddRaw(key, text);
      continue;
    }
    value.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> writer(value);
    member.value.Accept(writer);
    builder.AddRaw(key, std::string_view(value.GetString(), value.GetSize()));
  }
  return std::move(builder).Finish();
}

}  // namespace

void AddRowsFromJson(StreamEvent& event) {
  if (auto colon = event.name.rfind(':'); colon != std::string::npos) {
    event.table = event.name.substr(0, colon);
  }
  rapidjson::Document document;
  document.Parse(event.json.data(), event.json.size());
  if (document.HasParseError() || !document.IsObject()) return;
  auto payload = document.FindMember("data");
  if (payload == document.MemberEnd() || !payload->value.IsObject()) return;
  // The payload's names, unescaped, as the decoding node named the table (a name holding a quote
  // is escaped in the event's name as stored).
  auto schema = payload->value.FindMember("schema");
  auto table = payload->value.FindMember("table");
  if (schema != payload->value.MemberEnd() && schema->value.IsString() &&
      table != payload->value.MemberEnd() && table->value.IsString()) {
    event.table = decoder::QualifiedTableName(
        std::string_view(schema->value.GetString(), schema->value.GetStringLength()),
        std::string_view(table->value.GetString(), table->value.GetStringLength()));
  }
  if (auto data = payload->value.FindMember("data"); data != payload->value.MemberEnd()) {
    event.row = RowOf(data->value);
  }
  if (auto old = payload->value.FindMember("old"); old != payload->value.MemberEnd()) {
    event.old_row = RowOf(old->value);
  }
}

}  // namespace walcast::api
