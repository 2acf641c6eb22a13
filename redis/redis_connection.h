// RedisConnection: one connection to Redis, hiredis's asynchronous API driven by Asio. hiredis
// parses RESP and keeps the queue of pending commands; its event hooks (addRead, addWrite, ...)
// become readiness waits on a posix::stream_descriptor over its socket, which hiredis keeps
// owning (the descriptor is released, never closed, by this class). Connect() also
// authenticates, selects the database and checks that the server can hold streams (Redis 5 or
// newer), so whoever gets a usable connection can XADD and XREAD.
//
// hiredis 0.14 (Debian 12) has no connect timeout for its asynchronous API: Connect() keeps its
// own. hiredis writes with write(2), so the first Connect() sets SIGPIPE to be ignored in the
// process (a write to a vanished Redis then fails with EPIPE, which hiredis handles). Replies and
// the loss of the connection are posted to the strand, never run inside hiredis, so a callback may
// issue commands or drop the connection.
//
// Not thread-safe: create it and call it on one strand (its executor).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "redis/redis_endpoint.h"
#include "redis/redis_value.h"

struct redisAsyncContext;

namespace walcast::redis {

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using OnReady = std::function<void(std::optional<std::string> error)>;
  using OnReply = std::function<void(RedisValue reply)>;
  using OnLost = std::function<void(std::string reason)>;

  RedisConnection(boost::asio::any_io_executor strand, RedisEndpoint endpoint);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Connects, authenticates, selects the database, checks the server's version. `ready` runs once:
  // nullopt when the connection is usable, else why not, in words an operator can act on
  // ("connection refused", "Redis refused the password", "not a Redis server", "timed out").
  void Connect(std::chrono::milliseconds timeout, OnReady ready);
  // Sends one command, its arguments binary-safe. `reply` runs once with the reply; an error reply
  // when Redis refuses it, or when the connection is not usable or is lost first.
  void Command(std::vector<std::string> args, OnReply reply);
  // Runs once if a usable connection is lost (not after Close()).
  void SetOnLost(OnLost lost) { on_lost_ = std::move(lost); }
  // Drops the connection; pending commands get an error reply.
  void Close();

  bool usable() const { return usable_; }
  const RedisEndpoint& endpoint() const { return endpoint_; }
  // The server's version from the handshake ("7.0.15"), empty before.
  const std::string& server_version() const { return server_version_; }

 private:
  // hiredis's event hooks and callbacks (privdata is this connection).
  static void AddRead(void* self);
  static void DelRead(void* self);
  static void AddWrite(void* self);
  static void DelWrite(void* self);
  static void Cleanup(void* self);
  static void OnConnected(const redisAsyncContext* context, int status);
  static void OnDisconnected(const redisAsyncContext* context, int status);
  static void OnCommandReply(redisAsyncContext* context, void* reply, void* pending);

  void WaitReadable();
  void WaitWritable();
  void Wait(boost::asio::posix::stream_descriptor::wait_type type, bool& pending, bool& wanted,
            void (*handle)(redisAsyncContext*));
  void Handshake();
  void Ready(std::optional<std::string> error);
  void Fail(std::string error);

  boost::asio::any_io_executor strand_;
  RedisEndpoint endpoint_;
  redisAsyncContext* context_ = nullptr;
  boost::asio::posix::stream_descriptor socket_;
  boost::asio::steady_timer connect_timer_;
  bool want_read_ = false;
  bool want_write_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool usable_ = false;
  bool closing_ = false;
  OnReady on_ready_;
  OnLost on_lost_;
  std::string server_version_;
};

}  // namespace walcast::redis
