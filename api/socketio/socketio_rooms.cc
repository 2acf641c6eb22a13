#include "api/socketio/socketio_rooms.h"

#include <charconv>

#include "api/stream/utf8.h"

// Encoded form (inside an offset, so it avoids ';', which separates the offset's parts):
//
//   rooms     "" | ids | statuses | ids ';' statuses
//   ids       'o' <id> *( ',' <id> )            ascending positive decimals, no leading zero
//   statuses  's' <status> *( ',' <status> )    ascending, each percent-encoded (%XX upper case)
//                                               except A-Z a-z 0-9 '-' '_' '.'
//
// Decode accepts only what Encoded() can produce, up to the case of hex digits and which bytes
// are escaped: an offset is text a client hands back, so anything else was not made here.

namespace walcast::api {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void AppendPercentEncoded(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (IsUnreserved(byte)) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else if (IsUnreserved(static_cast<unsigned char>(text[i]))) {
      out += text[i];
    } else {
      return std::nullopt;
    }
  }
  return out;
}

bool IsValidStatus(std::string_view status) {
  return !status.empty() && status.size() <= SocketIoRooms::kMaxStatusBytes && IsValidUtf8(status);
}

std::vector<std::string_view> SplitCommas(std::string_view list) {
  std::vector<std::string_view> parts;
  while (true) {
    std::size_t comma = list.find(',');
    parts.push_back(list.substr(0, comma));
    if (comma == std::string_view::npos) return parts;
    list.remove_prefix(comma + 1);
  }
}

std::optional<int64_t> ParseOrderId(std::string_view text) {
  if (text.empty() || text.front() == '0') return std::nullopt;  // also rules out 0 and "-1"
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

// "5,7" into its ids: ascending, hence unique, as Encoded() writes them.
std::optional<std::set<int64_t>> DecodeOrderIds(std::string_view list) {
  std::set<int64_t> ids;
  for (auto part : SplitCommas(list)) {
    auto id = ParseOrderId(part);
    if (!id || (!ids.empty() && *id <= *ids.rbegin())) return std::nullopt;
    ids.insert(ids.end(), *id);
    if (ids.size() > SocketIoRooms::kMaxRooms) return std::nullopt;
  }
  return ids;
}

std::optional<std::set<std::string>> DecodeStatuses(std::string_view list) {
  std::set<std::string> statuses;
  for (auto part : SplitCommas(list)) {
    auto status = PercentDecode(part);
    if (!status || !IsValidStatus(*status) ||
        (!statuses.empty() && *status <= *statuses.rbegin())) {
      return std::nullopt;
    }
    statuses.insert(statuses.end(), std::move(*status));
    if (statuses.size() > SocketIoRooms::kMaxRooms) return std::nullopt;
  }
  return statuses;
}

}  // namespace

std::optional<std::string> SocketIoRooms::Join(const std::set<int64_t>& order_ids,
                                               const std::set<std::string>& statuses) {
  for (int64_t id : order_ids) {
    if (id <= 0) return "orderIds must be positive integers, got " + std::to_string(id);
  }
  for (const auto& status : statuses) {
    if (!IsValidStatus(status)) {
      std::string shown = ToValidUtf8(status);
      return "statuses must be 1 to " + std::to_string(kMaxStatusBytes) +
             " bytes of valid UTF-8, got '" + std::string(Utf8Prefix(shown, kMaxStatusBytes)) + "'";
    }
  }
  std::size_t total = order_ids_.size() + statuses_.size();
  for (int64_t id : order_ids) total += order_ids_.contains(id) ? 0 : 1;
  for (const auto& status : statuses) total += statuses_.contains(status) ? 0 : 1;
  if (total > kMaxRooms) {
    return "a socket may be in at most " + std::to_string(kMaxRooms) + " rooms, this would make " +
           std::to_string(total);
  }
  SocketIoRooms joined = *this;
  joined.order_ids_.insert(order_ids.begin(), order_ids.end());
  joined.statuses_.insert(statuses.begin(), statuses.end());
  joined.encoded_.reset();
  if (joined.Encoded().size() > kMaxEncodedBytes) {
    return "the rooms would take " + std::to_string(joined.Encoded().size()) +
           " bytes in every offset, more than " + std::to_string(kMaxEncodedBytes);
  }
  *this = std::move(joined);
  return std::nullopt;
}

void SocketIoRooms::Leave(const std::set<int64_t>& order_ids,
                          const std::set<std::string>& statuses) {
  std::size_t erased = 0;
  for (int64_t id : order_ids) erased += order_ids_.erase(id);
  for (const auto& status : statuses) erased += statuses_.erase(status);
  if (erased > 0) encoded_.reset();
}

std::vector<std::string> SocketIoRooms::RoomEvents(const EventKeys& keys) const {
  std::vector<std::string> events;
  if (keys.operation == Operation::kTruncate) return events;
  std::string suffix = ":" + std::string(decoder::OperationName(keys.operation));
  // order_id is the new row's id, or the old row's for a delete (EventKeys).
  if (keys.order_id && order_ids_.contains(*keys.order_id)) {
    events.push_back("order_" + std::to_string(*keys.order_id) + suffix);
  } else if (keys.old_order_id && order_ids_.contains(*keys.old_order_id)) {
    events.push_back("order_" + std::to_string(*keys.old_order_id) + suffix);
  }
  if (keys.status && statuses_.contains(*keys.status)) {
    events.push_back("status_" + *keys.status + suffix);
  }
  if (keys.old_status && keys.old_status != keys.status && statuses_.contains(*keys.old_status)) {
    events.push_back("status_" + *keys.old_status + suffix);
  }
  return events;
}

const std::string& SocketIoRooms::Encoded() const {
  if (encoded_) return *encoded_;
  std::string out;
  if (!order_ids_.empty()) {
    out += 'o';
    for (int64_t id : order_ids_) {
      if (out.size() > 1) out += ',';
      out += std::to_string(id);
    }
  }
  if (!statuses_.empty()) {
    if (!out.empty()) out += ';';
    out += 's';
    bool first = true;
    for (const auto& status : statuses_) {
      if (!first) out += ',';
      first = false;
      AppendPercentEncoded(out, status);
    }
  }
  encoded_ = std::move(out);
  return *encoded_;
}

std::optional<SocketIoRooms> SocketIoRooms::Decode(std::string_view text) {
  SocketIoRooms rooms;
  if (text.empty()) return rooms;
  std::string_view ids;
  std::string_view statuses;
  std::size_t semicolon = text.find(';');
  if (semicolon != std::string_view::npos) {
    ids = text.substr(0, semicolon);
    statuses = text.substr(semicolon + 1);
    if (ids.empty() || ids.front() != 'o' || statuses.empty() || statuses.front() != 's')
      return std::nullopt;
  } else if (text.front() == 'o') {
    ids = text;
  } else if (text.front() == 's') {
    statuses = text;
  } else {
    return std::nullopt;
  }
  if (!ids.empty()) {
    auto decoded = DecodeOrderIds(ids.substr(1));
    if (!decoded) return std::nullopt;
    rooms.order_ids_ = std::move(*decoded);
  }
  if (!statuses.empty()) {
    // A second ';' lands here and fails: it is not a character of an encoded status.
    auto decoded = DecodeStatuses(statuses.substr(1));
    if (!decoded) return std::nullopt;
    rooms.statuses_ = std::move(*decoded);
  }
  if (rooms.order_ids_.size() + rooms.statuses_.size() > kMaxRooms) return std::nullopt;
  if (text.size() > kMaxEncodedBytes) return std::nullopt;
  return rooms;
}

}  // namespace walcast::api
