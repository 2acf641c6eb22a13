#include "api/orders/write_tracker.h"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <charconv>

namespace walcast::api {
namespace asio = boost::asio;

struct WriteTracker::Waiter {
  Waiter(asio::any_io_executor executor, Done done)
      : executor(std::move(executor)),
        strand(asio::make_strand(this->executor)),
        timer(strand),
        done(std::move(done)) {}

  // Whoever flips `finished` first (publish or timeout) calls `done`.
  void Finish(std::optional<std::string> event_id) {
    if (finished.exchange(true)) return;
    asio::post(executor, [done = std::move(done), event_id = std::move(event_id)]() mutable {
      done(std::move(event_id));
    });
  }

  asio::any_io_executor executor;
  asio::strand<asio::any_io_executor> strand;  // the timer's: set up and cancelled there
  asio::steady_timer timer;
  Done done;
  std::atomic<bool> finished{false};
};

WriteTracker::WriteTracker(bool enabled, size_t remembered)
    : enabled_(enabled), remembered_(remembered == 0 ? 1 : remembered) {}

void WriteTracker::Published(uint32_t xid, std::string first_event_id) {
  std::vector<std::shared_ptr<Waiter>> ready;
  {
    std::lock_guard lock(mutex_);
    if (auto it = waiters_.find(xid); it != waiters_.end()) {
      ready = std::move(it->second);
      waiters_.erase(it);
    }
    if (recent_.emplace(xid, first_event_id).second) {
      recent_order_.push_back(xid);
      if (recent_order_.size() > remembered_) {
        recent_.erase(recent_order_.front());
        recent_order_.pop_front();
      }
    }
  }
  for (auto& waiter : ready) {
    waiter->Finish(first_event_id);
    // cancel() is not thread-safe against the timer's own strand; post it there.
    asio::post(waiter->strand, [waiter] { waiter->timer.cancel(); });
  }
}

void WriteTracker::Wait(uint32_t xid, std::chrono::milliseconds timeout,
                        asio::any_io_executor executor, Done done) {
  auto waiter = std::make_shared<Waiter>(executor, std::move(done));
  if (!enabled_.load()) return waiter->Finish(std::nullopt);
  {
    std::lock_guard lock(mutex_);
    if (auto it = recent_.find(xid); it != recent_.end()) return waiter->Finish(it->second);
    waiters_[xid].push_back(waiter);
  }
  asio::post(waiter->strand, [this, waiter, xid, timeout] {
    if (waiter->finished) return;  // published meanwhile
    waiter->timer.expires_after(timeout);
    waiter->timer.async_wait([this, waiter, xid](boost::system::error_code) {
      if (waiter->finished) return;
      {
        std::lock_guard lock(mutex_);
        if (auto it = waiters_.find(xid); it != waiters_.end()) {
          std::erase(it->second, waiter);
          if (it->second.empty()) waiters_.erase(it);
        }
      }
      waiter->Finish(std::nullopt);
    });
  });
}

size_t WriteTracker::WaitersForTest() const {
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const auto& [xid, list] : waiters_) count += list.size();
  return count;
}

std::optional<uint32_t> XidOfTxid(std::string_view text) {
  uint64_t txid = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), txid);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return static_cast<uint32_t>(txid & 0xFFFF'FFFFu);
}

}  // namespace walcast::api
