// Row: one table row rendered once as a JSON object, {"id":1,"status":"pending",...}, with an index
// of its columns so that consumers (the broadcast hub's filters) can read a value without parsing.
// RowBuilder writes one. Plain value types; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "value_format.h"

namespace walcast::decoder {

class Row {
 public:
  Row() = default;  // no columns: "{}"

  std::string_view json() const { return json_.empty() ? std::string_view("{}") : json_; }
  size_t size() const { return spans_.size(); }
  // The i-th column's name as written in the JSON (escaped, without quotes) and raw JSON value.
  std::string_view name(size_t i) const { return Slice(spans_[i].key_begin, spans_[i].key_size); }
  std::string_view value(size_t i) const {
    return Slice(spans_[i].value_begin, spans_[i].value_size);
  }
  // The raw JSON value of `column` ("42", "\"shipped\"", "null"), or nullopt if the row has no
  // such column. Column names are compared as written in the JSON, so names that need escaping
  // are not found.
  std::optional<std::string_view> Find(std::string_view column) const;

  // Heap bytes held, for memory accounting.
  size_t ApproxBytes() const { return json_.capacity() + spans_.capacity() * sizeof(Span); }

  friend bool operator==(const Row& a, const Row& b) { return a.json() == b.json(); }

 private:
  friend class RowBuilder;
  struct Span {
    uint32_t key_begin;
    uint32_t key_size;
    uint32_t value_begin;
    uint32_t value_size;
  };
  std::string_view Slice(uint32_t begin, uint32_t size) const {
    return std::string_view(json_).substr(begin, size);
  }

  std::string json_;
  std::vector<Span> spans_;
};

// `json_key` arguments are a column name as a JSON object key with its colon, "\"id\":" (see
// JsonKey and RelationInfo::Column::json_key).
class RowBuilder {
 public:
  RowBuilder(size_t reserve_bytes, size_t reserve_columns);

  void AddNull(std::string_view json_key);
  void AddValue(std::string_view json_key, ValueKind kind, std::string_view text);
  void AddRaw(std::string_view json_key, std::string_view raw_json);
  Row Finish() &&;

 private:
  void StartColumn(std::string_view json_key);
  void EndColumn(size_t value_begin);

  Row row_;
};

// "\"name\":" for a column name.
std::string JsonKey(std::string_view name);

}  // namespace walcast::decoder
