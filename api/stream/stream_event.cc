#include "api/stream/stream_event.h"

#include <charconv>

#include "decoder/event_serializer.h"

namespace walcast::api {
namespace {

std::optional<int64_t> IntegerColumn(const decoder::Row& row, std::string_view column) {
  auto raw = row.Find(column);
  if (!raw) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc() || end != raw->data() + raw->size()) return std::nullopt;
  return value;
}

// Statuses are short ASCII words (the table's check constraint), so the JSON string needs no
// unescaping; anything else is not a status a filter could name.
std::optional<std::string> StatusColumn(const decoder::Row& row) {
  auto raw = row.Find("status");
  if (!raw || raw->size() < 2 || raw->front() != '"' || raw->back() != '"') return std::nullopt;
  std::string_view text = raw->substr(1, raw->size() - 2);
  if (text.find('\\') != std::string_view::npos) return std::nullopt;
  return std::string(text);
}

}  // namespace

std::optional<EnvelopeParts> SplitEnvelope(std::string_view json) {
  constexpr std::string_view kHead = R"({"event":")";
  constexpr std::string_view kData = R"(,"data":)";
  if (!json.starts_with(kHead) || !json.ends_with('}')) return std::nullopt;
  // The name is a JSON string: it ends at the first quote no backslash escapes.
  std::size_t end = kHead.size();
  while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
  if (end >= json.size()) return std::nullopt;
  std::string_view name = json.substr(kHead.size() - 1, end - kHead.size() + 2);
  std::string_view rest = json.substr(end + 1);
  if (!rest.starts_with(kData) || rest.size() < kData.size() + 2) return std::nullopt;
  return EnvelopeParts{name, rest.substr(kData.size(), rest.size() - kData.size() - 1)};
}

void AddSocketIoText(StreamEvent& event) {
  auto parts = SplitEnvelope(event.json);
  if (!parts) return;
  std::string& text = event.socketio;
  text.reserve(event.json.size() + 2 * event.id.view().size());
  text.append("42[").append(parts->name_json).append(",").append(parts->data_json).append(",\"");
  event.socketio_head = text.size();
  text.append(event.id.view()).append("\"]");
  event.socketio_ws_header = TextFrameHeader(text.size());
}

StreamEventPtr MakeStreamEvent(const decoder::OrderEvent& event, std::string_view server_time) {
  auto out = std::make_shared<StreamEvent>();
  out->id = event.id;
  out->name = decoder::EventName(event);
  out->json = decoder::SerializeEvent(event, server_time);
  out->ws_header = TextFrameHeader(out->json.size());
  AddSocketIoText(*out);
  out->keys.operation = event.operation;
  out->xid = event.xid.value_or(0);
  out->table = decoder::QualifiedTableName(event.schema, event.table);
  out->row = event.data;
  out->old_row = event.old;
  if (out->table != "orders") return out;
  if (event.data) {
    out->keys.order_id = IntegerColumn(*event.data, "id");
    out->keys.status = StatusColumn(*event.data);
  }
  if (event.old) {
    out->keys.old_order_id = IntegerColumn(*event.old, "id");
    out->keys.old_status = StatusColumn(*event.old);
  }
  return out;
}

}  // namespace walcast::api
