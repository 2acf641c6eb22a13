// Blocking HTTP/1.1 client for integration tests (Beast over a plain TCP socket, one request per
// connection). Throws on connection errors; any HTTP status is a normal result.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace walcast::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

HttpResult HttpRequest(int port, const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::vector<std::pair<std::string, std::string>>& headers = {});

// The same from a chosen loopback source address (e.g. "127.0.0.2": loopback accepts all of
// 127/8), so one test can be several clients to per-address limits.
HttpResult HttpRequestFrom(const std::string& source_address, int port, const std::string& method,
                           const std::string& target, const std::string& body = "",
                           const std::vector<std::pair<std::string, std::string>>& headers = {});

// A counter or gauge of walcastd's /metrics text (unlabelled), or -1 when it is missing.
double MetricValue(const std::string& metrics_text, const std::string& name);

inline HttpResult HttpGet(int port, const std::string& target) {
  return HttpRequest(port, "GET", target);
}

}  // namespace walcast::testing
