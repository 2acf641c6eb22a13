// RestClient: blocking HTTP/1.1 requests to walcastd's REST API (one connection per request,
// 10 s timeout). Beast lives only in the .cc. Throws std::runtime_error with a one-line reason
// when the server cannot be reached; any HTTP status is a normal result.
#pragma once

#include <string>

#include "tools/cli/client_options.h"

namespace walcast::cli {

struct RestResponse {
  int status = 0;
  std::string body;
};

class RestClient {
 public:
  explicit RestClient(const ClientOptions& options) : options_(options) {}

  // `target` is the path and query ("/api/orders?limit=5"); a non-empty `body` is sent as JSON.
  // The bearer token, when set, goes with every request.
  RestResponse Request(const std::string& method, const std::string& target,
                       const std::string& body = "") const;

  const std::string& Url() const { return options_.url; }

 private:
  const ClientOptions& options_;
};

}  // namespace walcast::cli
