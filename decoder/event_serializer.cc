#include "decoder/event_serializer.h"

#include <charconv>

#include "decoder/pg_time.h"
#include "decoder/value_format.h"

// The frame has a fixed shape and its rows are JSON already, so it is written directly: constant
// keys as literals, strings through AppendJsonString (which copies unescaped runs whole), rows by
// one copy. RapidJSON's Writer, which escapes and stores byte by byte, took 436 ns for a typical
// update frame against about a quarter of that here (tests/bench/serialize_benchmark.cc); the
// tests parse every frame back with RapidJSON.

namespace walcast::decoder {
namespace {

void AppendRow(const std::optional<Row>& row, std::string* out) {
  if (row) {
    out->append(row->json());
  } else {
    out->append("null");
  }
}

template <typename Names>
void AppendNames(const Names& names, std::string* out) {
  out->push_back('[');
  bool first = true;
  for (std::string_view name : names) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(name, out);
  }
  out->push_back(']');
}

}  // namespace

std::string SerializeEvent(const OrderEvent& event, std::string_view server_time) {
  const std::string_view operation = OperationName(event.operation);
  std::string out;
  out.reserve(320 + event.table.size() + server_time.size() +
              (event.data ? event.data->json().size() : 0) +
              (event.old ? event.old->json().size() : 0));

  // Table and operation are plain identifiers in practice; escaping keeps any name valid JSON.
  out.append(R"({"event":)");
  {
    char name[64];
    if (event.table.size() + 1 + operation.size() <= sizeof(name)) {
      size_t size = event.table.copy(name, event.table.size());
      name[size++] = ':';
      size += operation.copy(name + size, operation.size());
      AppendJsonString(std::string_view(name, size), &out);
    } else {
      AppendJsonString(EventName(event), &out);
    }
  }
  out.append(R"(,"data":{"id":")");
  out.append(event.id.view());
  out.append(R"(","type":"database_change","operation":")");
  out.append(operation);
  out.append(R"(","table":)");
  AppendJsonString(event.table, &out);
  out.append(R"(,"data":)");
  AppendRow(event.data, &out);
  out.append(R"(,"old":)");
  AppendRow(event.old, &out);
  out.append(R"(,"changed":)");
  if (event.changed) {
    AppendNames(*event.changed, &out);
  } else {
    out.append("null");
  }
  if (!event.unchanged.empty()) {
    out.append(R"(,"unchanged":)");
    AppendNames(event.unchanged, &out);
  }
  out.append(R"(,"timestamp":")");
  if (!AppendRfc3339(event.timestamp, &out)) out.append(FormatRfc3339(event.timestamp));
  out.append(R"(","serverTime":)");
  AppendJsonString(server_time, &out);
  out.append(R"(,"lsn":)");
  if (event.lsn) {
    out.push_back('"');
    event.lsn->AppendTo(&out);
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.append(R"(,"xid":)");
  if (event.xid) {
    char digits[10];
    out.append(digits, std::to_chars(digits, digits + sizeof(digits), *event.xid).ptr);
  } else {
    out.append("null");
  }
  out.append("}}");
  return out;
}

}  // namespace walcast::decoder
