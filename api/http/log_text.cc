#include "api/http/log_text.h"

#include <array>

namespace walcast::api {
namespace {

constexpr std::array<std::string_view, 3> kSecretParameters{"access_token", "token", "api_key"};
constexpr std::size_t kMaxTargetBytes = 2048;

void AppendEscaped(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      out->push_back(c);
    } else {
      out->append("\\x");
      out->push_back(kHex[byte >> 4]);
      out->push_back(kHex[byte & 0xF]);
    }
  }
}

// Whether the query parameter name `key` (as sent, possibly percent-encoded) names a secret.
bool IsSecretName(std::string_view key) {
  std::string lowered;
  for (std::size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    // Decode %XX so `access%5Ftoken` is recognised too; any other escape is left as is.
    if (c == '%' && i + 2 < key.size()) {
      auto hex = [](char h) {
        return h >= '0' && h <= '9'   ? h - '0'
               : h >= 'a' && h <= 'f' ? h - 'a' + 10
               : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                      : -1;
      };
      int hi = hex(key[i + 1]), lo = hex(key[i + 2]);
      if (hi >= 0 && lo >= 0) {
        c = static_cast<char>(hi * 16 + lo);
        i += 2;
      }
    }
    lowered.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  for (auto secret : kSecretParameters) {
    if (lowered == secret) return true;
  }
  return false;
}

}  // namespace

std::string LoggableTarget(std::string_view target) {
  std::string out;
  bool cut = target.size() > kMaxTargetBytes;
  if (cut) target = target.substr(0, kMaxTargetBytes);
  auto question = target.find('?');
  AppendEscaped(target.substr(0, question), &out);
  if (question != std::string_view::npos) {
    out.push_back('?');
    std::string_view query = target.substr(question + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
      std::size_t end = query.find('&', start);
      if (end == std::string_view::npos) end = query.size();
      std::string_view pair = query.substr(start, end - start);
      std::size_t equals = pair.find('=');
      if (equals != std::string_view::npos && IsSecretName(pair.substr(0, equals))) {
        AppendEscaped(pair.substr(0, equals), &out);
        out.append("=[redacted]");
      } else {
        AppendEscaped(pair, &out);
      }
      if (end == query.size()) break;
      out.push_back('&');
      start = end + 1;
    }
  }
  if (cut) out.append("...");
  return out;
}

std::string LoggableText(std::string_view text, std::size_t max_bytes) {
  std::string out;
  bool cut = text.size() > max_bytes;
  AppendEscaped(cut ? text.substr(0, max_bytes) : text, &out);
  if (cut) out.append("...");
  return out;
}

}  // namespace walcast::api
