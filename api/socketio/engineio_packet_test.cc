#include "api/socketio/engineio_packet.h"

#include <gtest/gtest.h>

#include <set>

namespace walcast::api {
namespace {

using Type = EngineIoPacketType;

EngineIoPacket Text(Type type, std::string data) {
  return EngineIoPacket{.type = type, .data = std::move(data), .binary = false};
}

EngineIoPacket Binary(std::string bytes) {
  return EngineIoPacket{.type = Type::kMessage, .data = std::move(bytes), .binary = true};
}

TEST(EngineIoText, DecodesEveryPacketType) {
  EXPECT_EQ(DecodeEngineIoText("0{}"), Text(Type::kOpen, "{}"));
  EXPECT_EQ(DecodeEngineIoText("1"), Text(Type::kClose, ""));
  EXPECT_EQ(DecodeEngineIoText("2probe"), Text(Type::kPing, "probe"));
  EXPECT_EQ(DecodeEngineIoText("3"), Text(Type::kPong, ""));
  EXPECT_EQ(DecodeEngineIoText("4hello"), Text(Type::kMessage, "hello"));
  EXPECT_EQ(DecodeEngineIoText("5"), Text(Type::kUpgrade, ""));
  EXPECT_EQ(DecodeEngineIoText("6"), Text(Type::kNoop, ""));
}

TEST(EngineIoText, RejectsEmptyAndUnknownTypes) {
  EXPECT_EQ(DecodeEngineIoText(""), std::nullopt);
  EXPECT_EQ(DecodeEngineIoText("abc"), std::nullopt);
  EXPECT_EQ(DecodeEngineIoText("7"), std::nullopt);
  // 'b' is a polling body's binary packet, never a WebSocket text frame.
  EXPECT_EQ(DecodeEngineIoText("bAQIDBA=="), std::nullopt);
}

TEST(EngineIoText, KeepsDataBytesAsIs) {
  auto packet = DecodeEngineIoText(std::string_view("4a\x1e\0b", 5));
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->data, std::string_view("a\x1e\0b", 4));
}

TEST(EngineIoText, EncodesTypeThenData) {
  EXPECT_EQ(EncodeEngineIoText(Type::kMessage, "hello"), "4hello");
  EXPECT_EQ(EncodeEngineIoText(Type::kPong, "probe"), "3probe");
  EXPECT_EQ(EncodeEngineIoText(Type::kPing, ""), "2");
}

TEST(EngineIoPayload, DecodesTextAndBinaryPackets) {
  auto packets = DecodeEngineIoPayload(
      "4hello\x1e"
      "bAQIDBA==");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 2u);
  EXPECT_EQ((*packets)[0], Text(Type::kMessage, "hello"));
  EXPECT_EQ((*packets)[1], Binary("\x01\x02\x03\x04"));
}

TEST(EngineIoPayload, DecodesSeveralTextPackets) {
  auto packets = DecodeEngineIoPayload(
      "4test1\x1e"
      "4test2\x1e"
      "4test3\x1e"
      "3\x1e"
      "1");
  ASSERT_TRUE(packets);
  ASSERT_EQ(packets->size(), 5u);
  EXPECT_EQ((*packets)[2], Text(Type::kMessage, "test3"));
  EXPECT_EQ((*packets)[3], Text(Type::kPong, ""));
  EXPECT_EQ((*packets)[4], Text(Type::kClose, ""));
}

TEST(EngineIoPayload, DecodesBase64OfEveryLength) {
  EXPECT_EQ(DecodeEngineIoPayload("b"), std::vector{Binary("")});
  EXPECT_EQ(DecodeEngineIoPayload("bAQ=="), std::vector{Binary("\x01")});
  EXPECT_EQ(DecodeEngineIoPayload("bAQI="), std::vector{Binary("\x01\x02")});
  EXPECT_EQ(DecodeEngineIoPayload("bAQID"), std::vector{Binary("\x01\x02\x03")});
  EXPECT_EQ(DecodeEngineIoPayload("b+/8="), std::vector{Binary("\xfb\xff")});
}

TEST(EngineIoPayload, RejectsTheWholeBodyForOneBadPacket) {
  EXPECT_EQ(DecodeEngineIoPayload(""), std::nullopt);
  EXPECT_EQ(DecodeEngineIoPayload("abc"), std::nullopt);
  EXPECT_EQ(DecodeEngineIoPayload("4hello\x1e"
                                  "9"),
            std::nullopt);
  EXPECT_EQ(DecodeEngineIoPayload("4hello\x1e"), std::nullopt);  // empty last packet
  EXPECT_EQ(DecodeEngineIoPayload("\x1e"
                                  "4hello"),
            std::nullopt);
  EXPECT_EQ(DecodeEngineIoPayload("4a\x1e\x1e"
                                  "4b"),
            std::nullopt);
}

TEST(EngineIoPayload, RejectsBase64BeastWouldAccept) {
  EXPECT_EQ(DecodeEngineIoPayload("bAQIDBA"), std::nullopt);  // no padding
  EXPECT_EQ(DecodeEngineIoPayload("bAQIDBA=="), std::vector{Binary("\x01\x02\x03\x04")});
  EXPECT_EQ(DecodeEngineIoPayload("bAQ!DBA=="), std::nullopt);  // not in the alphabet
  EXPECT_EQ(DecodeEngineIoPayload("bAQIDBA=A"), std::nullopt);  // padding inside
  EXPECT_EQ(DecodeEngineIoPayload("bA==="), std::nullopt);
  EXPECT_EQ(DecodeEngineIoPayload("b===="), std::nullopt);
  EXPECT_EQ(DecodeEngineIoPayload("bAQ-_"), std::nullopt);  // base64url is not base64
  EXPECT_EQ(DecodeEngineIoPayload("bAQID BA="), std::nullopt);
}

TEST(EngineIoPayload, AppendsWithSeparatorsAndBase64) {
  std::string body;
  AppendEngineIoPacket(body, Type::kMessage, "hello");
  EXPECT_EQ(body, "4hello");
  AppendEngineIoPacket(body, Type::kMessage, "\x01\x02\x03\x04", true);
  EXPECT_EQ(body,
            "4hello\x1e"
            "bAQIDBA==");
  AppendEngineIoPacket(body, Type::kPing, "");
  EXPECT_EQ(body,
            "4hello\x1e"
            "bAQIDBA==\x1e"
            "2");
}

TEST(EngineIoPayload, RoundTripsBinaryOfAllBytes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (std::size_t n = 0; n <= 6; ++n) {
    std::string body;
    AppendEngineIoPacket(body, Type::kMessage, "x");
    AppendEngineIoPacket(body, Type::kMessage, bytes.substr(n), true);
    auto packets = DecodeEngineIoPayload(body);
    ASSERT_TRUE(packets) << n;
    EXPECT_EQ(*packets, (std::vector{Text(Type::kMessage, "x"), Binary(bytes.substr(n))}));
  }
}

TEST(EngineIoError, MessagesStatusesAndJson) {
  EXPECT_EQ(EngineIoErrorJson(EngineIoError::kUnknownTransport),
            R"({"code":0,"message":"Transport unknown"})");
  EXPECT_EQ(EngineIoErrorJson(EngineIoError::kUnknownSid),
            R"({"code":1,"message":"Session ID unknown"})");
  EXPECT_EQ(EngineIoErrorJson(EngineIoError::kBadHandshakeMethod),
            R"({"code":2,"message":"Bad handshake method"})");
  EXPECT_EQ(EngineIoErrorJson(EngineIoError::kBadRequest), R"({"code":3,"message":"Bad request"})");
  EXPECT_EQ(EngineIoErrorJson(EngineIoError::kForbidden), R"({"code":4,"message":"Forbidden"})");
  EXPECT_EQ(EngineIoErrorJson(EngineIoError::kUnsupportedProtocolVersion),
            R"({"code":5,"message":"Unsupported protocol version"})");
  EXPECT_EQ(EngineIoErrorStatus(EngineIoError::kForbidden), 403);
  EXPECT_EQ(EngineIoErrorStatus(EngineIoError::kUnknownSid), 400);
  EXPECT_EQ(EngineIoErrorStatus(EngineIoError::kUnsupportedProtocolVersion), 400);
}

TEST(EngineIoOpen, WritesTheFiveKeysInReferenceOrder) {
  EngineIoOpenSettings settings;
  settings.sid = "lv_VI97HAXpY6yYWAAAC";
  EXPECT_EQ(EngineIoOpenJson(settings),
            R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,)"
            R"("pingTimeout":20000,"maxPayload":1000000})");
  settings.offer_websocket_upgrade = false;
  settings.ping_interval_ms = 300;
  settings.ping_timeout_ms = 200;
  settings.max_payload = 5000000000;
  EXPECT_EQ(EngineIoOpenJson(settings),
            R"({"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":300,)"
            R"("pingTimeout":200,"maxPayload":5000000000})");
}

TEST(EngineIoOpen, EscapesTheSid) {
  EngineIoOpenSettings settings;
  settings.sid = "a\"b\\c";
  EXPECT_EQ(EngineIoOpenJson(settings).substr(0, 17), R"({"sid":"a\"b\\c",)");
}

std::variant<EngineIoRequest, EngineIoError> Classify(std::string_view query, bool is_get = true,
                                                      bool upgrade = false) {
  return ClassifyEngineIoRequest(query, is_get, upgrade);
}

EngineIoError ErrorOf(const std::variant<EngineIoRequest, EngineIoError>& result) {
  EXPECT_TRUE(std::holds_alternative<EngineIoError>(result));
  return std::holds_alternative<EngineIoError>(result) ? std::get<EngineIoError>(result)
                                                       : EngineIoError::kForbidden;
}

TEST(EngineIoRequestClass, AcceptsHandshakes) {
  auto polling = Classify("EIO=4&transport=polling&t=PZx3a1b");
  ASSERT_TRUE(std::holds_alternative<EngineIoRequest>(polling));
  EXPECT_EQ(std::get<EngineIoRequest>(polling).transport, EngineIoTransport::kPolling);
  EXPECT_EQ(std::get<EngineIoRequest>(polling).sid, "");

  auto websocket = Classify("transport=websocket&EIO=4", true, true);
  ASSERT_TRUE(std::holds_alternative<EngineIoRequest>(websocket));
  EXPECT_EQ(std::get<EngineIoRequest>(websocket).transport, EngineIoTransport::kWebSocket);
  EXPECT_EQ(std::get<EngineIoRequest>(websocket).sid, "");
}

TEST(EngineIoRequestClass, AcceptsAnySidForTheCallerToLookUp) {
  auto post = Classify("EIO=4&transport=polling&t=a2&sid=S1", false);
  ASSERT_TRUE(std::holds_alternative<EngineIoRequest>(post));
  EXPECT_EQ(std::get<EngineIoRequest>(post).sid, "S1");
  EXPECT_EQ(std::get<EngineIoRequest>(post).transport, EngineIoTransport::kPolling);

  // No EIO check once there is a session: the reference checks it only in handshake().
  auto upgrade = Classify("transport=websocket&sid=S1", true, true);
  ASSERT_TRUE(std::holds_alternative<EngineIoRequest>(upgrade));
  EXPECT_EQ(std::get<EngineIoRequest>(upgrade).sid, "S1");
  EXPECT_EQ(std::get<EngineIoRequest>(upgrade).transport, EngineIoTransport::kWebSocket);
}

TEST(EngineIoRequestClass, TransportIsCheckedFirst) {
  EXPECT_EQ(ErrorOf(Classify("EIO=4")), EngineIoError::kUnknownTransport);
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=abc")), EngineIoError::kUnknownTransport);
  EXPECT_EQ(ErrorOf(Classify("")), EngineIoError::kUnknownTransport);
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=")), EngineIoError::kUnknownTransport);
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=Polling")), EngineIoError::kUnknownTransport);
  EXPECT_EQ(ErrorOf(Classify("EIO=3&transport=abc&sid=x", false)),
            EngineIoError::kUnknownTransport);
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=polling&transport=polling")),
            EngineIoError::kUnknownTransport);
}

TEST(EngineIoRequestClass, HandshakeMethodBeforeWebSocketBeforeVersion) {
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=polling", false)),
            EngineIoError::kBadHandshakeMethod);
  EXPECT_EQ(ErrorOf(Classify("EIO=3&transport=websocket", false)),
            EngineIoError::kBadHandshakeMethod);
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=websocket")), EngineIoError::kBadRequest);
  EXPECT_EQ(ErrorOf(Classify("EIO=3&transport=websocket")), EngineIoError::kBadRequest);
  EXPECT_EQ(ErrorOf(Classify("EIO=3&transport=polling")),
            EngineIoError::kUnsupportedProtocolVersion);
}

TEST(EngineIoRequestClass, VersionMustBeExactly4) {
  for (std::string_view query :
       {"transport=polling", "EIO=abc&transport=polling", "EIO=&transport=polling",
        "EIO=40&transport=polling", "EIO=4 &transport=polling", "EIO&transport=polling",
        "EIO=4&EIO=4&transport=polling", "eio=4&transport=polling"}) {
    EXPECT_EQ(ErrorOf(Classify(query)), EngineIoError::kUnsupportedProtocolVersion) << query;
  }
  EXPECT_EQ(ErrorOf(Classify("transport=websocket", true, true)),
            EngineIoError::kUnsupportedProtocolVersion);
}

TEST(EngineIoRequestClass, EmptySidIsAHandshake) {
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=polling&sid=", false)),
            EngineIoError::kBadHandshakeMethod);
  auto result = Classify("EIO=4&transport=polling&sid=&t=x");
  ASSERT_TRUE(std::holds_alternative<EngineIoRequest>(result));
  EXPECT_EQ(std::get<EngineIoRequest>(result).sid, "");
}

TEST(EngineIoRequestClass, RepeatedSidNamesNoSession) {
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=polling&sid=a&sid=a")), EngineIoError::kUnknownSid);
}

TEST(EngineIoRequestClass, PollingTransportCannotUpgrade) {
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=polling", true, true)), EngineIoError::kBadRequest);
  EXPECT_EQ(ErrorOf(Classify("EIO=4&transport=polling&sid=S1", true, true)),
            EngineIoError::kBadRequest);
}

TEST(EngineIoRequestClass, IgnoresOtherParametersAndOddPairs) {
  auto result = Classify("&foo=bar&&EIO=4&b64=1&=x&transport=polling&j=0&");
  ASSERT_TRUE(std::holds_alternative<EngineIoRequest>(result));
  EXPECT_EQ(std::get<EngineIoRequest>(result).transport, EngineIoTransport::kPolling);
}

TEST(EngineIoSid, IsTwentyBase64UrlCharactersAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string sid = NewEngineIoSid();
    ASSERT_EQ(sid.size(), 20u) << sid;
    for (char c : sid) {
      bool url_safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
      EXPECT_TRUE(url_safe) << sid;
    }
    seen.insert(sid);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace walcast::api
