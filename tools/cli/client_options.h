// The options every `walcast` command shares: where the daemon is and the bearer token.
#pragma once

#include <string>

#include "tools/cli/endpoint.h"

namespace walcast::cli {

struct ClientOptions {
  std::string url;    // --url / WALCAST_URL
  std::string token;  // --token / WALCAST_TOKEN: bearer token for writes and streams
  Endpoint endpoint;  // parsed from url before a command runs
};

}  // namespace walcast::cli
