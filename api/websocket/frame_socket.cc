#include "api/websocket/frame_socket.h"

#include <span>

namespace walcast::api {
namespace {

// Two buffers per frame (header, payload). Asio hands at most 64 buffers to one writev, so
// gathering more would only rebuild the list after every partial write.
constexpr std::size_t kMaxFramesPerWrite = 32;

}  // namespace

void FrameSocket::Queue(const WebSocketFrameHeader& header,
                        std::shared_ptr<const std::string> payload) {
  if (error_) return;
  pending_bytes_ += header.size + payload->size();
  queue_.push_back(Chunk{header, std::move(payload)});
}

void FrameSocket::Flush() {
  if (writing_ || queue_.empty() || error_) return;
  // The window gathers a trickle into fewer packets; a full write's worth waits for nothing, or
  // the window would pace a backlog to one write per 0.5 ms (64k frames/s).
  if (queue_.size() < kMaxFramesPerWrite) {
    if (flush_scheduled_) return;  // the timer flushes
    auto due = last_write_ + kCoalesceWindow;
    if (std::chrono::steady_clock::now() < due) {
      flush_scheduled_ = true;
      flush_timer_.expires_at(due);
      flush_timer_.async_wait(
          [this, owner = owner_.lock(),
           alive = std::weak_ptr<const char>(alive_)](boost::beast::error_code) {
            if (alive.expired()) return;  // destroyed before its owner (see alive_)
            flush_scheduled_ = false;
            Flush();
            // The write may have gone out at once, which calls no one back: tell the owner, which
            // may have stopped queueing at its high-water mark.
            if (!error_ && on_written_) on_written_();
          });
      return;
    }
  }
  StartWrite();
}

void FrameSocket::GatherBuffers() {
  buffers_.clear();
  std::size_t skip = front_offset_;
  for (std::size_t i = 0; i < queue_.size() && i < kMaxFramesPerWrite; ++i) {
    const Chunk& chunk = queue_[i];
    std::string_view header = chunk.header.view();
    std::string_view payload = *chunk.payload;
    // Only the front chunk can be partly sent.
    if (skip >= header.size()) {
      skip -= header.size();
      header = {};
    } else {
      header.remove_prefix(skip);
      skip = 0;
    }
    payload.remove_prefix(skip);
    skip = 0;
    if (!header.empty()) buffers_.emplace_back(header.data(), header.size());
    if (!payload.empty()) buffers_.emplace_back(payload.data(), payload.size());
  }
}

void FrameSocket::StartWrite() {
  last_write_ = std::chrono::steady_clock::now();
  GatherBuffers();
  // First at once, on the non-blocking socket: a client that keeps up has room in its send
  // buffer, and then the write is done without an asynchronous operation, its completion
  // handler and a second pass through the strand (docs/performance.md, "Writes at once").
  boost::beast::error_code ec;
  std::size_t written =
      socket_.write_some(std::span<const boost::asio::const_buffer>(buffers_), ec);
  if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
    ec = {};
    written = 0;
  }
  if (ec) return Fail(ec);
  Consume(written);
  if (queue_.empty()) return;
  // The rest waits for room in the kernel's buffer (or is more than one write holds).
  GatherBuffers();
  auto owner = owner_.lock();
  writing_ = true;
  // A span, not the vector: the operation keeps a copy of the buffer sequence, and copying the
  // vector was a malloc per write (buffers_ stays untouched until the write completes).
  socket_.async_write_some(
      std::span<const boost::asio::const_buffer>(buffers_),
      [this, owner = std::move(owner), alive = std::weak_ptr<const char>(alive_)](
          boost::beast::error_code ec, std::size_t bytes) {
        if (alive.expired()) return;  // destroyed before its owner (see alive_)
        OnWritten(ec, bytes);
      });
}

void FrameSocket::Consume(std::size_t bytes) {
  pending_bytes_ -= bytes;
  bytes += front_offset_;
  while (!queue_.empty()) {
    std::size_t size = queue_.front().header.size + queue_.front().payload->size();
    if (bytes < size) break;
    bytes -= size;
    queue_.pop_front();
  }
  front_offset_ = bytes;
}

void FrameSocket::Fail(const boost::beast::error_code& ec) {
  // The session learns of it from its read (the socket is closed) or from error().
  error_ = ec;
  flush_timer_.cancel();
  queue_.clear();
  pending_bytes_ = 0;
  boost::beast::error_code ignored;
  socket_.close(ignored);
}

void FrameSocket::OnWritten(boost::beast::error_code ec, std::size_t bytes) {
  writing_ = false;
  if (ec) return Fail(ec);
  Consume(bytes);
  Flush();
  if (on_written_) on_written_();
}

void teardown(boost::beast::role_type role, FrameSocket& socket, boost::beast::error_code& ec) {
  boost::beast::websocket::teardown(role, socket.next_layer(), ec);
}

}  // namespace walcast::api
