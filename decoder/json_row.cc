#include "json_row.h"

namespace walcast::decoder {

std::optional<std::string_view> Row::Find(std::string_view column) const {
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (name(i) == column) return value(i);
  }
  return std::nullopt;
}

RowBuilder::RowBuilder(size_t reserve_bytes, size_t reserve_columns) {
  row_.json_.reserve(reserve_bytes + 2);
  row_.spans_.reserve(reserve_columns);
  row_.json_.push_back('{');
}

void RowBuilder::StartColumn(std::string_view json_key) {
  if (!row_.spans_.empty()) row_.json_.push_back(',');
  // The key without its quotes and colon.
  row_.spans_.push_back(Row::Span{static_cast<uint32_t>(row_.json_.size() + 1),
                                  static_cast<uint32_t>(json_key.size() - 3), 0, 0});
  row_.json_.append(json_key);
}

void RowBuilder::EndColumn(size_t value_begin) {
  Row::Span& span = row_.spans_.back();
  span.value_begin = static_cast<uint32_t>(value_begin);
  span.value_size = static_cast<uint32_t>(row_.json_.size() - value_begin);
}

void RowBuilder::AddNull(std::string_view json_key) { AddRaw(json_key, "null"); }

void RowBuilder::AddValue(std::string_view json_key, ValueKind kind, std::string_view text) {
  StartColumn(json_key);
  size_t begin = row_.json_.size();
  AppendJsonValue(kind, text, &row_.json_);
  EndColumn(begin);
}

void RowBuilder::AddRaw(std::string_view json_key, std::string_view raw_json) {
  StartColumn(json_key);
  size_t begin = row_.json_.size();
  row_.json_.append(raw_json);
  EndColumn(begin);
}

Row RowBuilder::Finish() && {
  row_.json_.push_back('}');
  return std::move(row_);
}

std::string JsonKey(std::string_view name) {
  std::string key;
  key.reserve(name.size() + 3);
  AppendJsonString(name, &key);
  key.push_back(':');
  return key;
}

}  // namespace walcast::decoder
