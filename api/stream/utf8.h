// Strict UTF-8 (RFC 3629): what PostgreSQL's UTF8 encoding and a WebSocket text frame accept.
// Overlong forms, UTF-16 surrogates encoded as UTF-8 (which RapidJSON produces for a lone `\udc00`
// escape), code points above U+10FFFF and truncated sequences are all invalid. Pure, thread-safe.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace walcast::api {

// The number of code points of `text`, or nullopt when it is not valid UTF-8.
std::optional<std::size_t> Utf8CodePoints(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return Utf8CodePoints(text).has_value(); }

// `text` with each invalid byte replaced by U+FFFD, so it can go into a text frame or JSON.
std::string ToValidUtf8(std::string_view text);

// `text` cut to at most `max_bytes` without splitting a character (for echoing client input).
std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes);

// Whether every string in `value` (member names included) is valid UTF-8. RapidJSON's
// kParseValidateEncodingFlag checks the raw bytes but not `\u` escapes: a lone low surrogate
// such as `"\udc00"` is decoded into bytes no UTF-8 decoder accepts.
bool JsonStringsAreValidUtf8(const rapidjson::Value& value);

}  // namespace walcast::api
