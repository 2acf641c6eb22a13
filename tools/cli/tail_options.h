// TailOptions: what `walcast tail` was asked for, its validation and the stream URL it connects
// to. Pure: no I/O, unit-tested in tail_options_test.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walcast::cli {

enum class OutputFormat { kJson, kPretty };

struct TailOptions {
  bool sse = false;                     // SSE (/api/events) instead of WebSocket (/ws)
  std::optional<OutputFormat> format;   // default: json unless stdout is a terminal
  std::vector<std::string> statuses;    // --status (comma lists are split by CLI11)
  std::vector<std::string> order_ids;   // --order-id, kept as text for the message
  std::vector<std::string> operations;  // --operation
  std::string from;                     // --from: resume after this event id
  uint64_t count = 0;                   // --count: stop after N change events (0: never)
  double timeout_seconds = 0;           // --timeout: stop after S seconds (0: never)
  double retry_for_seconds = 30;        // --retry-for: give up reconnecting after S seconds
};

// The first problem with `options` as one line ("--status: 'lost' is not one of pending,
// shipped, delivered"), or nullopt when they are usable.
std::optional<std::string> ValidateTailOptions(const TailOptions& options);

// The request target for one connection: "/ws" or "/api/events", with the filters and
// `from=<cursor>` (omitted when the cursor is empty) as query parameters, percent-encoded.
// Whether `text` is a REST read's streamPosition (docs/contract.md §9) rather than an event id.
bool IsStreamPosition(std::string_view text);

std::string StreamTarget(const TailOptions& options, const std::string& cursor);

// "pretty" / "json" → the format; nullopt for anything else.
std::optional<OutputFormat> ParseOutputFormat(const std::string& text);

}  // namespace walcast::cli
