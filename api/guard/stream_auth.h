// The optional bearer token of the event streams (--stream-token). Browsers cannot set headers on
// EventSource or WebSocket, so the token may also come as `access_token` in the query string.
// Pure; compares in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/guard/bearer_token.h"
#include "api/guard/cors.h"  // OriginAllowed, which the WebSocket handshake checks
#include "api/http/respond.h"

namespace walcast::api {

// nullopt when allowed (no token configured, or the right one given); else the 401 to send.
std::optional<Response> CheckStreamToken(const Request& request, std::string_view query,
                                         std::string_view token);

}  // namespace walcast::api
