// Time in walcast's wire formats: PostgreSQL's epoch (µs since 2000-01-01 UTC, used by the
// replication protocol), Unix µs, and RFC 3339 UTC text with microseconds,
// "2026-11-24T10:45:54.991053Z" (docs/contract.md §2). Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walcast::decoder {

// 2000-01-01T00:00:00Z in Unix microseconds.
inline constexpr int64_t kPgEpochUnixMicros = 946'684'800'000'000;

// Both saturate instead of overflowing: times come off the wire (and PostgreSQL's 'infinity' is
// INT64_MAX).
constexpr int64_t UnixMicrosFromPg(int64_t pg_micros) {
  return pg_micros > INT64_MAX - kPgEpochUnixMicros ? INT64_MAX : pg_micros + kPgEpochUnixMicros;
}
constexpr int64_t PgMicrosFromUnix(int64_t unix_micros) {
  return unix_micros < INT64_MIN + kPgEpochUnixMicros ? INT64_MIN
                                                      : unix_micros - kPgEpochUnixMicros;
}
int64_t UnixMicros(std::chrono::system_clock::time_point time);

inline constexpr size_t kRfc3339Size = 27;  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"

// Writes exactly kRfc3339Size chars to `out`. Returns false, writing nothing, when the year is
// outside 0000..9999 (RFC 3339 has four-digit years).
bool WriteRfc3339(int64_t unix_micros, char* out);
// Appends "YYYY-MM-DDTHH:MM:SS.ffffffZ". Returns false, appending nothing, when the year is outside
// 0000..9999 (RFC 3339 has four-digit years).
bool AppendRfc3339(int64_t unix_micros, std::string* out);
// As above; a time outside the representable years is clamped to the nearest end.
std::string FormatRfc3339(int64_t unix_micros);

// Parses PostgreSQL's ISO output of timestamp and timestamptz: "2026-11-24 10:45:54.991053+00",
// "+05:30" or "-03:30:15" offsets, no fraction or 1..6 fraction digits; also 'T' between date and
// time and a "Z" zone (JSON output, RFC 3339 input). Text without a zone is taken as UTC. Returns
// Unix µs, or nullopt for anything else ('infinity', BC dates, five-digit years, other DateStyles).
std::optional<int64_t> ParsePgTimestamp(std::string_view text);

// ParsePgTimestamp then AppendRfc3339, without the calendar arithmetic when the text is already
// UTC. Returns false, appending nothing, where ParsePgTimestamp would return nullopt or the
// converted year leaves 0000..9999.
bool AppendPgTimestampAsRfc3339(std::string_view text, std::string* out);
// The same into `out`, exactly kRfc3339Size chars; false, writing nothing, where the above fails.
bool WritePgTimestampAsRfc3339(std::string_view text, char* out);

}  // namespace walcast::decoder
