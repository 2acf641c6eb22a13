// OutboundQueue: one session's messages waiting to be written, bounded by count and bytes so a
// slow client costs bounded memory and never slows anyone else (docs/contract.md §4 "Slow
// clients"). Events are shared with every other session (no copy); control messages (welcome, pong,
// error) are owned. The session writes the front one at a time.
//
// Pure and single-threaded: it lives on its session's strand.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "api/stream/stream_event.h"

namespace walcast::api {

struct OutboundLimits {
  std::size_t max_messages = 1024;
  std::size_t max_bytes = 4 << 20;
};

struct OutboundMessage {
  StreamEventPtr event;  // set for change events
  std::string name;      // a control message's event name ("welcome", "error", ...)
  std::string owned;     // its JSON; with no name, raw transport text (SSE head, heartbeat)
  // For an event sent from a REST read's position before the stream is past what the read may
  // have seen: where the client resumes (a position, not the event's id). Empty otherwise.
  std::string resume;

  std::size_t Size() const { return event ? event->json.size() : owned.size(); }
};

class OutboundQueue {
 public:
  explicit OutboundQueue(OutboundLimits limits) : limits_(limits) {}

  // False when the message would pass a bound: the session is too slow and must be closed. The
  // message is not queued then.
  bool Push(OutboundMessage message);
  // A control message that must go out even at the bound (the final error before closing).
  void PushUnbounded(OutboundMessage message);

  bool Empty() const { return messages_.empty(); }
  const OutboundMessage& Front() const { return messages_.front(); }
  const OutboundMessage& At(std::size_t i) const { return messages_[i]; }
  void Pop();

  std::size_t Messages() const { return messages_.size(); }
  std::size_t Bytes() const { return bytes_; }

 private:
  OutboundLimits limits_;
  std::deque<OutboundMessage> messages_;
  std::size_t bytes_ = 0;
};

}  // namespace walcast::api
