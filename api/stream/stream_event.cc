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

StreamEventPtr MakeStreamEvent(const decoder::OrderEvent& event, std::string_view server_time) {
  auto out = std::make_shared<StreamEvent>();
  out->id = event.id;
  out->name = decoder::EventName(event);
  out->json = decoder::SerializeEvent(event, server_time);
  out->ws_header = TextFrameHeader(out->json.size());
  out->keys.operation = event.operation;
  out->xid = event.xid.value_or(0);
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
