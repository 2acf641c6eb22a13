#include "event_serializer.h"

#include <rapidjson/writer.h>

#include "pg_time.h"

namespace walcast::decoder {
namespace {

// A RapidJSON output stream that appends to a std::string, so the frame is built in place.
class StringOutput {
 public:
  using Ch = char;
  explicit StringOutput(std::string* out) : out_(out) {}
  void Put(char c) { out_->push_back(c); }
  void Flush() {}

 private:
  std::string* out_;
};

using Writer = rapidjson::Writer<StringOutput>;

void Key(Writer& writer, std::string_view key) {
  writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void String(Writer& writer, std::string_view text) {
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void OptionalRow(Writer& writer, const std::optional<Row>& row) {
  if (!row) {
    writer.Null();
    return;
  }
  std::string_view json = row->json();
  writer.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

void Names(Writer& writer, const std::vector<std::string>& names) {
  writer.StartArray();
  for (const std::string& name : names) String(writer, name);
  writer.EndArray();
}

}  // namespace

std::string SerializeEvent(const OrderEvent& event, std::string_view server_time) {
  std::string out;
  out.reserve(256 + (event.data ? event.data->json().size() : 0) +
              (event.old ? event.old->json().size() : 0));
  StringOutput stream(&out);
  Writer writer(stream);
  const std::string_view operation = OperationName(event.operation);

  writer.StartObject();
  Key(writer, "event");
  {
    // "orders:insert" without building a std::string.
    char name[64];
    if (event.table.size() + 1 + operation.size() <= sizeof(name)) {
      size_t size = event.table.copy(name, event.table.size());
      name[size++] = ':';
      size += operation.copy(name + size, operation.size());
      String(writer, std::string_view(name, size));
    } else {
      String(writer, EventName(event));
    }
  }
  Key(writer, "data");
  writer.StartObject();
  Key(writer, "id");
  String(writer, event.id.view());
  Key(writer, "type");
  String(writer, "database_change");
  Key(writer, "operation");
  String(writer, operation);
  Key(writer, "table");
  String(writer, event.table);
  Key(writer, "data");
  OptionalRow(writer, event.data);
  Key(writer, "old");
  OptionalRow(writer, event.old);
  Key(writer, "changed");
  if (event.changed) {
    Names(writer, *event.changed);
  } else {
    writer.Null();
  }
  if (!event.unchanged.empty()) {
    Key(writer, "unchanged");
    Names(writer, event.unchanged);
  }
  Key(writer, "timestamp");
  {
    char time[kRfc3339Size];
    if (WriteRfc3339(event.timestamp, time)) {
      String(writer, std::string_view(time, sizeof(time)));
    } else {
      String(writer, FormatRfc3339(event.timestamp));  // clamped
    }
  }
  Key(writer, "serverTime");
  String(writer, server_time);
  Key(writer, "lsn");
  if (event.lsn) {
    char lsn[Lsn::kMaxTextSize];
    String(writer, std::string_view(lsn, event.lsn->Format(lsn)));
  } else {
    writer.Null();
  }
  Key(writer, "xid");
  if (event.xid) {
    writer.Uint(*event.xid);
  } else {
    writer.Null();
  }
  writer.EndObject();
  writer.EndObject();
  return out;
}

}  // namespace walcast::decoder
