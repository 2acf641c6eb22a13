#include "api/guard/stream_auth.h"

#include "api/http/json_response.h"
#include "api/http/url.h"

namespace walcast::api {

std::optional<std::string> StreamToken(const Request& request, std::string_view query) {
  if (request.find(http::field::authorization) != request.end()) {
    auto token = BearerToken(request);
    return token ? std::optional<std::string>(*token) : std::nullopt;
  }
  auto parameter = QueryParameter(query, "access_token");
  if (parameter && parameter->empty()) return std::nullopt;
  return parameter;
}

std::variant<AccessGrant, Response> AuthorizeStream(const Request& request, std::string_view query,
                                                    const StreamAuthority* authority) {
  if (authority == nullptr) return AccessGrant::Full();
  auto token = StreamToken(request, query);
  auto decided = authority->ForStream(token);
  if (auto* refusal = std::get_if<TokenRefusal>(&decided)) {
    return RefusalResponse(*refusal);
  }
  return std::get<AccessGrant>(std::move(decided));
}

Response RefusalResponse(const TokenRefusal& refusal) {
  if (refusal.forbidden) return JsonError(http::status::forbidden, refusal.reason);
  auto response = JsonError(http::status::unauthorized, refusal.reason);
  response.set(http::field::www_authenticate, "Bearer");
  return response;
}

}  // namespace walcast::api
