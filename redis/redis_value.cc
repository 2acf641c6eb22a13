#include "redis/redis_value.h"

#include <hiredis/hiredis.h>

namespace walcast::redis {

RedisValue RedisValue::FromReply(const redisReply& reply) {
  RedisValue value;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      value.type = Type::kInteger;
      value.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      value.type = reply.type == REDIS_REPLY_STRING   ? Type::kString
                   : reply.type == REDIS_REPLY_STATUS ? Type::kStatus
                                                      : Type::kError;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = Type::kArray;
      value.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        value.elements.push_back(FromReply(*reply.element[i]));
      }
      break;
    default:
      value.type = Type::kNil;
      break;
  }
  return value;
}

RedisValue RedisValue::Error(std::string message) {
  RedisValue value;
  value.type = Type::kError;
  value.text = std::move(message);
  return value;
}

std::optional<std::string_view> RedisValue::Text() const {
  if (type == Type::kString || type == Type::kStatus) return text;
  return std::nullopt;
}

std::string RedisValue::Describe() const {
  switch (type) {
    case Type::kNil:
      return "nil";
    case Type::kInteger:
      return std::to_string(integer);
    case Type::kString:
      return "\"" + text + "\"";
    case Type::kStatus:
      return "+" + text;
    case Type::kError:
      return "-" + text;
    case Type::kArray: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i > 0) out += ", ";
        out += elements[i].Describe();
      }
      return out + "]";
    }
  }
  return "?";
}

}  // namespace walcast::redis
