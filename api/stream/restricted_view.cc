#include "api/stream/restricted_view.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string_view>

namespace walcast::api {
namespace {

using decoder::Operation;

std::optional<std::string> CustomerOf(const rapidjson::Value& row) {
  if (!row.IsObject()) return std::nullopt;
  auto customer = row.FindMember("customer_name");
  if (customer == row.MemberEnd() || !customer->value.IsString()) return std::nullopt;
  return std::string(customer->value.GetString(), customer->value.GetStringLength());
}

// The update in `document` rewritten as `operation` of `row` ("data" or "old"): the other row,
// the changed columns and the unknown ones are dropped, so nothing of a row the client may not
// see goes out.
StreamEventPtr Rewritten(const StreamEvent& update, const rapidjson::Document& document,
                         Operation operation, const char* row, const EventKeys& keys) {
  rapidjson::Document copy;
  copy.CopyFrom(document, copy.GetAllocator());
  auto& data = copy["data"];
  auto& allocator = copy.GetAllocator();
  const std::string_view name = decoder::OperationName(operation);
  rapidjson::Value kept(data[row], allocator);
  data["data"] = kept;
  data["old"].SetNull();
  data["changed"].SetNull();
  data.RemoveMember("unchanged");
  data["operation"].SetString(name.data(), static_cast<rapidjson::SizeType>(name.size()),
                              allocator);
  const auto& table = data["table"];
  std::string event_name =
      std::string(table.GetString(), table.GetStringLength()) + ":" + std::string(name);
  copy["event"].SetString(event_name.data(), static_cast<rapidjson::SizeType>(event_name.size()),
                          allocator);

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  copy.Accept(writer);
  auto out = std::make_shared<StreamEvent>();
  out->id = update.id;
  out->name = std::move(event_name);
  out->json.assign(buffer.GetString(), buffer.GetSize());
  out->ws_header = TextFrameHeader(out->json.size());
  out->keys = keys;
  out->table = update.table;
  out->row = std::string_view(row) == "old" ? update.old_row : update.row;
  out->xid = update.xid;
  AddSocketIoText(*out);
  return out;
}

// The update's shape as the serializer writes it (decoder/event_serializer.cc); anything else
// leaves the forms empty, and a restricted client then sees nothing of the event (fail closed).
bool HasUpdateShape(const rapidjson::Document& document) {
  if (!document.IsObject() || !document.HasMember("data") || !document["data"].IsObject()) {
    return false;
  }
  const auto& data = document["data"];
  for (const char* key : {"data", "old", "changed", "operation"}) {
    if (!data.HasMember(key)) return false;
  }
  return data.HasMember("table") && data["table"].IsString() && document.HasMember("event");
}

void BuildForms(const StreamEvent& event, RestrictedForms& forms) {
  rapidjson::Document document;
  document.Parse(event.json.data(), event.json.size());
  if (document.HasParseError() || !document.IsObject() || !document.HasMember("data")) return;
  const auto& data = document["data"];
  if (!data.IsObject()) return;
  if (auto row = data.FindMember("data"); row != data.MemberEnd()) {
    forms.customer = CustomerOf(row->value);
  }
  if (auto old = data.FindMember("old"); old != data.MemberEnd()) {
    forms.old_customer = CustomerOf(old->value);
  }
  if (event.keys.operation != Operation::kUpdate || !HasUpdateShape(document) ||
      !data["old"].IsObject()) {
    return;
  }
  const EventKeys& keys = event.keys;
  forms.as_delete = Rewritten(event, document, Operation::kDelete, "old",
                              EventKeys{Operation::kDelete, keys.old_order_id, std::nullopt,
                                        keys.old_status, std::nullopt});
  forms.as_insert = Rewritten(
      event, document, Operation::kInsert, "data",
      EventKeys{Operation::kInsert, keys.order_id, std::nullopt, keys.status, std::nullopt});
}

const RestrictedForms& FormsOf(const StreamEvent& event) {
  std::call_once(event.restricted.once, [&] { BuildForms(event, event.restricted); });
  return event.restricted;
}

}  // namespace

StreamEventPtr RestrictedView(const StreamEventPtr& event, const RowRestriction& rows) {
  if (rows.Unrestricted()) return event;
  // A restriction names orders (by customer); other tables' rows are not covered by it, so a
  // restricted client sees none of them (docs/tables.md).
  if (event->table != "orders") return nullptr;
  const EventKeys& keys = event->keys;
  if (keys.operation == Operation::kTruncate) return event;
  const RestrictedForms& forms = FormsOf(*event);
  const bool new_in = rows.Allows(keys.order_id, forms.customer);
  if (keys.operation != Operation::kUpdate) return new_in ? event : nullptr;
  // Without the old row (no REPLICA IDENTITY FULL) the update is judged by its new row.
  const bool has_old = keys.old_order_id.has_value();
  const bool old_in = has_old ? rows.Allows(keys.old_order_id, forms.old_customer) : new_in;
  if (old_in && new_in) return event;
  if (old_in) return forms.as_delete;
  if (new_in) return forms.as_insert;
  return nullptr;
}

}  // namespace walcast::api
