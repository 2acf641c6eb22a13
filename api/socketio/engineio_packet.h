// Engine.IO protocol 4 (https://socket.io/docs/v4/engine-io-protocol/) as pure code: the packets of
// one WebSocket frame or of one HTTP long-polling body, the open packet, the error codes of a
// refused request, and which request a query string makes. No I/O: the sessions
// (api/socketio/engineio_session.h) move bytes, this decides what they mean.
//
// Wire summary (docs/contract.md §7):
//   packet          <type digit><data>; types 0 open, 1 close, 2 ping, 3 pong, 4 message,
//                   5 upgrade, 6 noop
//   WebSocket       one packet per frame; a binary frame is a binary message (no type byte)
//   polling body    packets joined by the record separator 0x1E, a binary message written as
//                   'b' + standard base64 (no '4' before it)
//
// Thread-compatible; every function is pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace walcast::api {

enum class EngineIoPacketType : char {
  kOpen = '0',
  kClose = '1',
  kPing = '2',
  kPong = '3',
  kMessage = '4',
  kUpgrade = '5',
  kNoop = '6',
};

struct EngineIoPacket {
  EngineIoPacketType type = EngineIoPacketType::kMessage;
  std::string data;     // after the type byte; for a binary message, the raw bytes
  bool binary = false;  // only for kMessage

  friend bool operator==(const EngineIoPacket&, const EngineIoPacket&) = default;
};

// One packet of a WebSocket text frame: nullopt when the frame is empty or its first byte is not
// a packet type ('0'..'6').
std::optional<EngineIoPacket> DecodeEngineIoText(std::string_view frame);

// A polling POST body: the packets between 0x1E separators, a 'b' packet being base64 of a
// binary message. nullopt when any packet is malformed (an empty packet, an unknown type, bad
// base64): the reference server treats the whole payload as a parse error.
std::optional<std::vector<EngineIoPacket>> DecodeEngineIoPayload(std::string_view body);

// <type><data>, what a WebSocket text frame carries.
std::string EncodeEngineIoText(EngineIoPacketType type, std::string_view data);

// Appends one packet to a polling body, with a 0x1E separator unless `body` is empty. A binary
// message is appended as 'b' + base64 of `data`.
void AppendEngineIoPacket(std::string& body, EngineIoPacketType type, std::string_view data,
                          bool binary = false);

// The error codes of a refused request, as the reference server's `Server.errors`.
enum class EngineIoError {
  kUnknownTransport = 0,
  kUnknownSid = 1,
  kBadHandshakeMethod = 2,
  kBadRequest = 3,
  kForbidden = 4,
  kUnsupportedProtocolVersion = 5,
};

// "Transport unknown", "Session ID unknown", "Bad handshake method", "Bad request", "Forbidden",
// "Unsupported protocol version".
std::string_view EngineIoErrorMessage(EngineIoError error);
// The HTTP status of a refused polling request: 403 for kForbidden, 400 for the rest.
int EngineIoErrorStatus(EngineIoError error);
// {"code":N,"message":"..."}, the body of that response.
std::string EngineIoErrorJson(EngineIoError error);

struct EngineIoOpenSettings {
  std::string sid;
  bool offer_websocket_upgrade = true;  // upgrades ["websocket"] (a polling handshake) or []
  uint32_t ping_interval_ms = 25000;
  uint32_t ping_timeout_ms = 20000;
  std::size_t max_payload = 1000000;
};

// The open packet's data, exactly these keys in this order:
// {"sid":"…","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}
std::string EngineIoOpenJson(const EngineIoOpenSettings& settings);

enum class EngineIoTransport { kPolling, kWebSocket };

struct EngineIoRequest {
  EngineIoTransport transport = EngineIoTransport::kPolling;
  std::string sid;  // empty: a handshake (a new session)
};

// What a request to the Engine.IO path asks for, from its query string (`EIO`, `transport`, `sid`;
// anything else, such as the `t` cache buster, is ignored), its method and whether it is a
// WebSocket upgrade. The checks and their order are the reference server's (`verify`, then
// `handshake`):
//   transport missing or not polling/websocket       kUnknownTransport
//   transport=polling on a WebSocket upgrade         kBadRequest (the reference closes that
//                                                    WebSocket right after the 101)
//   sid given more than once                         kUnknownSid
//   sid given (not empty)                            accepted here (the caller looks it up: an
//                                                    unknown one is kUnknownSid, a transport that
//                                                    differs from the session's kBadRequest)
//   no sid, method not GET                           kBadHandshakeMethod
//   no sid, transport=websocket without an upgrade   kBadRequest
//   no sid, EIO not exactly "4"                      kUnsupportedProtocolVersion
// `query` is the part after '?', percent-encoded as received.
std::variant<EngineIoRequest, EngineIoError> ClassifyEngineIoRequest(std::string_view query,
                                                                     bool is_get,
                                                                     bool is_websocket_upgrade);

// A new session id: 20 characters of base64url from a cryptographic random source, so sessions
// cannot be guessed (the reference's base64id has the same length).
std::string NewEngineIoSid();

}  // namespace walcast::api
