#include "api/socketio/socketio_connection.h"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <limits>
#include <set>

#include "api/guard/bearer_token.h"
#include "api/guard/cors.h"
#include "api/http/stream_session.h"
#include "api/socketio/socketio_offset.h"
#include "api/stream/control_message.h"
#include "api/stream/outbound_queue.h"
#include "api/stream/utf8.h"
#include "api/websocket/client_message.h"
#include "decoder/value_format.h"

namespace walcast::api {
namespace asio = boost::asio;

// The namespace's stream: the hub's subscriber, on the session's strand. What it queues is the
// connection's to send (`on_queued`), since only the connection knows the session's transport.
class SocketIoStream : public StreamSession<SocketIoStream> {
 public:
  SocketIoStream(asio::any_io_executor strand, std::shared_ptr<StreamContext> context,
                 StreamFilter filter, StreamFrom from, std::string client_id, std::string peer,
                 std::function<void()> on_queued)
      : StreamSession(std::move(strand), std::move(context), std::move(filter), std::move(from),
                      std::move(client_id), std::move(peer), "socket.io", nullptr),
        on_queued_(std::move(on_queued)) {}

  ClientStream& client() { return client_; }
  void Start() { client_.Start(weak_from_this()); }

 private:
  void WriteQueued() override { on_queued_(); }

  std::function<void()> on_queued_;
};

namespace {

// Bytes handed to the session and not yet written, beyond which the connection stops moving
// messages from its stream's queue (which is bounded and refilled from the replay window), as
// WebSocketSession does with its socket.
constexpr std::size_t kHighWater = 256 * 1024;

std::string_view View(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto found = object.FindMember(name);
  return found == object.MemberEnd() ? nullptr : &found->value;
}

std::optional<std::string_view> StringMember(const rapidjson::Value& object, const char* name) {
  const auto* value = Member(object, name);
  if (value == nullptr || !value->IsString()) return std::nullopt;
  return View(*value);
}

// An event id or a REST read's position (docs/contract.md §4, §9); nullopt when neither.
std::optional<StreamFrom> ParseFrom(std::string_view text) {
  if (StreamPosition::LooksLikePosition(text)) {
    auto parsed = StreamPosition::Parse(text);
    if (!parsed.position) return std::nullopt;
    return StreamFrom(std::move(*parsed.position));
  }
  if (auto id = decoder::EventId::Parse(text)) return StreamFrom(*id);
  return std::nullopt;
}

// The id just before `id` in commit order, so a stream from it starts with `id` itself.
decoder::EventId Before(const decoder::EventId& id) {
  if (id.index() > 0) return decoder::EventId(id.commit_lsn(), id.index() - 1);
  return decoder::EventId(decoder::Lsn(id.commit_lsn().value() - 1),
                          std::numeric_limits<uint32_t>::max());
}

// A pid is the socket id (20 characters) and 20 more: a well-formed one names the socket it
// resumes.
bool IsPid(std::string_view pid) {
  if (pid.size() != 40) return false;
  for (char c : pid) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

std::string Quoted(std::string_view text) {
  std::string out;
  decoder::AppendJsonString(text, &out);
  return out;
}

// {orderIds?, statuses?} of subscribe / unsubscribe; an error message when malformed.
std::optional<std::string> ParseRooms(const rapidjson::Value* data, std::set<int64_t>* order_ids,
                                      std::set<std::string>* statuses) {
  if (data == nullptr || !data->IsObject()) return "expected {orderIds?, statuses?}";
  if (const auto* ids = Member(*data, "orderIds")) {
    if (!ids->IsArray()) return "orderIds must be an array";
    for (const auto& id : ids->GetArray()) {
      if (!id.IsInt64() || id.GetInt64() <= 0) return "orderIds must hold positive integers";
      order_ids->insert(id.GetInt64());
    }
  }
  if (const auto* list = Member(*data, "statuses")) {
    if (!list->IsArray()) return "statuses must be an array";
    for (const auto& status : list->GetArray()) {
      if (!status.IsString()) return "statuses must hold strings";
      statuses->emplace(View(status));
    }
  }
  return std::nullopt;
}

}  // namespace

SocketIoConnection::SocketIoConnection(std::shared_ptr<StreamContext> context,
                                       SocketIoOptions options,
                                       std::optional<std::string> header_token, std::string peer,
                                       std::unique_ptr<ConnectionLimiter::Slot> slot)
    : context_(std::move(context)),
      options_(options),
      header_token_(std::move(header_token)),
      peer_(std::move(peer)),
      slot_(std::move(slot)),
      rate_(options_.events_per_second, std::chrono::steady_clock::now()) {}

SocketIoConnection::~SocketIoConnection() { Leave(); }

void SocketIoConnection::OnOpen(EngineIoSession& session) {
  connect_timer_ = std::make_unique<asio::steady_timer>(session.strand());
  connect_timer_->expires_after(options_.connect_timeout);
  connect_timer_->async_wait([weak = session.weak_from_this(), this](boost::system::error_code ec) {
    auto alive = weak.lock();
    if (ec || !alive || stream_) return;
    spdlog::debug("socket.io sid={} peer={}: no CONNECT in time", alive->sid(), peer_);
    alive->Close("forced close");
  });
}

void SocketIoConnection::OnClose(EngineIoSession& session, std::string_view reason) {
  if (connect_timer_) connect_timer_->cancel();
  if (stream_) {
    spdlog::info("socket.io client={} peer={} disconnected: {}", session.sid(), peer_, reason);
  }
  Leave();
}

void SocketIoConnection::Leave() {
  if (!stream_) return;
  stream_->client().Unsubscribe();
  stream_.reset();
}

void SocketIoConnection::SendPacket(EngineIoSession& session, std::string_view socketio_text) {
  std::string text;
  text.reserve(socketio_text.size() + 1);
  text += '4';  // the Engine.IO message that carries it
  text += socketio_text;
  session.Send(std::make_shared<const std::string>(std::move(text)));
}

void SocketIoConnection::OnMessage(EngineIoSession& session, std::string_view data, bool binary) {
  if (binary) {
    // Binary attachments carry nothing walcast's events or requests could use.
    spdlog::debug("socket.io sid={} peer={}: binary message refused", session.sid(), peer_);
    return session.Close("parse error");
  }
  auto decoded = DecodeSocketIoPacket(data);
  if (auto* error = std::get_if<SocketIoDecodeError>(&decoded)) {
    spdlog::debug("socket.io sid={} peer={}: malformed packet: {}", session.sid(), peer_,
                  error->reason);
    return session.Close("parse error");
  }
  const auto& packet = std::get<SocketIoPacket>(decoded);
  switch (packet.type) {
    case SocketIoPacketType::kConnect:
      if (packet.nsp != "/") {
        SendPacket(session,
                   EncodeSocketIoPacket({SocketIoPacketType::kConnectError, packet.nsp,
                                         std::nullopt, R"({"message":"Invalid namespace"})", 0}));
        return session.Flush();
      }
      // A second CONNECT to a joined namespace is a broken client (the reference closes too).
      if (stream_) return session.Close("forced close");
      return OnConnect(session, packet);
    case SocketIoPacketType::kDisconnect:
      if (packet.nsp == "/" && stream_) {
        spdlog::info("socket.io client={} peer={} left the namespace", session.sid(), peer_);
        Leave();
      }
      return;
    case SocketIoPacketType::kEvent:
    case SocketIoPacketType::kAck:
      if (packet.nsp != "/" || !stream_) return session.Close("forced close");
      if (packet.type == SocketIoPacketType::kEvent) OnEvent(session, packet);
      return;
    case SocketIoPacketType::kBinaryEvent:
    case SocketIoPacketType::kBinaryAck:
    case SocketIoPacketType::kConnectError:
      spdlog::debug("socket.io sid={} peer={}: packet type {} refused", session.sid(), peer_,
                    static_cast<int>(packet.type));
      return session.Close("parse error");
  }
}

void SocketIoConnection::OnConnect(EngineIoSession& session, const SocketIoPacket& packet) {
  rapidjson::Document auth;
  auth.SetObject();
  if (!packet.payload.empty()) auth.Parse(packet.payload.data(), packet.payload.size());

  AccessGrant grant = AccessGrant::Full();
  if (context_->authority) {
    auto token = StringMember(auth, "token");
    std::optional<std::string_view> given = token ? token : header_token_;
    auto decided = context_->authority->ForStream(given);
    if (auto* refusal = std::get_if<TokenRefusal>(&decided)) {
      spdlog::info("socket.io sid={} peer={}: CONNECT refused: {}", session.sid(), peer_,
                   refusal->reason);
      SendPacket(session,
                 EncodeSocketIoPacket({SocketIoPacketType::kConnectError, "/", std::nullopt,
                                       R"({"message":)" + Quoted(refusal->reason) + "}", 0}));
      return session.Flush();
    }
    grant = std::get<AccessGrant>(std::move(decided));
  }

  // Where the stream starts: a recovery (pid and offset, sent by the client library itself),
  // else the application's `from`, else live.
  StreamFrom from;
  std::string socket_id;
  std::string pid;
  auto given_pid = StringMember(auth, "pid");
  auto given_offset = StringMember(auth, "offset");
  if (given_pid && given_offset && IsPid(*given_pid)) {
    auto offset = SocketIoOffset::Parse(*given_offset);
    auto offset_from = offset ? ParseFrom(offset->from) : std::nullopt;
    if (offset_from) {
      socket_id = std::string(given_pid->substr(0, 20));
      pid = std::string(*given_pid);
      rooms_ = offset->rooms;
      from = std::move(*offset_from);
      auto* id = std::get_if<decoder::EventId>(&from);
      if (id && !rooms_.Empty()) {
        // The change may have room events the socket did not get yet: it comes again, minus
        // the ones it had.
        partial_id_ = *id;
        partial_room_event_ = offset->room_event;
        from = Before(*id);
      }
    } else {
      spdlog::debug("socket.io sid={} peer={}: unusable recovery offset, new session",
                    session.sid(), peer_);
    }
  }
  if (pid.empty()) {
    if (auto text = StringMember(auth, "from"); text && !text->empty()) {
      auto parsed = ParseFrom(*text);
      if (!parsed) {
        SendPacket(session, EncodeSocketIoPacket(
                                {SocketIoPacketType::kConnectError, "/", std::nullopt,
                                 R"({"message":"Invalid from: expected an event id such as )"
                                 R"(0000000001A3F2C8-00000003 or a streamPosition"})",
                                 0}));
        return session.Flush();
      }
      from = std::move(*parsed);
    }
  }

  // Tables and column filters (docs/tables.md) in the auth payload, which the client library sends
  // again on every reconnect, so they survive a recovery.
  StreamFilter filter;
  const auto catalog = context_->tables->Snapshot();
  for (const char* key : {"tables", "filters"}) {
    const rapidjson::Value* criteria = auth.IsObject() ? Member(auth, key) : nullptr;
    if (criteria == nullptr) continue;
    if (auto error = AddTableCriteria(key, *criteria, *catalog, &filter)) {
      SendPacket(session,
                 EncodeSocketIoPacket({SocketIoPacketType::kConnectError, "/", std::nullopt,
                                       R"({"message":)" + Quoted(*error) + "}", 0}));
      return session.Flush();
    }
  }

  const bool recovering = !pid.empty();
  stream_ = std::make_shared<SocketIoStream>(session.strand(), context_, std::move(filter),
                                             std::move(from), session.sid(), peer_,
                                             [weak = session.weak_from_this(), this] {
                                               // The session owns this connection: alive session,
                                               // alive connection.
                                               if (auto alive = weak.lock()) Pump(*alive);
                                             });
  stream_->SetGrant(std::move(grant));
  stream_->Start();
  const bool recovered = recovering && stream_->client().resumed();
  if (!recovered) {
    socket_id = NewEngineIoSid();
    pid = socket_id + NewEngineIoSid();
    rooms_ = SocketIoRooms{};
    partial_id_.reset();
  }
  if (recovering) {
    spdlog::info("socket.io client={} peer={} {}", session.sid(), peer_,
                 recovered ? "recovered its session" : "could not recover (offset too old)");
  }
  SendPacket(session,
             EncodeSocketIoPacket({SocketIoPacketType::kConnect, "/", std::nullopt,
                                   R"({"sid":")" + socket_id + R"(","pid":")" + pid + R"("})", 0}));
  Pump(session);
}

void SocketIoConnection::OnEvent(EngineIoSession& session, const SocketIoPacket& packet) {
  switch (rate_.Take(std::chrono::steady_clock::now())) {
    case MessageRate::Verdict::kAllowed:
      break;
    case MessageRate::Verdict::kRefused:
      // As a refused /ws message gets its `error`: to the acknowledgement when one is awaited,
      // else as an `error` event, so that a dropped subscribe is not taken as done.
      if (packet.ack_id) {
        SendPacket(session,
                   EncodeSocketIoPacket({SocketIoPacketType::kAck, "/", packet.ack_id,
                                         R"([{"error":"too many messages: slow down"}])", 0}));
        session.Flush();
      } else {
        stream_->client().PushControl("error", ErrorMessage("too many messages: slow down"));
      }
      return;
    case MessageRate::Verdict::kClose:
      // No DISCONNECT packet: like a slow client's, the socket reconnects by itself (at the
      // client's reconnection delay) and recovers from its offset.
      spdlog::warn("socket.io client={} peer={}: closed: kept sending events past {}/s",
                   session.sid(), peer_, options_.events_per_second);
      return session.Close("forced close");
  }
  rapidjson::Document args;
  args.Parse(packet.payload.data(), packet.payload.size());
  // The decoder checked the shape: a non-empty array.
  if (!args.IsArray() || args.Empty()) return;
  if (!args[0].IsString()) return;
  std::string_view name = View(args[0]);
  const rapidjson::Value* data = args.Size() > 1 ? &args[1] : nullptr;
  std::string reply;  // the acknowledgement's arguments, when the client asked for one
  if (name == "subscribe" || name == "unsubscribe") {
    std::set<int64_t> order_ids;
    std::set<std::string> statuses;
    auto error = ParseRooms(data, &order_ids, &statuses);
    // Tables and column filters narrow the socket's broadcast, as on /ws (docs/tables.md).
    // An unsubscribe names them without the catalog, which may no longer have them.
    StreamFilter criteria;
    std::vector<std::string> named_tables;
    std::vector<std::string> named_filters;
    const auto catalog = context_->tables->Snapshot();
    for (const char* key : {"tables", "filters"}) {
      const rapidjson::Value* list = !error && data != nullptr ? Member(*data, key) : nullptr;
      if (list == nullptr || error) continue;
      error =
          name == "subscribe"
              ? AddTableCriteria(key, *list, *catalog, &criteria)
              : TableCriteriaTexts(
                    key, *list, std::string_view(key) == "tables" ? &named_tables : &named_filters);
    }
    const bool names_criteria =
        !criteria.Empty() || !named_tables.empty() || !named_filters.empty();
    if (!error && names_criteria && !stream_) error = "not connected";
    if (!error) {
      if (name == "subscribe") {
        // All of it or nothing: the filter first (refused whole past its bound), then the rooms;
        // a refused join puts the filter back as it was.
        std::optional<StreamFilter> before;
        if (!criteria.Empty()) {
          before = stream_->client().filter();
          error = stream_->client().filter().Add(criteria);
        }
        if (!error) {
          error = rooms_.Join(order_ids, statuses);
          if (error && before) stream_->client().filter() = std::move(*before);
        }
      } else {
        rooms_.Leave(order_ids, statuses);
        if (names_criteria) stream_->client().filter().RemoveNamed(named_tables, named_filters);
      }
    }
    if (error) {
      spdlog::debug("socket.io client={} peer={}: {} ignored: {}", session.sid(), peer_, name,
                    *error);
      reply = R"([{"error":)" + Quoted(*error) + "}]";
    } else {
      // The rooms the socket is in now, and its tables and filters.
      reply = R"([{"orderIds":[)";
      bool first = true;
      for (int64_t id : rooms_.order_ids()) {
        if (!first) reply += ',';
        first = false;
        reply += std::to_string(id);
      }
      reply += R"(],"statuses":[)";
      first = true;
      for (const auto& status : rooms_.statuses()) {
        if (!first) reply += ',';
        first = false;
        reply += Quoted(status);
      }
      const StreamFilter* filter = stream_ ? &stream_->client().filter() : nullptr;
      reply += R"(],"tables":[)";
      first = true;
      if (filter != nullptr) {
        for (const auto& table : filter->tables()) {
          if (!first) reply += ',';
          first = false;
          reply += Quoted(table);
        }
      }
      reply += R"(],"filters":[)";
      first = true;
      if (filter != nullptr) {
        for (const auto& text : filter->columns().Texts()) {
          if (!first) reply += ',';
          first = false;
          reply += Quoted(text);
        }
      }
      reply += "]}]";
    }
  } else if (name == "auth") {
    reply = Refresh(session, data);
  } else if (name == "ping") {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    reply = R"([{"pong":)" + std::to_string(now) + "}]";
  } else {
    spdlog::debug("socket.io client={} peer={}: unknown event {} ignored", session.sid(), peer_,
                  Utf8Prefix(name, 64));
    return;
  }
  if (packet.ack_id) {
    SendPacket(session,
               EncodeSocketIoPacket({SocketIoPacketType::kAck, "/", packet.ack_id, reply, 0}));
    session.Flush();
  }
}

std::string SocketIoConnection::Refresh(EngineIoSession& session, const rapidjson::Value* data) {
  auto token = data && data->IsObject() ? StringMember(*data, "token") : std::nullopt;
  std::string error;
  if (!token || token->empty()) {
    error = R"(auth needs {"token":"<token>"})";
  } else if (!context_->authority || !stream_) {
    error = "this server has no tokens to refresh";
  } else {
    auto refreshed = context_->authority->Refresh(stream_->client().grant(), *token);
    if (auto* refusal = std::get_if<TokenRefusal>(&refreshed)) {
      error = refusal->reason;
    } else {
      stream_->SetGrant(std::get<AccessGrant>(std::move(refreshed)));
      const auto& expires = stream_->client().grant().expires_at;
      return R"([{"expiresAt":)" + (expires ? std::to_string(*expires) : std::string("null")) +
             "}]";
    }
  }
  // The socket keeps its current grant, and is closed when that expires.
  spdlog::info("socket.io client={} peer={}: token refresh refused: {}", session.sid(), peer_,
               error);
  return R"([{"error":)" + Quoted(error) + "}]";
}

void SocketIoConnection::Pump(EngineIoSession& session) {
  if (!stream_ || session.closed()) return;
  auto& client = stream_->client();
  auto& queue = client.queue();
  // A WebSocket flush that wrote at once made room for more without a callback
  // (FrameSocket::Flush); a polling flush answers the held GET, after which more may wait.
  do {
    while (!queue.Empty() && session.PendingBytes() < kHighWater) {
      const auto& message = queue.Front();
      if (message.event) {
        EmitEvent(session, message);
      } else if (!message.name.empty()) {
        EmitControl(session, message);
      }
      queue.Pop();
      client.Refill();
    }
    session.Flush();
  } while (!queue.Empty() && session.PendingBytes() < kHighWater && !session.closed());
  if (queue.Empty() && client.closing()) {
    // Its `error` (too slow) or `server_shutdown` went out first. No DISCONNECT packet: the
    // client reconnects by itself and recovers from its offset.
    session.Close(client.slow() || client.expired() ? "forced close" : "server shutting down");
  }
}

void SocketIoConnection::EmitEvent(EngineIoSession& session, const OutboundMessage& message) {
  const StreamEvent& event = *message.event;
  uint32_t already_sent = 0;  // room events of this change the socket had (recovery)
  bool global_sent = false;
  if (partial_id_) {
    if (event.id == *partial_id_) {
      already_sent = partial_room_event_;
      global_sent = true;
    }
    if (event.id >= *partial_id_) partial_id_.reset();
  }
  auto parts = SplitEnvelope(event.json);
  if (!parts) return;
  // The id, or a read's position while the stream is not past what the read saw.
  const std::string_view from = message.resume.empty() ? event.id.view() : message.resume;
  auto offset = [&](uint32_t room_event) {
    return SocketIoOffset::Format(from, room_event, rooms_);
  };
  if (!global_sent) {
    if (message.resume.empty() && rooms_.Empty() && !event.socketio.empty()) {
      // Shared by every socket without rooms: the aliasing pointer keeps the event alive.
      session.Send(std::shared_ptr<const std::string>(message.event, &event.socketio),
                   &event.socketio_ws_header);
    } else {
      std::string text;
      text.reserve(event.json.size() + 96);
      text.append("42[").append(parts->name_json).append(",").append(parts->data_json);
      text.append(",\"").append(offset(0)).append("\"]");
      session.Send(std::make_shared<const std::string>(std::move(text)));
    }
    context_->counters.events_sent.fetch_add(1, std::memory_order_relaxed);
  }
  if (rooms_.Empty()) return;
  uint32_t k = 0;
  for (const auto& name : rooms_.RoomEvents(event.keys)) {
    if (++k <= already_sent) continue;
    std::string text;
    text.reserve(event.json.size() + 128);
    text.append("42[").append(Quoted(name)).append(",").append(parts->data_json);
    text.append(",\"").append(offset(k)).append("\"]");
    session.Send(std::make_shared<const std::string>(std::move(text)));
  }
}

void SocketIoConnection::EmitControl(EngineIoSession& session, const OutboundMessage& message) {
  auto parts = SplitEnvelope(message.owned);
  if (!parts) return;
  std::string text;
  text.reserve(message.owned.size() + 8);
  text.append("42[").append(parts->name_json).append(",").append(parts->data_json).append("]");
  session.Send(std::make_shared<const std::string>(std::move(text)));
}

EngineIoServer::HandlerFactory SocketIoHandlerFactory(std::shared_ptr<StreamContext> context,
                                                      SocketIoOptions options) {
  return [context = std::move(context), options](
             const Request& handshake, const std::string& peer,
             const std::string& peer_address) -> EngineIoServer::HandlerOrRefusal {
    // A page from a foreign origin must not read the stream (polling is also covered by CORS).
    if (auto origin = handshake.find(http::field::origin); origin != handshake.end()) {
      if (!OriginAllowed(context->allowed_origins, origin->value())) {
        return EngineIoServer::Refusal{"Origin not allowed"};
      }
    }
    auto slot = context->limiter->Acquire(peer_address);
    if (!slot) return EngineIoServer::Refusal{"Too many stream connections from this address"};
    std::optional<std::string> header_token;
    if (auto token = BearerToken(handshake)) header_token = std::string(*token);
    return std::make_unique<SocketIoConnection>(context, options, std::move(header_token), peer,
                                                std::move(slot));
  };
}

}  // namespace walcast::api
