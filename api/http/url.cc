#include "api/http/url.h"

namespace walcast::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view PathOf(std::string_view target) {
  auto query = target.find('?');
  return query == std::string_view::npos ? target : target.substr(0, query);
}

std::string_view QueryOf(std::string_view target) {
  auto query = target.find('?');
  return query == std::string_view::npos ? std::string_view() : target.substr(query + 1);
}

std::optional<std::string> DecodeUrlPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '%') {
      out += path[i];
      continue;
    }
    if (i + 2 >= path.size()) return std::nullopt;
    int hi = HexValue(path[i + 1]), lo = HexValue(path[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

namespace {

// Calls `visit` with each value of `name` in `query`, decoded ('+' is a space), or nullopt for a
// malformed one; stops when `visit` returns false.
template <typename Visit>
void ForEachValue(std::string_view query, std::string_view name, Visit visit) {
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (key == name) {
      std::string value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
      for (char& c : value) {
        if (c == '+') c = ' ';
      }
      if (!visit(DecodeUrlPath(value))) return;
    }
    start = end + 1;
  }
}

}  // namespace

std::optional<std::string> QueryParameter(std::string_view query, std::string_view name) {
  std::optional<std::string> found;
  ForEachValue(query, name, [&](std::optional<std::string> value) {
    found = std::move(value);
    return false;
  });
  return found;
}

std::optional<std::vector<std::string>> QueryParameters(std::string_view query,
                                                        std::string_view name) {
  std::vector<std::string> values;
  bool malformed = false;
  ForEachValue(query, name, [&](std::optional<std::string> value) {
    if (!value) {
      malformed = true;
      return false;
    }
    values.push_back(std::move(*value));
    return true;
  });
  if (malformed) return std::nullopt;
  return values;
}

}  // namespace walcast::api
