#include "api/socketio/socketio_packet.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <array>

#include "api/stream/utf8.h"

// Socket.IO 5 (https://socket.io/docs/v4/socket-io-protocol/), socket.io-parser `decodeString`:
//
//   packet       <type: '0'..'6'>
//                [<attachments: digits> '-']       BINARY_EVENT and BINARY_ACK only, required
//                ['/' <namespace> (',' | end)]     omitted for "/"
//                [<ack id: digits>]
//                [<JSON payload>]                  checked as `isPayloadValid`
//
// Stricter than the reference where it is lenient by accident: an empty text, an empty
// attachment count ("5-"), or a payload-less EVENT, ACK or CONNECT_ERROR is an error, as is a
// string that is not valid UTF-8 once its escapes are decoded.

namespace walcast::api {
namespace {

constexpr int kMaxAttachments = 10;
constexpr std::size_t kMaxNamespaceBytes = 256;
constexpr uint64_t kMaxAckId = (uint64_t{1} << 53) - 1;  // Number.MAX_SAFE_INTEGER
// Whoever parses the payload again may recurse (RapidJSON's DOM, JsonStringsAreValidUtf8): the
// depth is bounded here, where parsing is iterative.
constexpr int kMaxJsonDepth = 64;

constexpr std::array<std::string_view, 6> kReservedEvents = {
    "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"};

enum class JsonKind { kNone, kObject, kArray, kString, kNumber, kOther };

// What `isPayloadValid` needs of a payload, read in one pass without building a DOM: the root's
// kind and, for an array, its first element's.
class PayloadShape : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PayloadShape> {
 public:
  JsonKind root = JsonKind::kNone;
  JsonKind first = JsonKind::kNone;
  std::string first_string;
  bool too_deep = false;
  bool invalid_string = false;

  bool Null() { return Scalar(JsonKind::kOther); }
  bool Bool(bool) { return Scalar(JsonKind::kOther); }
  bool Int(int) { return Scalar(JsonKind::kNumber); }
  bool Uint(unsigned) { return Scalar(JsonKind::kNumber); }
  bool Int64(int64_t) { return Scalar(JsonKind::kNumber); }
  bool Uint64(uint64_t) { return Scalar(JsonKind::kNumber); }
  bool Double(double) { return Scalar(JsonKind::kNumber); }
  bool String(const char* text, rapidjson::SizeType length, bool) {
    std::string_view value(text, length);
    // kParseValidateEncodingFlag checks the raw bytes, not what a `\udc00` escape decodes to.
    if (!IsValidUtf8(value)) return (invalid_string = true, false);
    if (depth_ == 1 && root == JsonKind::kArray && first == JsonKind::kNone) {
      first_string = value;
    }
    return Scalar(JsonKind::kString);
  }
  bool Key(const char* text, rapidjson::SizeType length, bool) {
    if (!IsValidUtf8({text, length})) return (invalid_string = true, false);
    return true;
  }
  bool StartObject() { return Open(JsonKind::kObject); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool StartArray() { return Open(JsonKind::kArray); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

 private:
  void Note(JsonKind kind) {
    if (depth_ == 0) root = kind;
    if (depth_ == 1 && root == JsonKind::kArray && first == JsonKind::kNone) first = kind;
  }
  bool Scalar(JsonKind kind) {
    Note(kind);
    return true;
  }
  bool Open(JsonKind kind) {
    Note(kind);
    if (++depth_ > kMaxJsonDepth) return (too_deep = true, false);
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }

  int depth_ = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsBinary(SocketIoPacketType type) {
  return type == SocketIoPacketType::kBinaryEvent || type == SocketIoPacketType::kBinaryAck;
}

bool IsReservedEvent(std::string_view name) {
  for (auto reserved : kReservedEvents) {
    if (name == reserved) return true;
  }
  return false;
}

// nullopt when the payload is valid for the type, else the reason.
std::optional<std::string> CheckPayload(SocketIoPacketType type, std::string_view payload) {
  if (payload.empty()) {
    if (type == SocketIoPacketType::kConnect || type == SocketIoPacketType::kDisconnect) {
      return std::nullopt;
    }
    return "missing payload";
  }
  if (type == SocketIoPacketType::kDisconnect) return "invalid payload";
  PayloadShape shape;
  rapidjson::Reader reader;
  rapidjson::MemoryStream memory(payload.data(), payload.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(stream,
                                                                                       shape);
  if (shape.too_deep) return "payload nested too deep";
  if (shape.invalid_string) return "invalid UTF-8 in payload";
  if (reader.HasParseError()) return "invalid JSON payload";
  bool valid = false;
  switch (type) {
    case SocketIoPacketType::kConnect:
      valid = shape.root == JsonKind::kObject;
      break;
    case SocketIoPacketType::kConnectError:
      valid = shape.root == JsonKind::kObject || shape.root == JsonKind::kString;
      break;
    case SocketIoPacketType::kEvent:
    case SocketIoPacketType::kBinaryEvent:
      valid = shape.root == JsonKind::kArray &&
              (shape.first == JsonKind::kNumber ||
               (shape.first == JsonKind::kString && !IsReservedEvent(shape.first_string)));
      break;
    case SocketIoPacketType::kAck:
    case SocketIoPacketType::kBinaryAck:
      valid = shape.root == JsonKind::kArray;
      break;
    case SocketIoPacketType::kDisconnect:
      break;
  }
  if (!valid) return "invalid payload";
  return std::nullopt;
}

SocketIoDecodeError Error(std::string reason) { return SocketIoDecodeError{std::move(reason)}; }

}  // namespace

std::variant<SocketIoPacket, SocketIoDecodeError> DecodeSocketIoPacket(std::string_view text) {
  if (text.empty()) return Error("empty packet");
  if (text[0] < '0' || text[0] > '6') return Error("unknown packet type");
  SocketIoPacket packet;
  packet.type = static_cast<SocketIoPacketType>(text[0] - '0');
  std::size_t i = 1;

  if (IsBinary(packet.type)) {
    std::size_t start = i;
    int count = 0;
    while (i < text.size() && IsDigit(text[i])) {
      count = count * 10 + (text[i] - '0');
      if (count > kMaxAttachments) return Error("too many attachments");
      ++i;
    }
    if (i == start || i == text.size() || text[i] != '-') return Error("invalid attachments");
    packet.attachments = count;
    ++i;
  }

  if (i < text.size() && text[i] == '/') {
    std::size_t end = text.find(',', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view nsp = text.substr(i, end - i);
    if (nsp.size() > kMaxNamespaceBytes) return Error("namespace too long");
    // The namespace is echoed in CONNECT_ERROR and logged.
    if (!IsValidUtf8(nsp)) return Error("invalid namespace");
    packet.nsp = std::string(nsp);
    i = end == text.size() ? end : end + 1;
  }

  if (i < text.size() && IsDigit(text[i])) {
    uint64_t id = 0;
    while (i < text.size() && IsDigit(text[i])) {
      id = id * 10 + static_cast<uint64_t>(text[i] - '0');
      if (id > kMaxAckId) return Error("invalid ack id");
      ++i;
    }
    packet.ack_id = id;
  }

  std::string_view payload = text.substr(i);
  if (auto reason = CheckPayload(packet.type, payload)) return Error(std::move(*reason));
  packet.payload = std::string(payload);
  return packet;
}

std::string EncodeSocketIoPacket(const SocketIoPacket& packet) {
  std::string out;
  out.reserve(24 + packet.nsp.size() + packet.payload.size());
  out += static_cast<char>('0' + static_cast<int>(packet.type));
  if (IsBinary(packet.type)) {
    out += std::to_string(packet.attachments);
    out += '-';
  }
  if (packet.nsp != "/") {
    out += packet.nsp;
    out += ',';
  }
  if (packet.ack_id) out += std::to_string(*packet.ack_id);
  out += packet.payload;
  return out;
}

}  // namespace walcast::api
