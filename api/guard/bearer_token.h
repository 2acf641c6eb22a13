// Bearer tokens (RFC 6750) shared by the write token (--api-token) and the stream token
// (--stream-token): reading `Authorization: Bearer <token>`, comparing in constant time and the
// 401 answer. Pure.
#pragma once

#include <optional>
#include <string_view>

#include "api/http/respond.h"

namespace walcast::api {

// The token of an `Authorization: Bearer <token>` header; nullopt without one (or another scheme).
std::optional<std::string_view> BearerToken(const Request& request);

// Equal without an early exit, so the time taken says nothing about where a guess went wrong.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// 401 {"success":false,"error":"Authentication required"} with `WWW-Authenticate: Bearer`.
Response AuthenticationRequired();

}  // namespace walcast::api
