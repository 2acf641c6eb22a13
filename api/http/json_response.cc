#include "api/http/json_response.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace walcast::api {

Response JsonResponse(http::status status, std::string body) {
  Response response(status, 11);
  response.set(http::field::content_type, "application/json; charset=utf-8");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  return response;
}

Response JsonError(http::status status, std::string_view message,
                   const std::vector<FieldError>& details) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("success");
  writer.Bool(false);
  writer.Key("error");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  if (!details.empty()) {
    writer.Key("details");
    writer.StartArray();
    for (const auto& detail : details) {
      writer.StartObject();
      writer.Key("field");
      writer.String(detail.field.c_str(), static_cast<rapidjson::SizeType>(detail.field.size()));
      writer.Key("message");
      writer.String(detail.message.c_str(),
                    static_cast<rapidjson::SizeType>(detail.message.size()));
      writer.EndObject();
    }
    writer.EndArray();
  }
  writer.EndObject();
  return JsonResponse(status, std::string(buffer.GetString(), buffer.GetSize()));
}

}  // namespace walcast::api
