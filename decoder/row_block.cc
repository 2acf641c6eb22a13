#include "decoder/row_block.h"

#include <algorithm>
#include <new>
#include <utility>

namespace walcast::decoder {

// The header and the bytes are one allocation: `::operator new` of both, the header placed at
// the start (its alignment is the allocation's), the bytes right after it.
RowBlock* RowBlock::Create(size_t capacity) {
  void* memory = ::operator new(sizeof(RowBlock) + capacity);
  return new (memory) RowBlock(capacity);
}

void RowBlock::Destroy(RowBlock* block) {
  block->~RowBlock();
  ::operator delete(block);
}

RowWriter::RowWriter(size_t reserve)
    : block_(RowBlock::Create(reserve)), data_(block_->bytes()), capacity_(reserve) {}

RowWriter::RowWriter(RowWriter&& other) noexcept
    : block_(std::exchange(other.block_, nullptr)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

RowWriter::~RowWriter() {
  if (block_ != nullptr) block_->Unref();
}

RowBlock* RowWriter::Release() {
  data_ = nullptr;
  size_ = capacity_ = 0;
  return std::exchange(block_, nullptr);
}

void RowWriter::Grow(size_t more) {
  // Doubling, as std::string does: a reserve that was too small (long escapes) costs few copies.
  const size_t capacity = std::max(size_ + more, capacity_ * 2);
  RowBlock* grown = RowBlock::Create(capacity);
  if (size_ > 0) std::memcpy(grown->bytes(), data_, size_);
  if (block_ != nullptr) block_->Unref();
  block_ = grown;
  data_ = grown->bytes();
  capacity_ = capacity;
}

}  // namespace walcast::decoder
