#include "api/stream/outbound_queue.h"

namespace walcast::api {

bool OutboundQueue::Push(OutboundMessage message) {
  std::size_t size = message.Size();
  if (messages_.size() + 1 > limits_.max_messages || bytes_ + size > limits_.max_bytes) {
    return false;
  }
  bytes_ += size;
  messages_.push_back(std::move(message));
  return true;
}

void OutboundQueue::PushUnbounded(OutboundMessage message) {
  bytes_ += message.Size();
  messages_.push_back(std::move(message));
}

void OutboundQueue::Pop() {
  bytes_ -= messages_.front().Size();
  messages_.pop_front();
}

}  // namespace walcast::api
