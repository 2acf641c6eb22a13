#include "decoder/lsn.h"

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

// Writes `value` in hex without leading zeros; returns the number of chars (1..8).
size_t WriteHex32(uint32_t value, char* out) {
  char reversed[8];
  size_t size = 0;
  do {
    reversed[size++] = kHexDigits[value & 0xF];
    value >>= 4;
  } while (value != 0);
  for (size_t i = 0; i < size; ++i) out[i] = reversed[size - 1 - i];
  return size;
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
  char text[kMaxTextSize];
  out->append(text, Format(text));
}

size_t Lsn::Format(char* out) const {
  size_t size = WriteHex32(static_cast<uint32_t>(value_ >> 32), out);
  out[size++] = '/';
  return size + WriteHex32(static_cast<uint32_t>(value_), out + size);
}

}  // namespace walcast::decoder
