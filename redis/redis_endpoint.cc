#include "redis/redis_endpoint.h"

#include <charconv>
#include <optional>

namespace walcast::redis {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> PercentDecoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = HexValue(text[i + 1]);
    int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

template <class Number>
std::optional<Number> ParseNumber(std::string_view text) {
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string RedisEndpoint::Describe() const {
  std::string where = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return where + ":" + std::to_string(port) + "/" + std::to_string(db);
}

std::variant<RedisEndpoint, std::string> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return std::string("expected a redis:// URL, as redis://[:password@]host:port/db");
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint endpoint;

  // The path: "/db", optional.
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto number = ParseNumber<int>(db);
      if (!number || *number < 0 || *number > 15) {
        return "the database after '/' must be 0..15, got '" + std::string(db) + "'";
      }
      endpoint.db = *number;
    }
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return std::string("query parameters are not supported in the Redis URL");
  }
  // The credentials: "user:password@" or ":password@" (the last '@': a password may hold one
  // only percent-encoded, but a raw one is taken too).
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = credentials.find(':');
    std::string_view user =
        colon == std::string_view::npos ? credentials : credentials.substr(0, colon);
    std::string_view password =
        colon == std::string_view::npos ? std::string_view() : credentials.substr(colon + 1);
    auto decoded_user = PercentDecoded(user);
    auto decoded_password = PercentDecoded(password);
    if (!decoded_user || !decoded_password) {
      return std::string("a bad percent-escape in the URL's user or password");
    }
    // redis://password@host (no colon) is the password, as redis-cli reads it.
    if (colon == std::string_view::npos) {
      endpoint.password = std::move(*decoded_user);
    } else {
      endpoint.user = std::move(*decoded_user);
      endpoint.password = std::move(*decoded_password);
    }
  }
  // The host, "[v6]" or a name or v4, then ":port".
  std::string_view port;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos) return std::string("an unclosed '[' in the host");
    endpoint.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return std::string("expected ':port' after the host");
      port = after.substr(1);
    }
  } else {
    auto colon = rest.find(':');
    endpoint.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port = rest.substr(colon + 1);
  }
  if (endpoint.host.empty()) return std::string("the URL names no host");
  if (!port.empty()) {
    auto number = ParseNumber<unsigned>(port);
    if (!number || *number == 0 || *number > 65535) {
      return "the port must be 1..65535, got '" + std::string(port) + "'";
    }
    endpoint.port = static_cast<uint16_t>(*number);
  }
  return endpoint;
}

}  // namespace walcast::redis
