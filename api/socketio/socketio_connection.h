// SocketIoConnection: Socket.IO 5 on namespace "/" over one Engine.IO session (docs/contract.md
// §7), for the original app's clients. On CONNECT (with the stream token, when one is
// configured) it opens a ClientStream like /ws's (api/stream/client_stream.h: welcome, backlog or
// resync, live events, slow-client bound) and turns what it queues into EVENT packets: each change
// as the global `orders:<op>`, then one `order_<id>:<op>` / `status_<status>:<op>` per joined room
// it matches (api/socketio/socketio_rooms.h), every one with its offset as the last argument
// (api/socketio/socketio_offset.h). The global event of a socket without rooms is the text the
// event already carries (StreamEvent::socketio), shared by every such socket.
//
// Connection state recovery needs no session store: the offset says where the socket was and in
// which rooms, and the pid only has to be well-formed (it carries the socket id the client had),
// since the stream token is checked again on every CONNECT and nothing private hangs on a pid.
// So a socket recovers on any walcastd, also after a restart.
//
// Runs on its Engine.IO session's strand.
#pragma once

#include <rapidjson/document.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/guard/message_rate.h"
#include "api/socketio/engineio_server.h"
#include "api/socketio/engineio_session.h"
#include "api/socketio/socketio_packet.h"
#include "api/socketio/socketio_rooms.h"
#include "api/stream/connection_limiter.h"
#include "api/stream/stream_context.h"

namespace walcast::api {

class SocketIoStream;

struct SocketIoOptions {
  // An Engine.IO session that has not joined the namespace by then is closed (the reference's
  // connectTimeout).
  std::chrono::milliseconds connect_timeout{45000};
  // The events a socket may send (api/guard/message_rate.h), as /ws messages.
  double events_per_second = MessageRate::kDefaultPerSecond;
};

class SocketIoConnection : public EngineIoHandler {
 public:
  // `header_token` is the handshake's `Authorization: Bearer` token, if any; `slot` the
  // connection's place under the per-address limit.
  SocketIoConnection(std::shared_ptr<StreamContext> context, SocketIoOptions options,
                     std::optional<std::string> header_token, std::string peer,
                     std::unique_ptr<ConnectionLimiter::Slot> slot);
  ~SocketIoConnection() override;

  void OnOpen(EngineIoSession& session) override;
  void OnMessage(EngineIoSession& session, std::string_view data, bool binary) override;
  void OnWritable(EngineIoSession& session) override { Pump(session); }
  void OnClose(EngineIoSession& session, std::string_view reason) override;

 private:
  void OnConnect(EngineIoSession& session, const SocketIoPacket& packet);
  void OnEvent(EngineIoSession& session, const SocketIoPacket& packet);
  // An `auth` event: a fresh token replaces the socket's grant. The acknowledgement's arguments:
  // [{"expiresAt":<Unix seconds>}], or [{"error":"<why>"}] (the old grant then stays).
  std::string Refresh(EngineIoSession& session, const rapidjson::Value* data);
  // Moves what the stream queued into the session while it has room.
  void Pump(EngineIoSession& session);
  void EmitEvent(EngineIoSession& session, const OutboundMessage& message);
  void EmitControl(EngineIoSession& session, const OutboundMessage& message);
  // Sends one Socket.IO packet (its text, without the Engine.IO message type).
  static void SendPacket(EngineIoSession& session, std::string_view socketio_text);
  void Leave();

  std::shared_ptr<StreamContext> context_;
  SocketIoOptions options_;
  std::optional<std::string> header_token_;
  std::string peer_;
  std::unique_ptr<ConnectionLimiter::Slot> slot_;
  std::unique_ptr<boost::asio::steady_timer> connect_timer_;

  std::shared_ptr<SocketIoStream> stream_;  // set while the socket is in the namespace
  SocketIoRooms rooms_;
  MessageRate rate_;  // of the socket's events
  // A recovered socket whose offset was one of a change's room events: that change is sent
  // again, without the events the socket already had (up to `room_event`).
  std::optional<decoder::EventId> partial_id_;
  uint32_t partial_room_event_ = 0;
};

// The handler factory of the /socket.io/ endpoint: checks the handshake's Origin (as /ws does)
// and takes a stream slot of the address, then makes a SocketIoConnection.
EngineIoServer::HandlerFactory SocketIoHandlerFactory(std::shared_ptr<StreamContext> context,
                                                      SocketIoOptions options);

}  // namespace walcast::api
