// EngineIoSession: one Engine.IO 4 connection (docs/contract.md §7), whatever carries it: HTTP
// long-polling (a held GET answered when there is something to send, POSTs bringing packets in),
// a WebSocket, or polling first and then a WebSocket after the probe/upgrade exchange. It owns the
// server-side heartbeat (a ping every pingInterval, closed when the pong does not come within
// pingTimeout) and the output order; what the packets mean is its EngineIoHandler's (the
// Socket.IO connection, api/socketio/socketio_connection.h). The packet formats are pure code in
// api/socketio/engineio_packet.h.
//
// Polling rules, as the reference server: one GET is held at a time (a second one while one is
// held closes the session: the first gets a close packet, the second a 400); a GET answers with
// every packet queued, joined by 0x1E; a POST's packets are handled before it is answered `ok`;
// once the upgrade is probed, GETs are answered with a noop so the client can pause polling, and
// after the upgrade polling requests are refused (transport mismatch, checked by EngineIoServer).
//
// Everything runs on the session's strand; the entry points hop onto it, so they may be called
// from any thread. The session lives while its server's registry or a pending handler holds it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/http/respond.h"
#include "api/socketio/engineio_packet.h"
#include "api/stream/websocket_frame.h"
#include "api/websocket/frame_socket.h"

namespace walcast::api {

struct EngineIoSettings {
  std::chrono::milliseconds ping_interval{25000};
  std::chrono::milliseconds ping_timeout{20000};
  std::size_t max_payload = 1000000;  // bytes of one POST body or one WebSocket message
  // A probe WebSocket that has not completed the upgrade by then is closed (the session goes on
  // polling).
  std::chrono::milliseconds upgrade_timeout{10000};
};

class EngineIoSession;

// A refused Engine.IO request: {"code":N,"message":…} with the protocol's message, or `message`
// (a handshake refusal's reason), HTTP 403 for kForbidden and 400 for the rest.
Response EngineIoErrorResponse(EngineIoError error, std::string_view message = {});

// What runs over an Engine.IO session. Called on the session's strand.
class EngineIoHandler {
 public:
  virtual ~EngineIoHandler() = default;
  // The open packet is queued: the session is live.
  virtual void OnOpen(EngineIoSession& session) = 0;
  // A message packet from the client (text, or raw bytes when `binary`).
  virtual void OnMessage(EngineIoSession& session, std::string_view data, bool binary) = 0;
  // What was queued has gone out (a WebSocket write, a polling response): room for more.
  virtual void OnWritable(EngineIoSession& session) = 0;
  // The session is closed (`reason` as the reference names it: "ping timeout", "transport
  // close", "transport error", "parse error", "forced close", "server shutting down"). Nothing
  // can be sent any more.
  virtual void OnClose(EngineIoSession& session, std::string_view reason) = 0;
};

class EngineIoSession : public std::enable_shared_from_this<EngineIoSession> {
 public:
  // `on_closed` runs once, on the strand, when the session is closed (the server forgets it).
  EngineIoSession(boost::asio::any_io_executor strand, std::string sid, EngineIoSettings settings,
                  std::unique_ptr<EngineIoHandler> handler, std::string peer,
                  std::function<void(const std::string& sid)> on_closed);
  ~EngineIoSession();

  // --- Transports (any thread) ---
  // A handshake over polling: answers `respond` with the open packet.
  void OpenPolling(Respond respond);
  // A handshake over WebSocket: completes the upgrade of `request` and sends the open packet.
  // `socket` must already run on this session's strand.
  void OpenWebSocket(boost::asio::ip::tcp::socket socket, Request request);
  // A polling GET (held until there is something to send) and POST on an open session.
  void Poll(Respond respond);
  void Post(std::string body, Respond respond);
  // A WebSocket with this session's sid: the upgrade probe. `socket` must run on the strand.
  void Probe(boost::asio::ip::tcp::socket socket, Request request);
  // Closes the session after what is queued has gone out.
  void Close(std::string reason);

  // --- For the handler (on the strand) ---
  // Queues one packet: `text` is the whole Engine.IO packet (its type byte first), `header` its
  // WebSocket frame header when the caller has one cached (shared events), else computed. A
  // binary message carries its raw bytes. Call Flush after a batch.
  void Send(std::shared_ptr<const std::string> text, const WebSocketFrameHeader* header = nullptr);
  void SendBinary(std::shared_ptr<const std::string> bytes);
  void Flush();
  // Bytes queued and not yet written: the handler stops queueing above its high-water mark and
  // continues in OnWritable.
  std::size_t PendingBytes() const;
  bool closed() const { return state_ == State::kClosed; }

  const std::string& sid() const { return sid_; }
  const std::string& peer() const { return peer_; }
  const boost::asio::any_io_executor& strand() const { return strand_; }
  bool on_websocket() const { return transport_ == EngineIoTransport::kWebSocket; }
  // Holds `value` as long as the session lives (a connection's place in the server's budget).
  void Keep(std::shared_ptr<void> value) { kept_.push_back(std::move(value)); }

 private:
  // A WebSocket and its read buffer, shared with its pending operations so a dropped probe
  // outlives its last handler.
  struct WsTransport {
    explicit WsTransport(boost::asio::ip::tcp::socket socket) : ws(std::move(socket)) {}
    boost::beast::websocket::stream<FrameSocket> ws;
    boost::beast::flat_buffer buffer;
    bool closing = false;
  };
  enum class State { kOpen, kClosing, kClosed };
  struct Queued {
    std::shared_ptr<const std::string> data;
    bool binary = false;
  };

  void Opened();
  // Heartbeat: the next ping after the interval, then the wait for its pong.
  void ScheduleHeartbeat();
  void OnHeartbeat();
  void OnPacket(const EngineIoPacket& packet);
  // Answers the held GET with everything queued (and a close packet when closing).
  void AnswerPoll();
  void AnswerPollWith(std::string body);
  // Completes the upgrade of `request` on `transport`, then calls `accepted`.
  void AcceptWebSocket(const std::shared_ptr<WsTransport>& transport, Request request,
                       std::function<void()> accepted);
  void DoWsRead(const std::shared_ptr<WsTransport>& transport);
  void OnWsRead(const std::shared_ptr<WsTransport>& transport, boost::beast::error_code ec);
  void CloseWebSocket(const std::shared_ptr<WsTransport>& transport);
  void OnProbeMessage(std::string_view text);
  void CompleteUpgrade();
  void DropProbe();
  static void QueueOn(WsTransport& transport, const Queued& item,
                      const WebSocketFrameHeader* header);
  // Closes at once: the handler is told, the transports are closed, the server forgets it.
  void Finish(std::string_view reason);
  template <class Work>
  void OnStrand(Work work);

  boost::asio::any_io_executor strand_;
  std::string sid_;
  EngineIoSettings settings_;
  std::unique_ptr<EngineIoHandler> handler_;
  std::string peer_;
  std::function<void(const std::string&)> on_closed_;

  State state_ = State::kOpen;
  std::string close_reason_;
  EngineIoTransport transport_ = EngineIoTransport::kPolling;

  // Polling: what waits for the next GET, and the held GET.
  std::deque<Queued> queue_;
  std::size_t queued_bytes_ = 0;
  std::optional<Respond> held_get_;

  // WebSocket: the transport in use, and a probe during an upgrade.
  std::shared_ptr<WsTransport> ws_;
  std::shared_ptr<WsTransport> probe_;
  bool probed_ = false;  // 3probe sent: GETs get noops until the upgrade completes
  boost::asio::steady_timer upgrade_timer_;

  boost::asio::steady_timer heartbeat_;
  bool awaiting_pong_ = false;
  std::vector<std::shared_ptr<void>> kept_;
};

}  // namespace walcast::api
