// FrameSocket: the TCP socket under a WebSocket session's Beast stream, with one ordered output
// queue that Beast and the session both write into, sent with gathered writes.
//
// Why: Beast writes one frame per send(), and on loopback each send() costs more than everything
// else a frame needs (profiled: ~40% of the daemon's CPU at 100 clients; docs/websocket.md). The
// session therefore queues pre-framed events here (header computed once per event, payload
// shared by every client, nothing copied) and up to kMaxFramesPerWrite go out per writev. Beast
// still does everything else - handshake, reading and unmasking client frames, answering pings,
// keep-alive pings, the close handshake, timeouts - and what it writes (an async_write_some on
// this layer) is copied into the same queue in order, so its frames never interleave with
// ours. An async_write_some completes once its bytes are queued; the queue's size is the
// session's to bound (PendingBytes).
//
// Used on the session's strand only.
#pragma once

#include <array>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/stream/websocket_frame.h"

namespace walcast::api {

class FrameSocket {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using next_layer_type = socket_type;

  explicit FrameSocket(socket_type socket)
      : socket_(std::move(socket)), flush_timer_(socket_.get_executor()) {
    // Writes are tried at once and must never block the event loop (StartWrite). Only
    // synchronous calls see this flag; Beast's asynchronous reads are unaffected.
    boost::beast::error_code ignored;
    socket_.non_blocking(true, ignored);
  }

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  next_layer_type& next_layer() noexcept { return socket_; }
  const next_layer_type& next_layer() const noexcept { return socket_; }

  // The session's completion handler: `on_written` runs on the strand after each asynchronous
  // write and after each flush by the coalescing timer, so the session can queue more. A write
  // that goes out at once inside the session's own Flush calls no one back: the session sees
  // PendingBytes drop when Flush returns. `owner` (the session) is kept alive while a write is
  // in flight.
  void AfterEachWrite(std::weak_ptr<void> owner, std::function<void()> on_written) {
    owner_ = std::move(owner);
    on_written_ = std::move(on_written);
  }

  // Queues one frame: `header` then `*payload` (kept alive until sent). Call Flush after a batch.
  void Queue(const WebSocketFrameHeader& header, std::shared_ptr<const std::string> payload);
  // Starts a gathered write of what is queued, unless one is in flight (its completion sends the
  // rest). Within kCoalesceWindow of the previous write it waits for the window's end instead, so
  // a fast stream goes out a few frames per packet rather than one (the sockets are TCP_NODELAY,
  // so the kernel does not coalesce); a frame after a quiet spell, or a queue holding a full
  // write, goes at once.
  void Flush();

  // 0.5 ms: at 6,000 events/s a client's frames share packets three at a time, while at 1,000/s
  // (one per ms) almost every frame still leaves the moment it is queued.
  static constexpr std::chrono::microseconds kCoalesceWindow{500};

  std::size_t PendingBytes() const { return pending_bytes_; }
  const boost::beast::error_code& error() const { return error_; }

  // --- AsyncStream, for Beast ---
  template <class MutableBuffers, class ReadHandler>
  auto async_read_some(const MutableBuffers& buffers, ReadHandler&& handler) {
    return socket_.async_read_some(buffers, std::forward<ReadHandler>(handler));
  }

  template <class ConstBuffers, class WriteHandler>
  auto async_write_some(const ConstBuffers& buffers, WriteHandler&& handler) {
    return boost::asio::async_initiate<WriteHandler, void(boost::beast::error_code, std::size_t)>(
        [this](auto completion, const ConstBuffers& data) {
          boost::beast::error_code ec = error_;
          std::size_t size = 0;
          if (!ec) {
            auto copy = std::make_shared<std::string>(boost::asio::buffer_size(data), '\0');
            size = boost::asio::buffer_copy(boost::asio::buffer(*copy), data);
            Queue(WebSocketFrameHeader{}, std::move(copy));
            Flush();
          }
          // Never complete inside the initiating call (Asio's rule); the strand runs it next.
          boost::asio::post(socket_.get_executor(),
                            boost::beast::bind_front_handler(std::move(completion), ec, size));
        },
        handler, buffers);
  }

 private:
  struct Chunk {
    WebSocketFrameHeader header;  // size 0 for bytes Beast wrote (already framed)
    std::shared_ptr<const std::string> payload;
  };

  void GatherBuffers();
  void StartWrite();
  void OnWritten(boost::beast::error_code ec, std::size_t bytes);
  void Consume(std::size_t bytes);  // drops what `bytes` more sent bytes completed
  void Fail(const boost::beast::error_code& ec);

  socket_type socket_;
  std::deque<Chunk> queue_;
  std::size_t pending_bytes_ = 0;
  std::size_t front_offset_ = 0;  // bytes of queue_.front() already sent
  std::vector<boost::asio::const_buffer> buffers_;
  bool writing_ = false;
  boost::asio::steady_timer flush_timer_;
  bool flush_scheduled_ = false;
  std::chrono::steady_clock::time_point last_write_{};
  boost::beast::error_code error_;
  std::weak_ptr<void> owner_;
  std::function<void()> on_written_;
  // Expires with this object. The owner a handler keeps alive need not hold this FrameSocket: an
  // Engine.IO upgrade probe that is dropped can free its WebSocket while the session lives on, and
  // the cancelled timer's or write's handler then runs after it (a heap-use-after-free under
  // ASan in tests/e2e/proxy/jwt.test.js). Handlers run on the owner's strand, so a check suffices.
  std::shared_ptr<const char> alive_ = std::make_shared<const char>('\0');
};

// Beast's close handshake ends with a teardown of the next layer: the TCP socket's.
void teardown(boost::beast::role_type role, FrameSocket& socket, boost::beast::error_code& ec);

// The asynchronous teardown drains what the client still sends before closing. Beast's own TCP
// teardown (1.81) stops after one read, so a client still sending a message the server refused
// (over the size limit) got a reset, which destroys the close frame in its receive buffer: it saw
// 1006 instead of 1009. Bounded: at most kMaxTeardownDrainBytes, and Beast's close timeout.
inline constexpr std::size_t kMaxTeardownDrainBytes = 64u << 20;

namespace detail {

struct DrainingTeardown {
  boost::asio::ip::tcp::socket& socket;
  boost::beast::role_type role;
  std::unique_ptr<std::array<char, 16 * 1024>> buffer;
  std::size_t drained = 0;
  bool started = false;

  template <class Self>
  void operator()(Self& self, boost::beast::error_code ec = {}, std::size_t bytes = 0) {
    if (!started) {
      started = true;
      boost::beast::error_code ignored;
      if (role == boost::beast::role_type::server) {
        socket.shutdown(boost::asio::socket_base::shutdown_send, ignored);
      }
    } else {
      drained += bytes;
      if (ec || drained >= kMaxTeardownDrainBytes) {
        boost::beast::error_code ignored;
        if (role == boost::beast::role_type::client) {
          socket.shutdown(boost::asio::socket_base::shutdown_send, ignored);
        }
        socket.close(ignored);
        // The peer's end of stream is the expected way for a teardown to finish.
        return self.complete(ec == boost::asio::error::eof ? boost::beast::error_code() : ec);
      }
    }
    socket.async_read_some(boost::asio::buffer(*buffer), std::move(self));
  }
};

}  // namespace detail

template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, FrameSocket& socket, TeardownHandler&& handler) {
  boost::asio::async_compose<TeardownHandler, void(boost::beast::error_code)>(
      detail::DrainingTeardown{socket.next_layer(), role,
                               std::make_unique<std::array<char, 16 * 1024>>()},
      handler, socket.next_layer());
}

}  // namespace walcast::api
