// Socket.IO protocol 5 (https://socket.io/docs/v4/socket-io-protocol/) packets as pure code: the
// text of one Engine.IO message in, a packet out, and back. No I/O.
//
// Grammar: <type digit>[<attachments>'-'][<namespace>','][<ack id>][<JSON payload>]
//   types      0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, 5 BINARY_EVENT,
//              6 BINARY_ACK
//   namespace  only when not "/": starts with '/', runs to ',' or to the end of the text
//   ack id     decimal digits
//   payload    compact JSON: CONNECT an object or nothing; DISCONNECT nothing; EVENT and
//              BINARY_EVENT a non-empty array whose first element is a string (not a reserved
//              name: connect, connect_error, disconnect, disconnecting, newListener,
//              removeListener) or a number; ACK and BINARY_ACK an array; CONNECT_ERROR an object
//              or a string
// The validity rules are the reference parser's (socket.io-parser `isPayloadValid`); a packet
// that breaks one is an error, which closes the connection.
//
// Thread-compatible; every function is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace walcast::api {

enum class SocketIoPacketType : int {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

struct SocketIoPacket {
  SocketIoPacketType type = SocketIoPacketType::kEvent;
  std::string nsp = "/";
  std::optional<uint64_t> ack_id;
  std::string payload;  // the JSON text as received (validated); empty when there is none
  int attachments = 0;  // binary attachments that follow (binary types only)

  friend bool operator==(const SocketIoPacket&, const SocketIoPacket&) = default;
};

struct SocketIoDecodeError {
  std::string reason;  // short, for a debug log line: "unknown packet type", "invalid payload"…
};

// Decodes the text of one Engine.IO message. Limits: at most 10 attachments, a namespace of at
// most 256 bytes, an ack id that fits 53 bits (JavaScript's safe integers).
std::variant<SocketIoPacket, SocketIoDecodeError> DecodeSocketIoPacket(std::string_view text);

// The text of `packet` (the inverse of DecodeSocketIoPacket): `payload` is written as is.
std::string EncodeSocketIoPacket(const SocketIoPacket& packet);

}  // namespace walcast::api
