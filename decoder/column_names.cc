#include "decoder/column_names.h"

#include <algorithm>
#include <cstring>

namespace walcast::decoder {
namespace {

// A name's length: one byte below 255, else 255 and four bytes (host order; never stored).
constexpr uint8_t kLongLength = 255;

size_t EncodedSize(std::string_view name) {
  return (name.size() < kLongLength ? 1 : 5) + name.size();
}

}  // namespace

std::string_view ColumnNames::Iterator::operator*() const {
  const auto length = static_cast<uint8_t>(pos_[0]);
  if (length != kLongLength) return std::string_view(pos_ + 1, length);
  uint32_t long_length;
  std::memcpy(&long_length, pos_ + 1, sizeof(long_length));
  return std::string_view(pos_ + 5, long_length);
}

ColumnNames::Iterator& ColumnNames::Iterator::operator++() {
  const std::string_view name = **this;
  pos_ = name.data() + name.size();
  return *this;
}

ColumnNames::ColumnNames(std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) push_back(name);
}

ColumnNames::ColumnNames(const std::vector<std::string>& names) {
  for (const std::string& name : names) push_back(name);
}

ColumnNames::ColumnNames(const ColumnNames& other) { *this = other; }

ColumnNames::ColumnNames(ColumnNames&& other) noexcept { *this = std::move(other); }

ColumnNames& ColumnNames::operator=(const ColumnNames& other) {
  if (this == &other) return *this;
  if (other.size_ > capacity_) {
    Release();
    heap_ = new char[other.size_];
    capacity_ = other.size_;
  }
  if (other.size_ > 0) std::memcpy(data(), other.data(), other.size_);
  size_ = other.size_;
  count_ = other.count_;
  return *this;
}

ColumnNames& ColumnNames::operator=(ColumnNames&& other) noexcept {
  if (this == &other) return *this;
  if (!other.on_heap()) return *this = static_cast<const ColumnNames&>(other);
  Release();
  heap_ = other.heap_;
  capacity_ = other.capacity_;
  size_ = other.size_;
  count_ = other.count_;
  other.capacity_ = kInlineBytes;
  other.size_ = 0;
  other.count_ = 0;
  return *this;
}

ColumnNames::~ColumnNames() { Release(); }

void ColumnNames::Release() {
  if (on_heap()) delete[] heap_;
  capacity_ = kInlineBytes;
}

void ColumnNames::push_back(std::string_view name) {
  const size_t needed = size_ + EncodedSize(name);
  if (needed > capacity_) {
    const auto capacity = static_cast<uint32_t>(std::max<size_t>(needed, size_t{capacity_} * 2));
    char* grown = new char[capacity];
    if (size_ > 0) std::memcpy(grown, data(), size_);
    Release();
    heap_ = grown;
    capacity_ = capacity;
  }
  char* out = data() + size_;
  if (name.size() < kLongLength) {
    *out++ = static_cast<char>(name.size());
  } else {
    *out++ = static_cast<char>(kLongLength);
    const auto length = static_cast<uint32_t>(name.size());
    std::memcpy(out, &length, sizeof(length));
    out += sizeof(length);
  }
  if (!name.empty()) std::memcpy(out, name.data(), name.size());
  size_ = static_cast<uint32_t>(needed);
  ++count_;
}

bool operator==(const ColumnNames& a, const ColumnNames& b) {
  return a.count_ == b.count_ && a.size_ == b.size_ &&
         (a.size_ == 0 || std::memcmp(a.data(), b.data(), a.size_) == 0);
}

bool operator==(const ColumnNames& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  auto it = a.begin();
  for (const std::string& name : b) {
    if (*it++ != name) return false;
  }
  return true;
}

}  // namespace walcast::decoder
