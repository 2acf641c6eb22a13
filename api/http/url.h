// URL pieces of a request target: path, query string, percent-decoding, query parameters. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walcast::api {

// "/a/b" of "/a/b?x=1"; the views point into `target`.
std::string_view PathOf(std::string_view target);
// "x=1" of "/a/b?x=1", empty without a query.
std::string_view QueryOf(std::string_view target);

// Percent-decodes a URL path; nullopt on a malformed escape or a decoded NUL.
std::optional<std::string> DecodeUrlPath(std::string_view path);

// The value of `name` in a query string ('+' is a space, then percent-decoded), "" for a bare
// name, nullopt when absent or malformed.
std::optional<std::string> QueryParameter(std::string_view query, std::string_view name);
// Every value of a parameter that may repeat (`filter=a&filter=b`), in order; empty when absent,
// nullopt when one is malformed.
std::optional<std::vector<std::string>> QueryParameters(std::string_view query,
                                                        std::string_view name);

}  // namespace walcast::api
