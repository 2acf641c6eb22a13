#include "api/stream/websocket_frame.h"

namespace walcast::api {

namespace {

WebSocketFrameHeader FrameHeader(uint8_t first_byte, std::size_t payload_size) {
  WebSocketFrameHeader header;
  header.bytes[0] = static_cast<char>(first_byte);
  if (payload_size < 126) {
    header.bytes[1] = static_cast<char>(payload_size);
    header.size = 2;
  } else if (payload_size <= 0xFFFF) {
    header.bytes[1] = 126;
    header.bytes[2] = static_cast<char>(payload_size >> 8);
    header.bytes[3] = static_cast<char>(payload_size & 0xFF);
    header.size = 4;
  } else {
    header.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) {
      header.bytes[2 + i] =
          static_cast<char>((static_cast<uint64_t>(payload_size) >> (56 - 8 * i)) & 0xFF);
    }
    header.size = 10;
  }
  return header;
}

}  // namespace

WebSocketFrameHeader TextFrameHeader(std::size_t payload_size) {
  constexpr uint8_t kFinText = 0x81;  // FIN set, no RSV bits (no compression), opcode 1 (text)
  return FrameHeader(kFinText, payload_size);
}

WebSocketFrameHeader BinaryFrameHeader(std::size_t payload_size) {
  constexpr uint8_t kFinBinary = 0x82;  // FIN set, opcode 2 (binary)
  return FrameHeader(kFinBinary, payload_size);
}

}  // namespace walcast::api
