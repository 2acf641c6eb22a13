#include "api/stream/connection_limiter.h"

namespace walcast::api {

ConnectionLimiter::Slot::~Slot() { owner_->Release(address_); }

std::unique_ptr<ConnectionLimiter::Slot> ConnectionLimiter::Acquire(const std::string& address) {
  {
    std::lock_guard lock(mutex_);
    auto& open = open_[address];
    if (max_ != 0 && open >= max_) return nullptr;
    ++open;
  }
  return std::make_unique<Slot>(shared_from_this(), address);
}

std::size_t ConnectionLimiter::OpenFrom(const std::string& address) const {
  std::lock_guard lock(mutex_);
  auto it = open_.find(address);
  return it == open_.end() ? 0 : it->second;
}

void ConnectionLimiter::Release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = open_.find(address);
  if (it != open_.end() && --it->second == 0) open_.erase(it);
}

}  // namespace walcast::api
