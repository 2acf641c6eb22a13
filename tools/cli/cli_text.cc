#include "tools/cli/cli_text.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace walcast::cli {

std::string JsonText(const rapidjson::Value& value) {
  if (value.IsString()) return std::string(value.GetString(), value.GetStringLength());
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string MemberText(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? "" : JsonText(it->value);
}

std::size_t CodePoints(const std::string& text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return "";
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::string Pad(std::string text, std::size_t width) {
  auto length = CodePoints(text);
  if (length < width) text.append(width - length, ' ');
  return text;
}

std::string ShortTime(const std::string& rfc3339) {
  if (rfc3339.size() >= 23 && rfc3339[10] == 'T') return rfc3339.substr(11, 12);
  return rfc3339;
}

const char* OperationColor(std::string_view operation) {
  if (operation == "insert") return "\033[32m";
  if (operation == "update") return "\033[33m";
  if (operation == "delete") return "\033[31m";
  return "\033[35m";
}

}  // namespace walcast::cli
