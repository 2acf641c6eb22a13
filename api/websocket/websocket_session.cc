#include "api/websocket/websocket_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include "api/stream/control_message.h"
#include "api/websocket/client_message.h"

namespace walcast::api {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// Frames larger than this are refused by Beast itself (close 1009) from the frame header, before
// they are buffered; smaller ones over the message limit get 1008 from the session.
constexpr std::size_t kHardMessageLimit = 1 << 20;
// Bytes handed to the socket layer but not sent yet, beyond which the session stops moving
// messages from its queue (which is bounded by messages and bytes, and refilled from the replay
// window): enough for a few full gathered writes.
constexpr std::size_t kSocketHighWater = 256 * 1024;

}  // namespace

WebSocketSession::WebSocketSession(asio::ip::tcp::socket socket,
                                   std::shared_ptr<StreamContext> context, StreamFilter filter,
                                   StreamFrom from, std::string client_id, std::string peer,
                                   std::unique_ptr<ConnectionLimiter::Slot> slot,
                                   WebSocketLimits limits)
    : StreamSession(socket.get_executor(), std::move(context), std::move(filter), std::move(from),
                    std::move(client_id), std::move(peer), "ws", std::move(slot)),
      ws_(std::move(socket)),
      limits_(limits),
      rate_(limits.messages_per_second, std::chrono::steady_clock::now()) {}

void WebSocketSession::Run(Request request) {
  asio::dispatch(ws_.get_executor(), [self = shared_from_this(),
                                      request = std::move(request)]() mutable {
    // Beast's server defaults (handshake timeout) with our idle timeout: a ping goes out after
    // half of it, and a client that sent nothing, not even the pong, by the end is closed.
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.idle_timeout = self->client_.context().ws_idle_timeout;
    timeouts.keep_alive_pings = true;
    self->ws_.set_option(timeouts);
    self->ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& response) { response.set(http::field::server, "walcast"); }));
    self->ws_.read_message_max(kHardMessageLimit);
    self->ws_.control_callback([weak = std::weak_ptr<WebSocketSession>(self)](
                                   websocket::frame_type kind, beast::string_view) {
      if (auto session = weak.lock()) session->OnControlFrame(kind);
    });
    std::weak_ptr<WebSocketSession> weak = self;
    self->ws_.next_layer().AfterEachWrite(weak, [weak] {
      if (auto session = weak.lock()) session->OnFramesWritten();
    });
    self->ws_.async_accept(request, [self](beast::error_code ec) { self->OnAccept(ec); });
  });
}

void WebSocketSession::Refuse(Request request, std::string reason) {
  refusal_ = std::move(reason);
  Run(std::move(request));
}

void WebSocketSession::OnAccept(beast::error_code ec) {
  if (ec) return Finish("handshake failed: " + ec.message());
  accepted_ = true;
  if (refusal_) {
    client_.PushControl("error", ErrorMessage(*refusal_), /*final=*/true);
  } else {
    client_.Start(weak_from_this());
  }
  DoRead();
  DoWrite();
}

void WebSocketSession::OnControlFrame(websocket::frame_type kind) {
  if (kind != websocket::frame_type::ping || closing_) return;
  if (rate_.Take(std::chrono::steady_clock::now()) == MessageRate::Verdict::kClose) {
    // Not from inside Beast's read operation, which is running this callback.
    asio::post(ws_.get_executor(), [self = shared_from_this()] {
      self->CloseWith(websocket::close_code::policy_error, "too many messages");
    });
  }
}

void WebSocketSession::DoRead() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t bytes) {
    self->OnRead(ec, bytes);
  });
}

void WebSocketSession::OnRead(beast::error_code ec, std::size_t bytes) {
  if (ec == websocket::error::closed) return Finish("client closed");
  if (ec == websocket::error::message_too_big) {
    // Beast has sent close 1009 and torn the connection down.
    return Finish("message over the size limit");
  }
  if (ec) return Finish(ec.message());
  if (bytes > limits_.max_message_bytes) {
    CloseWith(websocket::close_code::policy_error, "message too big");
    return;
  }
  if (!ws_.got_text()) {
    client_.PushControl("error", ErrorMessage("binary frames are not supported; send JSON text"));
  } else if (auto verdict = rate_.Take(std::chrono::steady_clock::now());
             verdict != MessageRate::Verdict::kAllowed) {
    if (verdict == MessageRate::Verdict::kClose) {
      CloseWith(websocket::close_code::policy_error, "too many messages");
      return;
    }
    client_.PushControl("error", ErrorMessage("too many messages: slow down"));
  } else {
    auto data = buffer_.cdata();
    HandleMessage(std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
  buffer_.consume(buffer_.size());
  DoWrite();
  if (!closing_) DoRead();
}

void WebSocketSession::HandleMessage(std::string_view text) {
  auto message = ParseClientMessage(text, *client_.context().tables->Snapshot());
  if (auto* subscribe = std::get_if<SubscribeMessage>(&message)) {
    if (auto error = client_.filter().Add(subscribe->filter)) {
      client_.PushControl("error", ErrorMessage(*error));
    }
  } else if (auto* unsubscribe = std::get_if<UnsubscribeMessage>(&message)) {
    client_.filter().Remove(unsubscribe->filter);
    client_.filter().RemoveNamed(unsubscribe->tables, unsubscribe->filters);
  } else if (auto* ping = std::get_if<PingMessage>(&message)) {
    client_.PushControl("pong", PongMessage(ping->payload_json, NowRfc3339()));
  } else if (auto* auth = std::get_if<AuthMessage>(&message)) {
    Refresh(auth->token);
  } else {
    client_.PushControl("error", ErrorMessage(std::get<ClientMessageError>(message).reason));
  }
}

void WebSocketSession::Refresh(const std::string& token) {
  const auto& authority = client_.context().authority;
  if (!authority) {
    client_.PushControl("error", ErrorMessage("auth: this server has no tokens to refresh"));
    return;
  }
  auto refreshed = authority->Refresh(client_.grant(), token);
  if (auto* refusal = std::get_if<TokenRefusal>(&refreshed)) {
    // The connection keeps its current grant, and closes when that expires.
    spdlog::info("ws client={} peer={}: token refresh refused: {}", client_.client_id(),
                 client_.peer(), refusal->reason);
    client_.PushControl("error", ErrorMessage("auth: " + refusal->reason));
    return;
  }
  SetGrant(std::get<AccessGrant>(std::move(refreshed)));
  client_.PushControl("auth", AuthAcceptedMessage(client_.grant().expires_at));
}

void WebSocketSession::MoveQueuedFrames() {
  auto& queue = client_.queue();
  auto& socket = ws_.next_layer();
  while (!queue.Empty() && socket.PendingBytes() < kSocketHighWater) {
    const auto& message = queue.Front();
    if (message.event) {
      // The aliasing pointer keeps the shared event alive without copying its text.
      socket.Queue(message.event->ws_header,
                   std::shared_ptr<const std::string>(message.event, &message.event->json));
      client_.context().counters.events_sent.fetch_add(1, std::memory_order_relaxed);
      if (!message.resume.empty()) {
        // From a read's position, until past what the read saw: where to resume instead of the
        // event's id (docs/change-stream.md).
        auto cursor = std::make_shared<const std::string>(CursorMessage(message.resume));
        socket.Queue(TextFrameHeader(cursor->size()), cursor);
      }
    } else {
      auto header = TextFrameHeader(message.owned.size());
      socket.Queue(header, std::make_shared<const std::string>(message.owned));
    }
    queue.Pop();
    client_.Refill();
  }
}

void WebSocketSession::DoWrite() {
  if (closing_ || !accepted_) return;
  auto& queue = client_.queue();
  auto& socket = ws_.next_layer();
  // A flush that wrote at once made room for more without a callback (FrameSocket::Flush).
  do {
    MoveQueuedFrames();
    socket.Flush();
  } while (!queue.Empty() && socket.PendingBytes() < kSocketHighWater && !socket.error());
  if (queue.Empty() && client_.closing()) {
    // The error or server_shutdown frame is queued; the close frame follows it in order.
    if (refusal_) {
      CloseWith(websocket::close_code::policy_error, "invalid stream parameters");
    } else if (client_.slow()) {
      CloseWith(websocket::close_code(4008), "slow consumer");
    } else if (client_.expired()) {
      CloseWith(websocket::close_code(4001), "token expired");
    } else {
      CloseWith(websocket::close_code::going_away, "server shutdown");
    }
  }
}

void WebSocketSession::OnFramesWritten() { DoWrite(); }

void WebSocketSession::CloseWith(websocket::close_code code, std::string_view reason) {
  if (closing_) return;
  closing_ = true;
  client_.Unsubscribe();
  spdlog::info("ws client={} peer={} closing with {}: {}", client_.client_id(), client_.peer(),
               static_cast<int>(code), reason);
  ws_.async_close(websocket::close_reason(code, reason),
                  [self = shared_from_this()](beast::error_code) { self->Finish("closed"); });
}

void WebSocketSession::Finish(std::string_view why) {
  if (finished_) return;
  finished_ = true;
  client_.Unsubscribe();
  spdlog::info("ws client={} peer={} disconnected: {}", client_.client_id(), client_.peer(), why);
}

}  // namespace walcast::api
