#include "api/socketio/engineio_packet.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <boost/beast/core/detail/base64.hpp>
#include <random>

// Engine.IO 4 (https://socket.io/docs/v4/engine-io-protocol/):
//
//   packet       <type: '0'..'6'><data>
//   payload      packet *( 0x1E packet )           (HTTP long-polling bodies only)
//   binary       'b' <standard base64, '=' padded>  (in a payload: a binary message, type implied)
//
// The reference parser (engine.io-parser `decodePayload`) stops at the first packet that does not
// parse and reports the whole payload as a parse error; so does DecodeEngineIoPayload.

namespace walcast::api {
namespace {

namespace base64 = boost::beast::detail::base64;

constexpr char kRecordSeparator = '\x1e';

bool IsPacketType(char c) { return c >= '0' && c <= '6'; }

bool IsBase64Char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(base64::encoded_size(bytes.size()), '\0');
  out.resize(base64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

// Beast's decoder stops quietly at the first character outside the alphabet and accepts missing
// padding, so the form is checked here first: groups of four, '=' only as the last one or two.
std::optional<std::string> Base64DecodeStrict(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (!IsBase64Char(text[i])) return std::nullopt;
  }
  std::string out(base64::decoded_size(text.size()), '\0');
  auto [written, read] = base64::decode(out.data(), text.data(), text.size());
  if (read != text.size() - padding) return std::nullopt;
  out.resize(written);
  return out;
}

std::optional<EngineIoPacket> DecodePayloadPacket(std::string_view packet) {
  if (packet.empty()) return std::nullopt;
  if (packet.front() == 'b') {
    auto bytes = Base64DecodeStrict(packet.substr(1));
    if (!bytes) return std::nullopt;
    return EngineIoPacket{
        .type = EngineIoPacketType::kMessage, .data = std::move(*bytes), .binary = true};
  }
  return DecodeEngineIoText(packet);
}

// The query parameters ClassifyEngineIoRequest reads. A repeated key is kept as such: the
// reference's query parser makes it an array, which matches no transport and no session.
struct EngineIoQuery {
  std::optional<std::string_view> eio;
  std::optional<std::string_view> transport;
  std::optional<std::string_view> sid;
  bool eio_repeated = false;
  bool transport_repeated = false;
  bool sid_repeated = false;
};

void SetParameter(std::optional<std::string_view>& slot, bool& repeated, std::string_view value) {
  if (slot) repeated = true;
  slot = value;
}

// Splits on '&' and the first '='; the values read here are plain ASCII, so nothing is
// percent-decoded (an encoded sid simply names no session).
EngineIoQuery ParseQuery(std::string_view query) {
  EngineIoQuery parsed;
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "EIO") {
      SetParameter(parsed.eio, parsed.eio_repeated, value);
    } else if (key == "transport") {
      SetParameter(parsed.transport, parsed.transport_repeated, value);
    } else if (key == "sid") {
      SetParameter(parsed.sid, parsed.sid_repeated, value);
    }
  }
  return parsed;
}

}  // namespace

std::optional<EngineIoPacket> DecodeEngineIoText(std::string_view frame) {
  if (frame.empty() || !IsPacketType(frame.front())) return std::nullopt;
  return EngineIoPacket{.type = static_cast<EngineIoPacketType>(frame.front()),
                        .data = std::string(frame.substr(1)),
                        .binary = false};
}

std::optional<std::vector<EngineIoPacket>> DecodeEngineIoPayload(std::string_view body) {
  std::vector<EngineIoPacket> packets;
  while (true) {
    std::size_t end = body.find(kRecordSeparator);
    auto packet = DecodePayloadPacket(body.substr(0, end));
    if (!packet) return std::nullopt;
    packets.push_back(std::move(*packet));
    if (end == std::string_view::npos) return packets;
    body.remove_prefix(end + 1);
  }
}

std::string EncodeEngineIoText(EngineIoPacketType type, std::string_view data) {
  std::string out;
  out.reserve(1 + data.size());
  out += static_cast<char>(type);
  out.append(data);
  return out;
}

void AppendEngineIoPacket(std::string& body, EngineIoPacketType type, std::string_view data,
                          bool binary) {
  if (!body.empty()) body += kRecordSeparator;
  if (binary) {
    body += 'b';
    body += Base64Encode(data);
  } else {
    body += static_cast<char>(type);
    body.append(data);
  }
}

std::string_view EngineIoErrorMessage(EngineIoError error) {
  switch (error) {
    case EngineIoError::kUnknownTransport:
      return "Transport unknown";
    case EngineIoError::kUnknownSid:
      return "Session ID unknown";
    case EngineIoError::kBadHandshakeMethod:
      return "Bad handshake method";
    case EngineIoError::kBadRequest:
      return "Bad request";
    case EngineIoError::kForbidden:
      return "Forbidden";
    case EngineIoError::kUnsupportedProtocolVersion:
      return "Unsupported protocol version";
  }
  return "Bad request";
}

int EngineIoErrorStatus(EngineIoError error) {
  return error == EngineIoError::kForbidden ? 403 : 400;
}

std::string EngineIoErrorJson(EngineIoError error) {
  std::string out = R"({"code":)";
  out += std::to_string(static_cast<int>(error));
  out += R"(,"message":")";
  out.append(EngineIoErrorMessage(error));
  out += "\"}";
  return out;
}

std::string EngineIoOpenJson(const EngineIoOpenSettings& settings) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("sid");
  writer.String(settings.sid.data(), static_cast<rapidjson::SizeType>(settings.sid.size()));
  writer.Key("upgrades");
  writer.StartArray();
  if (settings.offer_websocket_upgrade) writer.String("websocket");
  writer.EndArray();
  writer.Key("pingInterval");
  writer.Uint(settings.ping_interval_ms);
  writer.Key("pingTimeout");
  writer.Uint(settings.ping_timeout_ms);
  writer.Key("maxPayload");
  writer.Uint64(settings.max_payload);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::variant<EngineIoRequest, EngineIoError> ClassifyEngineIoRequest(std::string_view query,
                                                                     bool is_get,
                                                                     bool is_websocket_upgrade) {
  EngineIoQuery parsed = ParseQuery(query);
  EngineIoRequest request;
  if (parsed.transport_repeated || !parsed.transport) return EngineIoError::kUnknownTransport;
  if (*parsed.transport == "polling") {
    request.transport = EngineIoTransport::kPolling;
  } else if (*parsed.transport == "websocket") {
    request.transport = EngineIoTransport::kWebSocket;
  } else {
    return EngineIoError::kUnknownTransport;
  }
  // The reference closes such a WebSocket right after the 101 (polling handles no upgrades);
  // refusing the upgrade says the same without a session of the wrong kind.
  if (is_websocket_upgrade && request.transport == EngineIoTransport::kPolling) {
    return EngineIoError::kBadRequest;
  }
  if (parsed.sid_repeated) return EngineIoError::kUnknownSid;
  if (parsed.sid && !parsed.sid->empty()) {
    request.sid = std::string(*parsed.sid);
    return request;
  }
  if (!is_get) return EngineIoError::kBadHandshakeMethod;
  if (request.transport == EngineIoTransport::kWebSocket && !is_websocket_upgrade) {
    return EngineIoError::kBadRequest;
  }
  if (parsed.eio_repeated || parsed.eio != "4") return EngineIoError::kUnsupportedProtocolVersion;
  return request;
}

std::string NewEngineIoSid() {
  // 15 bytes make 20 base64 characters without padding; 120 bits cannot be guessed.
  std::random_device random;
  std::array<unsigned char, 16> bytes{};
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    uint32_t word = random();
    for (std::size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<unsigned char>(word >> (8 * j));
  }
  std::string sid = Base64Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), 15));
  for (char& c : sid) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return sid;
}

}  // namespace walcast::api
