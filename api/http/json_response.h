// Builders for the JSON responses of docs/contract.md §3: every error, from any route, goes through
// JsonError so the envelope is the same everywhere.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/http/respond.h"

namespace walcast::api {

struct FieldError {
  std::string field;
  std::string message;
};

// A response with a JSON body (already serialized).
Response JsonResponse(http::status status, std::string body);

// {"success":false,"error":message[,"details":[{field,message}...]]}
Response JsonError(http::status status, std::string_view message,
                   const std::vector<FieldError>& details = {});

}  // namespace walcast::api
