// RedisConnection (redis/redis_connection.h) against a real redis-server on a free loopback port:
// the handshake, stream commands with explicit ids (the cluster's append rule), and every way a
// connection can fail, each with an error an operator can act on and no crash.
#include "redis/redis_connection.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "tests/harness/redis_server.h"

namespace walcast::redis {
namespace {

using namespace std::chrono_literals;
using testing::RedisServer;

class RedisConnectionTest : public ::testing::Test {
 protected:
  std::shared_ptr<RedisConnection> Make(const std::string& url) {
    auto parsed = ParseRedisUrl(url);
    EXPECT_TRUE(std::holds_alternative<RedisEndpoint>(parsed));
    return std::make_shared<RedisConnection>(boost::asio::make_strand(io_),
                                             std::get<RedisEndpoint>(parsed));
  }

  // Connect()'s outcome: nullopt when usable, else the error.
  std::optional<std::string> Connect(const std::shared_ptr<RedisConnection>& connection,
                                     std::chrono::milliseconds timeout = 5s) {
    std::optional<std::optional<std::string>> outcome;
    connection->Connect(timeout, [&](std::optional<std::string> error) { outcome = error; });
    RunUntil([&] { return outcome.has_value(); }, timeout + 5s);
    EXPECT_TRUE(outcome) << "Connect() never answered";
    return outcome ? *outcome : std::optional<std::string>("no answer");
  }

  RedisValue Call(const std::shared_ptr<RedisConnection>& connection,
                  std::vector<std::string> args) {
    std::optional<RedisValue> reply;
    connection->Command(std::move(args), [&](RedisValue value) { reply = std::move(value); });
    RunUntil([&] { return reply.has_value(); }, 10s);
    EXPECT_TRUE(reply) << "no reply";
    return reply ? *reply : RedisValue::Error("no reply");
  }

  template <class Done>
  void RunUntil(Done done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(10ms);
    }
  }

  boost::asio::io_context io_;
};

TEST_F(RedisConnectionTest, StreamEntriesWithExplicitIdsAndTheRefusalOfAnOlderOne) {
  RedisServer server;
  auto connection = Make(server.Url());
  ASSERT_EQ(Connect(connection), std::nullopt);
  EXPECT_FALSE(connection->server_version().empty());

  EXPECT_EQ(Call(connection, {"XADD", "walcast:events", "1000-3", "e", "{\"a\":1}"}).text,
            "1000-3");
  EXPECT_EQ(
      Call(connection, {"XADD", "walcast:events", "1000-4", "e", std::string("b\0c", 3)}).text,
      "1000-4");
  // What makes a replay by a second writer harmless: an id at or below the top is refused.
  auto older = Call(connection, {"XADD", "walcast:events", "1000-4", "e", "again"});
  ASSERT_TRUE(older.IsError());
  EXPECT_NE(older.text.find("equal or smaller"), std::string::npos) << older.text;

  auto range = Call(connection, {"XRANGE", "walcast:events", "-", "+"});
  ASSERT_TRUE(range.IsArray());
  ASSERT_EQ(range.elements.size(), 2u);
  EXPECT_EQ(range.elements[1].elements.at(0).text, "1000-4");
  EXPECT_EQ(range.elements[1].elements.at(1).elements.at(1).text, std::string("b\0c", 3));
}

TEST_F(RedisConnectionTest, AStreamKeyHoldingAnotherTypeIsAnErrorReplyNotACrash) {
  RedisServer server;
  auto connection = Make(server.Url());
  ASSERT_EQ(Connect(connection), std::nullopt);
  Call(connection, {"SET", "walcast:events", "not a stream"});
  auto reply = Call(connection, {"XADD", "walcast:events", "1-0", "e", "x"});
  ASSERT_TRUE(reply.IsError());
  EXPECT_EQ(reply.text.rfind("WRONGTYPE", 0), 0u) << reply.text;
  EXPECT_TRUE(connection->usable());
  EXPECT_EQ(Call(connection, {"PING"}).Text(), "PONG");
}

TEST_F(RedisConnectionTest, PasswordsAndDatabases) {
  RedisServer server({"--requirepass", "right"});
  auto good = Make(server.Url("right") + "/2");
  ASSERT_EQ(Connect(good), std::nullopt);
  EXPECT_EQ(Call(good, {"SET", "k", "in db 2"}).Text(), "OK");

  auto wrong = Connect(Make(server.Url("wrong")));
  ASSERT_TRUE(wrong);
  EXPECT_NE(wrong->find("refused the password"), std::string::npos) << *wrong;

  auto missing = Connect(Make(server.Url()));
  ASSERT_TRUE(missing);
  EXPECT_NE(missing->find("requires a password"), std::string::npos) << *missing;
}

TEST_F(RedisConnectionTest, NothingListeningIsRefused) {
  int port = testing::FreeLoopbackPort();
  auto error = Connect(Make("redis://127.0.0.1:" + std::to_string(port)));
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("refused"), std::string::npos) << *error;
}

// A listener that is not Redis: one answers HTTP, one says nothing at all.
class FakeServer {
 public:
  explicit FakeServer(std::string answer) : answer_(std::move(answer)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), size);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    listen(fd_, 4);
    thread_ = std::thread([this] {
      int client = accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      char buffer[256];
      if (read(client, buffer, sizeof(buffer)) > 0 && !answer_.empty()) {
        (void)!write(client, answer_.data(), answer_.size());
      }
      std::this_thread::sleep_for(3s);
      close(client);
    });
  }
  ~FakeServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(RedisConnectionTest, APortThatIsNotRedisIsNamedSo) {
  FakeServer http("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  auto error = Connect(Make("redis://127.0.0.1:" + std::to_string(http.port())));
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("not a Redis server"), std::string::npos) << *error;
}

TEST_F(RedisConnectionTest, ASilentServerTimesOut) {
  FakeServer silent("");
  auto error = Connect(Make("redis://127.0.0.1:" + std::to_string(silent.port())), 500ms);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("timed out"), std::string::npos) << *error;
}

TEST_F(RedisConnectionTest, ALostConnectionIsReportedOnceAndPendingCommandsGetErrors) {
  RedisServer server;
  auto connection = Make(server.Url());
  ASSERT_EQ(Connect(connection), std::nullopt);
  int lost = 0;
  std::string reason;
  connection->SetOnLost([&](std::string why) {
    ++lost;
    reason = std::move(why);
  });
  std::optional<RedisValue> blocked;
  // Pending when the server dies: its callback still runs, with an error.
  connection->Command({"XREAD", "BLOCK", "0", "STREAMS", "nothing", "$"},
                      [&](RedisValue value) { blocked = std::move(value); });
  RunUntil([] { return false; }, 200ms);
  server.Kill();
  RunUntil([&] { return lost > 0 && blocked.has_value(); }, 10s);
  EXPECT_EQ(lost, 1);
  EXPECT_NE(reason.find("lost"), std::string::npos) << reason;
  ASSERT_TRUE(blocked);
  EXPECT_TRUE(blocked->IsError());
  EXPECT_FALSE(connection->usable());
  EXPECT_TRUE(Call(connection, {"PING"}).IsError());
}

}  // namespace
}  // namespace walcast::redis
