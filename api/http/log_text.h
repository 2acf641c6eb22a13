// Request text made safe for a log line: secrets redacted, control bytes escaped. Every log line
// that shows a request target goes through LoggableTarget, so a bearer token passed as
// `access_token=` (EventSource cannot send headers) never reaches a log file, and a target with
// raw control bytes or newlines cannot forge or break log lines. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace walcast::api {

// `target` with the values of secret query parameters (access_token, token, api_key) replaced by
// "[redacted]" and every byte outside printable ASCII written as \xHH.
std::string LoggableTarget(std::string_view target);

// Any client-supplied text for a log line: bytes outside printable ASCII as \xHH, cut to
// `max_bytes` (marked with "...").
std::string LoggableText(std::string_view text, std::size_t max_bytes = 256);

}  // namespace walcast::api
