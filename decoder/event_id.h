// EventId: the id of one change event, "0000000001A3F2C8-00000003" (docs/contract.md §4).
//
// 16 upper-case hex digits of the transaction's commit LSN, '-', 8 hex digits of the change's index
// within the transaction. Fixed width, so ids sort as strings in commit order, and derived only
// from the WAL, so the same change decoded again gets the same id. In NOTIFY mode the caller makes
// ids from its own per-run counter with the same constructor. A plain value type;
// thread-compatible.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "decoder/lsn.h"

namespace walcast::decoder {

class EventId {
 public:
  static constexpr size_t kSize = 25;

  // "0000000000000000-00000000": constant text, as every event starts with it before its commit.
  EventId()
      : text_{'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0',
              '0', '0', '0', '-', '0', '0', '0', '0', '0', '0', '0', '0'} {}
  EventId(Lsn commit_lsn, uint32_t index);

  // Accepts exactly the printed form (either case of hex digits); anything else is nullopt.
  static std::optional<EventId> Parse(std::string_view text);

  Lsn commit_lsn() const { return commit_lsn_; }
  uint32_t index() const { return index_; }
  // The printed form; the view lives as long as this object.
  std::string_view view() const { return std::string_view(text_.data(), kSize); }
  std::string ToString() const { return std::string(view()); }

  friend bool operator==(const EventId& a, const EventId& b) {
    return a.commit_lsn_ == b.commit_lsn_ && a.index_ == b.index_;
  }
  friend std::strong_ordering operator<=>(const EventId& a, const EventId& b) {
    if (auto c = a.commit_lsn_ <=> b.commit_lsn_; c != 0) return c;
    return a.index_ <=> b.index_;
  }

 private:
  Lsn commit_lsn_;
  uint32_t index_ = 0;
  std::array<char, kSize> text_;
};

}  // namespace walcast::decoder
