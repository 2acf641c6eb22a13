#include "cluster/stream_script.h"

#include <gtest/gtest.h>

namespace walcast::cluster {
namespace {

using redis::RedisValue;

RedisValue Integer(int64_t value) {
  RedisValue out;
  out.type = RedisValue::Type::kInteger;
  out.integer = value;
  return out;
}

RedisValue String(std::string text) {
  RedisValue out;
  out.type = RedisValue::Type::kString;
  out.text = std::move(text);
  return out;
}

RedisValue Array(std::vector<RedisValue> elements) {
  RedisValue out;
  out.type = RedisValue::Type::kArray;
  out.elements = std::move(elements);
  return out;
}

TEST(StreamKeys, OneHashTagForBoth) {
  auto keys = StreamKeys::ForSlot("walcast_orders");
  EXPECT_EQ(keys.stream, "walcast:{walcast_orders}:events");
  EXPECT_EQ(keys.meta, "walcast:{walcast_orders}:meta");
}

TEST(AppendArguments, FiveArgumentsPerEntryAfterTheFence) {
  StreamEntry first{"10-0", {{"j", "{}"}, {"f", "k"}, {"e", "20"}}};
  StreamEntry last{"10-1", {{"j", "[]"}, {"f", "k2"}, {"e", "20"}, {"z", "1"}}};
  auto args = AppendArguments(StreamKeys::ForSlot("s"), "ep", 3, 1000, {first, last});
  std::vector<std::string> expected{"2",
                                    "walcast:{s}:events",
                                    "walcast:{s}:meta",
                                    "ep",
                                    "3",
                                    "1000",
                                    "10-0",
                                    "{}",
                                    "k",
                                    "20",
                                    "",
                                    "10-1",
                                    "[]",
                                    "k2",
                                    "20",
                                    "1"};
  EXPECT_EQ(args, expected);
}

TEST(ParseReplies, TakeoverAndAppend) {
  auto takeover =
      ParseTakeoverReply(Array({String("ep"), Integer(4), String("99"), String("kept")}));
  ASSERT_TRUE(std::holds_alternative<Takeover>(takeover));
  EXPECT_EQ(std::get<Takeover>(takeover).term, 4);
  EXPECT_EQ(std::get<Takeover>(takeover).end_lsn, "99");
  EXPECT_FALSE(std::get<Takeover>(takeover).new_stream);
  EXPECT_FALSE(std::get<Takeover>(takeover).lost);
  auto lost = ParseTakeoverReply(Array({String("ep2"), Integer(5), String("120"), String("lost")}));
  ASSERT_TRUE(std::holds_alternative<Takeover>(lost));
  EXPECT_TRUE(std::get<Takeover>(lost).lost);

  auto appended = ParseAppendReply(Array({Integer(2), Integer(1)}));
  ASSERT_TRUE(std::holds_alternative<Appended>(appended));
  EXPECT_EQ(std::get<Appended>(appended).added, 2);
  EXPECT_EQ(std::get<Appended>(appended).present, 1);
}

TEST(ParseReplies, RefusalsByKind) {
  auto fenced = ParseAppendReply(RedisValue::Error("WALCAST_FENCED term 5 has another leader"));
  ASSERT_TRUE(std::holds_alternative<ScriptRefusal>(fenced));
  EXPECT_EQ(std::get<ScriptRefusal>(fenced).kind, ScriptRefusal::Kind::kFenced);
  auto lost = ParseAppendReply(RedisValue::Error("ERR WALCAST_EPOCH the stream is not …"));
  EXPECT_EQ(std::get<ScriptRefusal>(lost).kind, ScriptRefusal::Kind::kEpoch);
  auto other = ParseAppendReply(Integer(1));
  EXPECT_EQ(std::get<ScriptRefusal>(other).kind, ScriptRefusal::Kind::kOther);
  EXPECT_NE(std::get<ScriptRefusal>(other).message.find("unexpected"), std::string::npos);
  auto short_takeover = ParseTakeoverReply(Array({String("ep")}));
  EXPECT_TRUE(std::holds_alternative<ScriptRefusal>(short_takeover));
}

}  // namespace
}  // namespace walcast::cluster
