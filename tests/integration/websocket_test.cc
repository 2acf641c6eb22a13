// The WebSocket face of the stream (/ws), through the real daemon: welcome and events, every
// client message kind and every malformed one, resume, slow-consumer and policy closes, Origin,
// and the shutdown frame.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/http_client.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"
#include "tests/harness/ws_client.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

std::string EventName(const std::string& json) { return ParseJson(json)["event"].GetString(); }

class WebSocket : public StreamingDaemonTest {
 protected:
  std::string Insert(const std::string& name) {
    return session_->Scalar(
        "INSERT INTO orders (customer_name, product_name) VALUES ($1, 'p') RETURNING id", {name});
  }
};

TEST_F(WebSocket, WelcomeFirstThenChangeEvents) {
  StartDaemon("ws_basic");
  WsClient client(port_, "/ws");
  auto welcome = client.Next(30s);
  ASSERT_TRUE(welcome) << daemon_->Log();
  auto doc = ParseJson(*welcome);
  EXPECT_STREQ(doc["event"].GetString(), "welcome");
  EXPECT_TRUE(doc["data"]["clientId"].IsString());
  EXPECT_EQ(doc["data"]["totalClients"].GetInt(), 1);
  EXPECT_TRUE(doc["data"]["lastEventId"].IsNull());
  Insert("Ann");
  auto event = client.NextEvent("orders:insert", 30s);
  ASSERT_TRUE(event) << daemon_->Log();
  EXPECT_STREQ(ParseJson(*event)["data"]["data"]["customer_name"].GetString(), "Ann");
}

TEST_F(WebSocket, PingSubscribeUnsubscribe) {
  StartDaemon("ws_messages");
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  client.Send(R"({"event":"ping","data":{"timestamp":12345}})");
  auto pong = client.NextEvent("pong", 30s);
  ASSERT_TRUE(pong);
  EXPECT_EQ(ParseJson(*pong)["data"]["timestamp"]["timestamp"].GetInt(), 12345);

  client.Send(R"({"event":"subscribe","data":{"statuses":["shipped"]}})");
  std::string a = Insert("A");
  session_->Query("UPDATE orders SET status = 'shipped' WHERE id = $1", {a});
  auto first = client.Next(30s);
  ASSERT_TRUE(first);
  EXPECT_EQ(EventName(*first), "orders:update") << "the insert (pending) is filtered out";

  client.Send(R"({"event":"unsubscribe","data":{"statuses":["shipped"]}})");
  client.Send(R"({"event":"ping"})");
  ASSERT_TRUE(client.NextEvent("pong", 30s)) << "the unsubscribe was applied before this";
  Insert("B");
  auto next = client.Next(30s);
  ASSERT_TRUE(next);
  EXPECT_EQ(EventName(*next), "orders:insert") << "no criteria left: everything again";
}

TEST_F(WebSocket, MalformedMessagesGetErrorFramesAndTheConnectionStays) {
  StartDaemon("ws_malformed");
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  for (const char* bad :
       {"not json", "[]", R"({"event":"dance"})",
        R"({"event":"subscribe","data":{"orderIds":"x"}})",
        R"({"event":"subscribe","data":{"statuses":["lost"]}})", "{\"event\":\"ping\"", ""}) {
    client.Send(bad);
    auto error = client.Next(30s);
    ASSERT_TRUE(error) << bad;
    auto doc = ParseJson(*error);
    EXPECT_STREQ(doc["event"].GetString(), "error") << bad;
    EXPECT_TRUE(doc["data"]["message"].IsString());
  }
  client.SendBinary(std::string("\x00\x01\x02", 3));
  auto binary = client.Next(30s);
  ASSERT_TRUE(binary);
  EXPECT_NE(binary->find("binary frames are not supported"), std::string::npos);

  client.Send(R"({"event":"ping","data":1})");
  EXPECT_TRUE(client.NextEvent("pong", 30s)) << "still open and answering";
  Insert("still streaming");
  EXPECT_TRUE(client.NextEvent("orders:insert", 30s));
}

TEST_F(WebSocket, OversizeMessageClosesWithPolicyCode) {
  StartDaemon("ws_oversize");
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  client.Send(R"({"event":"ping","data":")" + std::string(20000, 'x') + "\"}");
  while (client.Next(30s)) {
  }
  EXPECT_TRUE(client.Closed());
  EXPECT_EQ(client.CloseCode(), 1008);
  EXPECT_EQ(HttpGet(port_, "/health").status, 200) << "the daemon is fine";
}

TEST_F(WebSocket, ResumeFromAnId) {
  StartDaemon("ws_resume");
  WsClient first(port_, "/ws");
  for (int i = 0; i < 4; ++i) Insert("c" + std::to_string(i));
  std::vector<std::string> ids;
  while (ids.size() < 4) {
    auto event = first.NextEvent("orders:insert", 30s);
    ASSERT_TRUE(event);
    ids.push_back(ParseJson(*event)["data"]["id"].GetString());
  }
  WsClient resumed(port_, "/ws?from=" + ids[1]);
  ASSERT_TRUE(resumed.NextEvent("welcome", 30s));
  for (int i = 2; i < 4; ++i) {
    auto event = resumed.Next(30s);
    ASSERT_TRUE(event);
    EXPECT_EQ(std::string(ParseJson(*event)["data"]["id"].GetString()), ids[i]);
  }
}

TEST_F(WebSocket, ResumeAcrossADaemonRestart) {
  StartDaemon("ws_restart");
  std::vector<std::string> ids;
  {
    WsClient client(port_, "/ws");
    ASSERT_TRUE(client.NextEvent("welcome", 30s));
    for (int i = 0; i < 3; ++i) Insert("before" + std::to_string(i));
    while (ids.size() < 3) {
      auto event = client.NextEvent("orders:insert", 30s);
      ASSERT_TRUE(event);
      ids.push_back(ParseJson(*event)["data"]["id"].GetString());
    }
  }
  daemon_->Signal(SIGKILL);
  daemon_->WaitExit(10s);
  for (int i = 0; i < 2; ++i) Insert("while down" + std::to_string(i));
  auto restarted = StartStreamingDaemon(db_);
  ASSERT_GT(restarted.port, 0);
  WsClient client(restarted.port, "/ws?from=" + ids[1]);
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  std::vector<std::string> resumed;
  while (resumed.size() < 3) {
    auto event = client.Next(30s);
    ASSERT_TRUE(event) << restarted.process->Log();
    resumed.push_back(ParseJson(*event)["data"]["id"].GetString());
  }
  EXPECT_EQ(resumed[0], ids[2]) << "the same id after the restart";
  EXPECT_LT(resumed[0], resumed[1]);
  EXPECT_LT(resumed[1], resumed[2]);
  EXPECT_FALSE(client.Next(1s)) << "no duplicate";
}

TEST_F(WebSocket, FiltersFromTheQueryAndADeleteMatchedByItsRow) {
  StartDaemon("ws_filters");
  WsClient pending(port_, "/ws?status=pending");
  WsClient deletes(port_, "/ws?operation=delete&order_id=2001");
  ASSERT_TRUE(pending.NextEvent("welcome", 30s));
  ASSERT_TRUE(deletes.NextEvent("welcome", 30s));
  session_->Exec("INSERT INTO orders (id, customer_name, product_name) VALUES (2001, 'D', 'p')");
  session_->Exec("UPDATE orders SET status = 'shipped' WHERE id = 2001");
  session_->Exec("DELETE FROM orders WHERE id = 2001");
  auto insert = pending.Next(30s);
  ASSERT_TRUE(insert);
  EXPECT_EQ(EventName(*insert), "orders:insert");
  auto leaves = pending.Next(30s);
  ASSERT_TRUE(leaves);
  EXPECT_EQ(EventName(*leaves), "orders:update") << "a pending subscriber sees it leave pending";
  EXPECT_FALSE(pending.Next(1s)) << "the delete of a shipped order is not pending";
  auto deleted = deletes.Next(30s);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(EventName(*deleted), "orders:delete");
  EXPECT_EQ(ParseJson(*deleted)["data"]["data"]["id"].GetInt(), 2001);
}

TEST_F(WebSocket, SlowConsumerIsClosedWith4008WhileFiftyReadersGetEverything) {
  // A client is too slow once the events it needs have left the replay window. It stops reading
  // after its welcome, with a small receive buffer; 50 readers must get every event, in order,
  // and stay connected.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  // The idle timeout is set out of the way: the stalled client never answers pings, and on a
  // loaded machine the test may outlast the default 60 s before the window moves past it.
  StartDaemon("ws_slow", {"--replay-max-events", "5000", "--max-client-queue-messages", "64",
                          "--ws-idle-timeout", "3600"});
  WsClient slow(port_, "/ws", {}, 4096);
  ASSERT_TRUE(slow.NextEvent("welcome", 30s));
  constexpr int kReaders = 50;
  constexpr std::size_t kEvents = 20000;
  std::vector<std::unique_ptr<WsClient>> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(std::make_unique<WsClient>(port_, "/ws"));
    ASSERT_TRUE(readers.back()->NextEvent("welcome", 30s));
  }
  std::vector<std::atomic<std::size_t>> received(kReaders);
  std::vector<std::size_t> out_of_order(kReaders, 0);
  std::vector<std::string> errors(kReaders);
  std::atomic<int> finished{0};  // reader threads that stopped before getting every event
  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&, i] {
      try {
        std::string last;
        while (received[i] < kEvents) {
          auto message = readers[i]->Next(120s);
          if (!message) {
            errors[i] = readers[i]->Closed()
                            ? "closed with " + std::to_string(readers[i]->CloseCode())
                            : "nothing for 120 s";
            ++finished;
            return;
          }
          auto doc = ParseJson(*message);
          if (!doc["data"].HasMember("id")) throw std::runtime_error("not a change: " + *message);
          std::string id = doc["data"]["id"].GetString();
          if (id <= last) ++out_of_order[i];
          last = id;
          ++received[i];
        }
      } catch (const std::exception& e) {
        errors[i] = e.what();
        ++finished;
      }
    });
  }
  // 100 transactions of 200 rows with 200-byte values: ~10 MB, enough to fill the kernel's
  // buffers of the client that does not read. Each waits until every reader has the previous
  // one, so the readers are never behind by more than a transaction however slow this machine.
  auto finished_readers = [&] { return finished.load(); };
  auto slowest_reader = [&] {
    std::size_t slowest = kEvents;
    for (const auto& count : received) slowest = std::min(slowest, count.load());
    return slowest;
  };
  for (std::size_t t = 0; t < 100; ++t) {
    auto wait_until = std::chrono::steady_clock::now() + 120s;
    while (slowest_reader() < t * 200 && std::chrono::steady_clock::now() < wait_until &&
           finished_readers() == 0) {
      std::this_thread::sleep_for(1ms);
    }
    session_->Exec(
        "INSERT INTO orders (customer_name, product_name) "
        "SELECT 'c' || g, repeat('x', 200) FROM generate_series(1, 200) g");
  }
  for (auto& thread : threads) thread.join();
  for (int i = 0; i < kReaders; ++i) {
    EXPECT_EQ(received[i].load(), kEvents)
        << "reader " << i << ": a slow client never slows the others";
    EXPECT_EQ(out_of_order[i], 0u) << "reader " << i;
    EXPECT_FALSE(readers[i]->Closed()) << "reader " << i;
    EXPECT_EQ(errors[i], "") << "reader " << i;
  }

  std::optional<std::string> last;
  while (auto message = slow.Next(30s)) last = message;
  EXPECT_TRUE(slow.Closed());
  EXPECT_EQ(slow.CloseCode(), 4008) << daemon_->Log().substr(0, 4000);
  ASSERT_TRUE(last);
  EXPECT_NE(last->find("slow consumer"), std::string::npos) << *last;
  EXPECT_NE(HttpGet(port_, "/metrics").body.find("walcast_slow_clients_dropped_total 1\n"),
            std::string::npos);
}

TEST_F(WebSocket, AHalfOpenClientIsPingedThenClosedWhileAnAnsweringOneStays) {
  StartDaemon("ws_idle", {"--ws-idle-timeout", "2"});
  // The silent client speaks the handshake by hand and then never answers anything, like a
  // peer whose network vanished.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port_));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  std::string upgrade =
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  ASSERT_EQ(write(fd, upgrade.data(), upgrade.size()), static_cast<ssize_t>(upgrade.size()));

  WsClient answering(port_, "/ws");  // Beast answers pings while it reads
  ASSERT_TRUE(answering.NextEvent("welcome", 30s));

  std::string received;
  bool closed = false;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!closed && std::chrono::steady_clock::now() < deadline) {
    answering.Next(100ms);  // keeps the answering client's reads (and pongs) going
    pollfd poll_fd{fd, POLLIN, 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    char chunk[4096];
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n <= 0) {
      closed = true;
    } else {
      received.append(chunk, static_cast<std::size_t>(n));
    }
  }
  close(fd);
  EXPECT_TRUE(closed) << "the silent client was not closed within 30 s";
  EXPECT_NE(received.find("101 Switching Protocols"), std::string::npos) << received;
  EXPECT_NE(received.find('\x89'), std::string::npos) << "no ping frame was sent";

  session_->Exec("INSERT INTO orders (customer_name, product_name) VALUES ('after', 'p')");
  EXPECT_TRUE(answering.NextEvent("orders:insert", 30s)) << "the answering client was closed";
  EXPECT_FALSE(answering.Closed());
}

TEST_F(WebSocket, ABurstLargerThanTheQueueReachesAReaderWhole) {
  StartDaemon("ws_burst", {"--max-client-queue-messages", "16"});
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  session_->Exec(
      "INSERT INTO orders (customer_name, product_name) "
      "SELECT 'c' || g, 'p' FROM generate_series(1, 20000) g");
  std::string previous;
  std::size_t received = 0;
  while (received < 20000) {
    auto message = client.Next(60s);
    ASSERT_TRUE(message) << "after " << received << " events";
    auto doc = ParseJson(*message);
    ASSERT_STREQ(doc["event"].GetString(), "orders:insert");
    std::string id = doc["data"]["id"].GetString();
    ASSERT_LT(previous, id);
    previous = id;
    ++received;
  }
  EXPECT_FALSE(client.Closed());
}

TEST_F(WebSocket, TheClientCountIsBroadcastWhenItChanges) {
  StartDaemon("ws_clients");
  WsClient first(port_, "/ws");
  ASSERT_TRUE(first.NextEvent("welcome", 30s));
  WsClient second(port_, "/ws");
  auto welcome = second.NextEvent("welcome", 30s);
  ASSERT_TRUE(welcome);
  EXPECT_EQ(ParseJson(*welcome)["data"]["totalClients"].GetInt(), 2);
  auto count = first.NextEvent("clients", 30s);
  ASSERT_TRUE(count);
  EXPECT_EQ(ParseJson(*count)["data"]["totalClients"].GetInt(), 2);
}

TEST_F(WebSocket, StreamsPerAddressAreCapped) {
  StartDaemon("ws_cap", {"--max-connections-per-ip", "2"});
  WsClient a(port_, "/ws");
  WsClient b(port_, "/ws");
  ASSERT_TRUE(a.NextEvent("welcome", 30s));
  ASSERT_TRUE(b.NextEvent("welcome", 30s));
  try {
    WsClient c(port_, "/ws");
    ADD_FAILURE() << "a third stream from the same address was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("429"), std::string::npos) << e.what();
  }
  EXPECT_EQ(HttpGet(port_, "/api/events").status, 429) << "SSE counts too";
}

TEST_F(WebSocket, AThousandClientsReceiveTheSameEventsInTheSameOrder) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;  // each client holds a socket and its io_context's descriptors
  setrlimit(RLIMIT_NOFILE, &limit);
  StartDaemon("ws_thousand");
  constexpr int kClients = 1000;
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<WsClient>(port_, "/ws"));
    ASSERT_TRUE(clients.back()->NextEvent("welcome", 30s)) << "client " << i;
  }
  for (int t = 0; t < 5; ++t) {
    session_->Exec("INSERT INTO orders (customer_name, product_name) SELECT 't" +
                   std::to_string(t) + "-' || g, 'p' FROM generate_series(1, 4) g");
  }
  std::vector<std::string> reference;
  for (int i = 0; i < kClients; ++i) {
    std::vector<std::string> ids;
    while (ids.size() < 20) {
      auto event = clients[i]->NextEvent("orders:insert", 60s);
      ASSERT_TRUE(event) << "client " << i << " after " << ids.size() << " events";
      ids.push_back(ParseJson(*event)["data"]["id"].GetString());
    }
    if (i == 0) reference = ids;
    ASSERT_EQ(ids, reference) << "client " << i;
  }
  EXPECT_NE(HttpGet(port_, "/metrics").body.find("walcast_clients 1000\n"), std::string::npos);
}

// Per-connection message rate limit: 20/s with a burst of 40. A flood gets pongs for the burst,
// then `error` frames, then close 1008 after 20 refusals in a row; another client is unaffected.
TEST_F(WebSocket, AFloodingClientGetsErrorsThenClose1008WhileAnotherIsServed) {
  StartDaemon("ws_flood");
  WsClient flooder(port_, "/ws");
  WsClient calm(port_, "/ws");
  ASSERT_TRUE(flooder.NextEvent("welcome", 30s));
  ASSERT_TRUE(calm.NextEvent("welcome", 30s));
  for (int i = 0; i < 200; ++i) {
    try {
      flooder.Send(R"({"event":"ping","data":)" + std::to_string(i) + "}");
    } catch (const std::exception&) {
      break;  // the server has closed and reset the connection: enough sent
    }
  }
  int pongs = 0;
  int refusals = 0;
  while (auto message = flooder.Next(30s)) {
    auto doc = ParseJson(*message);
    std::string event = doc["event"].GetString();
    if (event == "pong") {
      ++pongs;
    } else if (event == "error") {
      EXPECT_NE(message->find("too many messages"), std::string::npos) << *message;
      ++refusals;
    }
  }
  // Exact counts would depend on timing (a token comes back every 50 ms); the shape does not.
  EXPECT_GE(pongs, 40) << "the burst is answered";
  EXPECT_GE(refusals, 20) << "20 refusals in a row before the close";
  EXPECT_TRUE(flooder.Closed());
  EXPECT_EQ(flooder.CloseCode(), 1008);

  calm.Send(R"({"event":"ping","data":"calm"})");
  EXPECT_TRUE(calm.NextEvent("pong", 30s)) << "the other connection has its own budget";
  Insert("after the flood");
  EXPECT_TRUE(calm.NextEvent("orders:insert", 30s));
}

TEST_F(WebSocket, OriginOutsideTheAllowlistIsRefused) {
  StartDaemon("ws_origin", {"--cors-origins", "http://allowed.example"});
  EXPECT_THROW(WsClient(port_, "/ws", {{"Origin", "http://evil.example"}}), std::runtime_error);
  WsClient allowed(port_, "/ws", {{"Origin", "http://allowed.example"}});
  EXPECT_TRUE(allowed.NextEvent("welcome", 30s));
}

TEST_F(WebSocket, ShutdownSendsServerShutdownAndCloses1001) {
  StartDaemon("ws_shutdown");
  WsClient client(port_, "/ws");
  ASSERT_TRUE(client.NextEvent("welcome", 30s));
  daemon_->Signal(SIGTERM);
  auto goodbye = client.NextEvent("server_shutdown", 30s);
  ASSERT_TRUE(goodbye) << daemon_->Log();
  while (client.Next(10s)) {
  }
  EXPECT_EQ(client.CloseCode(), 1001);
  EXPECT_EQ(daemon_->WaitExit(5s), 0);
}

}  // namespace
}  // namespace walcast::testing
