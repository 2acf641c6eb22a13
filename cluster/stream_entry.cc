#include "cluster/stream_entry.h"

#include <charconv>
#include <type_traits>

#include "api/stream/event_rows.h"
#include "decoder/order_event.h"

namespace walcast::cluster {
namespace {

constexpr char kSeparator = '\x1f';

template <class Number>
std::optional<Number> Decimal(std::string_view text) {
  Number value{};
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> parts;
  while (true) {
    auto at = text.find(kSeparator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// The event's name: the JSON string token of its envelope, unquoted (event names are plain
// identifiers, "orders:update"; an escaped one is taken as written).
std::optional<std::string> NameOf(std::string_view json) {
  auto parts = api::SplitEnvelope(json);
  if (!parts || parts->name_json.size() < 2) return std::nullopt;
  return std::string(parts->name_json.substr(1, parts->name_json.size() - 2));
}

}  // namespace

std::string StreamIdOf(const decoder::EventId& id) {
  return std::to_string(id.commit_lsn().value()) + "-" + std::to_string(id.index());
}

std::optional<decoder::EventId> EventIdOfStreamId(std::string_view stream_id) {
  auto dash = stream_id.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto lsn = Decimal<uint64_t>(stream_id.substr(0, dash));
  auto index = Decimal<uint32_t>(stream_id.substr(dash + 1));
  if (!lsn || !index || *lsn == 0) return std::nullopt;
  return decoder::EventId(decoder::Lsn(*lsn), *index);
}

std::string EncodeKeys(const api::EventKeys& keys, uint32_t xid) {
  std::string out(decoder::OperationName(keys.operation));
  auto field = [&](const auto& value) {
    out += kSeparator;
    if (!value) return;
    if constexpr (std::is_same_v<std::decay_t<decltype(*value)>, int64_t>) {
      out += std::to_string(*value);
    } else {
      out += *value;
    }
  };
  field(keys.order_id);
  field(keys.old_order_id);
  field(keys.status);
  field(keys.old_status);
  out += kSeparator;
  out += std::to_string(xid);
  return out;
}

std::optional<DecodedKeys> DecodeKeys(std::string_view text) {
  auto parts = Split(text);
  if (parts.size() != 6) return std::nullopt;
  DecodedKeys decoded;
  auto operation = decoder::ParseOperation(parts[0]);
  if (!operation) return std::nullopt;
  decoded.keys.operation = *operation;
  auto id = [](std::string_view part, std::optional<int64_t>* out) {
    if (part.empty()) return true;
    bool negative = part.starts_with('-');
    auto value = Decimal<int64_t>(negative ? part.substr(1) : part);
    if (!value) return false;
    *out = negative ? -*value : *value;
    return true;
  };
  if (!id(parts[1], &decoded.keys.order_id) || !id(parts[2], &decoded.keys.old_order_id)) {
    return std::nullopt;
  }
  if (!parts[3].empty()) decoded.keys.status = std::string(parts[3]);
  if (!parts[4].empty()) decoded.keys.old_status = std::string(parts[4]);
  auto xid = Decimal<uint32_t>(parts[5]);
  if (!xid) return std::nullopt;
  decoded.xid = *xid;
  return decoded;
}

std::vector<StreamEntry> EntriesOf(const api::PublishedTransaction& transaction) {
  std::vector<StreamEntry> entries;
  entries.reserve(transaction.events.size());
  for (const auto& event : transaction.events) {
    StreamEntry entry;
    entry.id = StreamIdOf(event->id);
    entry.fields.emplace_back("j", event->json);
    entry.fields.emplace_back("f", EncodeKeys(event->keys, event->xid));
    entry.fields.emplace_back("e", std::to_string(transaction.end_lsn.value()));
    entries.push_back(std::move(entry));
  }
  if (transaction.complete && !entries.empty()) entries.back().fields.emplace_back("z", "1");
  return entries;
}

std::optional<ReadEntry> EventOfEntry(
    std::string_view id, const std::vector<std::pair<std::string, std::string>>& fields,
    std::string* error) {
  auto event_id = EventIdOfStreamId(id);
  if (!event_id) {
    *error = "entry id " + std::string(id) + " is not a walcast event id";
    return std::nullopt;
  }
  const std::string* json = nullptr;
  const std::string* keys = nullptr;
  const std::string* end = nullptr;
  const std::string* number = nullptr;
  bool last = false;
  for (const auto& [name, value] : fields) {
    if (name == "n") number = &value;
    if (name == "j") json = &value;
    if (name == "f") keys = &value;
    if (name == "e") end = &value;
    if (name == "z") last = value == "1";
  }
  if (json == nullptr || keys == nullptr || end == nullptr) {
    *error = "entry " + std::string(id) + " lacks its j, f or e field";
    return std::nullopt;
  }
  auto decoded = DecodeKeys(*keys);
  auto name = NameOf(*json);
  if (!decoded || !name) {
    *error = "entry " + std::string(id) + " has malformed fields";
    return std::nullopt;
  }
  auto event = std::make_shared<api::StreamEvent>();
  event->id = *event_id;
  event->name = std::move(*name);
  event->json = *json;
  event->ws_header = api::TextFrameHeader(event->json.size());
  event->keys = std::move(decoded->keys);
  event->xid = decoded->xid;
  api::AddSocketIoText(*event);
  api::AddRowsFromJson(*event);
  auto lsn = Decimal<uint64_t>(*end);
  if (!lsn) {
    *error = "entry " + std::string(id) + " has a malformed end LSN";
    return std::nullopt;
  }
  ReadEntry read;
  if (number != nullptr) {
    auto parsed = Decimal<uint64_t>(*number);
    if (!parsed) {
      *error = "entry " + std::string(id) + " has a malformed number";
      return std::nullopt;
    }
    read.number = *parsed;
  }
  read.event = std::move(event);
  read.end_lsn = decoder::Lsn(*lsn);
  read.last = last;
  return read;
}

std::optional<std::vector<ReadEntry>> EventsOfEntries(const redis::RedisValue& entries,
                                                      std::string* error) {
  std::vector<ReadEntry> out;
  out.reserve(entries.elements.size());
  for (const auto& entry : entries.elements) {
    if (entry.elements.size() != 2 || !entry.elements[0].Text()) {
      *error = "a stream entry of an unexpected shape: " + entry.Describe();
      return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> fields;
    const auto& flat = entry.elements[1].elements;
    for (std::size_t i = 0; i + 1 < flat.size(); i += 2) {
      fields.emplace_back(flat[i].text, flat[i + 1].text);
    }
    auto read = EventOfEntry(entry.elements[0].text, fields, error);
    if (!read) return std::nullopt;
    out.push_back(std::move(*read));
  }
  return out;
}

}  // namespace walcast::cluster
