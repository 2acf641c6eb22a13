#include "decoder/json_row.h"

#include <cstring>

namespace walcast::decoder {

std::optional<Row> Row::FromRaw(std::string_view raw, uint32_t json_size, uint32_t count) {
  if (json_size > raw.size() || (raw.size() - json_size) / sizeof(Span) != count ||
      (raw.size() - json_size) % sizeof(Span) != 0) {
    return std::nullopt;
  }
  Row row;
  row.buffer_.assign(raw);
  row.json_size_ = json_size;
  row.count_ = count;
  for (size_t i = 0; i < count; ++i) {
    const Span s = row.span(i);
    if (uint64_t{s.key_begin} + s.key_size > json_size ||
        uint64_t{s.value_begin} + s.value_size > json_size) {
      return std::nullopt;
    }
  }
  return row;
}

Row::Span Row::span(size_t i) const {
  Span span;
  std::memcpy(&span, buffer_.data() + json_size_ + i * sizeof(Span), sizeof(Span));
  return span;
}

std::string_view Row::name(size_t i) const {
  const Span s = span(i);
  return std::string_view(buffer_.data() + s.key_begin, s.key_size);
}

std::string_view Row::value(size_t i) const {
  const Span s = span(i);
  return std::string_view(buffer_.data() + s.value_begin, s.value_size);
}

std::optional<std::string_view> Row::Find(std::string_view column) const {
  for (size_t i = 0; i < count_; ++i) {
    if (name(i) == column) return value(i);
  }
  return std::nullopt;
}

RowBuilder::RowBuilder(size_t reserve_bytes, size_t reserve_columns) {
  json_.reserve(reserve_bytes + 2 + reserve_columns * sizeof(Row::Span));
  json_.push_back('{');
}

Row::Span& RowBuilder::Back() {
  return count_ <= kInlineSpans ? inline_spans_[count_ - 1] : more_spans_.back();
}

const Row::Span& RowBuilder::Back() const {
  return count_ <= kInlineSpans ? inline_spans_[count_ - 1] : more_spans_.back();
}

std::string_view RowBuilder::last_value() const {
  const Row::Span& span = Back();
  return std::string_view(json_.data() + span.value_begin, span.value_size);
}

void RowBuilder::StartColumn(std::string_view json_key) {
  if (count_ > 0) json_.push_back(',');
  // The key without its quotes and colon.
  const Row::Span span{static_cast<uint32_t>(json_.size() + 1),
                       static_cast<uint32_t>(json_key.size() - 3), 0, 0};
  if (count_ < kInlineSpans) {
    inline_spans_[count_] = span;
  } else {
    more_spans_.push_back(span);
  }
  ++count_;
  json_.append(json_key);
}

void RowBuilder::EndColumn(size_t value_begin) {
  Row::Span& span = Back();
  span.value_begin = static_cast<uint32_t>(value_begin);
  span.value_size = static_cast<uint32_t>(json_.size() - value_begin);
}

void RowBuilder::AddNull(std::string_view json_key) { AddRaw(json_key, "null"); }

void RowBuilder::AddValue(std::string_view json_key, ValueKind kind, std::string_view text) {
  StartColumn(json_key);
  const size_t begin = json_.size();
  AppendJsonValue(kind, text, &json_);
  EndColumn(begin);
}

void RowBuilder::AddRaw(std::string_view json_key, std::string_view raw_json) {
  StartColumn(json_key);
  const size_t begin = json_.size();
  json_.append(raw_json);
  EndColumn(begin);
}

Row RowBuilder::Finish() && {
  json_.push_back('}');
  Row row;
  row.json_size_ = static_cast<uint32_t>(json_.size());
  row.count_ = static_cast<uint32_t>(count_);
  const size_t inline_count = std::min(count_, kInlineSpans);
  json_.append(reinterpret_cast<const char*>(inline_spans_.data()),
               inline_count * sizeof(Row::Span));
  json_.append(reinterpret_cast<const char*>(more_spans_.data()),
               more_spans_.size() * sizeof(Row::Span));
  row.buffer_ = std::move(json_);
  return row;
}

std::string JsonKey(std::string_view name) {
  std::string key;
  key.reserve(name.size() + 3);
  AppendJsonString(name, &key);
  key.push_back(':');
  return key;
}

}  // namespace walcast::decoder
