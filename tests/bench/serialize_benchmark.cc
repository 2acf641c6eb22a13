// Serializing one order event into its §4 text frame (done once per event, shared by every
// client). Items are events.
#include <benchmark/benchmark.h>

#include "decoder/event_serializer.h"
#include "decoder/json_row.h"

namespace walcast::decoder {
namespace {

Row OrderRow(const char* status) {
  RowBuilder row(256, 6);
  row.AddValue(JsonKey("id"), ValueKind::kNumber, "1001");
  row.AddValue(JsonKey("customer_name"), ValueKind::kText, "Customer 1001");
  row.AddValue(JsonKey("product_name"), ValueKind::kText, "Wireless Mouse");
  row.AddValue(JsonKey("status"), ValueKind::kText, status);
  row.AddValue(JsonKey("created_at"), ValueKind::kTimestamp, "2026-11-24 10:45:54.991053+00");
  row.AddValue(JsonKey("updated_at"), ValueKind::kTimestamp, "2026-11-24 10:46:01.5+00");
  return std::move(row).Finish();
}

void SerializeUpdate(benchmark::State& state) {
  OrderEvent event;
  event.id = EventId(Lsn(0x1A3F2C8), 3);
  event.operation = Operation::kUpdate;
  event.table = "orders";
  event.data = OrderRow("shipped");
  event.old = OrderRow("pending");
  event.changed = std::vector<std::string>{"status", "updated_at"};
  event.timestamp = 1'795'517'154'991'053;
  event.lsn = Lsn(0x1A3F2C8);
  event.xid = 1234;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string frame = SerializeEvent(event, "2026-11-24T10:45:55.000120Z");
    bytes += frame.size();
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(SerializeUpdate);

}  // namespace
}  // namespace walcast::decoder
