#include "decoder/json_row.h"

#include <algorithm>
#include <cstring>

namespace walcast::decoder {

std::optional<Row> Row::FromRaw(std::string_view raw, uint32_t json_size, uint32_t count) {
  if (json_size > raw.size() || (raw.size() - json_size) / sizeof(Span) != count ||
      (raw.size() - json_size) % sizeof(Span) != 0) {
    return std::nullopt;
  }
  if (raw.empty()) return Row();
  RowBlock* block = RowBlock::Create(raw.size());
  std::memcpy(block->bytes(), raw.data(), raw.size());
  Row row(block, 0, json_size, count);
  for (size_t i = 0; i < count; ++i) {
    const Span s = row.span(i);
    if (uint64_t{s.key_begin} + s.key_size > json_size ||
        uint64_t{s.value_begin} + s.value_size > json_size) {
      return std::nullopt;
    }
  }
  return row;
}

size_t Row::ApproxBytes() const {
  if (block_ == nullptr) return 0;
  // The block's header is counted once, by its first row.
  return json_size_ + size_t{count_} * sizeof(Span) + (offset_ == 0 ? sizeof(RowBlock) : 0);
}

Row::Span Row::span(size_t i) const {
  Span span;
  std::memcpy(&span, base() + json_size_ + i * sizeof(Span), sizeof(Span));
  return span;
}

std::string_view Row::name(size_t i) const {
  const Span s = span(i);
  return std::string_view(base() + s.key_begin, s.key_size);
}

std::string_view Row::value(size_t i) const {
  const Span s = span(i);
  return std::string_view(base() + s.value_begin, s.value_size);
}

std::optional<std::string_view> Row::Find(std::string_view column) const {
  for (size_t i = 0; i < count_; ++i) {
    if (name(i) == column) return value(i);
  }
  return std::nullopt;
}

RowBuilder::RowBuilder(size_t reserve_bytes, size_t reserve_columns)
    : out_(reserve_bytes + 2 + reserve_columns * sizeof(Row::Span)) {
  out_.push_back('{');
}

Row::Span& RowBuilder::Back() {
  return count_ <= kInlineSpans ? inline_spans_[count_ - 1] : more_spans_.back();
}

const Row::Span& RowBuilder::Back() const {
  return count_ <= kInlineSpans ? inline_spans_[count_ - 1] : more_spans_.back();
}

std::string_view RowBuilder::last_value() const {
  const Row::Span& span = Back();
  return std::string_view(out_.data() + row_begin_ + span.value_begin, span.value_size);
}

void RowBuilder::StartColumn(std::string_view json_key) {
  if (count_ > 0) out_.push_back(',');
  // The key without its quotes and colon.
  const Row::Span span{static_cast<uint32_t>(out_.size() - row_begin_ + 1),
                       static_cast<uint32_t>(json_key.size() - 3), 0, 0};
  if (count_ < kInlineSpans) {
    inline_spans_[count_] = span;
  } else {
    more_spans_.push_back(span);
  }
  ++count_;
  out_.append(json_key);
}

void RowBuilder::EndColumn(size_t value_begin) {
  Row::Span& span = Back();
  span.value_begin = static_cast<uint32_t>(value_begin - row_begin_);
  span.value_size = static_cast<uint32_t>(out_.size() - value_begin);
}

void RowBuilder::AddNull(std::string_view json_key) { AddRaw(json_key, "null"); }

void RowBuilder::AddValue(std::string_view json_key, ValueKind kind, std::string_view text) {
  StartColumn(json_key);
  const size_t begin = out_.size();
  AppendJsonValue(kind, text, &out_);
  EndColumn(begin);
}

void RowBuilder::AddRaw(std::string_view json_key, std::string_view raw_json) {
  StartColumn(json_key);
  const size_t begin = out_.size();
  out_.append(raw_json);
  EndColumn(begin);
}

void RowBuilder::AddFirstRowValue(std::string_view json_key, size_t first_column) {
  // The first row's index is in the block already, after its JSON.
  Row::Span value;
  std::memcpy(&value,
              out_.data() + first_->offset + first_->json_size + first_column * sizeof(value),
              sizeof(value));
  StartColumn(json_key);
  const size_t begin = out_.size();
  out_.AppendOwn(first_->offset + value.value_begin, value.value_size);
  EndColumn(begin);
}

RowBuilder::Written RowBuilder::EndRow() {
  out_.push_back('}');
  const Written row{static_cast<uint32_t>(row_begin_),
                    static_cast<uint32_t>(out_.size() - row_begin_), static_cast<uint32_t>(count_)};
  const size_t inline_count = std::min(count_, kInlineSpans);
  out_.append(reinterpret_cast<const char*>(inline_spans_.data()),
              inline_count * sizeof(Row::Span));
  out_.append(reinterpret_cast<const char*>(more_spans_.data()),
              more_spans_.size() * sizeof(Row::Span));
  more_spans_.clear();
  count_ = 0;
  return row;
}

void RowBuilder::StartSecondRow() {
  first_ = EndRow();
  row_begin_ = out_.size();
  out_.push_back('{');
}

Row RowBuilder::Finish() && {
  const Written row = EndRow();
  return Row(out_.Release(), row.offset, row.json_size, row.count);
}

std::pair<Row, Row> RowBuilder::FinishBoth() && {
  const Written second = EndRow();
  RowBlock* block = out_.Release();
  block->Ref();  // one reference per row
  return {Row(block, first_->offset, first_->json_size, first_->count),
          Row(block, second.offset, second.json_size, second.count)};
}

std::string JsonKey(std::string_view name) {
  std::string key;
  key.reserve(name.size() + 3);
  AppendJsonString(name, &key);
  key.push_back(':');
  return key;
}

}  // namespace walcast::decoder
