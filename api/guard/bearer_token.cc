#include "api/guard/bearer_token.h"

#include "api/http/json_response.h"

namespace walcast::api {

std::optional<std::string_view> BearerToken(const Request& request) {
  auto header = request.find(http::field::authorization);
  if (header == request.end()) return std::nullopt;
  std::string_view value = header->value();
  // The scheme name is case-insensitive (RFC 7235 §2.1).
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() < kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kScheme[i]) return std::nullopt;
  }
  return value.substr(kScheme.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

Response AuthenticationRequired() {
  auto response = JsonError(http::status::unauthorized, "Authentication required");
  response.set(http::field::www_authenticate, "Bearer");
  return response;
}

}  // namespace walcast::api
