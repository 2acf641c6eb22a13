// StreamMessage: one text frame of the event stream (docs/contract.md §4, `{"event":…,"data":…}`),
// classified for `walcast tail`, and its human-readable rendering. Pure; unit-tested.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace walcast::cli {

enum class MessageKind {
  kChange,    // orders:insert|update|delete|truncate: printed
  kWelcome,   // first on every connection; carries the server's last event id
  kResync,    // the requested `from` is too old: state must be refetched
  kCursor,    // after an event sent from a REST read's position: where to resume instead
  kShutdown,  // server_shutdown: the connection is about to close
  kError,     // the server's `error` frame
  kOther,     // clients, pong, anything newer: ignored
};

struct StreamMessage {
  MessageKind kind = MessageKind::kOther;
  std::string event;  // the frame's "event"
  std::string
      id;  // kChange: data.id; kWelcome: data.lastEventId ("" when null); kCursor: data.from
  std::string text;       // kWelcome: clientId; kResync: reason; kShutdown/kError: message
  std::string oldest_id;  // kResync: data.oldestId ("" when null)
};

// nullopt when the frame is not a JSON object with a string "event" and an object "data" (or a
// change event without a string id): the caller reports it and carries on.
std::optional<StreamMessage> ParseStreamMessage(std::string_view frame);

// One line (no newline) for a terminal: commit time, operation, order id, status, names and, for
// an update, what changed ("status pending → shipped"). ANSI colours when `color`. A frame that
// does not have the expected shape is returned as is.
std::string PrettyLine(std::string_view frame, bool color);

}  // namespace walcast::cli
