// The headers every response carries: server, request id, the browser hardening headers (a strict
// Content-Security-Policy: the UI needs no inline script or style) and, through the RequestGuard,
// the CORS headers that depend on the request's Origin. Pure.
#pragma once

#include <string>
#include <string_view>

#include "api/guard/request_guard.h"
#include "api/http/respond.h"

namespace walcast::api {

// `origin` is the request's Origin header, empty when it had none.
void AddCommonHeaders(Response& response, const std::string& request_id, const RequestGuard& guard,
                      std::string_view origin);

}  // namespace walcast::api
