// The server's control messages of docs/contract.md §4 (welcome, resync, error, pong,
// server_shutdown) as the same {"event":...,"data":{...}} JSON text as change events. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "decoder/event_id.h"

namespace walcast::api {

std::string WelcomeMessage(std::string_view client_id, uint64_t total_clients,
                           const std::optional<decoder::EventId>& last_event_id);
std::string ResyncMessage(std::string_view reason,
                          const std::optional<decoder::EventId>& oldest_id);
std::string ErrorMessage(std::string_view message);
std::string ShutdownMessage();
// After an event sent from a REST read's position while the stream is not yet past what the read
// may have seen: `from` is what the client resumes with instead of the event's id.
std::string CursorMessage(std::string_view from);
// {"event":"clients","data":{"totalClients":n}}: the live count, broadcast when it changes.
std::string ClientsMessage(uint64_t total_clients);

// RFC 3339 UTC with microseconds, e.g. "2026-11-24T10:45:54.991053Z", of the current time.
std::string NowRfc3339();

}  // namespace walcast::api
