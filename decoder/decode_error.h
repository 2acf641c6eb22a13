// DecodeError, Status and Result<T>: how every failure leaves decoder/.
//
// Decoder functions never throw on bad input and never skip it: they return an error value that
// names the message kind, the field, the byte offset of that field within the message, and what was
// expected. The replication stream logs it (with slot and LSN) and reconnects; a WAL gap would lose
// events, so no error is ever ignored. Plain value types; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace walcast::decoder {

enum class ErrorCode : uint8_t {
  kTruncated,        // the message ends before a field
  kBadValue,         // a field holds a value the grammar forbids (tag, flag, length, count)
  kTrailingBytes,    // bytes left after the last field of a message
  kUnsupported,      // a well-formed message walcast does not handle (two-phase commit)
  kUnknownRelation,  // a change names a relation id that no Relation message defined
  kSchemaMismatch,   // a tuple does not fit its relation (column count, binary value)
  kSequence,         // a message out of order (Commit without Begin, nested stream blocks, ...)
  kMemoryLimit,      // buffered transactions exceed the configured bound
  kSpillLimit,       // a spilled transaction needs more disk than the configured bound
  kStorage,          // the spill file could not be written or read back
  kBadPayload,       // a NOTIFY payload that is not of the expected shape
};

// "truncated", "bad value", ...
std::string_view ErrorCodeName(ErrorCode code);

struct DecodeError {
  ErrorCode code = ErrorCode::kBadValue;
  // Both views refer to string literals (static storage), so errors can be copied freely.
  std::string_view kind;   // message kind: "Insert", "XLogData", "NotifyPayload", ...
  std::string_view field;  // "relation_id", "tuple.length", ...
  size_t offset = 0;       // byte offset of the field within the message
  std::string reason;      // what was expected: "need 4 bytes, 1 left"

  // "Insert.relation_id at offset 1: truncated: need 4 bytes, 1 left"
  std::string ToString() const;
};

// The outcome of an operation that yields no value. Default-constructed means success.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(DecodeError error) : error_(std::move(error)) {}  // implicit: `return error;`

  bool ok() const { return !error_.has_value(); }
  const DecodeError& error() const { return *error_; }  // requires !ok()

 private:
  std::optional<DecodeError> error_;
};

// A value or the error that prevented it (std::expected is C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : v_(std::in_place_index<0>, value) {}                // implicit
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}          // implicit
  Result(DecodeError error) : v_(std::in_place_index<1>, std::move(error)) {}  // implicit
  // The value made in place from `args`: no move of a large value (a committed transaction).
  template <typename... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : v_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  bool ok() const { return v_.index() == 0; }
  // value() and error() require ok() and !ok() respectively.
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const DecodeError& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, DecodeError> v_;
};

}  // namespace walcast::decoder
