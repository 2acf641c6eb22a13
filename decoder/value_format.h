// Typed JSON for one column value (docs/contract.md §2), from PostgreSQL's text output of the
// value.
//
// Shared by the normalizer (pgoutput text tuples) and the REST API (libpq text results), so a row
// looks the same in REST and in events: int2/int4/int8/oid become numbers, bool true/false,
// json/jsonb embedded JSON, timestamp/timestamptz RFC 3339 UTC with microseconds, numeric and every
// other type its text as a JSON string; NULL is null. Formatting never fails: text that does not
// parse as its type ('infinity', 'NaN') is written as a string. Pure functions; thread-safe.
//
// Expects the server's ISO DateStyle (the default); the replication connection should also set
// TimeZone so offsets are stable (any offset is converted to UTC).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace walcast::decoder {

class RowWriter;

// Built-in type OIDs (pg_type.dat) that §2 gives a JSON form other than a string.
namespace pg_type {
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kJson = 114;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestampTz = 1184;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kJsonb = 3802;
}  // namespace pg_type

// How a type's values are written; look it up once per column, not per value.
enum class ValueKind : uint8_t {
  kNumber,     // int2, int4, int8, oid
  kBool,       // bool
  kJson,       // json, jsonb
  kTimestamp,  // timestamp, timestamptz
  kText,       // everything else, numeric included
};

ValueKind ValueKindOf(uint32_t type_oid);

// Appends the JSON form of a non-NULL value whose PostgreSQL text output is `text`. Also into a
// row being built (row_block.h).
void AppendJsonValue(ValueKind kind, std::string_view text, std::string* out);
void AppendJsonValue(ValueKind kind, std::string_view text, RowWriter* out);
inline void AppendJsonValue(uint32_t type_oid, std::string_view text, std::string* out) {
  AppendJsonValue(ValueKindOf(type_oid), text, out);
}
// The same, as a new string: "42", "\"shipped\"", "\"2026-11-24T10:45:54.991053Z\"".
std::string JsonValue(uint32_t type_oid, std::string_view text);

// Appends `text` as a JSON string literal: quotes, and escapes for '"', '\\' and control
// characters. Bytes >= 0x80 pass through (the database encoding is expected to be UTF-8).
void AppendJsonString(std::string_view text, std::string* out);
void AppendJsonString(std::string_view text, RowWriter* out);
// The size of AppendJsonString's output for `text`, and the same output written at `out`, which
// has room for that many chars; returns the end. For writers that size their buffer first.
size_t JsonStringSize(std::string_view text);
char* WriteJsonString(std::string_view text, char* out);

// True if `text` is an integer in JSON's grammar (optional '-', no leading zeros) of at most 20
// digits, as integer types print.
bool IsJsonInteger(std::string_view text);

}  // namespace walcast::decoder
