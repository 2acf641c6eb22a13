// The token of an event stream request (/ws, /api/events): browsers cannot set headers on
// EventSource or WebSocket, so besides `Authorization: Bearer` it may come as `access_token` in
// the query string. What it grants is the StreamAuthority's to say (api/guard/access_tokens.h).
// Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "api/guard/bearer_token.h"
#include "api/guard/cors.h"  // OriginAllowed, which the WebSocket handshake checks
#include "api/http/respond.h"
#include "api/stream/access_grant.h"

namespace walcast::api {

// The token the request carries; nullopt without one.
std::optional<std::string> StreamToken(const Request& request, std::string_view query);

// The grant of a stream request, or the 401 / 403 to send. A null `authority`: open streams.
std::variant<AccessGrant, Response> AuthorizeStream(const Request& request, std::string_view query,
                                                    const StreamAuthority* authority);

// The answer to a refused token: 401 with `WWW-Authenticate: Bearer` and the reason ("token
// expired", ...), or 403 for a valid token lacking a scope.
Response RefusalResponse(const TokenRefusal& refusal);

}  // namespace walcast::api
