// ConnectionLimiter: at most N open stream connections (WebSocket and SSE) per client address, so
// one host cannot take every descriptor the daemon has. Acquire returns a slot that frees itself
// when the connection ends. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace walcast::api {

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  explicit ConnectionLimiter(std::size_t max_per_address) : max_(max_per_address) {}

  class Slot {
   public:
    Slot(std::shared_ptr<ConnectionLimiter> owner, std::string address)
        : owner_(std::move(owner)), address_(std::move(address)) {}
    ~Slot();
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    std::shared_ptr<ConnectionLimiter> owner_;
    std::string address_;
  };

  // A slot for one more connection from `address`, or null at the limit (0 means no limit).
  std::unique_ptr<Slot> Acquire(const std::string& address);
  std::size_t OpenFrom(const std::string& address) const;

 private:
  void Release(const std::string& address);

  const std::size_t max_;
  mutable std::mutex mutex_;
  std::map<std::string, std::size_t> open_;
};

}  // namespace walcast::api
