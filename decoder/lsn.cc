#include "lsn.h"

namespace walcast::decoder {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<uint32_t> ParseHalf(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    int digit = HexValue(c);
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<uint32_t>(digit);
  }
  return value;
}

void AppendHex32(uint32_t value, std::string* out) {
  char buffer[8];
  int size = 0;
  do {
    buffer[size++] = kHexDigits[value & 0xF];
    value >>= 4;
  } while (value != 0);
  while (size > 0) out->push_back(buffer[--size]);
}

}  // namespace

std::optional<Lsn> Lsn::Parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<uint32_t> high = ParseHalf(text.substr(0, slash));
  std::optional<uint32_t> low = ParseHalf(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return Lsn(static_cast<uint64_t>(*high) << 32 | *low);
}

std::string Lsn::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void Lsn::AppendTo(std::string* out) const {
  AppendHex32(static_cast<uint32_t>(value_ >> 32), out);
  out->push_back('/');
  AppendHex32(static_cast<uint32_t>(value_), out);
}

}  // namespace walcast::decoder
