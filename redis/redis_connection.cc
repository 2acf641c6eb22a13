#include "redis/redis_connection.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <charconv>
#include <csignal>
#include <mutex>

namespace walcast::redis {
namespace asio = boost::asio;

namespace {

struct Pending {
  asio::any_io_executor strand;
  RedisConnection::OnReply reply;
};

// The major version in INFO's "redis_version:7.0.15" line; nullopt when there is none.
std::optional<int> MajorVersion(std::string_view info, std::string* version) {
  constexpr std::string_view kKey = "redis_version:";
  auto at = info.find(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = info.substr(at + kKey.size());
  *version = std::string(rest.substr(0, rest.find_first_of("\r\n")));
  int major = 0;
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), major);
  if (ec != std::errc() || end == rest.data()) return std::nullopt;
  return major;
}

}  // namespace

RedisConnection::RedisConnection(asio::any_io_executor strand, RedisEndpoint endpoint)
    : strand_(std::move(strand)),
      endpoint_(std::move(endpoint)),
      socket_(strand_),
      connect_timer_(strand_) {}

RedisConnection::~RedisConnection() {
  on_lost_ = nullptr;
  Close();
}

void RedisConnection::Connect(std::chrono::milliseconds timeout, OnReady ready) {
  // hiredis writes with write(2): to a peer that has gone, that raises SIGPIPE, which would end
  // the process. The error it returns instead (EPIPE) is what hiredis handles.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  on_ready_ = std::move(ready);
  // hiredis resolves a host name with a blocking getaddrinfo; walcast passes what the operator
  // configured, usually an address.
  context_ = redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
  if (context_ == nullptr) return Fail("cannot allocate a Redis connection");
  if (context_->err != 0) {
    std::string error = context_->errstr;
    redisAsyncFree(context_);
    context_ = nullptr;
    return Fail(error);
  }
  context_->data = this;
  boost::system::error_code ec;
  socket_.assign(context_->c.fd, ec);
  if (ec) return Fail("cannot watch the Redis socket: " + ec.message());
  context_->ev.data = this;
  context_->ev.addRead = &RedisConnection::AddRead;
  context_->ev.delRead = &RedisConnection::DelRead;
  context_->ev.addWrite = &RedisConnection::AddWrite;
  context_->ev.delWrite = &RedisConnection::DelWrite;
  context_->ev.cleanup = &RedisConnection::Cleanup;
  // The hooks must be in place first: setting the connect callback waits for writability.
  redisAsyncSetConnectCallback(context_, &RedisConnection::OnConnected);
  redisAsyncSetDisconnectCallback(context_, &RedisConnection::OnDisconnected);
  connect_timer_.expires_after(timeout);
  connect_timer_.async_wait([weak = weak_from_this(), timeout](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->on_ready_) return;
    self->Fail("timed out after " + std::to_string(timeout.count()) + " ms");
  });
}

void RedisConnection::OnConnected(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  if (status != REDIS_OK) {
    // hiredis frees the context once this returns (Cleanup clears context_).
    std::string error = context->errstr != nullptr ? context->errstr : "connection failed";
    asio::post(self->strand_, [weak = self->weak_from_this(), error] {
      if (auto alive = weak.lock()) alive->Fail(error);
    });
    return;
  }
  asio::post(self->strand_, [weak = self->weak_from_this()] {
    if (auto alive = weak.lock()) alive->Handshake();
  });
}

void RedisConnection::Handshake() {
  if (context_ == nullptr) return;
  auto check_version = [weak = weak_from_this()] {
    auto self = weak.lock();
    if (!self) return;
    self->Command({"INFO", "server"}, [weak](RedisValue reply) {
      auto self = weak.lock();
      if (!self) return;
      if (reply.IsError() && reply.text.rfind("NOAUTH", 0) == 0) {
        return self->Fail(
            "Redis requires a password: give it in the URL, redis://:password@host:port");
      }
      auto text = reply.Text();
      std::string version;
      auto major = text ? MajorVersion(*text, &version) : std::nullopt;
      if (!major) {
        return self->Fail("not a Redis server (INFO answered " + reply.Describe().substr(0, 80) +
                          ")");
      }
      self->server_version_ = version;
      if (*major < 5) return self->Fail("Redis " + version + " has no streams (5.0 or newer)");
      self->Ready(std::nullopt);
    });
  };
  auto select = [weak = weak_from_this(), check_version] {
    auto self = weak.lock();
    if (!self) return;
    if (self->endpoint_.db == 0) return check_version();
    self->Command({"SELECT", std::to_string(self->endpoint_.db)},
                  [weak, check_version](RedisValue reply) {
                    auto self = weak.lock();
                    if (!self) return;
                    if (reply.IsError()) {
                      return self->Fail("Redis refused database " +
                                        std::to_string(self->endpoint_.db) + ": " + reply.text);
                    }
                    check_version();
                  });
  };
  if (endpoint_.password.empty()) return select();
  std::vector<std::string> auth{"AUTH"};
  if (!endpoint_.user.empty()) auth.push_back(endpoint_.user);
  auth.push_back(endpoint_.password);
  Command(std::move(auth), [weak = weak_from_this(), select](RedisValue reply) {
    auto self = weak.lock();
    if (!self) return;
    if (reply.IsError()) return self->Fail("Redis refused the password: " + reply.text);
    select();
  });
}

void RedisConnection::Ready(std::optional<std::string> error) {
  connect_timer_.cancel();
  if (!on_ready_) return;
  usable_ = !error;
  auto ready = std::move(on_ready_);
  on_ready_ = nullptr;
  ready(std::move(error));
}

void RedisConnection::Fail(std::string error) {
  const bool was_usable = usable_;
  usable_ = false;
  Close();
  if (on_ready_) return Ready(std::move(error));
  if (was_usable && on_lost_) {
    auto lost = std::move(on_lost_);
    on_lost_ = nullptr;
    lost(std::move(error));
  }
}

void RedisConnection::Command(std::vector<std::string> args, OnReply reply) {
  if (context_ == nullptr || closing_) {
    asio::post(strand_,
               [reply = std::move(reply)] { reply(RedisValue::Error("not connected to Redis")); });
    return;
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto pending = std::make_unique<Pending>(Pending{strand_, std::move(reply)});
  if (redisAsyncCommandArgv(context_, &RedisConnection::OnCommandReply, pending.get(),
                            static_cast<int>(argv.size()), argv.data(),
                            lengths.data()) != REDIS_OK) {
    asio::post(strand_, [reply = std::move(pending->reply)] {
      reply(RedisValue::Error("Redis connection is closing"));
    });
    return;
  }
  pending.release();  // hiredis hands it back to OnCommandReply, exactly once
}

void RedisConnection::OnCommandReply(redisAsyncContext* context, void* reply, void* data) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(data));
  RedisValue value =
      reply != nullptr
          ? RedisValue::FromReply(*static_cast<redisReply*>(reply))
          : RedisValue::Error(
                std::string("connection lost: ") +
                (context->errstr != nullptr && context->err != 0 ? context->errstr : "closed"));
  // Never inside hiredis: the callback may send commands or close the connection.
  asio::post(pending->strand, [reply = std::move(pending->reply),
                               value = std::move(value)]() mutable { reply(std::move(value)); });
}

void RedisConnection::OnDisconnected(const redisAsyncContext* context, int status) {
  auto* self = static_cast<RedisConnection*>(context->data);
  std::string reason = status == REDIS_OK           ? "closed"
                       : context->errstr != nullptr ? context->errstr
                                                    : "connection lost";
  if (self->closing_) return;
  asio::post(self->strand_, [weak = self->weak_from_this(), reason] {
    if (auto alive = weak.lock()) alive->Fail("connection to Redis lost: " + reason);
  });
}

void RedisConnection::Close() {
  closing_ = true;
  connect_timer_.cancel();
  if (context_ != nullptr) {
    // Pending commands get their callbacks with no reply (an error) and Cleanup runs.
    auto* context = context_;
    redisAsyncFree(context);
    context_ = nullptr;
  }
  usable_ = false;
}

void RedisConnection::AddRead(void* data) {
  auto* self = static_cast<RedisConnection*>(data);
  self->want_read_ = true;
  self->WaitReadable();
}

void RedisConnection::DelRead(void* data) {
  static_cast<RedisConnection*>(data)->want_read_ = false;
}

void RedisConnection::AddWrite(void* data) {
  auto* self = static_cast<RedisConnection*>(data);
  self->want_write_ = true;
  self->WaitWritable();
}

void RedisConnection::DelWrite(void* data) {
  static_cast<RedisConnection*>(data)->want_write_ = false;
}

void RedisConnection::Cleanup(void* data) {
  auto* self = static_cast<RedisConnection*>(data);
  self->want_read_ = self->want_write_ = false;
  self->context_ = nullptr;
  // hiredis closes its socket itself: the descriptor lets go of it (and cancels the waits).
  if (self->socket_.is_open()) (void)self->socket_.release();
}

void RedisConnection::WaitReadable() {
  Wait(asio::posix::stream_descriptor::wait_read, reading_, want_read_, &redisAsyncHandleRead);
}

void RedisConnection::WaitWritable() {
  Wait(asio::posix::stream_descriptor::wait_write, writing_, want_write_, &redisAsyncHandleWrite);
}

// One readiness wait at a time per direction; hiredis's handler runs when the socket is ready
// and the wait is re-armed while hiredis still wants it (its hooks clear `wanted`).
void RedisConnection::Wait(asio::posix::stream_descriptor::wait_type type, bool& pending,
                           bool& wanted, void (*handle)(redisAsyncContext*)) {
  if (pending || context_ == nullptr) return;
  pending = true;
  socket_.async_wait(type, [self = shared_from_this(), type, &pending, &wanted,
                            handle](boost::system::error_code ec) {
    pending = false;
    if (ec || self->context_ == nullptr || !wanted) return;
    handle(self->context_);
    if (self->context_ != nullptr && wanted) self->Wait(type, pending, wanted, handle);
  });
}

}  // namespace walcast::redis
