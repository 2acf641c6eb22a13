// What stream_bench reads from walcast's event JSON and ids, without a JSON parser (the client
// must stay cheap next to the daemon it measures). Pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace walcast::bench {

// The value of the last `"key":"value"` pair in `json`. walcast writes the envelope's fields
// (timestamp, serverTime) after the row objects, and a key inside a string value is escaped
// (`\"key\"`), so the last match is the envelope's. No unescaping: meant for timestamps.
std::optional<std::string_view> LastStringField(std::string_view json, std::string_view key);

// RFC 3339 with optional fraction and `Z` or `±hh:mm`, e.g. "2026-11-24T15:01:21.077403Z".
std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view text);

// The event id at the start of a commit LSN "X/Y": "<16 hex>-00000000", the smallest id of a
// transaction committed there (a `from` that a window starting at that LSN accepts).
std::optional<std::string> EventIdAtLsn(std::string_view lsn);

// Whether an SSE event name is a change of any streamed table, `<table>:<op>` with op insert,
// update, delete or truncate (`orders:insert`, `sales.invoices:update`); the stream's other events
// (welcome, clients, error, ...) have no colon.
inline bool IsChange(std::string_view name) {
  auto colon = name.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  auto op = name.substr(colon + 1);
  return op == "insert" || op == "update" || op == "delete" || op == "truncate";
}

}  // namespace walcast::bench
