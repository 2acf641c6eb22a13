#include "tools/cli/refusal_text.h"

#include <rapidjson/document.h>

namespace walcast::cli {

std::string RefusalText(const std::string& reason) {
  auto brace = reason.find('{');
  if (brace == std::string::npos) return reason;
  rapidjson::Document doc;
  doc.Parse(reason.data() + brace, reason.size() - brace);
  if (doc.HasParseError() || !doc.IsObject()) return reason;  // cut short, or not the envelope
  auto error = doc.FindMember("error");
  if (error == doc.MemberEnd() || !error->value.IsString()) return reason;
  std::string prefix = reason.substr(0, brace);
  while (!prefix.empty() && prefix.back() == ' ') prefix.pop_back();
  std::string text = prefix + (prefix.empty() ? "" : " ") + error->value.GetString();
  auto details = doc.FindMember("details");
  if (details != doc.MemberEnd() && details->value.IsArray()) {
    for (const auto& detail : details->value.GetArray()) {
      if (!detail.IsObject() || !detail.HasMember("message") || !detail["message"].IsString()) {
        continue;
      }
      text += "; ";
      if (detail.HasMember("field") && detail["field"].IsString()) {
        text += std::string(detail["field"].GetString()) + " ";
      }
      text += detail["message"].GetString();
    }
  }
  return text;
}

}  // namespace walcast::cli
