// Row: one table row rendered once as a JSON object, {"id":1,"status":"pending",...}, with an index
// of its columns so that consumers (the broadcast hub's filters) can read a value without parsing.
// RowBuilder writes one. A row is a single heap block: the JSON text followed by the index.
// Plain value types; thread-compatible.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "decoder/value_format.h"

namespace walcast::decoder {

class Row {
 public:
  Row() = default;  // no columns: "{}"

  std::string_view json() const {
    return json_size_ == 0 ? std::string_view("{}") : std::string_view(buffer_.data(), json_size_);
  }
  size_t size() const { return count_; }
  // The i-th column's name as written in the JSON (escaped, without quotes) and raw JSON value.
  std::string_view name(size_t i) const;
  std::string_view value(size_t i) const;
  // The raw JSON value of `column` ("42", "\"shipped\"", "null"), or nullopt if the row has no
  // such column. Column names are compared as written in the JSON, so names that need escaping
  // are not found.
  std::optional<std::string_view> Find(std::string_view column) const;

  // Heap bytes held, for memory accounting.
  size_t ApproxBytes() const { return buffer_.capacity(); }

  friend bool operator==(const Row& a, const Row& b) { return a.json() == b.json(); }

  // The row's whole representation (JSON, then the column index), for spilling it to disk and
  // reading it back with FromRaw without parsing the JSON again.
  std::string_view raw() const { return buffer_; }
  uint32_t raw_json_size() const { return json_size_; }
  uint32_t raw_count() const { return count_; }
  // The inverse of raw(): nullopt unless the sizes fit and every indexed name and value lies
  // inside the JSON (so bytes damaged on disk are refused, never read out of bounds).
  static std::optional<Row> FromRaw(std::string_view raw, uint32_t json_size, uint32_t count);

 private:
  friend class RowBuilder;
  struct Span {
    uint32_t key_begin;
    uint32_t key_size;
    uint32_t value_begin;
    uint32_t value_size;
  };
  Span span(size_t i) const;

  std::string buffer_;  // json_size_ bytes of JSON, then count_ Spans
  uint32_t json_size_ = 0;
  uint32_t count_ = 0;
};

// `json_key` arguments are a column name as a JSON object key with its colon, "\"id\":" (see
// JsonKey and RelationInfo::Column::json_key).
class RowBuilder {
 public:
  // `reserve_bytes` is the expected JSON size; the index is reserved on top of it.
  RowBuilder(size_t reserve_bytes, size_t reserve_columns);

  void AddNull(std::string_view json_key);
  void AddValue(std::string_view json_key, ValueKind kind, std::string_view text);
  void AddRaw(std::string_view json_key, std::string_view raw_json);
  // The raw JSON value of the column added last (requires one); valid until the next Add.
  std::string_view last_value() const;
  Row Finish() &&;

 private:
  static constexpr size_t kInlineSpans = 16;

  void StartColumn(std::string_view json_key);
  void EndColumn(size_t value_begin);
  Row::Span& Back();
  const Row::Span& Back() const;

  std::string json_;
  size_t count_ = 0;
  std::array<Row::Span, kInlineSpans> inline_spans_;
  std::vector<Row::Span> more_spans_;  // beyond kInlineSpans
};

// "\"name\":" for a column name.
std::string JsonKey(std::string_view name);

}  // namespace walcast::decoder
