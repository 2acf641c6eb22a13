// The Socket.IO offset walcast puts as the last argument of every broadcast event (connection
// state recovery, docs/contract.md §7): the socket.io client keeps the last one it received and
// sends it back with its `pid` when it reconnects. walcast's offset says everything a resume
// needs, so any walcastd can resume the socket without a session store:
//
//   <from>[;e<k>][;<rooms>]
//
//   from    the event id (docs/contract.md §4) of the change, or, while a stream opened at a REST
//           read's position is not yet past what the read saw, the position to resume at (§9)
//   e<k>    k ≥ 1: the k-th room event of that change for this socket (SocketIoRooms::RoomEvents);
//           absent on the global `orders:<op>` event, which comes first
//   rooms   the socket's rooms when it received it (SocketIoRooms::Encoded), absent when none
//
// e.g. "0000000001A3F2C8-00000003", "0000000001A3F2C8-00000003;e1;o5;spaid".
//
// Thread-compatible; pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/socketio/socketio_rooms.h"

namespace walcast::api {

struct SocketIoOffset {
  std::string from;         // an event id or a stream position, as text (checked by the caller)
  uint32_t room_event = 0;  // 0: the global event; k: the k-th room event
  SocketIoRooms rooms;

  // "<from>[;e<k>][;<rooms>]"
  std::string Encode() const { return Format(from, room_event, rooms); }
  // The same text from its parts, for a sender that keeps them apart (no copy of the rooms).
  static std::string Format(std::string_view from, uint32_t room_event, const SocketIoRooms& rooms);
  // nullopt when malformed: an empty `from` or one holding ';', a bad e<k>, bad rooms, or more
  // than 4096 bytes in all.
  static std::optional<SocketIoOffset> Parse(std::string_view text);
};

}  // namespace walcast::api
