#include "api/websocket/client_message.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <limits>

#include "api/stream/utf8.h"

namespace walcast::api {
namespace {

std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Joins the array's strings (or integers) into the comma list the filter parsers take.
std::optional<std::string> CommaList(const rapidjson::Value& array, bool integers,
                                     std::string_view name, std::string* error) {
  if (!array.IsArray()) {
    *error = std::string(name) + " must be an array";
    return std::nullopt;
  }
  std::string list;
  for (const auto& item : array.GetArray()) {
    if (!list.empty()) list += ',';
    if (integers && item.IsInt64()) {
      list += std::to_string(item.GetInt64());
    } else if (!integers && item.IsString()) {
      std::string_view text(item.GetString(), item.GetStringLength());
      if (text.find(',') != std::string_view::npos) {
        *error = std::string(name) + " values cannot contain commas";
        return std::nullopt;
      }
      list += text;
    } else {
      *error = std::string(name) + (integers ? " must hold integers" : " must hold strings");
      return std::nullopt;
    }
  }
  return list;
}

ClientMessage ParseFilter(const rapidjson::Value* data, bool subscribe,
                          const decoder::CatalogTables& catalog) {
  if (data == nullptr || !data->IsObject()) {
    return ClientMessageError{
        "data must be an object with orderIds, statuses, operations, tables or filters"};
  }
  StreamFilter filter;
  UnsubscribeMessage removal;
  std::string error;
  bool any = false;
  for (const auto& member : data->GetObject()) {
    std::string_view key(member.name.GetString(), member.name.GetStringLength());
    std::optional<std::string> list;
    std::optional<std::string> invalid;
    if (key == "orderIds") {
      list = CommaList(member.value, true, key, &error);
      if (list) invalid = filter.AddOrderIds(*list);
    } else if (key == "statuses") {
      list = CommaList(member.value, false, key, &error);
      if (list) invalid = filter.AddStatuses(*list);
    } else if (key == "operations") {
      list = CommaList(member.value, false, key, &error);
      if (list) invalid = filter.AddOperations(*list);
    } else if (key == "tables" || key == "filters") {
      invalid = subscribe
                    ? AddTableCriteria(key, member.value, catalog, &filter)
                    : TableCriteriaTexts(key, member.value,
                                         key == "tables" ? &removal.tables : &removal.filters);
      list = "";
    } else {
      return ClientMessageError{"unknown field " + std::string(Utf8Prefix(key, 64))};
    }
    if (!list) return ClientMessageError{error};
    if (invalid) return ClientMessageError{*invalid};
    any = true;
  }
  if (!any) {
    return ClientMessageError{
        "name at least one of orderIds, statuses, operations, tables, filters"};
  }
  if (subscribe) return SubscribeMessage{std::move(filter)};
  removal.filter = std::move(filter);
  return removal;
}

}  // namespace

std::optional<std::string> AddTableCriteria(std::string_view key, const rapidjson::Value& value,
                                            const decoder::CatalogTables& catalog,
                                            StreamFilter* out) {
  if (!value.IsArray()) return std::string(key) + " must be an array of strings";
  for (const auto& item : value.GetArray()) {
    if (!item.IsString()) return std::string(key) + " must be an array of strings";
    std::string_view text(item.GetString(), item.GetStringLength());
    auto error =
        key == "tables" ? out->AddTables(text, catalog) : out->AddColumnFilter(text, catalog);
    if (error) return error;
  }
  return std::nullopt;
}

std::optional<std::string> TableCriteriaTexts(std::string_view key, const rapidjson::Value& value,
                                              std::vector<std::string>* out) {
  if (!value.IsArray()) return std::string(key) + " must be an array of strings";
  for (const auto& item : value.GetArray()) {
    if (!item.IsString()) return std::string(key) + " must be an array of strings";
    out->emplace_back(item.GetString(), item.GetStringLength());
  }
  return std::nullopt;
}

ClientMessage ParseClientMessage(std::string_view text, const decoder::CatalogTables& catalog) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return ClientMessageError{std::string("malformed JSON: ") +
                              rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                              std::to_string(doc.GetErrorOffset())};
  }
  if (!doc.IsObject()) return ClientMessageError{"a message is a JSON object {\"event\",\"data\"}"};
  // What is echoed (a ping's payload) or named in an error must be valid text in a text frame.
  if (!JsonStringsAreValidUtf8(doc)) {
    return ClientMessageError{
        "strings must be valid Unicode (a \\u escape of a lone surrogate is not)"};
  }
  auto event = doc.FindMember("event");
  if (event == doc.MemberEnd() || !event->value.IsString()) {
    return ClientMessageError{"missing string field event"};
  }
  std::string_view name(event->value.GetString(), event->value.GetStringLength());
  auto data_member = doc.FindMember("data");
  const rapidjson::Value* data = data_member == doc.MemberEnd() ? nullptr : &data_member->value;
  if (name == "subscribe") return ParseFilter(data, true, catalog);
  if (name == "unsubscribe") return ParseFilter(data, false, catalog);
  if (name == "ping") return PingMessage{data ? ToJson(*data) : "null"};
  if (name == "auth") {
    auto token = AuthToken(data);
    if (!token) return ClientMessageError{"auth needs data {\"token\":\"<token>\"}"};
    return AuthMessage{std::move(*token)};
  }
  return ClientMessageError{"unknown event " + std::string(Utf8Prefix(name, 64)) +
                            " (expected subscribe, unsubscribe, ping or auth)"};
}

std::optional<std::string> AuthToken(const rapidjson::Value* data) {
  if (data == nullptr || !data->IsObject()) return std::nullopt;
  auto token = data->FindMember("token");
  if (token == data->MemberEnd() || !token->value.IsString() ||
      token->value.GetStringLength() == 0) {
    return std::nullopt;
  }
  return std::string(token->value.GetString(), token->value.GetStringLength());
}

std::string AuthAcceptedMessage(std::optional<int64_t> expires_at) {
  return R"({"event":"auth","data":{"expiresAt":)" +
         (expires_at ? std::to_string(*expires_at) : std::string("null")) + "}}";
}

std::string PongMessage(std::string_view payload_json, std::string_view server_time) {
  std::string out = R"({"event":"pong","data":{"timestamp":)";
  out.append(payload_json);
  out += R"(,"serverTime":")";
  out.append(server_time);
  out += "\"}}";
  return out;
}

}  // namespace walcast::api
