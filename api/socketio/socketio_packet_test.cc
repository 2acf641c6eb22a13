#include "api/socketio/socketio_packet.h"

#include <gtest/gtest.h>

#include "api/socketio/engineio_packet.h"

namespace walcast::api {
namespace {

using Type = SocketIoPacketType;
using Decoded = std::variant<SocketIoPacket, SocketIoDecodeError>;

// Fixtures are wire bytes, an Engine.IO message ('4') carrying the Socket.IO packet.
Decoded FromWire(std::string_view wire) {
  auto message = DecodeEngineIoText(wire);
  EXPECT_TRUE(message && message->type == EngineIoPacketType::kMessage) << wire;
  if (!message) return SocketIoDecodeError{"not an Engine.IO message"};
  return DecodeSocketIoPacket(message->data);
}

std::string ToWire(const SocketIoPacket& packet) {
  return EncodeEngineIoText(EngineIoPacketType::kMessage, EncodeSocketIoPacket(packet));
}

std::string ReasonOf(const Decoded& decoded) {
  EXPECT_TRUE(std::holds_alternative<SocketIoDecodeError>(decoded));
  auto* error = std::get_if<SocketIoDecodeError>(&decoded);
  return error ? error->reason : "(decoded)";
}

SocketIoPacket Packet(Type type, std::string nsp, std::optional<uint64_t> ack_id,
                      std::string payload, int attachments = 0) {
  return SocketIoPacket{.type = type,
                        .nsp = std::move(nsp),
                        .ack_id = ack_id,
                        .payload = std::move(payload),
                        .attachments = attachments};
}

struct Case {
  std::string_view text;
  SocketIoPacket packet;
};

// Fixtures from the protocol documents and test suites: each decodes to the packet and the
// packet encodes back to the same text.
const Case kRoundTrips[] = {
    {"40", Packet(Type::kConnect, "/", {}, "")},
    {R"(40{"token":"123"})", Packet(Type::kConnect, "/", {}, R"({"token":"123"})")},
    {"40/admin,", Packet(Type::kConnect, "/admin", {}, "")},
    {R"(40/admin,{"token":"abc"})", Packet(Type::kConnect, "/admin", {}, R"({"token":"abc"})")},
    {R"(40{"sid":"wZX3oN0bSVIhsaknAAAI","pid":"p"})",
     Packet(Type::kConnect, "/", {}, R"({"sid":"wZX3oN0bSVIhsaknAAAI","pid":"p"})")},
    {"41", Packet(Type::kDisconnect, "/", {}, "")},
    {"41/admin,", Packet(Type::kDisconnect, "/admin", {}, "")},
    {R"(42["chat","hi"])", Packet(Type::kEvent, "/", {}, R"(["chat","hi"])")},
    {R"(42/admin,["chat","hi"])", Packet(Type::kEvent, "/admin", {}, R"(["chat","hi"])")},
    {R"(420["hello"])", Packet(Type::kEvent, "/", 0, R"(["hello"])")},
    {R"(4212["foo"])", Packet(Type::kEvent, "/", 12, R"(["foo"])")},
    {R"(42/admin,13["foo"])", Packet(Type::kEvent, "/admin", 13, R"(["foo"])")},
    {R"(42[1,"x"])", Packet(Type::kEvent, "/", {}, R"([1,"x"])")},
    {R"(42[-1.5e3])", Packet(Type::kEvent, "/", {}, R"([-1.5e3])")},
    {R"(43/admin,13[])", Packet(Type::kAck, "/admin", 13, "[]")},
    {R"(4312["bar"])", Packet(Type::kAck, "/", 12, R"(["bar"])")},
    {R"(43456[1,"2",{"3":[false]}])", Packet(Type::kAck, "/", 456, R"([1,"2",{"3":[false]}])")},
    {R"(44{"message":"Not authorized"})",
     Packet(Type::kConnectError, "/", {}, R"({"message":"Not authorized"})")},
    {R"(44/random,{"message":"Invalid namespace"})",
     Packet(Type::kConnectError, "/random", {}, R"({"message":"Invalid namespace"})")},
    {R"(44"legacy")", Packet(Type::kConnectError, "/", {}, R"("legacy")")},
    {R"(452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
     Packet(Type::kBinaryEvent, "/", {},
            R"(["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", 2)},
    {R"(451-["file",{"_placeholder":true,"num":0}])",
     Packet(Type::kBinaryEvent, "/", {}, R"(["file",{"_placeholder":true,"num":0}])", 1)},
    {R"(450-["no binary"])", Packet(Type::kBinaryEvent, "/", {}, R"(["no binary"])", 0)},
    {R"(462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])",
     Packet(Type::kBinaryAck, "/", 789,
            R"([{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}])", 2)},
    {R"(461-/admin,1[{"_placeholder":true,"num":0}])",
     Packet(Type::kBinaryAck, "/admin", 1, R"([{"_placeholder":true,"num":0}])", 1)},
    {R"(4510-["a"])", Packet(Type::kBinaryEvent, "/", {}, R"(["a"])", 10)},
    {R"(429007199254740991["max"])", Packet(Type::kEvent, "/", 9007199254740991, R"(["max"])")},
};

TEST(SocketIoPacket, DecodesProtocolFixtures) {
  for (const auto& c : kRoundTrips) {
    auto decoded = FromWire(c.text);
    ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded))
        << c.text << ": " << std::get<SocketIoDecodeError>(decoded).reason;
    EXPECT_EQ(std::get<SocketIoPacket>(decoded), c.packet) << c.text;
  }
}

TEST(SocketIoPacket, EncodesProtocolFixtures) {
  for (const auto& c : kRoundTrips) EXPECT_EQ(ToWire(c.packet), c.text);
}

TEST(SocketIoPacket, AcceptsNamespaceWithoutComma) {
  auto decoded = FromWire("40/custom");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded), Packet(Type::kConnect, "/custom", {}, ""));
  EXPECT_EQ(ToWire(std::get<SocketIoPacket>(decoded)), "40/custom,");

  decoded = FromWire("41/custom");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded).nsp, "/custom");
}

TEST(SocketIoPacket, ExplicitMainNamespaceIsWrittenBare) {
  auto decoded = FromWire(R"(42/,["a"])");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded).nsp, "/");
  EXPECT_EQ(ToWire(std::get<SocketIoPacket>(decoded)), R"(42["a"])");
}

TEST(SocketIoPacket, AttachmentsOnlyOnBinaryTypes) {
  // An attachment count on a non-binary packet is not written.
  EXPECT_EQ(ToWire(Packet(Type::kEvent, "/", {}, R"(["a"])", 3)), R"(42["a"])");
  // On a non-binary type the digits after the type are the ack id.
  auto decoded = FromWire(R"(421["a"])");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded), Packet(Type::kEvent, "/", 1, R"(["a"])"));
}

TEST(SocketIoPacket, AllowsWhitespaceAroundJson) {
  auto decoded = FromWire(R"(42 [ "a" , 1 ] )");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded).payload, R"( [ "a" , 1 ] )");
}

struct ErrorCase {
  std::string_view text;
  std::string_view reason;
};

TEST(SocketIoPacket, RejectsMalformedPackets) {
  const std::string long_nsp = "40/" + std::string(256, 'n') + ",";
  const ErrorCase cases[] = {
      {"4", "empty packet"},
      {"4 2[\"a\"]", "unknown packet type"},
      {"4abc", "unknown packet type"},  // the Socket.IO suite's 4abc, after Engine.IO's '4'
      {"47", "unknown packet type"},
      {"4-1", "unknown packet type"},
      {R"(42abc["a"])", "invalid JSON payload"},  // 42abc[...]: the id is not read
      {"42{}", "invalid payload"},
      {"42[]", "invalid payload"},
      {"42", "missing payload"},
      {"42/admin,", "missing payload"},
      {"4212", "missing payload"},
      {R"(42"a")", "invalid payload"},
      {"42[null]", "invalid payload"},
      {"42[true]", "invalid payload"},
      {R"(42[["a"]])", "invalid payload"},
      {R"(42[{"a":1}])", "invalid payload"},
      {R"(42["connect"])", "invalid payload"},
      {R"(42["connect_error"])", "invalid payload"},
      {R"(42["disconnect"])", "invalid payload"},
      {R"(42["disconnecting"])", "invalid payload"},
      {R"(42["newListener"])", "invalid payload"},
      {R"(42["removeListener"])", "invalid payload"},
      {R"(451-["connect",{"_placeholder":true,"num":0}])", "invalid payload"},
      {"41{}", "invalid payload"},
      {"41[]", "invalid payload"},
      {"41/admin,{}", "invalid payload"},
      {"40[]", "invalid payload"},
      {R"(40"x")", "invalid payload"},
      {"40{", "invalid JSON payload"},
      {"43", "missing payload"},
      {"43{}", "invalid payload"},
      {"44", "missing payload"},
      {"44[]", "invalid payload"},
      {"441", "missing payload"},  // CONNECT_ERROR with ack id 1: the digits are an id
      {R"(45["a"])", "invalid attachments"},
      {R"(45-["a"])", "invalid attachments"},
      {R"(451["a"])", "invalid attachments"},
      {"451", "invalid attachments"},
      {R"(45x-["a"])", "invalid attachments"},
      {R"(4611-[])", "too many attachments"},
      {R"(4599999999999999999999-["a"])", "too many attachments"},
      {R"(451-)", "missing payload"},
      {R"(429007199254740992["a"])", "invalid ack id"},
      {R"(42123456789012345678901234567890["a"])", "invalid ack id"},
      {R"(42["a"]x)", "invalid JSON payload"},
      {R"(42["a"][])", "invalid JSON payload"},
      {R"(42["a",NaN])", "invalid JSON payload"},
      {"42[\"a\xff\"]", "invalid JSON payload"},
      {R"(42["\udc00"])", "invalid UTF-8 in payload"},
      {R"(42["a",{"\udc00":1}])", "invalid UTF-8 in payload"},
      {std::string_view(long_nsp), "namespace too long"},
      {"40/a\xff,", "invalid namespace"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ReasonOf(FromWire(c.text)), c.reason) << c.text;
  }
}

TEST(SocketIoPacket, FourIsAConnectErrorWithAckIdDigits) {
  // "41" is CONNECT_ERROR with ack id 1 and no payload: the digits are read as the id.
  auto decoded = FromWire(R"(441{"message":"x"})");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded).ack_id, 1u);
}

TEST(SocketIoPacket, AcceptsLimitsExactly) {
  const std::string nsp = "/" + std::string(255, 'n');
  auto decoded = FromWire("40" + nsp + ",");
  ASSERT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
  EXPECT_EQ(std::get<SocketIoPacket>(decoded).nsp, nsp);

  std::string deep = "42[\"a\"," + std::string(63, '[') + std::string(63, ']') + "]";
  EXPECT_TRUE(std::holds_alternative<SocketIoPacket>(FromWire(deep)));
  std::string deeper = "42[\"a\"," + std::string(64, '[') + std::string(64, ']') + "]";
  EXPECT_EQ(ReasonOf(FromWire(deeper)), "payload nested too deep");
}

TEST(SocketIoPacket, DeepNestingDoesNotExhaustTheStack) {
  // Rejected at depth 64 without recursing; a recursive parser would overflow the stack.
  EXPECT_EQ(ReasonOf(FromWire("42" + std::string(1000000, '['))), "payload nested too deep");
}

TEST(SocketIoPacket, AcceptsValidUnicode) {
  auto decoded = FromWire("42[\"caf\xc3\xa9\",\"\\ud83d\\ude00\",\"\\u00e9\"]");
  EXPECT_TRUE(std::holds_alternative<SocketIoPacket>(decoded));
}

}  // namespace
}  // namespace walcast::api
