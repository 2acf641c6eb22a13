#include "byte_reader.h"

#include <cstring>

namespace walcast::decoder {

const unsigned char* ByteReader::Take(size_t size, std::string_view field) {
  if (error_) return nullptr;
  if (size > remaining()) {
    Fail(ErrorCode::kTruncated, field, offset_,
         "need " + std::to_string(size) + " bytes, " + std::to_string(remaining()) + " left");
    return nullptr;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(data_.data() + offset_);
  offset_ += size;
  return bytes;
}

std::optional<uint8_t> ByteReader::ReadU8(std::string_view field) {
  const unsigned char* p = Take(1, field);
  if (p == nullptr) return std::nullopt;
  return p[0];
}

std::optional<uint16_t> ByteReader::ReadU16(std::string_view field) {
  const unsigned char* p = Take(2, field);
  if (p == nullptr) return std::nullopt;
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

std::optional<uint32_t> ByteReader::ReadU32(std::string_view field) {
  const unsigned char* p = Take(4, field);
  if (p == nullptr) return std::nullopt;
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | static_cast<uint32_t>(p[3]);
}

std::optional<uint64_t> ByteReader::ReadU64(std::string_view field) {
  const unsigned char* p = Take(8, field);
  if (p == nullptr) return std::nullopt;
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | p[i];
  return value;
}

std::optional<int32_t> ByteReader::ReadI32(std::string_view field) {
  std::optional<uint32_t> value = ReadU32(field);
  if (!value) return std::nullopt;
  return static_cast<int32_t>(*value);
}

std::optional<int64_t> ByteReader::ReadI64(std::string_view field) {
  std::optional<uint64_t> value = ReadU64(field);
  if (!value) return std::nullopt;
  return static_cast<int64_t>(*value);
}

std::optional<std::string_view> ByteReader::ReadCString(std::string_view field) {
  if (error_) return std::nullopt;
  const void* nul = std::memchr(data_.data() + offset_, '\0', remaining());
  if (nul == nullptr) {
    Fail(ErrorCode::kTruncated, field, offset_, "string without terminating NUL");
    return std::nullopt;
  }
  size_t size = static_cast<size_t>(static_cast<const char*>(nul) - (data_.data() + offset_));
  std::string_view text = data_.substr(offset_, size);
  offset_ += size + 1;
  return text;
}

std::optional<std::string_view> ByteReader::ReadBytes(size_t size, std::string_view field) {
  const unsigned char* p = Take(size, field);
  if (p == nullptr) return std::nullopt;
  return std::string_view(reinterpret_cast<const char*>(p), size);
}

std::optional<std::string_view> ByteReader::ReadLengthPrefixed(std::string_view field) {
  size_t at = offset_;
  std::optional<int32_t> length = ReadI32(field);
  if (!length) return std::nullopt;
  if (*length < 0) {
    Fail(ErrorCode::kBadValue, field, at, "negative length " + std::to_string(*length));
    return std::nullopt;
  }
  if (static_cast<size_t>(*length) > remaining()) {
    Fail(ErrorCode::kTruncated, field, at,
         "length " + std::to_string(*length) + " exceeds the " + std::to_string(remaining()) +
             " bytes left");
    return std::nullopt;
  }
  return ReadBytes(static_cast<size_t>(*length), field);
}

Status ByteReader::ExpectEnd() {
  if (error_) return *error_;
  if (remaining() != 0) {
    return Fail(ErrorCode::kTrailingBytes, "", offset_,
                std::to_string(remaining()) + " unexpected bytes after the last field");
  }
  return Status();
}

DecodeError ByteReader::Fail(ErrorCode code, std::string_view field, size_t offset,
                             std::string reason) {
  if (!error_) error_ = DecodeError{code, kind_, field, offset, std::move(reason)};
  return *error_;
}

std::string DescribeByte(uint8_t byte) {
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex = {'0', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
  if (byte < 0x20 || byte > 0x7E) return hex;
  return std::string{'\'', static_cast<char>(byte), '\'', ' ', '('} + hex + ")";
}

}  // namespace walcast::decoder
