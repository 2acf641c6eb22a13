// StreamConnection: one connection to walcastd's event stream, over WebSocket (/ws) or SSE
// (/api/events), driven by the caller's io_context. Each text message (a `{"event":…,"data":…}`
// frame; for SSE, an event's data) goes to `on_message`; the end of the connection, for any
// reason, to `on_closed` exactly once. Beast lives only in the .cc, which keeps its compile cost
// in one translation unit.
//
// Not thread-safe: run the io_context on one thread. The callbacks may call Close().
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tools/cli/endpoint.h"

namespace walcast::cli {

struct StreamClosed {
  std::string reason;  // one line for the user: "connection refused", "closed by the server (1001)"
  bool retryable = true;  // false when trying again cannot help (401, policy close)
  bool was_open = false;  // the stream had been established (its welcome may have arrived)
};

struct StreamHandlers {
  std::function<void()> on_open;  // the upgrade or SSE response succeeded
  std::function<void(std::string_view frame)> on_message;
  std::function<void(const StreamClosed&)> on_closed;
};

class StreamConnection {
 public:
  virtual ~StreamConnection() = default;
  // Stops reading; on_closed is not called after Close().
  virtual void Close() = 0;
};

// Connects to `target` ("/ws?…" or "/api/events?…") with `token` as a bearer token when not empty.
std::shared_ptr<StreamConnection> OpenWebSocketStream(boost::asio::io_context& io,
                                                      const Endpoint& endpoint,
                                                      const std::string& target,
                                                      const std::string& token,
                                                      StreamHandlers handlers);
std::shared_ptr<StreamConnection> OpenSseStream(boost::asio::io_context& io,
                                                const Endpoint& endpoint, const std::string& target,
                                                const std::string& token, StreamHandlers handlers);

}  // namespace walcast::cli
