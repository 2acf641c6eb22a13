// Lsn: a WAL position (PostgreSQL's XLogRecPtr), printed as "X/Y" like PostgreSQL does.
// A plain value type; thread-compatible.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walcast::decoder {

class Lsn {
 public:
  constexpr Lsn() = default;  // 0/0, PostgreSQL's InvalidXLogRecPtr
  constexpr explicit Lsn(uint64_t value) : value_(value) {}

  // Parses "16/B374D848": two groups of 1 to 8 hex digits (either case) around one '/'.
  // Anything else, including surrounding spaces, is nullopt.
  static std::optional<Lsn> Parse(std::string_view text);

  constexpr uint64_t value() const { return value_; }
  constexpr bool valid() const { return value_ != 0; }

  // "16/B374D848": upper-case hex without leading zeros, as pg_lsn_out prints it.
  std::string ToString() const;
  void AppendTo(std::string* out) const;
  static constexpr size_t kMaxTextSize = 17;
  // Writes the same text to `out` (room for kMaxTextSize chars); returns its size.
  size_t Format(char* out) const;

  friend constexpr auto operator<=>(Lsn, Lsn) = default;

 private:
  uint64_t value_ = 0;
};

}  // namespace walcast::decoder
