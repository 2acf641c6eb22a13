// EngineIoServer: the Engine.IO endpoint (`/socket.io/`, docs/contract.md §7) on the one HTTP
// listener. HttpSession hands it every request under its path: polling GETs and POSTs, and
// WebSocket upgrades. It checks each request as the reference server does (engineio_packet.h
// ClassifyEngineIoRequest, then the session lookup), creates sessions on handshakes through its
// handler factory, and keeps the live sessions by sid. A refusal is the protocol's JSON error
// ({"code":N,"message":…}, HTTP 400, or 403 for Forbidden), never a dropped connection.
//
// Thread-safe: requests arrive on every connection's strand; the registry is under a mutex and
// each session runs on its own strand.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "api/http/respond.h"
#include "api/socketio/engineio_session.h"

namespace walcast::api {

class EngineIoServer : public std::enable_shared_from_this<EngineIoServer> {
 public:
  // A handshake refused before a session exists (Engine.IO code 4, Forbidden, HTTP 403).
  struct Refusal {
    std::string message;
  };
  using HandlerOrRefusal = std::variant<std::unique_ptr<EngineIoHandler>, Refusal>;
  // Makes the handler of a new session from its handshake request; `peer` is address:port,
  // `peer_address` the address alone (for per-address limits).
  using HandlerFactory = std::function<HandlerOrRefusal(
      const Request& handshake, const std::string& peer, const std::string& peer_address)>;

  // `io` runs the polling sessions' strands; `path` ends with '/' ("/socket.io/").
  EngineIoServer(boost::asio::any_io_executor io, std::string path, EngineIoSettings settings,
                 HandlerFactory factory);

  // Whether `path` (without the query) is under this endpoint.
  bool Serves(std::string_view path) const;

  // A non-upgrade request under the path (polling). `respond` is called once, maybe later (a
  // held GET).
  void HandleHttp(Request request, const std::string& peer, const std::string& peer_address,
                  const Respond& respond);
  // A WebSocket upgrade under the path. nullopt: taken (`take_socket` was called and the
  // socket belongs to a session now); else the response to send instead. What the taker returns
  // in `keep` lives as long as the session (the connection's place in the server's budget).
  struct TakenSocket {
    boost::asio::ip::tcp::socket socket;
    std::shared_ptr<void> keep;
  };
  using SocketTaker = std::function<TakenSocket()>;
  std::optional<Response> HandleUpgrade(Request& request, const std::string& peer,
                                        const std::string& peer_address,
                                        const SocketTaker& take_socket);

  std::size_t Sessions() const;
  // The daemon is stopping: every session closes after what it has queued (a held GET gets it and
  // the close packet now). Call after the hub's ShutdownAll, so a socket's `server_shutdown`
  // (queued on the same strand before this) goes out first. A held GET also keeps its HTTP
  // connection, and with it this server, alive: closing is what lets them go.
  void CloseAll(const std::string& reason);
  const EngineIoSettings& settings() const { return settings_; }

 private:
  std::shared_ptr<EngineIoSession> Find(const std::string& sid) const;
  std::shared_ptr<EngineIoSession> Create(boost::asio::any_io_executor strand,
                                          std::unique_ptr<EngineIoHandler> handler,
                                          const std::string& peer);
  void Forget(const std::string& sid);

  boost::asio::any_io_executor io_;
  std::string path_;
  EngineIoSettings settings_;
  HandlerFactory factory_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<EngineIoSession>> sessions_;
};

}  // namespace walcast::api
