#include "decoder/byte_reader.h"

#include <cstring>

namespace walcast::decoder {

const unsigned char* ByteReader::FailTake(size_t size, std::string_view field) {
  if (!error_) {
    Fail(ErrorCode::kTruncated, field, offset_,
         "need " + std::to_string(size) + " bytes, " + std::to_string(remaining()) + " left");
  }
  return nullptr;
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
