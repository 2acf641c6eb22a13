// socketio_conformance_server: the app the official Engine.IO v4 and Socket.IO v5 compliance
// suites expect (github.com/socketio/socket.io, docs/engine.io-protocol/v4-test-suite and
// docs/socket.io-protocol/v5-test-suite), built on walcast's own listener, HTTP sessions and
// EngineIoServer, so the suites test the code walcastd runs. tools/socketio-conformance runs it.
//
//   --suite engineio   /engine.io/: every message is echoed as it came (text as text, binary as
//                      binary), as the reference's `socket.on("data", socket.send)`.
//   --suite socketio   /socket.io/: the reference test app. Namespaces "/" and "/custom" emit
//                      `auth` with the CONNECT payload; on "/", `message` is emitted back as
//                      `message-back` and `message-with-ack` is acknowledged with its arguments
//                      (binary attachments included); any other namespace is refused with
//                      `44<nsp>,{"message":"Invalid namespace"}`. Connection state recovery is
//                      off: the CONNECT answer is {"sid":…} alone.
// Both use the suites' settings: pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1000000,
// CORS origin *, and for Socket.IO connectTimeout 1000 ms.
#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "api/http/listener.h"
#include "api/http/router.h"
#include "api/http/server_context.h"
#include "api/socketio/engineio_packet.h"
#include "api/socketio/engineio_server.h"
#include "api/socketio/engineio_session.h"
#include "api/socketio/socketio_packet.h"
#include "api/status/metrics.h"

namespace walcast::conformance {
namespace {

namespace asio = boost::asio;
using api::EngineIoHandler;
using api::EngineIoSession;
using api::SocketIoPacket;
using api::SocketIoPacketType;

constexpr std::chrono::milliseconds kConnectTimeout{1000};

// --- JSON as JavaScript writes it -------------------------------------------------------------
// The reference app echoes what JSON.parse made of the client's text through JSON.stringify. A
// RapidJSON DOM keeps the text's key order, duplicates and number spellings; these writers give
// what JavaScript would instead: array-index keys first in ascending order, the last of duplicate
// keys (at the first one's place), numbers as Number.prototype.toString, and only `"`, `\` and
// control characters escaped (the decoder has checked that strings are valid UTF-8).

void AppendJsNumber(double value, std::string& out) {
  if (value == 0) {
    out += '0';  // -0 too
    return;
  }
  // The shortest digits that read back as `value`, then ECMA-262 Number::toString's layout.
  char buffer[40];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const auto e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int k = static_cast<int>(digits.size());
  const int n = std::atoi(std::string(text.substr(e + 1)).c_str()) + 1;
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += n - 1 < 0 ? "e-" : "e+";
    out += std::to_string(std::abs(n - 1));
  }
}

void AppendJsString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string_view View(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

// A canonical array index ("0", "17", below 2^32 - 1): JavaScript lists such keys first.
std::optional<uint32_t> ArrayIndex(std::string_view key) {
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value >= 0xFFFFFFFFu) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// An object's members in JavaScript's order, each key once with its last value.
std::vector<const rapidjson::Value::Member*> JsMembers(const rapidjson::Value& object) {
  std::vector<const rapidjson::Value::Member*> members;
  std::unordered_map<std::string_view, std::size_t> position;
  for (const auto& member : object.GetObject()) {
    auto [found, inserted] = position.try_emplace(View(member.name), members.size());
    if (inserted) {
      members.push_back(&member);
    } else {
      members[found->second] = &member;
    }
  }
  std::stable_partition(members.begin(), members.end(), [](const auto* member) {
    return ArrayIndex(View(member->name)).has_value();
  });
  auto indexed = std::find_if(members.begin(), members.end(), [](const auto* member) {
    return !ArrayIndex(View(member->name)).has_value();
  });
  std::sort(members.begin(), indexed, [](const auto* a, const auto* b) {
    return *ArrayIndex(View(a->name)) < *ArrayIndex(View(b->name));
  });
  return members;
}

void AppendJs(const rapidjson::Value& value, std::string& out) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      out += "null";
      return;
    case rapidjson::kFalseType:
      out += "false";
      return;
    case rapidjson::kTrueType:
      out += "true";
      return;
    case rapidjson::kStringType:
      return AppendJsString(View(value), out);
    case rapidjson::kNumberType:
      return AppendJsNumber(value.GetDouble(), out);
    case rapidjson::kArrayType: {
      out += '[';
      bool first = true;
      for (const auto& element : value.GetArray()) {
        if (!first) out += ',';
        first = false;
        AppendJs(element, out);
      }
      out += ']';
      return;
    }
    case rapidjson::kObjectType: {
      out += '{';
      bool first = true;
      for (const auto* member : JsMembers(value)) {
        if (!first) out += ',';
        first = false;
        AppendJsString(View(member->name), out);
        out += ':';
        AppendJs(member->value, out);
      }
      out += '}';
      return;
    }
  }
}

// --- Binary attachments -------------------------------------------------------------------------
// socket.io-parser's reconstructPacket and deconstructPacket in one walk: every placeholder
// ({"_placeholder":true,"num":K}) becomes attachment K on the way in and, since the echo sends
// those buffers again, a new placeholder numbered in depth-first order on the way out, with the
// buffer appended to `out` (what the reference's encoder does with the Buffers it finds). False
// when a placeholder names no received attachment ("illegal attachments": the reference closes).
bool Renumber(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator,
              const std::vector<std::string>& in, std::vector<std::string>& out) {
  if (value.IsArray()) {
    for (auto& element : value.GetArray()) {
      if (!Renumber(element, allocator, in, out)) return false;
    }
    return true;
  }
  if (!value.IsObject()) return true;
  const rapidjson::Value* placeholder = nullptr;
  const rapidjson::Value* num = nullptr;
  for (const auto& member : value.GetObject()) {
    if (View(member.name) == "_placeholder") placeholder = &member.value;
    if (View(member.name) == "num") num = &member.value;
  }
  if (placeholder == nullptr || !placeholder->IsTrue()) {
    for (auto& member : value.GetObject()) {
      if (!Renumber(member.value, allocator, in, out)) return false;
    }
    return true;
  }
  if (num == nullptr || !num->IsUint() || num->GetUint() >= in.size()) return false;
  out.push_back(in[num->GetUint()]);
  value.SetObject();
  value.AddMember("_placeholder", true, allocator);
  value.AddMember("num", static_cast<unsigned>(out.size() - 1), allocator);
  return true;
}

// --- Handlers -----------------------------------------------------------------------------------

// The Engine.IO suite's app: every message back as it came.
class EchoHandler : public EngineIoHandler {
 public:
  void OnOpen(EngineIoSession&) override {}
  void OnMessage(EngineIoSession& session, std::string_view data, bool binary) override {
    if (binary) {
      session.SendBinary(std::make_shared<const std::string>(data));
    } else {
      auto text = std::make_shared<std::string>("4");
      text->append(data);
      session.Send(std::move(text));
    }
    session.Flush();
  }
  void OnWritable(EngineIoSession&) override {}
  void OnClose(EngineIoSession&, std::string_view) override {}
};

// The Socket.IO suite's app over one Engine.IO session, with the reference server's connection
// rules (socket.io `Client.ondecoded`): a CONNECT to a namespace not joined joins it (or is
// refused), any other packet must be for a joined namespace, and everything else (a CONNECT to a
// joined namespace, a packet for another, a CONNECT_ERROR from the client, a packet the parser
// refuses) closes the whole session.
class SocketIoSuiteHandler : public EngineIoHandler {
 public:
  void OnOpen(EngineIoSession& session) override {
    connect_timer_ = std::make_unique<asio::steady_timer>(session.strand(), kConnectTimeout);
    connect_timer_->async_wait([weak = session.weak_from_this()](boost::system::error_code ec) {
      auto alive = weak.lock();
      if (ec || !alive) return;
      spdlog::debug("sid={}: no namespace joined within the connect timeout", alive->sid());
      alive->Close("forced close");
    });
  }

  void OnMessage(EngineIoSession& session, std::string_view data, bool binary) override {
    if (binary) {
      if (!pending_) return Refuse(session, "binary data when not reconstructing a packet");
      received_.emplace_back(data);
      if (received_.size() < static_cast<std::size_t>(pending_->attachments)) return;
      auto packet = std::move(*pending_);
      pending_.reset();
      return Dispatch(session, packet, std::exchange(received_, {}));
    }
    if (pending_) return Refuse(session, "plain text when reconstructing a packet");
    auto decoded = api::DecodeSocketIoPacket(data);
    if (auto* error = std::get_if<api::SocketIoDecodeError>(&decoded)) {
      return Refuse(session, error->reason);
    }
    auto& packet = std::get<SocketIoPacket>(decoded);
    if (packet.attachments > 0) {
      pending_ = std::move(packet);
      return;
    }
    Dispatch(session, packet, {});
  }

  void OnWritable(EngineIoSession&) override {}

  void OnClose(EngineIoSession&, std::string_view) override {
    if (connect_timer_) connect_timer_->cancel();
  }

 private:
  static void Refuse(EngineIoSession& session, std::string_view reason) {
    spdlog::debug("sid={}: {}: closing", session.sid(), reason);
    session.Close("forced close");
  }

  static void SendPacket(EngineIoSession& session, const SocketIoPacket& packet) {
    session.Send(std::make_shared<const std::string>("4" + api::EncodeSocketIoPacket(packet)));
  }

  void Dispatch(EngineIoSession& session, const SocketIoPacket& packet,
                std::vector<std::string> attachments) {
    const bool joined = joined_.contains(packet.nsp);
    if (!joined && packet.type == SocketIoPacketType::kConnect) return Connect(session, packet);
    if (!joined || packet.type == SocketIoPacketType::kConnect ||
        packet.type == SocketIoPacketType::kConnectError) {
      return Refuse(session, "packet in an invalid state");
    }
    switch (packet.type) {
      case SocketIoPacketType::kDisconnect:
        // The socket leaves its namespace; the Engine.IO session stays.
        joined_.erase(packet.nsp);
        return;
      case SocketIoPacketType::kEvent:
      case SocketIoPacketType::kBinaryEvent:
        return OnEvent(session, packet, attachments);
      default:
        return;  // an ACK: this app never asks for one
    }
  }

  void Connect(EngineIoSession& session, const SocketIoPacket& packet) {
    if (packet.nsp != "/" && packet.nsp != "/custom") {
      SendPacket(session, {SocketIoPacketType::kConnectError, packet.nsp, std::nullopt,
                           R"({"message":"Invalid namespace"})", 0});
      return session.Flush();
    }
    joined_.insert(packet.nsp);
    connect_timer_->cancel();
    // The handshake's auth is the CONNECT payload, {} when there is none.
    std::string auth = "{}";
    if (!packet.payload.empty()) {
      rapidjson::Document document;
      document.Parse<rapidjson::kParseFullPrecisionFlag>(packet.payload.data(),
                                                         packet.payload.size());
      auth.clear();
      AppendJs(document, auth);
    }
    SendPacket(session, {SocketIoPacketType::kConnect, packet.nsp, std::nullopt,
                         R"({"sid":")" + api::NewEngineIoSid() + R"("})", 0});
    SendPacket(session, {SocketIoPacketType::kEvent, packet.nsp, std::nullopt,
                         R"(["auth",)" + auth + "]", 0});
    session.Flush();
  }

  void OnEvent(EngineIoSession& session, const SocketIoPacket& packet,
               const std::vector<std::string>& attachments) {
    if (packet.nsp != "/") return;  // "/custom" has no event handlers
    rapidjson::Document args;
    args.Parse<rapidjson::kParseFullPrecisionFlag>(packet.payload.data(), packet.payload.size());
    if (!args.IsArray() || args.Empty() || !args[0].IsString()) return;
    const std::string name(View(args[0]));
    const bool echo = name == "message";
    const bool ack = name == "message-with-ack" && packet.ack_id;
    if (!echo && !ack) return;

    std::vector<std::string> binaries;
    if (packet.type == SocketIoPacketType::kBinaryEvent &&
        !Renumber(args, args.GetAllocator(), attachments, binaries)) {
      return Refuse(session, "illegal attachments");
    }
    // emit("message-back", ...args), or ack(...args): the arguments after the event name.
    std::string payload = echo ? R"(["message-back")" : "[";
    for (rapidjson::SizeType i = 1; i < args.Size(); ++i) {
      if (i > 1 || echo) payload += ',';
      AppendJs(args[i], payload);
    }
    payload += ']';
    SocketIoPacket reply;
    reply.nsp = packet.nsp;
    reply.payload = std::move(payload);
    reply.attachments = static_cast<int>(binaries.size());
    if (echo) {
      reply.type = binaries.empty() ? SocketIoPacketType::kEvent : SocketIoPacketType::kBinaryEvent;
    } else {
      reply.type = binaries.empty() ? SocketIoPacketType::kAck : SocketIoPacketType::kBinaryAck;
      reply.ack_id = packet.ack_id;
    }
    SendPacket(session, reply);
    for (auto& binary : binaries) {
      session.SendBinary(std::make_shared<const std::string>(std::move(binary)));
    }
    session.Flush();
  }

  std::set<std::string> joined_;
  std::unique_ptr<asio::steady_timer> connect_timer_;
  // A BINARY_EVENT or BINARY_ACK waiting for its attachments, and those received so far.
  std::optional<SocketIoPacket> pending_;
  std::vector<std::string> received_;
};

}  // namespace
}  // namespace walcast::conformance

int main(int argc, char** argv) {
  namespace asio = boost::asio;
  namespace api = walcast::api;
  using namespace walcast::conformance;

  CLI::App cli{
      "Engine.IO v4 / Socket.IO v5 conformance server: the app the official test suites "
      "(github.com/socketio/socket.io docs/) expect, on walcast's EngineIoServer."};
  uint16_t port = 3000;
  std::string host = "127.0.0.1";
  std::string suite = "engineio";
  cli.add_option("--port", port, "TCP port to listen on (0: any free port, see the log line)")
      ->capture_default_str();
  cli.add_option("--host", host, "IP address to listen on")->capture_default_str();
  cli.add_option("--suite", suite,
                 "engineio: echo server at /engine.io/; socketio: the Socket.IO test app at "
                 "/socket.io/")
      ->check(CLI::IsMember({"engineio", "socketio"}))
      ->capture_default_str();
  bool verbose = false;
  cli.add_flag("--verbose", verbose, "Log every request and session event (debug level)");
  CLI11_PARSE(cli, argc, argv);
  if (verbose) spdlog::set_level(spdlog::level::debug);

  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    spdlog::critical("--host {} is not an IP address: {}", host, ec.message());
    return 2;
  }

  asio::io_context io;
  api::GuardOptions guard;
  guard.cors_origins = {"*"};
  auto context =
      std::make_shared<api::ServerContext>(api::Router(api::RouterServices{}), api::ServerLimits{},
                                           nullptr, std::make_shared<api::Metrics>(), guard);
  api::EngineIoSettings settings;
  settings.ping_interval = std::chrono::milliseconds(300);
  settings.ping_timeout = std::chrono::milliseconds(200);
  settings.max_payload = 1000000;
  const bool socketio = suite == "socketio";
  api::EngineIoServer::HandlerFactory factory =
      [socketio](const api::Request&, const std::string&,
                 const std::string&) -> api::EngineIoServer::HandlerOrRefusal {
    if (socketio) return std::make_unique<SocketIoSuiteHandler>();
    return std::make_unique<EchoHandler>();
  };
  context->SetEngineIo(std::make_shared<api::EngineIoServer>(
      io.get_executor(), socketio ? "/socket.io/" : "/engine.io/", settings, std::move(factory)));

  auto listener = std::make_shared<api::Listener>(io, context);
  if (auto error = listener->Open({address, port})) {
    spdlog::critical("cannot listen on {}:{}: {}", host, port, error.message());
    return 1;
  }
  listener->Start();
  auto endpoint = listener->LocalEndpoint();
  spdlog::info("listening on http://{}:{} ({} suite at {})", endpoint.address().to_string(),
               endpoint.port(), suite, socketio ? "/socket.io/" : "/engine.io/");

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code error, int) {
    if (error) return;
    listener->Stop();
    io.stop();
  });
  io.run();
  return 0;
}
