// Test-only: drives a StreamDecoder over a list of messages and renders what it produced as text,
// so tests can compare whole runs with expected lines.
#pragma once

#include <string>
#include <vector>

#include "decoder/stream_decoder.h"

namespace walcast::decoder::testing {

inline constexpr char kServerTime[] = "2026-11-24T10:45:55.000000Z";

// Feeds `messages` in order. Each committed transaction adds a line
// "commit xid=<xid> lsn=<commit> end=<end> changes=<n> events=<m>" followed by one line per event
// (its serialized frame, server time kServerTime). The first error adds "error: <text>" and
// stops.
std::vector<std::string> Feed(StreamDecoder& decoder, const std::vector<std::string>& messages);

}  // namespace walcast::decoder::testing
