// The hot path end to end: pgoutput bytes -> StreamDecoder (read, normalize, assemble) ->
// SerializeEvent, for typical orders inserts, updates (REPLICA IDENTITY FULL: old row and changed
// columns) and deletes. Items are changes; `allocs/change` counts
// heap allocations per change over the timed loop.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "decoder/event_serializer.h"
#include "decoder/pg_time.h"
#include "decoder/stream_decoder.h"
#include "decoder/testing/allocation_counter.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

namespace t = testing;

constexpr int64_t kCommitTime = 848'832'354'991'053;
constexpr char kServerTime[] = "2026-11-24T10:45:55.000120Z";

t::Tuple TypicalRow(int id, const char* status, const char* updated_at) {
  return t::OrdersRow(id, "Customer " + std::to_string(id), "Wireless Mouse", status,
                      "2026-11-24 10:45:54.991053+00", updated_at);
}

enum Path { kInsert = 0, kUpdate = 1, kDelete = 2 };

// One transaction of `changes` inserts, updates or deletes, as pgoutput sends it.
std::vector<std::string> Transaction(Path path, int changes) {
  std::vector<std::string> messages = {t::Begin(0x1A3F2C8, kCommitTime, 1234)};
  for (int i = 0; i < changes; ++i) {
    if (path == kDelete) {
      messages.push_back(t::Delete(t::kOrdersRelationId, 'O',
                                   TypicalRow(1000 + i, "shipped", "2026-11-24 10:46:01.5+00")));
    } else if (path == kUpdate) {
      messages.push_back(t::Update(t::kOrdersRelationId, 'O',
                                   TypicalRow(1000 + i, "pending", "2026-11-24 10:45:54.991053+00"),
                                   TypicalRow(1000 + i, "shipped", "2026-11-24 10:46:01.5+00")));
    } else {
      messages.push_back(t::Insert(
          t::kOrdersRelationId, TypicalRow(1000 + i, "pending", "2026-11-24 10:45:54.991053+00")));
    }
  }
  messages.push_back(t::Commit(0x1A3F2C8, 0x1A3F2F8, kCommitTime));
  return messages;
}

void DecodeNormalizeSerialize(benchmark::State& state) {
  const auto path = static_cast<Path>(state.range(0));
  const int changes = static_cast<int>(state.range(1));
  const std::vector<std::string> messages = Transaction(path, changes);
  StreamDecoder decoder;
  if (!decoder.Feed(t::OrdersRelation()).ok()) state.SkipWithError("relation");
  size_t bytes = 0;
  const uint64_t allocations_before = t::AllocationCount();
  for (auto _ : state) {
    for (const std::string& message : messages) {
      auto result = decoder.Feed(message);
      if (!result.ok()) {
        state.SkipWithError(result.error().ToString().c_str());
        return;
      }
      if (!*result) continue;
      for (const OrderEvent& event : (*result)->events) {
        std::string frame = SerializeEvent(event, kServerTime);
        bytes += frame.size();
        benchmark::DoNotOptimize(frame.data());
      }
    }
  }
  const double total = static_cast<double>(state.iterations()) * changes;
  state.SetItemsProcessed(static_cast<int64_t>(total));
  state.counters["allocs/change"] =
      static_cast<double>(t::AllocationCount() - allocations_before) / total;
  state.counters["frame_bytes"] = static_cast<double>(bytes) / total;
}
BENCHMARK(DecodeNormalizeSerialize)
    ->ArgNames({"path", "changes_per_txn"})  // path: 0 insert, 1 update, 2 delete
    ->Args({kInsert, 1})
    ->Args({kInsert, 100})
    ->Args({kUpdate, 1})
    ->Args({kUpdate, 100})
    ->Args({kDelete, 1})
    ->Args({kDelete, 100});

}  // namespace
}  // namespace walcast::decoder
