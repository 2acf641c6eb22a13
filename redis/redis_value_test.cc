#include "redis/redis_value.h"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <memory>

namespace walcast::redis {
namespace {

// The reply hiredis's own reader makes of `resp` (RESP2 bytes, as Redis sends them).
RedisValue FromResp(std::string_view resp) {
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader(redisReaderCreate(),
                                                              &redisReaderFree);
  EXPECT_EQ(redisReaderFeed(reader.get(), resp.data(), resp.size()), REDIS_OK);
  void* reply = nullptr;
  EXPECT_EQ(redisReaderGetReply(reader.get(), &reply), REDIS_OK);
  EXPECT_NE(reply, nullptr) << resp;
  if (reply == nullptr) return RedisValue::Error("no reply");
  auto value = RedisValue::FromReply(*static_cast<redisReply*>(reply));
  freeReplyObject(reply);
  return value;
}

TEST(RedisValue, ScalarsKeepTheirTypeAndBytes) {
  EXPECT_EQ(FromResp(":42\r\n").integer, 42);
  EXPECT_EQ(FromResp(":42\r\n").type, RedisValue::Type::kInteger);
  auto bulk = FromResp(std::string("$5\r\na\0b\"c\r\n", 12));
  EXPECT_EQ(bulk.type, RedisValue::Type::kString);
  EXPECT_EQ(bulk.text, std::string("a\0b\"c", 5));
  EXPECT_EQ(FromResp("+OK\r\n").Text(), "OK");
  EXPECT_TRUE(FromResp("$-1\r\n").IsNil());
  auto error = FromResp("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_TRUE(error.IsError());
  EXPECT_FALSE(error.Text());
  EXPECT_EQ(error.Describe(), "-WRONGTYPE Operation against a key holding the wrong kind of value");
}

// What XREAD answers: [[stream, [[id, [field, value, ...]], ...]]].
TEST(RedisValue, NestedArraysAsXreadSendsThem) {
  auto reply = FromResp(
      "*1\r\n*2\r\n$6\r\norders\r\n*2\r\n"
      "*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\ne\r\n$2\r\n{}\r\n"
      "*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\ne\r\n$3\r\n[1]\r\n");
  ASSERT_TRUE(reply.IsArray());
  const auto& stream = reply.elements.at(0);
  EXPECT_EQ(stream.elements.at(0).text, "orders");
  const auto& entries = stream.elements.at(1).elements;
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1].elements.at(0).text, "1-1");
  EXPECT_EQ(entries[1].elements.at(1).elements.at(1).text, "[1]");
  EXPECT_EQ(reply.Describe(), R"([["orders", [["1-0", ["e", "{}"]], ["1-1", ["e", "[1]"]]]]])");
}

TEST(RedisValue, NilArrayIsNil) {
  // XREAD BLOCK that timed out.
  EXPECT_TRUE(FromResp("*-1\r\n").IsNil());
}

}  // namespace
}  // namespace walcast::redis
