// The optional bearer token of the event streams (--stream-token). Browsers cannot set headers on
// EventSource or WebSocket, so the token may also come as `access_token` in the query string.
// Pure; compares in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_types.h"

namespace walcast::api {

// nullopt when allowed (no token configured, or the right one given); else the 401 to send.
std::optional<Response> CheckStreamToken(const Request& request, std::string_view query,
                                         std::string_view token);

// Whether a browser's Origin may use the streams: "*" in the allowlist allows any origin.
bool OriginAllowed(const std::vector<std::string>& allowed, std::string_view origin);

// Equal without an early exit, so the time taken says nothing about where a guess went wrong.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace walcast::api
