#include "api/socketio/engineio_server.h"

#include <spdlog/spdlog.h>

#include <boost/asio/strand.hpp>

#include "api/http/url.h"
#include "decoder/value_format.h"

namespace walcast::api {
namespace asio = boost::asio;

namespace {

Response ErrorResponse(EngineIoError error, std::string_view message = {}) {
  Response response(static_cast<http::status>(EngineIoErrorStatus(error)), 11);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  if (message.empty()) {
    response.body() = EngineIoErrorJson(error);
  } else {
    // The reference server's allowRequest refusal: code 4 with the application's message.
    std::string body = R"({"code":)" + std::to_string(static_cast<int>(error)) + R"(,"message":)";
    decoder::AppendJsonString(message, &body);
    response.body() = body + "}";
  }
  return response;
}

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
  if (auto* error = std::get_if<EngineIoError>(&classified)) return respond(ErrorResponse(*error));
  const auto& parsed = std::get<EngineIoRequest>(classified);
  if (parsed.sid.empty()) {
    auto made = factory_(request, peer, peer_address);
    if (auto* refusal = std::get_if<Refusal>(&made)) {
      return respond(ErrorResponse(EngineIoError::kForbidden, refusal->message));
    }
    auto session = Create(asio::make_strand(io_),
                          std::move(std::get<std::unique_ptr<EngineIoHandler>>(made)), peer);
    return session->OpenPolling(respond);
  }
  auto session = Find(parsed.sid);
  if (!session) return respond(ErrorResponse(EngineIoError::kUnknownSid));
  // After the upgrade, polling with the session's sid is a transport mismatch.
  if (parsed.transport != EngineIoTransport::kPolling || session->on_websocket()) {
    return respond(ErrorResponse(EngineIoError::kBadRequest));
  }
  if (is_get) return session->Poll(respond);
  if (request.method() == http::verb::post) {
    return session->Post(std::move(request.body()), respond);
  }
  respond(ErrorResponse(EngineIoError::kBadRequest));
}

std::optional<Response> EngineIoServer::HandleUpgrade(Request& request, const std::string& peer,
                                                      const std::string& peer_address,
                                                      const SocketTaker& take_socket) {
  auto classified =
      ClassifyEngineIoRequest(QueryOf(request.target()), request.method() == http::verb::get, true);
  if (auto* error = std::get_if<EngineIoError>(&classified)) return ErrorResponse(*error);
  const auto& parsed = std::get<EngineIoRequest>(classified);
  if (parsed.transport != EngineIoTransport::kWebSocket) {
    return ErrorResponse(EngineIoError::kBadRequest);
  }
  if (parsed.sid.empty()) {
    auto made = factory_(request, peer, peer_address);
    if (auto* refusal = std::get_if<Refusal>(&made)) {
      return ErrorResponse(EngineIoError::kForbidden, refusal->message);
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
  if (!session) return ErrorResponse(EngineIoError::kUnknownSid);
  auto taken = take_socket();
  session->Keep(std::move(taken.keep));
  session->Probe(Rehome(std::move(taken.socket), session->strand()), std::move(request));
  return std::nullopt;
}

}  // namespace walcast::api
