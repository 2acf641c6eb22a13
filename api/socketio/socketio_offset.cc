#include "api/socketio/socketio_offset.h"

#include <charconv>

namespace walcast::api {
namespace {

constexpr std::size_t kMaxOffsetBytes = 4096;

// "e<k>" with k ≥ 1, no sign and no leading zero (Encode writes none).
std::optional<uint32_t> ParseRoomEvent(std::string_view part) {
  if (part.size() < 2 || part.front() != 'e' || part[1] == '0') return std::nullopt;
  uint32_t k = 0;
  auto [end, ec] = std::from_chars(part.data() + 1, part.data() + part.size(), k);
  if (ec != std::errc() || end != part.data() + part.size() || k == 0) return std::nullopt;
  return k;
}

}  // namespace

std::string SocketIoOffset::Format(std::string_view from, uint32_t room_event,
                                   const SocketIoRooms& rooms) {
  std::string out(from);
  if (room_event > 0) {
    out += ";e";
    out += std::to_string(room_event);
  }
  if (!rooms.Empty()) {
    out += ';';
    out += rooms.Encoded();
  }
  return out;
}

std::optional<SocketIoOffset> SocketIoOffset::Parse(std::string_view text) {
  if (text.size() > kMaxOffsetBytes) return std::nullopt;
  std::size_t semicolon = text.find(';');
  SocketIoOffset offset;
  offset.from = std::string(text.substr(0, semicolon));
  if (offset.from.empty()) return std::nullopt;
  if (semicolon == std::string_view::npos) return offset;
  std::string_view rest = text.substr(semicolon + 1);
  // The rooms never start with 'e' ('o' or 's'), so a leading e<k> is unambiguous.
  if (!rest.empty() && rest.front() == 'e') {
    std::size_t next = rest.find(';');
    auto k = ParseRoomEvent(rest.substr(0, next));
    if (!k) return std::nullopt;
    offset.room_event = *k;
    if (next == std::string_view::npos) return offset;
    rest.remove_prefix(next + 1);
  }
  // Present means non-empty: Encode leaves out the rooms of a socket that has none.
  if (rest.empty()) return std::nullopt;
  auto rooms = SocketIoRooms::Decode(rest);
  if (!rooms) return std::nullopt;
  offset.rooms = std::move(*rooms);
  return offset;
}

}  // namespace walcast::api
