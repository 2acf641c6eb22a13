// The header of a server-to-client WebSocket text (or binary) frame (RFC 6455 §5.2): FIN and the
// text opcode, then the payload length in 7, 7+16 or 7+64 bits, with no mask (servers never mask).
// Computed once per event and shared by every session, so that many frames can go out in one
// gathered write (see frame_socket.h for why Beast's one-frame-per-write path is not used for
// events). Pure.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace walcast::api {

struct WebSocketFrameHeader {
  std::array<char, 10> bytes{};
  uint8_t size = 0;

  std::string_view view() const { return {bytes.data(), size}; }
};

WebSocketFrameHeader TextFrameHeader(std::size_t payload_size);
// The same for a binary frame (Engine.IO's binary messages).
WebSocketFrameHeader BinaryFrameHeader(std::size_t payload_size);

}  // namespace walcast::api
