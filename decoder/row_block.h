// RowBlock: the one heap block behind rendered rows (decoder/json_row.h), and RowWriter, which
// fills it. A block is written once, by a RowBuilder through its RowWriter, then is immutable and
// shared by the Rows in it until the last one goes: an update's new and old row live in one block,
// so an event costs one allocation for its rows. The reference count is atomic, so const Rows may
// be copied on several threads at once; a block being written has one owner, its writer.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace walcast::decoder {

class RowBlock {
 public:
  // A block of `capacity` bytes referenced once, by the caller.
  static RowBlock* Create(size_t capacity);

  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  size_t capacity() const { return capacity_; }

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Frees the block when this was the last reference.
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) Destroy(this);
  }

 private:
  explicit RowBlock(size_t capacity) : capacity_(capacity) {}
  static void Destroy(RowBlock* block);

  std::atomic<uint32_t> refs_{1};
  size_t capacity_;
  // `capacity_` bytes follow.
};

// Appends bytes to a block it owns, growing it (into a new block) when the reserve runs out. It
// has the few members of std::string that value_format.h writes with, but keeps a raw pointer and
// writes no terminator: a row is about 30 small appends, and std::string's bookkeeping per append
// showed in profiles. Move-only.
class RowWriter {
 public:
  explicit RowWriter(size_t reserve);
  RowWriter(RowWriter&& other) noexcept;
  RowWriter& operator=(RowWriter&&) = delete;
  ~RowWriter();

  size_t size() const { return size_; }
  const char* data() const { return data_; }

  void append(const char* bytes, size_t count) {
    if (count == 0) return;  // `bytes` may be null then, which memcpy does not allow
    if (count > capacity_ - size_) Grow(count);
    std::memcpy(data_ + size_, bytes, count);
    size_ += count;
  }
  void append(std::string_view bytes) { append(bytes.data(), bytes.size()); }
  void push_back(char c) {
    if (size_ == capacity_) Grow(1);
    data_[size_++] = c;
  }
  // Makes `count` more bytes, for the caller to write; valid until the next append.
  char* Extend(size_t count) {
    if (count > capacity_ - size_) Grow(count);
    size_ += count;
    return data_ + size_ - count;
  }
  // Appends `count` bytes already written at `from` (from + count <= size()).
  void AppendOwn(size_t from, size_t count) {
    if (count > capacity_ - size_) Grow(count);
    std::memcpy(data_ + size_, data_ + from, count);
    size_ += count;
  }

  // Ends writing: the block, and the one reference to it, go to the caller. Once only.
  RowBlock* Release();

 private:
  void Grow(size_t more);

  RowBlock* block_;
  char* data_;
  size_t size_ = 0;
  size_t capacity_;
};

}  // namespace walcast::decoder
