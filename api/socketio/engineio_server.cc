#include "api/socketio/engineio_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>
#include <vector>

#include "api/http/url.h"

namespace walcast::api {
namespace asio = boost::asio;

namespace {

// The session's strand must run the socket's handlers: a socket accepted on another strand (the
// HTTP connection's) moves to it.
asio::ip::tcp::socket Rehome(asio::ip::tcp::socket socket, const asio::any_io_executor& strand) {
  boost::system::error_code ec;
  auto endpoint = socket.local_endpoint(ec);
  asio::ip::tcp::socket moved(strand);
  if (ec) return moved;  // already dead: the upgrade fails on the closed socket
  auto handle = socket.release(ec);
  if (!ec) moved.assign(endpoint.protocol(), handle, ec);
  return moved;
}

}  // namespace

EngineIoServer::EngineIoServer(asio::any_io_executor io, std::string path,
                               EngineIoSettings settings, HandlerFactory factory)
    : io_(std::move(io)),
      path_(std::move(path)),
      settings_(settings),
      factory_(std::move(factory)) {}

bool EngineIoServer::Serves(std::string_view path) const {
  // The reference matches the prefix with its trailing slash; clients always send it.
  return path.starts_with(path_) || path == std::string_view(path_).substr(0, path_.size() - 1);
}

std::shared_ptr<EngineIoSession> EngineIoServer::Find(const std::string& sid) const {
  std::lock_guard lock(mutex_);
  auto found = sessions_.find(sid);
  return found == sessions_.end() ? nullptr : found->second;
}

std::size_t EngineIoServer::Sessions() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

void EngineIoServer::CloseAll(const std::string& reason) {
  std::vector<std::shared_ptr<EngineIoSession>> sessions;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [sid, session] : sessions_) sessions.push_back(session);
  }
  for (const auto& session : sessions) session->Close(reason);
}

void EngineIoServer::Forget(const std::string& sid) {
  std::lock_guard lock(mutex_);
  sessions_.erase(sid);
}

std::shared_ptr<EngineIoSession> EngineIoServer::Create(asio::any_io_executor strand,
                                                        std::unique_ptr<EngineIoHandler> handler,
                                                        const std::string& peer) {
  std::string sid = NewEngineIoSid();
  auto session =
      std::make_shared<EngineIoSession>(std::move(strand), sid, settings_, std::move(handler), peer,
                                        [weak = weak_from_this()](const std::string& closed) {
                                          if (auto server = weak.lock()) server->Forget(closed);
                                        });
  std::lock_guard lock(mutex_);
  sessions_.emplace(std::move(sid), session);
  return session;
}

void EngineIoServer::HandleHttp(Request request, const std::string& peer,
                                const std::string& peer_address, const Respond& respond) {
  const bool is_get = request.method() == http::verb::get;
  auto classified = ClassifyEngineIoRequest(QueryOf(request.target()), is_get, false);
  if (auto* error = std::get_if<EngineIoError>(&classified))
    return respond(EngineIoErrorResponse(*error));
  const auto& parsed = std::get<EngineIoRequest>(classified);
  if (parsed.sid.empty()) {
    auto made = factory_(request, peer, peer_address);
    if (auto* refusal = std::get_if<Refusal>(&made)) {
      return respond(EngineIoErrorResponse(EngineIoError::kForbidden, refusal->message));
    }
    auto session = Create(asio::make_strand(io_),
                          std::move(std::get<std::unique_ptr<EngineIoHandler>>(made)), peer);
    return session->OpenPolling(respond);
  }
  auto session = Find(parsed.sid);
  if (!session) return respond(EngineIoErrorResponse(EngineIoError::kUnknownSid));
  // After the upgrade, polling with the session's sid is a transport mismatch.
  if (parsed.transport != EngineIoTransport::kPolling || session->on_websocket()) {
    return respond(EngineIoErrorResponse(EngineIoError::kBadRequest));
  }
  if (is_get) return session->Poll(respond);
  if (request.method() == http::verb::post) {
    return session->Post(std::move(request.body()), respond);
  }
  respond(EngineIoErrorResponse(EngineIoError::kBadRequest));
}

std::optional<Response> EngineIoServer::HandleUpgrade(Request& request, const std::string& peer,
                                                      const std::string& peer_address,
                                                      const SocketTaker& take_socket) {
  auto classified =
      ClassifyEngineIoRequest(QueryOf(request.target()), request.method() == http::verb::get, true);
  if (auto* error = std::get_if<EngineIoError>(&classified)) return EngineIoErrorResponse(*error);
  const auto& parsed = std::get<EngineIoRequest>(classified);
  if (parsed.transport != EngineIoTransport::kWebSocket) {
    return EngineIoErrorResponse(EngineIoError::kBadRequest);
  }
  if (parsed.sid.empty()) {
    auto made = factory_(request, peer, peer_address);
    if (auto* refusal = std::get_if<Refusal>(&made)) {
      return EngineIoErrorResponse(EngineIoError::kForbidden, refusal->message);
    }
    auto taken = take_socket();
    auto strand = taken.socket.get_executor();
    auto session = Create(std::move(strand),
                          std::move(std::get<std::unique_ptr<EngineIoHandler>>(made)), peer);
    session->Keep(std::move(taken.keep));
    session->OpenWebSocket(std::move(taken.socket), std::move(request));
    return std::nullopt;
  }
  auto session = Find(parsed.sid);
  if (!session) return EngineIoErrorResponse(EngineIoError::kUnknownSid);
  auto taken = take_socket();
  session->Keep(std::move(taken.keep));
  session->Probe(Rehome(std::move(taken.socket), session->strand()), std::move(request));
  return std::nullopt;
}

}  // namespace walcast::api
