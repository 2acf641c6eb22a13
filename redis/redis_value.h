// One Redis reply as a value the rest of walcast can keep: hiredis frees its redisReply when the
// callback returns, so a reply is copied out (RESP2: nil, integer, bulk string, status, error,
// array). Pure: built from hiredis's parsed reply, tested from RESP bytes through hiredis's reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace walcast::redis {

struct RedisValue {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // string, status or error text
  std::vector<RedisValue> elements;

  static RedisValue FromReply(const redisReply& reply);
  static RedisValue Error(std::string message);

  bool IsError() const { return type == Type::kError; }
  bool IsNil() const { return type == Type::kNil; }
  bool IsArray() const { return type == Type::kArray; }
  // The text of a string or status reply; nullopt for any other type.
  std::optional<std::string_view> Text() const;
  // "nil", "42", "\"text\"", "+OK", "-ERR …", "[…]": for errors and log lines.
  std::string Describe() const;
};

}  // namespace walcast::redis
