#include "decoder/event_id.h"

namespace walcast::decoder {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";
constexpr size_t kLsnDigits = 16;
constexpr size_t kIndexDigits = 8;

// Two digits per step.
constexpr std::array<char, 512> kHexPairs = [] {
  std::array<char, 512> pairs{};
  for (size_t i = 0; i < 256; ++i) {
    pairs[2 * i] = kHexDigits[i >> 4];
    pairs[2 * i + 1] = kHexDigits[i & 0xF];
  }
  return pairs;
}();

// `digits` is even.
void WriteHex(uint64_t value, size_t digits, char* out) {
  for (size_t i = digits; i > 0; i -= 2) {
    const size_t pair = 2 * (value & 0xFF);
    out[i - 2] = kHexPairs[pair];
    out[i - 1] = kHexPairs[pair + 1];
    value >>= 8;
  }
}

std::optional<uint64_t> ReadHex(std::string_view text) {
  uint64_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  return value;
}

}  // namespace

EventId::EventId(Lsn commit_lsn, uint32_t index) : commit_lsn_(commit_lsn), index_(index) {
  WriteHex(commit_lsn.value(), kLsnDigits, text_.data());
  text_[kLsnDigits] = '-';
  WriteHex(index, kIndexDigits, text_.data() + kLsnDigits + 1);
}

std::optional<EventId> EventId::Parse(std::string_view text) {
  if (text.size() != kSize || text[kLsnDigits] != '-') return std::nullopt;
  std::optional<uint64_t> lsn = ReadHex(text.substr(0, kLsnDigits));
  std::optional<uint64_t> index = ReadHex(text.substr(kLsnDigits + 1));
  if (!lsn || !index) return std::nullopt;
  return EventId(Lsn(*lsn), static_cast<uint32_t>(*index));
}

}  // namespace walcast::decoder
