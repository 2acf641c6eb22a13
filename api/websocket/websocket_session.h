// WebSocketSession: one client of /ws (docs/contract.md §4). The stream (welcome, backlog or
// resync, live events, filters, slow-client bound) is ClientStream's; this class speaks WebSocket:
// one text frame per message, queued in order on the FrameSocket under Beast's stream and sent
// many per write; client messages (subscribe, unsubscribe, ping) answered in order, malformed
// ones answered with an `error` frame while the connection stays open. Beast's timeouts with
// keep-alive pings (--ws-idle-timeout) reap half-open clients.
//
// Close codes: 1001 when the daemon stops, 1008 for policy (a malformed `from` or filter in the
// URL, a message over the size limit, too many messages), 1009 for a message over 1 MiB (Beast
// refuses it from the frame header, without buffering it), 4008 for a client too slow to keep up.
// Control frames (ping) count against the same message rate as text messages.
//
// Lives as long as a pending handler holds shared_from_this(); all state is on its strand.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "api/guard/connection_budget.h"
#include "api/guard/message_rate.h"
#include "api/http/respond.h"
#include "api/http/stream_session.h"
#include "api/websocket/frame_socket.h"

namespace walcast::api {

struct WebSocketLimits {
  std::size_t max_message_bytes = 16 * 1024;  // larger client messages: close 1008
  double messages_per_second = MessageRate::kDefaultPerSecond;  // per connection (MessageRate)
};

class WebSocketSession : public StreamSession<WebSocketSession> {
 public:
  WebSocketSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<StreamContext> context,
                   StreamFilter filter, StreamFrom from, std::string client_id, std::string peer,
                   std::unique_ptr<ConnectionLimiter::Slot> slot, WebSocketLimits limits = {});

  // Completes the upgrade of `request` (already validated), then streams.
  void Run(Request request);
  // Completes the upgrade of a request whose stream parameters are malformed, sends `reason` as
  // an `error` and closes with 1008.
  void Refuse(Request request, std::string reason);
  // The connection's place in the server's ConnectionBudget, released with the session.
  void KeepTicket(ConnectionBudget::Ticket ticket) { ticket_ = std::move(ticket); }

 private:
  void OnAccept(boost::beast::error_code ec);
  void DoRead();
  void OnRead(boost::beast::error_code ec, std::size_t bytes);
  void HandleMessage(std::string_view text);
  // An `auth` message: a fresh token replaces the stream's grant, or an `error` says why not.
  void Refresh(const std::string& token);
  // A ping from the client (answered by Beast): counted like a message.
  void OnControlFrame(boost::beast::websocket::frame_type kind);
  void WriteQueued() override { DoWrite(); }
  // Moves queued messages onto the FrameSocket while it has room, then closes the stream if
  // that was the last of it.
  void DoWrite();
  void MoveQueuedFrames();  // from the client's queue to the socket's, up to kSocketHighWater
  // The FrameSocket finished a write: there is room for more.
  void OnFramesWritten();
  void CloseWith(boost::beast::websocket::close_code code, std::string_view reason);
  void Finish(std::string_view why);

  boost::beast::websocket::stream<FrameSocket> ws_;
  WebSocketLimits limits_;
  boost::beast::flat_buffer buffer_;
  bool accepted_ = false;
  bool closing_ = false;  // a close frame was sent or is being sent
  bool finished_ = false;
  MessageRate rate_;                    // the client's messages and pings
  std::optional<std::string> refusal_;  // Refuse(): the error sent instead of a stream
  ConnectionBudget::Ticket ticket_;
};

}  // namespace walcast::api
