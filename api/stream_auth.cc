#include "stream_auth.h"

#include "json_response.h"
#include "url.h"

namespace walcast::api {

bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin) {
  for (const auto& entry : allowed) {
    if (entry == "*" || entry == origin) return true;
  }
  return false;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

std::optional<Response> CheckStreamToken(const Request& request, std::string_view query,
                                         std::string_view token) {
  if (token.empty()) return std::nullopt;
  std::string given;
  if (auto header = request.find(http::field::authorization); header != request.end()) {
    std::string_view value = header->value();
    if (value.starts_with("Bearer ")) given = std::string(value.substr(7));
  } else if (auto parameter = QueryParameter(query, "access_token")) {
    given = *parameter;
  }
  if (!given.empty() && ConstantTimeEquals(given, token)) return std::nullopt;
  auto response = JsonError(http::status::unauthorized, "Authentication required");
  response.set(http::field::www_authenticate, "Bearer");
  return response;
}

}  // namespace walcast::api
