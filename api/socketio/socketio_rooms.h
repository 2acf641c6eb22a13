// The rooms of one Socket.IO socket (docs/contract.md §7) and what they make of a change event,
// as pure code. A socket joins `order_<id>` and `status_<status>` rooms with `subscribe`
// ({orderIds?, statuses?}) and leaves them with `unsubscribe`. Rooms are additive: every socket
// gets the global `orders:<op>` event, and for each joined room the event matches it also gets
// `order_<id>:<op>` or `status_<status>:<op>`, each room once. An update that moves an order out
// of a joined status reaches that status's room too (the old row's status matches).
//
// The rooms travel inside every offset the socket receives (api/socketio/socketio_offset.h), so
// connection state recovery restores them on any walcastd, also after a restart, with no
// server-side session store. Hence the bound on their number.
//
// Thread-compatible value type.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/stream/stream_event.h"

namespace walcast::api {

class SocketIoRooms {
 public:
  // Rooms one socket may be in at once: a join past it is refused whole.
  static constexpr std::size_t kMaxRooms = 64;
  // A status names a room only if it is 1..64 bytes of valid UTF-8.
  static constexpr std::size_t kMaxStatusBytes = 64;
  // The rooms travel in every offset the socket receives: their text is kept short.
  static constexpr std::size_t kMaxEncodedBytes = 1024;

  // Joins the rooms; an error message (and no change) when the result would pass kMaxRooms or
  // kMaxEncodedBytes, or a status is invalid. Order ids must be positive.
  std::optional<std::string> Join(const std::set<int64_t>& order_ids,
                                  const std::set<std::string>& statuses);
  void Leave(const std::set<int64_t>& order_ids, const std::set<std::string>& statuses);

  bool Empty() const { return order_ids_.empty() && statuses_.empty(); }
  const std::set<int64_t>& order_ids() const { return order_ids_; }
  const std::set<std::string>& statuses() const { return statuses_; }

  // The room events `keys` produces for this socket, after the global `orders:<op>` (which every
  // socket gets and is not listed), in this order: `order_<id>:<op>` when the new row's id (or,
  // for a delete, the old row's) is joined, else when the old row's is; `status_<new>:<op>` when
  // the new row's status is joined; `status_<old>:<op>` when the old row's status differs from
  // the new one and is joined. TRUNCATE names no row and produces none.
  std::vector<std::string> RoomEvents(const EventKeys& keys) const;

  // The rooms as offset text: "" when empty, else `o<id>,<id>…` and/or `s<status>,<status>…`
  // joined by ';' ("o5,7;spaid,shipped"), each status percent-encoded except A-Z a-z 0-9 '-' '_'
  // '.'. Cached: recomputed only after a Join or Leave that changed something.
  const std::string& Encoded() const;
  // The inverse of Encoded(), checking every bound Join checks; nullopt when malformed.
  static std::optional<SocketIoRooms> Decode(std::string_view text);

  friend bool operator==(const SocketIoRooms& a, const SocketIoRooms& b) {
    return a.order_ids_ == b.order_ids_ && a.statuses_ == b.statuses_;
  }

 private:
  std::set<int64_t> order_ids_;
  std::set<std::string> statuses_;
  mutable std::optional<std::string> encoded_;
};

}  // namespace walcast::api
