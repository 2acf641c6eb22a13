// MessageRate: how fast one streaming connection may send messages (a /ws message or ping, a
// Socket.IO event): a token bucket of `per_second` tokens a second holding twice that, one token
// a message. A message without a token is refused (the client is told to slow down); a client
// that keeps sending through kRefusalsBeforeClose refusals in a row is not listening and is
// closed. Messages cost the server a parse, and a subscribe a filter check against the catalog:
// without a bound, one client could keep a thread busy.
//
// Pure value type (the caller passes the time); thread-compatible: one per connection, used on
// its strand.
#pragma once

#include <chrono>

namespace walcast::api {

class MessageRate {
 public:
  enum class Verdict {
    kAllowed,
    kRefused,  // answer with an error and drop the message
    kClose,    // too many refusals in a row: close the connection
  };
  static constexpr int kRefusalsBeforeClose = 20;
  static constexpr double kDefaultPerSecond = 20;  // /ws and Socket.IO (README "The change stream")

  MessageRate(double per_second, std::chrono::steady_clock::time_point now);

  // Takes a token for one message received at `now`.
  Verdict Take(std::chrono::steady_clock::time_point now);

 private:
  double per_second_;
  double capacity_;
  double tokens_;
  std::chrono::steady_clock::time_point refilled_;
  int refused_ = 0;  // refusals since the last allowed message
};

}  // namespace walcast::api
