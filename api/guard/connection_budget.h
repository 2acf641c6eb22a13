// ConnectionBudget: the most client connections (plain HTTP, SSE and WebSocket together) the
// daemon keeps open, below its descriptor limit, so that clients can never take the descriptors
// PostgreSQL connections, static files and the listener itself need (docs/protection.md,
// "Connections and descriptors").
//
// Every accepted socket asks for a Ticket, held for the connection's whole life (an HTTP session
// hands it to the SSE or WebSocket session it becomes). At the cap, a connection that is only
// waiting for its next request (idle keep-alive, or a new connection that has not sent a whole
// request yet) is reclaimed to make room: the oldest such one is asked to close, as a web server
// reuses idle keep-alive connections when it runs out. Streams and requests being served are never
// reclaimed; when nothing can be reclaimed the new connection is refused (a short 503).
//
// Thread-safe: counters are atomics; the idle list takes a mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

namespace walcast::api {

// A connection that can be asked to close while it waits for a request. Reclaim is called from
// another thread and must only post the close to the connection's own strand.
class ReclaimableConnection {
 public:
  virtual ~ReclaimableConnection() = default;
  virtual void Reclaim() = 0;
};

class ConnectionBudget : public std::enable_shared_from_this<ConnectionBudget> {
 public:
  // `max_open` 0 means no cap.
  explicit ConnectionBudget(std::size_t max_open) : max_open_(max_open) {}

  // One admitted connection; releases its place when destroyed. Move-only.
  class Ticket {
   public:
    Ticket() = default;
    explicit Ticket(std::shared_ptr<ConnectionBudget> owner) : owner_(std::move(owner)) {}
    Ticket(Ticket&&) = default;
    Ticket& operator=(Ticket&& other) noexcept;
    ~Ticket();
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    std::shared_ptr<ConnectionBudget> owner_;
  };

  // A ticket for a new connection: a free place, or one freed by reclaiming the oldest idle
  // connection (which closes shortly after; the count may exceed the cap by the connections being
  // reclaimed). An empty ticket when nothing can be reclaimed: refuse the connection.
  Ticket Admit();

  // Marks `connection` idle (waiting for a request) until the returned handle is passed to
  // Busy(). An idle connection may be reclaimed at any time; Busy() on a handle already reclaimed
  // (or on kNotIdle) does nothing.
  using IdleHandle = uint64_t;
  static constexpr IdleHandle kNotIdle = 0;
  IdleHandle Idle(std::weak_ptr<ReclaimableConnection> connection);
  void Busy(IdleHandle handle);

  std::size_t max_open() const { return max_open_; }
  std::size_t open() const { return open_.load(std::memory_order_relaxed); }
  uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }
  uint64_t reclaimed() const { return reclaimed_.load(std::memory_order_relaxed); }

 private:
  void Release();

  const std::size_t max_open_;
  std::atomic<std::size_t> open_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> reclaimed_{0};
  std::mutex mutex_;
  // Idle connections by the order they became idle: the oldest is reclaimed first.
  std::map<IdleHandle, std::weak_ptr<ReclaimableConnection>> idle_;
  IdleHandle next_handle_ = kNotIdle + 1;
};

}  // namespace walcast::api
