// Row: one table row rendered once as a JSON object, {"id":1,"status":"pending",...}, with an index
// of its columns so that consumers (the broadcast hub's filters) can read a value without parsing.
// RowBuilder writes one, or the two rows of an update, into a single heap block (row_block.h) that
// the rows then share: its JSON text followed by its index, for each row. A Row is an immutable
// value: copying one shares the block. Thread-compatible (const Rows may be copied concurrently).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decoder/row_block.h"
#include "decoder/value_format.h"

namespace walcast::decoder {

class Row {
 public:
  Row() = default;  // no columns: "{}"
  Row(const Row& other)
      : block_(other.block_),
        offset_(other.offset_),
        json_size_(other.json_size_),
        count_(other.count_) {
    if (block_ != nullptr) block_->Ref();
  }
  Row(Row&& other) noexcept
      : block_(std::exchange(other.block_, nullptr)),
        offset_(std::exchange(other.offset_, 0)),
        json_size_(std::exchange(other.json_size_, 0)),
        count_(std::exchange(other.count_, 0)) {}
  Row& operator=(Row other) noexcept {
    std::swap(block_, other.block_);
    std::swap(offset_, other.offset_);
    std::swap(json_size_, other.json_size_);
    std::swap(count_, other.count_);
    return *this;
  }
  ~Row() {
    if (block_ != nullptr) block_->Unref();
  }

  std::string_view json() const {
    return json_size_ == 0 ? std::string_view("{}") : std::string_view(base(), json_size_);
  }
  size_t size() const { return count_; }
  // The i-th column's name as written in the JSON (escaped, without quotes) and raw JSON value.
  std::string_view name(size_t i) const;
  std::string_view value(size_t i) const;
  // The raw JSON value of `column` ("42", "\"shipped\"", "null"), or nullopt if the row has no
  // such column. Column names are compared as written in the JSON, so names that need escaping
  // are not found.
  std::optional<std::string_view> Find(std::string_view column) const;

  // Heap bytes held, for memory accounting: the row's JSON and index, and for the first row of a
  // block its header, so the rows of one block add up to it (less the reserve left unused, which
  // the builder's estimate keeps small).
  size_t ApproxBytes() const;

  friend bool operator==(const Row& a, const Row& b) { return a.json() == b.json(); }

  // The row's whole representation (JSON, then the column index), for spilling it to disk and
  // reading it back with FromRaw without parsing the JSON again.
  std::string_view raw() const {
    return std::string_view(base(), json_size_ + size_t{count_} * sizeof(Span));
  }
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
  Row(RowBlock* block, uint32_t offset, uint32_t json_size, uint32_t count)
      : block_(block), offset_(offset), json_size_(json_size), count_(count) {}
  // Span offsets count from the row's first byte, its '{'.
  Span span(size_t i) const;
  const char* base() const { return block_ == nullptr ? nullptr : block_->bytes() + offset_; }

  RowBlock* block_ = nullptr;  // one reference; null for the empty row
  uint32_t offset_ = 0;        // the row's bytes in the block: json_size_ of JSON, count_ Spans
  uint32_t json_size_ = 0;
  uint32_t count_ = 0;
};

// `json_key` arguments are a column name as a JSON object key with its colon, "\"id\":" (see
// JsonKey and RelationInfo::Column::json_key). Writes one row, or two (StartSecondRow) in the
// same block.
class RowBuilder {
 public:
  // `reserve_bytes` is the expected JSON size of all rows; the index is reserved on top of it.
  RowBuilder(size_t reserve_bytes, size_t reserve_columns);

  void AddNull(std::string_view json_key);
  void AddValue(std::string_view json_key, ValueKind kind, std::string_view text);
  void AddRaw(std::string_view json_key, std::string_view raw_json);
  // The raw JSON value of the column added last (requires one); valid until the next Add.
  std::string_view last_value() const;

  // Ends the first row and starts a second one in the same block (an update's old row after its
  // new one). Once only.
  void StartSecondRow();
  // In the second row: adds a column whose value is that of the first row's column `first_column`
  // (an old value equal to the new one, copied rather than rendered again).
  void AddFirstRowValue(std::string_view json_key, size_t first_column);

  // The row, without StartSecondRow.
  Row Finish() &&;
  // The first and the second row, after StartSecondRow.
  std::pair<Row, Row> FinishBoth() &&;

 private:
  static constexpr size_t kInlineSpans = 16;
  struct Written {  // a finished row in the block
    uint32_t offset;
    uint32_t json_size;
    uint32_t count;
  };

  void StartColumn(std::string_view json_key);
  void EndColumn(size_t value_begin);
  Row::Span& Back();
  const Row::Span& Back() const;
  Written EndRow();

  RowWriter out_;
  size_t row_begin_ = 0;  // the current row's '{'
  size_t count_ = 0;      // columns of the current row
  std::array<Row::Span, kInlineSpans> inline_spans_;
  std::vector<Row::Span> more_spans_;  // beyond kInlineSpans
  std::optional<Written> first_;       // after StartSecondRow
};

// "\"name\":" for a column name.
std::string JsonKey(std::string_view name);

}  // namespace walcast::decoder
