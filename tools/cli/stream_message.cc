#include "tools/cli/stream_message.h"

#include <rapidjson/document.h>

#include "tools/cli/cli_text.h"

namespace walcast::cli {
namespace {

using rapidjson::Value;

}  // namespace

std::optional<StreamMessage> ParseStreamMessage(std::string_view frame) {
  rapidjson::Document doc;
  doc.Parse(frame.data(), frame.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  auto event = doc.FindMember("event");
  auto data = doc.FindMember("data");
  if (event == doc.MemberEnd() || !event->value.IsString() || data == doc.MemberEnd() ||
      !data->value.IsObject()) {
    return std::nullopt;
  }
  StreamMessage message;
  message.event.assign(event->value.GetString(), event->value.GetStringLength());
  const Value& body = data->value;
  if (message.event.rfind("orders:", 0) == 0) {
    message.kind = MessageKind::kChange;
    message.id = StringMember(body, "id");
    if (message.id.empty()) return std::nullopt;
  } else if (message.event == "welcome") {
    message.kind = MessageKind::kWelcome;
    message.id = StringMember(body, "lastEventId");
    message.text = StringMember(body, "clientId");
  } else if (message.event == "resync") {
    message.kind = MessageKind::kResync;
    message.text = StringMember(body, "reason");
    message.oldest_id = StringMember(body, "oldestId");
  } else if (message.event == "cursor") {
    message.kind = MessageKind::kCursor;
    message.id = StringMember(body, "from");
    if (message.id.empty()) return std::nullopt;
  } else if (message.event == "server_shutdown") {
    message.kind = MessageKind::kShutdown;
    message.text = StringMember(body, "message");
  } else if (message.event == "error") {
    message.kind = MessageKind::kError;
    message.text = StringMember(body, "message");
  }
  return message;
}

std::string PrettyLine(std::string_view frame, bool color) {
  rapidjson::Document doc;
  doc.Parse(frame.data(), frame.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("data") || !doc["data"].IsObject()) {
    return std::string(frame);
  }
  const Value& data = doc["data"];
  std::string operation = StringMember(data, "operation");
  if (operation.empty()) return std::string(frame);
  std::string upper = operation;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  const Value& row = data.HasMember("data") ? data["data"] : data;  // truncate has no row
  std::string line;
  auto styled = [&](const std::string& text, const char* style) {
    line += color ? std::string(style) + text + kReset : text;
  };
  styled(ShortTime(StringMember(data, "timestamp")), kDim);
  line += "  ";
  styled(Pad(upper, 8), OperationColor(operation));
  if (operation == "truncate") {
    line += "  the orders table was emptied";
    return line;
  }
  std::string id = MemberText(row, "id");
  styled(Pad("#" + id, 8), kBold);
  line += Pad(MemberText(row, "status"), 10) + "  " + MemberText(row, "customer_name") + " · " +
          MemberText(row, "product_name");
  if (operation == "update" && data.HasMember("changed") && data["changed"].IsArray() &&
      data.HasMember("old") && data["old"].IsObject()) {
    std::string changes;
    for (const auto& column : data["changed"].GetArray()) {
      if (!column.IsString()) continue;
      std::string name = column.GetString();
      if (name == "updated_at") continue;  // bumped by every update: noise on a terminal
      changes += (changes.empty() ? "" : ", ") + name + " " +
                 MemberText(data["old"], name.c_str()) + " → " + MemberText(row, name.c_str());
    }
    if (!changes.empty()) {
      line += "  ";
      styled("(" + changes + ")", kDim);
    }
  }
  return line;
}

}  // namespace walcast::cli
