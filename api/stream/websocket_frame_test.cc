// The server text-frame header against RFC 6455's length encodings, and a round trip through
// Beast's own frame parser (a client stream reading what the header and a payload make).
#include "api/stream/websocket_frame.h"

#include <gtest/gtest.h>

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <string>

namespace walcast::api {
namespace {

std::string Bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

TEST(TextFrameHeader, UsesTheShortestLengthEncoding) {
  EXPECT_EQ(TextFrameHeader(0).view(), Bytes({0x81, 0}));
  EXPECT_EQ(TextFrameHeader(125).view(), Bytes({0x81, 125}));
  EXPECT_EQ(TextFrameHeader(126).view(), Bytes({0x81, 126, 0, 126}));
  EXPECT_EQ(TextFrameHeader(65535).view(), Bytes({0x81, 126, 0xFF, 0xFF}));
  EXPECT_EQ(TextFrameHeader(65536).view(), Bytes({0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(TextFrameHeader(0x0102030405ull).view(), Bytes({0x81, 127, 0, 0, 0, 1, 2, 3, 4, 5}));
}

TEST(TextFrameHeader, BeastReadsTheFramesItMakes) {
  namespace beast = boost::beast;
  boost::asio::io_context io;
  beast::test::stream server(io), client(io);
  server.connect(client);
  beast::websocket::stream<beast::test::stream&> reader(client);
  std::string wire;
  for (std::size_t size : {0u, 5u, 125u, 126u, 1000u, 70000u}) {
    std::string payload(size, 'x');
    wire += std::string(TextFrameHeader(size).view()) + payload;
  }
  // Beast needs an accepted handshake before it reads frames: do a real one over the pair.
  beast::websocket::stream<beast::test::stream&> acceptor(server);
  acceptor.async_accept([](beast::error_code ec) { ASSERT_FALSE(ec) << ec.message(); });
  reader.async_handshake("localhost", "/",
                         [](beast::error_code ec) { ASSERT_FALSE(ec) << ec.message(); });
  io.run();
  io.restart();
  boost::asio::write(server, boost::asio::buffer(wire));
  for (std::size_t size : {0u, 5u, 125u, 126u, 1000u, 70000u}) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    reader.read(buffer, ec);
    ASSERT_FALSE(ec) << "payload of " << size << ": " << ec.message();
    EXPECT_TRUE(reader.got_text());
    EXPECT_EQ(buffer.size(), size);
  }
}

// Engine.IO's binary messages: the same lengths, opcode 2.
TEST(WebSocketFrame, BinaryHeaderDiffersOnlyInTheOpcode) {
  for (std::size_t size : {0u, 125u, 126u, 70000u}) {
    auto text = TextFrameHeader(size);
    auto binary = BinaryFrameHeader(size);
    ASSERT_EQ(text.size, binary.size) << size;
    EXPECT_EQ(static_cast<uint8_t>(binary.bytes[0]), 0x82) << size;
    EXPECT_EQ(text.view().substr(1), binary.view().substr(1)) << size;
  }
}

}  // namespace
}  // namespace walcast::api
