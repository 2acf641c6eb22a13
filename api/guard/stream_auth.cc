#include "api/guard/stream_auth.h"

#include "api/http/url.h"

namespace walcast::api {

std::optional<Response> CheckStreamToken(const Request& request, std::string_view query,
                                         std::string_view token) {
  if (token.empty()) return std::nullopt;
  std::string given;
  if (request.find(http::field::authorization) != request.end()) {
    given = std::string(BearerToken(request).value_or(""));
  } else if (auto parameter = QueryParameter(query, "access_token")) {
    given = *parameter;
  }
  if (!given.empty() && ConstantTimeEquals(given, token)) return std::nullopt;
  return AuthenticationRequired();
}

}  // namespace walcast::api
