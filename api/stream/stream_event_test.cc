#include "api/stream/stream_event.h"

#include <gtest/gtest.h>

namespace walcast::api {
namespace {

TEST(SplitEnvelope, NameTokenAndDataOfAMessage) {
  auto parts = SplitEnvelope(R"({"event":"orders:insert","data":{"id":"x","n":[1,2]}})");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->name_json, R"("orders:insert")");
  EXPECT_EQ(parts->data_json, R"({"id":"x","n":[1,2]})");
}

TEST(SplitEnvelope, AnEscapedQuoteDoesNotEndTheName) {
  auto parts = SplitEnvelope(R"({"event":"a\"b","data":null})");
  ASSERT_TRUE(parts);
  EXPECT_EQ(parts->name_json, R"("a\"b")");
  EXPECT_EQ(parts->data_json, "null");
}

TEST(SplitEnvelope, AnythingElseIsNotAnEnvelope) {
  for (const char* text : {"", "{}", R"({"event":"x"})", R"({"event":"x","data":1)",
                           R"({"event":"x","info":1})", R"({"event":"x)", R"(["x",1])"}) {
    EXPECT_FALSE(SplitEnvelope(text)) << text;
  }
}

TEST(AddSocketIoText, AnEventPacketWithTheIdAsItsOffset) {
  StreamEvent event;
  event.id = decoder::EventId(decoder::Lsn(0x1A3F2C8), 3);
  event.json = R"({"event":"orders:update","data":{"id":"0000000001A3F2C8-00000003"}})";
  AddSocketIoText(event);
  const std::string expected =
      R"(42["orders:update",{"id":"0000000001A3F2C8-00000003"},"0000000001A3F2C8-00000003"])";
  EXPECT_EQ(event.socketio, expected);
  // The head stops before the offset's id, for sockets whose offsets say more.
  EXPECT_EQ(event.socketio.substr(event.socketio_head), R"(0000000001A3F2C8-00000003"])");
  EXPECT_EQ(event.socketio_ws_header.view(), TextFrameHeader(expected.size()).view());
}

TEST(AddSocketIoText, NothingForTextThatIsNotAnEnvelope) {
  StreamEvent event;
  event.json = "{}";
  AddSocketIoText(event);
  EXPECT_TRUE(event.socketio.empty());
  EXPECT_EQ(event.socketio_head, 0u);
}

}  // namespace
}  // namespace walcast::api
