#include "delivery_inbox.h"

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

DeliveryInbox::Drained DeliveryInbox::Take() {
  std::lock_guard lock(mutex_);
  Drained drained{std::move(batches_), overflowed_};
  batches_.clear();
  overflowed_ = false;
  drain_pending_ = false;
  return drained;
}

}  // namespace walcast::api
