// Endpoint: the daemon's base URL (`--url` / WALCAST_URL), parsed. Pure; a value type.
#pragma once

#include <optional>
#include <string>

namespace walcast::cli {

inline constexpr const char* kDefaultUrl = "http://127.0.0.1:3001";

struct Endpoint {
  std::string host;  // without brackets for IPv6 literals
  std::string port;  // "80" when the URL has none
  // Host header value: the host as written in the URL, with the port when it was given.
  std::string host_header;
};

// Accepts http://host[:port][/]: walcastd serves plain HTTP, WebSocket and SSE on one port. A
// reverse proxy with TLS in front is out of scope for this client (it says so rather than guess).
std::optional<Endpoint> ParseEndpoint(const std::string& url);

// A query parameter's value, percent-encoded: everything but the unreserved characters and ','
// (the separator of the stream's list filters, `status=a,b`) becomes %XX.
std::string PercentEncode(const std::string& value);

}  // namespace walcast::cli
