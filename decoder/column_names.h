// ColumnNames: a short list of column names stored inline, for OrderEvent::changed.
//
// An update usually changes a few columns with short names ("status", "updated_at"): up to
// kInlineBytes of names (each stored as its length, one byte below 255, and its bytes) need no heap
// allocation; a longer list moves to one heap block. It reads like the std::vector<std::string> it
// replaced: built from one or from a braced list of names, push_back, iteration (yielding
// std::string_view), and equality with a vector of the same names in the same order.
// Plain value type; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace walcast::decoder {

class ColumnNames {
 public:
  static constexpr uint32_t kInlineBytes = 48;

  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = const std::string_view*;
    using reference = std::string_view;

    Iterator() = default;
    std::string_view operator*() const;
    Iterator& operator++();
    Iterator operator++(int) {
      Iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const Iterator& other) const { return pos_ == other.pos_; }

   private:
    friend class ColumnNames;
    explicit Iterator(const char* pos) : pos_(pos) {}
    const char* pos_ = nullptr;
  };
  using value_type = std::string_view;
  using iterator = Iterator;
  using const_iterator = Iterator;

  ColumnNames() = default;
  ColumnNames(std::initializer_list<std::string_view> names);
  ColumnNames(const std::vector<std::string>& names);  // NOLINT: reads like the vector it replaced
  ColumnNames(const ColumnNames& other);
  ColumnNames(ColumnNames&& other) noexcept;
  ColumnNames& operator=(const ColumnNames& other);
  ColumnNames& operator=(ColumnNames&& other) noexcept;
  ~ColumnNames();

  void push_back(std::string_view name);

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Iterator begin() const { return Iterator(data()); }
  Iterator end() const { return Iterator(data() + size_); }
  // Heap bytes held (0 while inline), for memory accounting.
  size_t HeapBytes() const { return on_heap() ? capacity_ : 0; }

  friend bool operator==(const ColumnNames& a, const ColumnNames& b);
  friend bool operator==(const ColumnNames& a, const std::vector<std::string>& b);

 private:
  bool on_heap() const { return capacity_ > kInlineBytes; }
  const char* data() const { return on_heap() ? heap_ : inline_; }
  char* data() { return on_heap() ? heap_ : inline_; }
  void Release();

  uint32_t count_ = 0;
  uint32_t size_ = 0;                 // bytes used
  uint32_t capacity_ = kInlineBytes;  // > kInlineBytes: heap_ is in use
  union {
    char inline_[kInlineBytes];
    char* heap_;
  };
};

}  // namespace walcast::decoder
