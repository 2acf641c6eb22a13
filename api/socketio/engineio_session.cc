#include "api/socketio/engineio_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "decoder/value_format.h"

namespace walcast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

Response PollResponse(unsigned status, std::string body, std::string_view content_type) {
  Response response(static_cast<http::status>(status), 11);
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  return response;
}

Response PacketsResponse(std::string body) {
  return PollResponse(200, std::move(body), "text/plain; charset=UTF-8");
}

std::shared_ptr<const std::string> Packet(EngineIoPacketType type, std::string_view data = {}) {
  return std::make_shared<const std::string>(EncodeEngineIoText(type, data));
}

}  // namespace

Response EngineIoErrorResponse(EngineIoError error, std::string_view message) {
  std::string body;
  if (message.empty()) {
    body = EngineIoErrorJson(error);
  } else {
    // The reference server's allowRequest refusal: code 4 with the application's message.
    body = R"({"code":)" + std::to_string(static_cast<int>(error)) + R"(,"message":)";
    decoder::AppendJsonString(message, &body);
    body += "}";
  }
  return PollResponse(static_cast<unsigned>(EngineIoErrorStatus(error)), std::move(body),
                      "application/json");
}

EngineIoSession::EngineIoSession(asio::any_io_executor strand, std::string sid,
                                 EngineIoSettings settings,
                                 std::unique_ptr<EngineIoHandler> handler, std::string peer,
                                 std::function<void(const std::string&)> on_closed)
    : strand_(std::move(strand)),
      sid_(std::move(sid)),
      settings_(settings),
      handler_(std::move(handler)),
      peer_(std::move(peer)),
      on_closed_(std::move(on_closed)),
      upgrade_timer_(strand_),
      heartbeat_(strand_) {}

EngineIoSession::~EngineIoSession() = default;

template <class Work>
void EngineIoSession::OnStrand(Work work) {
  asio::dispatch(strand_,
                 [self = shared_from_this(), work = std::move(work)]() mutable { work(*self); });
}

void EngineIoSession::OpenPolling(Respond respond) {
  OnStrand([respond = std::move(respond)](EngineIoSession& self) {
    self.transport_ = EngineIoTransport::kPolling;
    std::string open = EncodeEngineIoText(
        EngineIoPacketType::kOpen,
        EngineIoOpenJson({self.sid_, true,
                          static_cast<uint32_t>(self.settings_.ping_interval.count()),
                          static_cast<uint32_t>(self.settings_.ping_timeout.count()),
                          self.settings_.max_payload}));
    // The heartbeat starts now, not when the answer is written: the client's timer starts when
    // it reads the open packet, so a late server ping would look like a dead server.
    self.Opened();
    respond(PacketsResponse(std::move(open)));
  });
}

void EngineIoSession::OpenWebSocket(asio::ip::tcp::socket socket, Request request) {
  OnStrand(
      [socket = std::move(socket), request = std::move(request)](EngineIoSession& self) mutable {
        self.transport_ = EngineIoTransport::kWebSocket;
        self.ws_ = std::make_shared<WsTransport>(std::move(socket));
        auto transport = self.ws_;
        self.AcceptWebSocket(transport, std::move(request), [&self, transport] {
          self.Send(
              Packet(EngineIoPacketType::kOpen,
                     EngineIoOpenJson({self.sid_, false,
                                       static_cast<uint32_t>(self.settings_.ping_interval.count()),
                                       static_cast<uint32_t>(self.settings_.ping_timeout.count()),
                                       self.settings_.max_payload})));
          self.Flush();
          self.Opened();
          self.DoWsRead(transport);
        });
      });
}

void EngineIoSession::Opened() {
  ScheduleHeartbeat();
  handler_->OnOpen(*this);
}

void EngineIoSession::ScheduleHeartbeat() {
  awaiting_pong_ = false;
  heartbeat_.expires_after(settings_.ping_interval);
  heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;  // re-armed by a pong, or the session is done
    if (auto self = weak.lock()) self->OnHeartbeat();
  });
}

void EngineIoSession::OnHeartbeat() {
  if (state_ == State::kClosed) return;
  if (awaiting_pong_) return Finish("ping timeout");
  if (state_ == State::kOpen) {
    Send(Packet(EngineIoPacketType::kPing));
    Flush();
  }
  awaiting_pong_ = true;
  heartbeat_.expires_after(settings_.ping_timeout);
  heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->OnHeartbeat();
  });
}

void EngineIoSession::Poll(Respond respond) {
  OnStrand([respond = std::move(respond)](EngineIoSession& self) mutable {
    if (self.state_ == State::kClosed)
      return respond(EngineIoErrorResponse(EngineIoError::kUnknownSid));
    if (self.held_get_) {
      // Two GETs at once: the reference server's answer to a confused or hostile client.
      spdlog::debug("socket.io sid={} peer={}: a second polling GET while one is held", self.sid_,
                    self.peer_);
      self.AnswerPollWith(EncodeEngineIoText(EngineIoPacketType::kClose, {}));
      respond(PollResponse(400, "", "text/plain; charset=UTF-8"));
      return self.Finish("transport error");
    }
    self.held_get_ = std::move(respond);
    if (!self.queue_.empty() || self.state_ == State::kClosing) return self.AnswerPoll();
    // While the upgrade is probed the client waits for this GET to end before it switches.
    if (self.probed_) self.AnswerPollWith(EncodeEngineIoText(EngineIoPacketType::kNoop, {}));
  });
}

void EngineIoSession::Post(std::string body, Respond respond) {
  OnStrand([body = std::move(body), respond = std::move(respond)](EngineIoSession& self) {
    if (self.state_ == State::kClosed)
      return respond(EngineIoErrorResponse(EngineIoError::kUnknownSid));
    auto packets = DecodeEngineIoPayload(body);
    if (!packets) {
      spdlog::debug("socket.io sid={} peer={}: malformed polling payload ({} bytes)", self.sid_,
                    self.peer_, body.size());
      respond(EngineIoErrorResponse(EngineIoError::kBadRequest));
      return self.Finish("parse error");
    }
    for (const auto& packet : *packets) {
      if (self.state_ == State::kClosed) break;
      self.OnPacket(packet);
    }
    respond(PollResponse(200, "ok", "text/html"));
  });
}

void EngineIoSession::OnPacket(const EngineIoPacket& packet) {
  switch (packet.type) {
    case EngineIoPacketType::kMessage:
      if (state_ == State::kOpen) handler_->OnMessage(*this, packet.data, packet.binary);
      return;
    case EngineIoPacketType::kPong:
      if (awaiting_pong_) ScheduleHeartbeat();
      return;
    case EngineIoPacketType::kClose:
      // The client leaves: a held GET ends with a noop (what the reference answers).
      if (held_get_) AnswerPollWith(EncodeEngineIoText(EngineIoPacketType::kNoop, {}));
      return Finish("transport close");
    case EngineIoPacketType::kPing:
      // Protocol 4 pings from the server only: a client ping is a protocol 3 client.
      spdlog::debug("socket.io sid={} peer={}: ping from the client", sid_, peer_);
      return Finish("transport error");
    case EngineIoPacketType::kOpen:
    case EngineIoPacketType::kUpgrade:
    case EngineIoPacketType::kNoop:
      return;  // nothing to do outside an upgrade
  }
}

void EngineIoSession::AnswerPoll() {
  std::string body;
  for (const auto& item : queue_) {
    // A text packet is queued whole (type byte first); a binary one as the message's bytes.
    if (item.binary) {
      AppendEngineIoPacket(body, EngineIoPacketType::kMessage, *item.data, true);
    } else {
      if (!body.empty()) body += '\x1e';
      body += *item.data;
    }
  }
  queue_.clear();
  queued_bytes_ = 0;
  const bool closing = state_ == State::kClosing;
  if (closing) AppendEngineIoPacket(body, EngineIoPacketType::kClose, {});
  AnswerPollWith(std::move(body));
  if (closing) return Finish(close_reason_);
  if (state_ == State::kOpen) handler_->OnWritable(*this);
}

void EngineIoSession::AnswerPollWith(std::string body) {
  if (!held_get_) return;
  auto respond = std::move(*held_get_);
  held_get_.reset();
  respond(PacketsResponse(std::move(body)));
}

void EngineIoSession::Send(std::shared_ptr<const std::string> text,
                           const WebSocketFrameHeader* header) {
  if (state_ != State::kOpen || !text || text->empty()) return;
  Queued item{std::move(text), false};
  if (transport_ == EngineIoTransport::kWebSocket && ws_) return QueueOn(*ws_, item, header);
  queued_bytes_ += item.data->size();
  queue_.push_back(std::move(item));
}

void EngineIoSession::SendBinary(std::shared_ptr<const std::string> bytes) {
  if (state_ != State::kOpen || !bytes) return;
  Queued item{std::move(bytes), true};
  if (transport_ == EngineIoTransport::kWebSocket && ws_) return QueueOn(*ws_, item, nullptr);
  queued_bytes_ += item.data->size();
  queue_.push_back(std::move(item));
}

void EngineIoSession::QueueOn(WsTransport& transport, const Queued& item,
                              const WebSocketFrameHeader* header) {
  // On a WebSocket a text packet is its frame's whole text; a binary message is the raw bytes
  // of a binary frame, with no type byte.
  WebSocketFrameHeader computed =
      item.binary ? BinaryFrameHeader(item.data->size()) : TextFrameHeader(item.data->size());
  transport.ws.next_layer().Queue(header != nullptr ? *header : computed, item.data);
}

void EngineIoSession::Flush() {
  if (transport_ == EngineIoTransport::kWebSocket && ws_) return ws_->ws.next_layer().Flush();
  if (held_get_ && !queue_.empty()) AnswerPoll();
}

std::size_t EngineIoSession::PendingBytes() const {
  if (transport_ == EngineIoTransport::kWebSocket && ws_) {
    return ws_->ws.next_layer().PendingBytes();
  }
  return queued_bytes_;
}

void EngineIoSession::Close(std::string reason) {
  OnStrand([reason = std::move(reason)](EngineIoSession& self) mutable {
    if (self.state_ != State::kOpen) return;
    self.state_ = State::kClosing;
    self.close_reason_ = std::move(reason);
    if (self.transport_ == EngineIoTransport::kWebSocket && self.ws_) {
      // The close frame goes out after the frames already queued (one FrameSocket queue).
      return self.CloseWebSocket(self.ws_);
    }
    // Polling: the close packet rides on the held GET or the next one; a client that never
    // polls again is let go by the heartbeat.
    if (self.held_get_) self.AnswerPoll();
  });
}

void EngineIoSession::Probe(asio::ip::tcp::socket socket, Request request) {
  OnStrand(
      [socket = std::move(socket), request = std::move(request)](EngineIoSession& self) mutable {
        auto transport = std::make_shared<WsTransport>(std::move(socket));
        if (self.state_ != State::kOpen || self.transport_ == EngineIoTransport::kWebSocket ||
            self.probe_) {
          // Not an upgrade this session can take (already upgraded, being upgraded, or closing):
          // the reference server accepts the WebSocket and closes it at once.
          return self.AcceptWebSocket(transport, std::move(request),
                                      [&self, transport] { self.CloseWebSocket(transport); });
        }
        self.probe_ = transport;
        self.AcceptWebSocket(transport, std::move(request), [&self, transport] {
          if (self.probe_ != transport) return self.CloseWebSocket(transport);
          self.upgrade_timer_.expires_after(self.settings_.upgrade_timeout);
          self.upgrade_timer_.async_wait([weak = self.weak_from_this()](beast::error_code ec) {
            if (ec) return;
            if (auto session = weak.lock()) session->DropProbe();
          });
          self.DoWsRead(transport);
        });
      });
}

void EngineIoSession::AcceptWebSocket(const std::shared_ptr<WsTransport>& transport,
                                      Request request, std::function<void()> accepted) {
  auto& ws = transport->ws;
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = websocket::stream_base::none();  // the Engine.IO heartbeat's job
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "walcast"); }));
  ws.read_message_max(settings_.max_payload);
  std::weak_ptr<EngineIoSession> weak = weak_from_this();
  ws.next_layer().AfterEachWrite(weak, [weak, raw = transport.get()] {
    auto self = weak.lock();
    if (self && self->ws_.get() == raw && self->state_ == State::kOpen) {
      self->handler_->OnWritable(*self);
    }
  });
  ws.async_accept(request, [self = shared_from_this(), transport,
                            accepted = std::move(accepted)](beast::error_code ec) {
    if (ec) {
      spdlog::debug("socket.io sid={} peer={}: WebSocket handshake failed: {}", self->sid_,
                    self->peer_, ec.message());
      if (transport == self->probe_) return self->DropProbe();
      if (transport == self->ws_) return self->Finish("transport error");
      return;
    }
    accepted();
  });
}

void EngineIoSession::DoWsRead(const std::shared_ptr<WsTransport>& transport) {
  transport->ws.async_read(
      transport->buffer, [self = shared_from_this(), transport](beast::error_code ec, std::size_t) {
        self->OnWsRead(transport, ec);
      });
}

void EngineIoSession::OnWsRead(const std::shared_ptr<WsTransport>& transport,
                               beast::error_code ec) {
  const bool is_probe = transport == probe_;
  const bool is_current = transport == ws_;
  if (ec) {
    if (is_probe) return DropProbe();
    if (is_current) {
      return Finish(ec == websocket::error::closed || ec == asio::error::eof ? "transport close"
                                                                             : "transport error");
    }
    return;
  }
  auto data = transport->buffer.cdata();
  std::string message(static_cast<const char*>(data.data()), data.size());
  const bool binary = !transport->ws.got_text();
  transport->buffer.consume(transport->buffer.size());
  if (is_probe) {
    if (binary) return DropProbe();
    OnProbeMessage(message);
  } else if (is_current) {
    if (binary) {
      if (state_ == State::kOpen) handler_->OnMessage(*this, message, true);
    } else if (auto packet = DecodeEngineIoText(message)) {
      OnPacket(*packet);
    } else {
      spdlog::debug("socket.io sid={} peer={}: malformed WebSocket packet ({} bytes)", sid_, peer_,
                    message.size());
      return Finish("parse error");
    }
  } else {
    return;  // a transport this session let go of
  }
  if (state_ != State::kClosed && !transport->closing) DoWsRead(transport);
}

void EngineIoSession::OnProbeMessage(std::string_view text) {
  if (text == "2probe" && !probed_) {
    QueueOn(*probe_, Queued{Packet(EngineIoPacketType::kPong, "probe"), false}, nullptr);
    probe_->ws.next_layer().Flush();
    probed_ = true;
    // The client pauses polling before it sends the upgrade: a held GET must end.
    if (held_get_ && queue_.empty()) {
      AnswerPollWith(EncodeEngineIoText(EngineIoPacketType::kNoop, {}));
    }
    return;
  }
  if (text == "5" && probed_) return CompleteUpgrade();
  spdlog::debug("socket.io sid={} peer={}: unexpected packet during the upgrade probe", sid_,
                peer_);
  DropProbe();
}

void EngineIoSession::CompleteUpgrade() {
  upgrade_timer_.cancel();
  ws_ = std::move(probe_);
  probe_.reset();
  probed_ = false;
  transport_ = EngineIoTransport::kWebSocket;
  AnswerPollWith(EncodeEngineIoText(EngineIoPacketType::kNoop, {}));
  for (const auto& item : queue_) QueueOn(*ws_, item, nullptr);
  queue_.clear();
  queued_bytes_ = 0;
  spdlog::debug("socket.io sid={} peer={}: upgraded to WebSocket", sid_, peer_);
  if (state_ == State::kClosing) return CloseWebSocket(ws_);
  ws_->ws.next_layer().Flush();
  handler_->OnWritable(*this);
}

void EngineIoSession::DropProbe() {
  upgrade_timer_.cancel();
  probed_ = false;
  if (!probe_) return;
  auto probe = std::move(probe_);
  probe_.reset();
  CloseWebSocket(probe);
}

void EngineIoSession::CloseWebSocket(const std::shared_ptr<WsTransport>& transport) {
  if (transport->closing) return;
  transport->closing = true;
  transport->ws.async_close(
      websocket::close_code::normal, [self = shared_from_this(), transport](beast::error_code) {
        if (transport == self->ws_)
          self->Finish(self->close_reason_.empty() ? "forced close" : self->close_reason_);
      });
}

void EngineIoSession::Finish(std::string_view reason) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  heartbeat_.cancel();
  upgrade_timer_.cancel();
  AnswerPollWith(EncodeEngineIoText(EngineIoPacketType::kClose, {}));
  queue_.clear();
  queued_bytes_ = 0;
  if (ws_ && !ws_->closing) {
    ws_->closing = true;
    beast::error_code ignored;
    ws_->ws.next_layer().next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    ws_->ws.next_layer().next_layer().close(ignored);
  }
  if (probe_) DropProbe();
  spdlog::debug("socket.io sid={} peer={} closed: {}", sid_, peer_, reason);
  handler_->OnClose(*this, reason);
  if (on_closed_) on_closed_(sid_);
}

}  // namespace walcast::api
