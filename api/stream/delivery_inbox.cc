#include "api/stream/delivery_inbox.h"

namespace walcast::api {

bool DeliveryInbox::Add(Batch batch) {
  std::lock_guard lock(mutex_);
  if (batches_.size() >= max_batches_) {
    batches_.clear();
    overflowed_ = true;
  }
  if (!overflowed_) batches_.push_back(std::move(batch));
  if (drain_pending_) return false;
  drain_pending_ = true;
  return true;
}

const DeliveryInbox::Drained& DeliveryInbox::Take() {
  taken_.batches.clear();  // the previous drain's, handled by now
  std::lock_guard lock(mutex_);
  std::swap(taken_.batches, batches_);
  taken_.overflowed = std::exchange(overflowed_, false);
  drain_pending_ = false;
  return taken_;
}

}  // namespace walcast::api
