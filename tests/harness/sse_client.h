// SseClient: a blocking Server-Sent Events reader for integration tests. Sends one GET, checks the
// response head, then parses `id:`/`event:`/`data:` blocks as they arrive (comments skipped).
// Next/ReadChanges copy every event; Stream parses in place for streams of a million events.
// Throws on connection errors. Not thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace walcast::testing {

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

// One event as Stream() sees it: views into the client's buffer, valid only during the callback.
struct SseEventView {
  std::string_view id;
  std::string_view event;
  std::string_view data;  // the first data line (walcastd writes its JSON on one line)
};

// The change events (names starting with "orders:") among `events`, in order.
std::vector<SseEvent> ChangeEvents(const std::vector<SseEvent>& events);

class SseClient {
 public:
  SseClient(int port, const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers = {});

  int status() const { return status_; }
  const std::string& head() const { return head_; }
  // Everything received until the server closes or `timeout` passes, unparsed (an error
  // response's body, or raw stream bytes such as heartbeat comments).
  std::string ReadRest(std::chrono::milliseconds timeout);

  // The next event (not counting `clients` broadcasts), or nullopt when none arrives within
  // `timeout` or the server closed.
  std::optional<SseEvent> Next(std::chrono::milliseconds timeout);
  // Events until `count` change events (event names starting with "orders:") were read, or the
  // timeout passed; control events (welcome, resync, ...) are returned too.
  std::vector<SseEvent> ReadChanges(std::size_t count, std::chrono::milliseconds timeout);
  bool Closed() const { return closed_; }

  enum class StreamEnd { kStopped, kClosed, kIdle };
  // Calls `on_event` for every event (not `clients` broadcasts, not comments) without copying it,
  // until `on_event` returns false (kStopped), the server closes (kClosed) or no byte arrives for
  // `idle_timeout` (kIdle). Next and ReadChanges may be used before and after.
  StreamEnd Stream(const std::function<bool(const SseEventView&)>& on_event,
                   std::chrono::milliseconds idle_timeout);

 private:
  bool Fill(std::chrono::milliseconds timeout);

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::string buffer_;
  std::string head_;
  int status_ = 0;
  bool closed_ = false;
};

}  // namespace walcast::testing
