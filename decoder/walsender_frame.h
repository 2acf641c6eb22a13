// Walsender CopyData frames of the streaming replication protocol: 'w' (XLogData) and 'k'
// (primary keepalive) in, 'r' (standby status update) out.
// https://www.postgresql.org/docs/15/protocol-replication.html
//
// All times are microseconds since 2000-01-01 UTC (PostgreSQL's epoch; see pg_time.h).
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "decoder/decode_error.h"
#include "decoder/lsn.h"

namespace walcast::decoder {

struct XLogData {
  // 0/0 for some messages (Relation, Type, some Begin): never use it as a position.
  Lsn data_start;
  Lsn wal_end;
  int64_t send_time = 0;
  // The pgoutput message; a view into the frame, valid as long as the frame's buffer.
  std::string_view message;
};

struct PrimaryKeepalive {
  Lsn wal_end;
  int64_t send_time = 0;
  bool reply_requested = false;  // answer with a status update at once, or be disconnected
};

using WalsenderFrame = std::variant<XLogData, PrimaryKeepalive>;

// Parses one CopyData payload from the walsender. Errors: empty frame, unknown tag, short header,
// trailing bytes after a keepalive, a reply flag other than 0 or 1.
Result<WalsenderFrame> ParseWalsenderFrame(std::string_view copy_data);

struct StandbyStatus {
  Lsn write;  // received
  Lsn flush;  // durable: only a commit end_lsn whose events are safely handed on
  Lsn apply;
  int64_t clock = 0;  // the client's clock, µs since 2000-01-01
  bool reply_requested = false;
};

inline constexpr size_t kStandbyStatusUpdateSize = 34;

// The 'r' CopyData payload to send with PQputCopyData.
std::array<char, kStandbyStatusUpdateSize> BuildStandbyStatusUpdate(const StandbyStatus& status);

}  // namespace walcast::decoder
