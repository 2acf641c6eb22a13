// Stream defects found by probing walcastd from outside, through the real daemon: a `from` the
// daemon never produced gets `resync` (never silence), malformed stream parameters on /ws are
// answered after the upgrade, every WebSocket message over the limit gets a close frame, text
// frames stay valid UTF-8 whatever a client echoes, malformed handshakes and ping floods are
// refused, and slow SSE readers follow the WebSocket rules (no hidden write timeout; an
// announced, counted close only when their events left the window).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <csignal>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/sse_client.h"
#include "tests/harness/ws_client.h"
#include "tests/integration/raw_http.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

class StreamHardening : public StreamingDaemonTest {
 protected:
  std::string Insert(const std::string& name) {
    return session_->Scalar(
        "INSERT INTO orders (customer_name, product_name) VALUES ($1, 'p') RETURNING id", {name});
  }
  // The id of the newest event, read from a fresh SSE client's welcome.
  std::string LastEventId() {
    SseClient probe(port_, "/api/events");
    auto welcome = probe.Next(30s);
    if (!welcome) return "";
    auto doc = ParseJson(welcome->data);
    return doc["data"]["lastEventId"].IsString() ? doc["data"]["lastEventId"].GetString() : "";
  }
};

// An id beyond the newest event (or from another database, or from before a restore) can never
// be resumed: the client gets resync and then live events, on both transports.
TEST_F(StreamHardening, FromBeyondAnythingProducedGetsResyncThenLiveEvents) {
  StartDaemon("hard_future", {"--rate-limit", "0"});
  Insert("first");
  SseClient waiter(port_, "/api/events");
  ASSERT_TRUE(waiter.Next(30s));
  std::string newest;
  for (int i = 0; i < 100 && newest.empty(); ++i) {
    newest = LastEventId();
    if (newest.empty()) std::this_thread::sleep_for(100ms);
  }
  ASSERT_FALSE(newest.empty());
  std::string wal = session_->Scalar("SELECT pg_current_wal_lsn()");
  const std::vector<std::string> never = {"FFFFFFFFFFFFFFFF-00000000", "7FFFFFFF00000000-00000001",
                                          "0000100000000000-00000000"};
  for (const auto& from : never) {
    SseClient sse(port_, "/api/events?from=" + from);
    ASSERT_EQ(sse.status(), 200);
    auto welcome = sse.Next(30s);
    ASSERT_TRUE(welcome);
    EXPECT_EQ(welcome->event, "welcome");
    auto resync = sse.Next(30s);
    ASSERT_TRUE(resync) << from << ": silence";
    EXPECT_EQ(resync->event, "resync") << from;

    WsClient ws(port_, "/ws?from=" + from);
    ASSERT_TRUE(ws.NextEvent("welcome", 30s));
    auto ws_resync = ws.Next(30s);
    ASSERT_TRUE(ws_resync) << from;
    EXPECT_EQ(ParseJson(*ws_resync)["event"], "resync") << from;
  }
  // A Last-Event-ID from the future too; and afterwards the stream is live.
  SseClient header(port_, "/api/events", {{"Last-Event-ID", never[0]}});
  ASSERT_TRUE(header.Next(30s));
  auto resync = header.Next(30s);
  ASSERT_TRUE(resync);
  EXPECT_EQ(resync->event, "resync");
  Insert("live");
  auto live = header.Next(30s);
  ASSERT_TRUE(live);
  EXPECT_EQ(live->event, "orders:insert");

  // The newest id itself, and a made-up index inside the newest transaction, are legitimate.
  SseClient current(port_, "/api/events?from=" + newest);
  ASSERT_TRUE(current.Next(30s));
  auto next = current.Next(30s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->event, "orders:insert") << "not resync: " << next->data;
}

// After a restart the window is rebuilt by decoding again: an id from before the restart is
// served, not refused, even while decoding has not reached it yet.
TEST_F(StreamHardening, IdsFromBeforeARestartStillResumeAfterIt) {
  StartDaemon("hard_restart", {"--rate-limit", "0"});
  SseClient first(port_, "/api/events");
  ASSERT_TRUE(first.Next(30s));
  for (int i = 0; i < 3; ++i) Insert("r" + std::to_string(i));
  auto changes = ChangeEvents(first.ReadChanges(3, 30s));
  ASSERT_EQ(changes.size(), 3u);
  daemon_->Signal(SIGKILL);
  daemon_->WaitExit(10s);
  auto restarted = StartStreamingDaemon(db_, {"--rate-limit", "0"});
  ASSERT_GT(restarted.port, 0);
  SseClient resumed(restarted.port, "/api/events?from=" + changes[0].id);
  auto events = resumed.ReadChanges(2, 30s);
  for (const auto& event : events) EXPECT_NE(event.event, "resync");
  auto resumed_changes = ChangeEvents(events);
  ASSERT_EQ(resumed_changes.size(), 2u);
  EXPECT_EQ(resumed_changes[0].id, changes[1].id);
  EXPECT_EQ(resumed_changes[1].id, changes[2].id);
}

// A malformed `from` or filter on /ws: the upgrade succeeds (a browser cannot read a refused
// handshake), then an `error` event and close 1008. SSE keeps answering 400.
TEST_F(StreamHardening, MalformedWebSocketParametersGetErrorThenClose1008) {
  StartDaemon("hard_ws_params");
  for (std::string query :
       {"from=garbage", "from=%FF%FE", "from=0000000001A3F2C8-0000000", "status=lost",
        "order_id=abc", "operation=upsert", "from=1&status=lost"}) {
    WsClient client(port_, "/ws?" + query);  // throws on a refused handshake
    auto error = client.Next(30s);
    ASSERT_TRUE(error) << query;
    auto doc = ParseJson(*error);
    EXPECT_EQ(doc["event"], "error") << query;
    EXPECT_TRUE(doc["data"]["message"].IsString()) << query;
    while (client.Next(10s)) {
    }
    EXPECT_TRUE(client.Closed()) << query;
    EXPECT_EQ(client.CloseCode(), 1008) << query;
    EXPECT_EQ(HttpGet(port_, "/api/events?" + query).status, 400) << query;
  }
}

// Every size over the limit gets a close frame with a code: 1008 up to 1 MiB (the session's
// limit), 1009 beyond (Beast refuses it from the frame header). The server stays up.
TEST_F(StreamHardening, EveryOversizeMessageGetsACloseFrame) {
  StartDaemon("hard_ws_big");
  for (std::size_t size : {std::size_t{17} << 10, std::size_t{1} << 20, (std::size_t{1} << 20) + 1,
                           std::size_t{4} << 20, std::size_t{16} << 20}) {
    WsClient client(port_, "/ws");
    ASSERT_TRUE(client.NextEvent("welcome", 30s));
    try {
      client.Send(R"({"event":"ping","data":")" + std::string(size, 'x') + "\"}");
    } catch (const std::exception&) {
      // The server may stop reading once it has refused the message; its close frame still came.
    }
    while (client.Next(10s)) {
    }
    EXPECT_TRUE(client.Closed()) << size;
    EXPECT_TRUE(client.CloseCode() == 1008 || client.CloseCode() == 1009)
        << size << ": close code " << client.CloseCode() << " (0: no close frame)";
  }
  EXPECT_EQ(HttpGet(port_, "/health").status, 200);
}

// A ping payload with a lone surrogate escape is refused with an `error`, never echoed as bytes
// that are not UTF-8; errors that quote client input stay valid UTF-8 too.
TEST_F(StreamHardening, TextFramesStayValidUtf8WhateverTheClientSends) {
  StartDaemon("hard_ws_utf8");
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  for (
      std::string message :
      {R"({"event":"ping","data":"a\udc00b"})", R"({"event":"ping","data":{"\udfff":1}})",
       R"({"event":"ping","data":["\ud800"]})",
       R"({"event":"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij€€€"})",
       R"({"event":"subscribe","data":{"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij€":1}})",
       R"({"event":"\udc00"})"}) {
    client.Send(message);
    auto reply = client.Next(30s);
    ASSERT_TRUE(reply) << message << ": the connection failed (invalid UTF-8 in a text frame?)";
    EXPECT_EQ(ParseJson(*reply)["event"], "error") << message << " -> " << *reply;
  }
  client.Send(R"({"event":"ping","data":"\ud83d\ude00 ok"})");
  auto pong = client.NextEvent("pong", 30s);
  ASSERT_TRUE(pong);
  EXPECT_NE(pong->find("\xF0\x9F\x98\x80"), std::string::npos) << "a valid pair is echoed";
}

// RFC 6455 §4.1: Sec-WebSocket-Key is the base64 of 16 bytes; anything else is refused with 400.
TEST_F(StreamHardening, MalformedWebSocketKeyIs400) {
  StartDaemon("hard_ws_key");
  for (std::string key :
       {"", "abc", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZR==",
        "dGhlIHNhbXBsZSBub25j!Q==", "dGhlIHNhbXBsZSBub25jZSBsb25nZXI="}) {
    std::string response = RawExchange(
        port_,
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
            key + "\r\n\r\n",
        5s);
    EXPECT_EQ(StatusOf(response), 400) << "key '" << key << "': " << response.substr(0, 100);
  }
  std::string good = RawExchange(
      port_,
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
      2s);
  EXPECT_EQ(StatusOf(good), 101);
}

// Control pings count toward the message rate: a flood is closed with 1008 like a text flood.
// Raw frames, so neither side's blocking writes can hang the test: 20,000 masked empty pings
// (6 bytes each) are written from a thread while the main thread reads until the close.
TEST_F(StreamHardening, APingFloodIsClosedWithPolicyCode) {
  StartDaemon("hard_ws_pings");
  RawSocket socket(port_);
  ASSERT_TRUE(socket.Send(
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"));
  ASSERT_EQ(StatusOf(socket.ReadUntil("\r\n\r\n", 30s)), 101);
  std::string pings;
  for (int i = 0; i < 20000; ++i) pings += std::string("\x89\x80\x01\x02\x03\x04", 6);
  std::thread sender([&] { socket.Send(pings); });
  std::string received = socket.ReadUntilClose(60s);
  shutdown(socket.fd(), SHUT_RDWR);  // unblocks the sender if the server stopped reading
  sender.join();
  EXPECT_TRUE(socket.closed()) << "the server never closed the connection";
  // The server's close frame: 0x88, a length, then the code 1008 (0x03F0) big-endian.
  auto close = received.rfind('\x88');
  ASSERT_NE(close, std::string::npos) << "no close frame";
  ASSERT_GE(received.size(), close + 4);
  EXPECT_EQ(received.substr(close + 2, 2), std::string("\x03\xF0", 2)) << "close code 1008";
  EXPECT_EQ(HttpGet(port_, "/health").status, 200);
}

// An SSE reader that stops reading is not cut off by a write timeout while its events are in the
// window: when it reads again (here after 35 s, past the old hidden 30 s timeout) it gets every
// event, in order, without a gap.
TEST_F(StreamHardening, SlowSseReaderKeepsItsStreamWhileItsEventsAreInTheWindow) {
  StartDaemon("hard_sse_slow", {"--rate-limit", "0"});
  RawSocket reader(port_, 4096);
  ASSERT_TRUE(reader.Send("GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(reader.ReadUntil("event: welcome", 30s).find("event: welcome"), std::string::npos);
  // Enough to fill the socket buffers on both sides, so the server's write blocks.
  // ~12 MB of events: more than the kernel buffers hold, so the server's write blocks.
  for (int i = 0; i < 80; ++i) {
    session_->Exec(
        "INSERT INTO orders (customer_name, product_name) SELECT 's' || g || repeat('c', 240), "
        "repeat('y', 250) FROM generate_series(1, 200) g");
  }
  std::this_thread::sleep_for(35s);
  std::size_t inserts = 0;
  auto deadline = std::chrono::steady_clock::now() + 120s;
  while (inserts < 16000 && !reader.closed() && std::chrono::steady_clock::now() < deadline) {
    std::string text = reader.ReadUntil("", 1s);
    inserts = 0;
    for (auto at = text.find("event: orders:insert"); at != std::string::npos;
         at = text.find("event: orders:insert", at + 1)) {
      ++inserts;
    }
  }
  EXPECT_EQ(inserts, 16000u);
  EXPECT_FALSE(reader.closed()) << "closed while its events were still in the window";
  EXPECT_EQ(MetricValue(HttpGet(port_, "/metrics").body, "walcast_slow_clients_dropped_total"), 0);
}

// A reader whose events leave the window is told (`error`), counted, and closed; it resumes with
// its last id and gets resync.
TEST_F(StreamHardening, SseReaderWhoseEventsLeftTheWindowGetsErrorAndIsCounted) {
  StartDaemon("hard_sse_drop", {"--rate-limit", "0", "--replay-max-events", "300",
                                "--max-client-queue-messages", "16"});
  RawSocket reader(port_, 4096);
  ASSERT_TRUE(reader.Send("GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_NE(reader.ReadUntil("event: welcome", 30s).find("event: welcome"), std::string::npos);
  for (int i = 0; i < 80; ++i) {
    session_->Exec(
        "INSERT INTO orders (customer_name, product_name) SELECT 'd' || g || repeat('c', 240), "
        "repeat('z', 250) FROM generate_series(1, 200) g");
  }
  std::string text = reader.ReadUntilClose(120s);
  EXPECT_TRUE(reader.closed());
  EXPECT_NE(text.find("event: error\ndata: {\"event\":\"error\",\"data\":{\"message\":\"slow "
                      "consumer"),
            std::string::npos)
      << text.substr(text.size() > 500 ? text.size() - 500 : 0);
  EXPECT_GE(MetricValue(HttpGet(port_, "/metrics").body, "walcast_slow_clients_dropped_total"), 1);
}

}  // namespace
}  // namespace walcast::testing
