#include "api/guard/connection_budget.h"

namespace walcast::api {

ConnectionBudget::Ticket& ConnectionBudget::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    if (owner_) owner_->Release();
    owner_ = std::move(other.owner_);
  }
  return *this;
}

ConnectionBudget::Ticket::~Ticket() {
  if (owner_) owner_->Release();
}

ConnectionBudget::Ticket ConnectionBudget::Admit() {
  if (open_.fetch_add(1, std::memory_order_relaxed) < max_open_ || max_open_ == 0) {
    return Ticket(shared_from_this());
  }
  // At the cap (the place is taken above): admitted only if an idle connection gives its place.
  std::shared_ptr<ReclaimableConnection> victim;
  {
    std::lock_guard lock(mutex_);
    while (!victim && !idle_.empty()) {
      victim = idle_.begin()->second.lock();
      idle_.erase(idle_.begin());
    }
  }
  if (!victim) {
    open_.fetch_sub(1, std::memory_order_relaxed);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return Ticket();
  }
  reclaimed_.fetch_add(1, std::memory_order_relaxed);
  victim->Reclaim();
  return Ticket(shared_from_this());
}

ConnectionBudget::IdleHandle ConnectionBudget::Idle(
    std::weak_ptr<ReclaimableConnection> connection) {
  std::lock_guard lock(mutex_);
  IdleHandle handle = next_handle_++;
  idle_.emplace(handle, std::move(connection));
  return handle;
}

void ConnectionBudget::Busy(IdleHandle handle) {
  if (handle == kNotIdle) return;
  std::lock_guard lock(mutex_);
  idle_.erase(handle);
}

void ConnectionBudget::Release() { open_.fetch_sub(1, std::memory_order_relaxed); }

}  // namespace walcast::api
