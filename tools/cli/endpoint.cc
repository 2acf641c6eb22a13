#include "tools/cli/endpoint.h"

#include <cctype>
#include <regex>

namespace walcast::cli {

std::optional<Endpoint> ParseEndpoint(const std::string& url) {
  static const std::regex kUrl(R"(^http://([A-Za-z0-9._-]+|\[[0-9a-fA-F:.]+\])(?::(\d{1,5}))?/?$)");
  std::smatch m;
  if (!std::regex_match(url, m, kUrl)) return std::nullopt;
  Endpoint endpoint;
  std::string host = m[1];
  endpoint.host_header = m[2].matched ? host + ":" + std::string(m[2]) : host;
  if (host.front() == '[') host = host.substr(1, host.size() - 2);
  endpoint.host = host;
  endpoint.port = m[2].matched ? std::string(m[2]) : "80";
  int port = std::stoi(endpoint.port);
  if (port < 1 || port > 65535) return std::nullopt;
  return endpoint;
}

std::string PercentEncode(const std::string& value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace walcast::cli
