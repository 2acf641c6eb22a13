#include "decoder/event_serializer.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "decoder/pg_time.h"
#include "decoder/table_catalog.h"
#include "decoder/value_format.h"

// The frame has a fixed shape and its rows are JSON already, so it is written directly, not with
// RapidJSON's Writer (which escapes and stores byte by byte: 436 ns for a typical update frame
// against about a quarter of that; tests/bench/serialize_benchmark.cc). Its size is computed
// first, exactly, and the text is then written through a pointer: one allocation, and constant
// pieces become fixed-size copies instead of about 30 std::string appends, whose bookkeeping
// showed in profiles. The tests parse every frame back with RapidJSON.

namespace walcast::decoder {
namespace {

constexpr std::string_view kNull = "null";

// Writes into room sized beforehand.
class FrameWriter {
 public:
  explicit FrameWriter(char* at) : at_(at) {}
  char* at() const { return at_; }

  void Put(std::string_view text) {
    std::memcpy(at_, text.data(), text.size());
    at_ += text.size();
  }
  void Put(char c) { *at_++ = c; }
  void PutJsonString(std::string_view text) { at_ = WriteJsonString(text, at_); }
  template <typename Names>
  void PutNames(const Names& names) {
    Put('[');
    bool first = true;
    for (std::string_view name : names) {
      if (!first) Put(',');
      first = false;
      PutJsonString(name);
    }
    Put(']');
  }

 private:
  char* at_;
};

template <typename Names>
size_t NamesSize(const Names& names) {
  size_t size = 2;  // []
  size_t count = 0;
  for (std::string_view name : names) {
    size += JsonStringSize(name);
    ++count;
  }
  return size + (count > 0 ? count - 1 : 0);  // commas
}

std::string_view RowJson(const std::optional<Row>& row) { return row ? row->json() : kNull; }

}  // namespace

std::string SerializeEvent(const OrderEvent& event, std::string_view server_time) {
  static constexpr std::string_view kEvent = R"({"event":)";
  static constexpr std::string_view kId = R"(,"data":{"id":")";
  static constexpr std::string_view kOperation = R"(","type":"database_change","operation":")";
  static constexpr std::string_view kTable = R"(","table":)";
  static constexpr std::string_view kSchema = R"(,"schema":)";
  static constexpr std::string_view kIdentity = R"(,"replicaIdentity":")";
  static constexpr std::string_view kData = R"(,"data":)";
  static constexpr std::string_view kOld = R"(,"old":)";
  static constexpr std::string_view kChanged = R"(,"changed":)";
  static constexpr std::string_view kUnchanged = R"(,"unchanged":)";
  static constexpr std::string_view kTimestamp = R"(,"timestamp":")";
  static constexpr std::string_view kServerTime = R"(","serverTime":)";
  static constexpr std::string_view kLsn = R"(,"lsn":)";
  static constexpr std::string_view kXid = R"(,"xid":)";
  static constexpr std::string_view kEnd = "}}";

  const std::string_view operation = OperationName(event.operation);
  const std::string_view data = RowJson(event.data);
  const std::string_view old = RowJson(event.old);
  char timestamp_text[kRfc3339Size];
  std::string slow_timestamp;  // years outside 1..9999 only
  std::string_view timestamp(timestamp_text, kRfc3339Size);
  if (!WriteRfc3339(event.timestamp, timestamp_text)) {
    slow_timestamp = FormatRfc3339(event.timestamp);
    timestamp = slow_timestamp;
  }
  char lsn_text[Lsn::kMaxTextSize];
  const size_t lsn_size = event.lsn ? event.lsn->Format(lsn_text) : 0;
  char xid_text[10];
  const size_t xid_size =
      event.xid
          ? static_cast<size_t>(
                std::to_chars(xid_text, xid_text + sizeof(xid_text), *event.xid).ptr - xid_text)
          : 0;
  // Escaping is per character, so the event name "table:operation" escapes as the table does,
  // and "schema.table:operation" as the schema, a dot and the table do.
  const size_t table_size = JsonStringSize(event.table);
  const size_t schema_size = JsonStringSize(event.schema);
  const bool qualified = event.schema != "public";
  const size_t name_size = table_size + (qualified ? schema_size - 1 : 0);
  const std::string_view identity = event.replica_identity == ReplicaIdentity::kFull
                                        ? std::string_view()
                                        : ReplicaIdentityName(event.replica_identity);

  const size_t size =
      kEvent.size() + name_size + 1 + operation.size() + kId.size() + EventId::kSize +
      kOperation.size() + operation.size() + kTable.size() + table_size + kSchema.size() +
      schema_size + (identity.empty() ? 0 : kIdentity.size() + identity.size() + 1) + kData.size() +
      data.size() + kOld.size() + old.size() + kChanged.size() +
      (event.changed ? NamesSize(*event.changed) : kNull.size()) +
      (event.unchanged.empty() ? 0 : kUnchanged.size() + NamesSize(event.unchanged)) +
      kTimestamp.size() + timestamp.size() + kServerTime.size() + JsonStringSize(server_time) +
      kLsn.size() + (event.lsn ? lsn_size + 2 : kNull.size()) + kXid.size() +
      (event.xid ? xid_size : kNull.size()) + kEnd.size();
  std::string out(size, '\0');
  FrameWriter w(out.data());

  w.Put(kEvent);
  // The event name: the table's JSON string with ":operation" before its closing quote, and
  // "schema." after its opening one when the schema is not public.
  if (qualified) {
    w.PutJsonString(event.schema);
    // The table's string starts on the schema's closing quote, which then becomes the dot.
    char* dot = w.at() - 1;
    w = FrameWriter(dot);
    w.PutJsonString(event.table);
    *dot = '.';
  } else {
    w.PutJsonString(event.table);
  }
  FrameWriter name(w.at() - 1);
  name.Put(':');
  name.Put(operation);
  name.Put('"');
  w = name;
  w.Put(kId);
  w.Put(event.id.view());
  w.Put(kOperation);
  w.Put(operation);
  w.Put(kTable);
  w.PutJsonString(event.table);
  w.Put(kSchema);
  w.PutJsonString(event.schema);
  if (!identity.empty()) {
    w.Put(kIdentity);
    w.Put(identity);
    w.Put('"');
  }
  w.Put(kData);
  w.Put(data);
  w.Put(kOld);
  w.Put(old);
  w.Put(kChanged);
  if (event.changed) {
    w.PutNames(*event.changed);
  } else {
    w.Put(kNull);
  }
  if (!event.unchanged.empty()) {
    w.Put(kUnchanged);
    w.PutNames(event.unchanged);
  }
  w.Put(kTimestamp);
  w.Put(timestamp);
  w.Put(kServerTime);
  w.PutJsonString(server_time);
  w.Put(kLsn);
  if (event.lsn) {
    w.Put('"');
    w.Put(std::string_view(lsn_text, lsn_size));
    w.Put('"');
  } else {
    w.Put(kNull);
  }
  w.Put(kXid);
  w.Put(event.xid ? std::string_view(xid_text, xid_size) : kNull);
  w.Put(kEnd);
  // The sizes above and the writes must agree; a frame with a gap or an overrun is a bug.
  if (w.at() != out.data() + out.size()) std::abort();
  return out;
}

}  // namespace walcast::decoder
