// ByteReader: the one bounds-checked, big-endian cursor every decoder read goes through.
//
// A read either returns the value and advances, or returns nullopt and records an error naming the
// message kind, the field and its byte offset. The first error sticks: later reads fail without
// replacing it, so a reader may check after each read or once after a group. Views returned point
// into the buffer given to the constructor and live as long as it does. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "decoder/decode_error.h"

namespace walcast::decoder {

class ByteReader {
 public:
  // `kind` names the message in errors; it must refer to static storage (a literal).
  ByteReader(std::string_view data, std::string_view kind) : data_(data), kind_(kind) {}

  // `field` names what is being read in errors; static storage, like `kind`. The integer reads
  // are inline: they run several times per column on the hot path.
  std::optional<uint8_t> ReadU8(std::string_view field) {
    const unsigned char* p = Take(1, field);
    if (p == nullptr) return std::nullopt;
    return p[0];
  }
  std::optional<uint16_t> ReadU16(std::string_view field) {
    const unsigned char* p = Take(2, field);
    if (p == nullptr) return std::nullopt;
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
  }
  std::optional<uint32_t> ReadU32(std::string_view field) {
    const unsigned char* p = Take(4, field);
    if (p == nullptr) return std::nullopt;
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
           static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
  }
  std::optional<uint64_t> ReadU64(std::string_view field) {
    const unsigned char* p = Take(8, field);
    if (p == nullptr) return std::nullopt;
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) value = value << 8 | p[i];
    return value;
  }
  std::optional<int32_t> ReadI32(std::string_view field) {
    std::optional<uint32_t> value = ReadU32(field);
    if (!value) return std::nullopt;
    return static_cast<int32_t>(*value);
  }
  std::optional<int64_t> ReadI64(std::string_view field) {
    std::optional<uint64_t> value = ReadU64(field);
    if (!value) return std::nullopt;
    return static_cast<int64_t>(*value);
  }
  // A NUL-terminated string; the view excludes the NUL.
  std::optional<std::string_view> ReadCString(std::string_view field);
  std::optional<std::string_view> ReadBytes(size_t size, std::string_view field);
  // An Int32 length (>= 0, <= what is left) followed by that many bytes.
  std::optional<std::string_view> ReadLengthPrefixed(std::string_view field);

  // Fails with kTrailingBytes unless every byte was read.
  Status ExpectEnd();

  // Records (unless an error is already recorded) and returns a grammar violation found by the
  // caller, e.g. a tag byte with a forbidden value at `offset`.
  DecodeError Fail(ErrorCode code, std::string_view field, size_t offset, std::string reason);

  bool ok() const { return !error_.has_value(); }
  const DecodeError& error() const { return *error_; }  // requires !ok()
  size_t offset() const { return offset_; }
  size_t remaining() const { return data_.size() - offset_; }
  std::string_view kind() const { return kind_; }
  std::string_view data() const { return data_; }

 private:
  // Returns a pointer to `size` readable bytes and advances, or nullptr after recording kTruncated.
  const unsigned char* Take(size_t size, std::string_view field) {
    if (error_ || size > remaining()) return FailTake(size, field);
    const auto* bytes = reinterpret_cast<const unsigned char*>(data_.data() + offset_);
    offset_ += size;
    return bytes;
  }
  const unsigned char* FailTake(size_t size, std::string_view field);

  std::string_view data_;
  std::string_view kind_;
  size_t offset_ = 0;
  std::optional<DecodeError> error_;
};

// "'w' (0x77)" for printable bytes, "0x01" otherwise: how errors quote a tag or flag byte.
std::string DescribeByte(uint8_t byte);

}  // namespace walcast::decoder
