// Reading pgoutput messages (no normalization): ReadMessage over a typical orders insert and
// update, and the walsender frame around them. Items are messages.
#include <benchmark/benchmark.h>

#include "decoder/pgoutput_reader.h"
#include "decoder/testing/pgoutput_encoder.h"
#include "decoder/walsender_frame.h"

namespace walcast::decoder {
namespace {

namespace t = testing;

const std::string& Insert() {
  static const std::string bytes = t::Insert(t::kOrdersRelationId, t::OrdersRow(1001));
  return bytes;
}

const std::string& Update() {
  static const std::string bytes = t::Update(t::kOrdersRelationId, 'O', t::OrdersRow(1001),
                                             t::OrdersRow(1001, "Alice", "Laptop", "shipped"));
  return bytes;
}

void ReadMessageBench(benchmark::State& state, const std::string& bytes) {
  for (auto _ : state) {
    Result<Message> message = ReadMessage(bytes, false);
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}

void ReadInsert(benchmark::State& state) { ReadMessageBench(state, Insert()); }
void ReadUpdate(benchmark::State& state) { ReadMessageBench(state, Update()); }
BENCHMARK(ReadInsert);
BENCHMARK(ReadUpdate);

void ParseXLogDataFrame(benchmark::State& state) {
  const std::string frame = t::XLogDataFrame(0x100, 0x200, 12345, Insert());
  for (auto _ : state) {
    Result<WalsenderFrame> parsed = ParseWalsenderFrame(frame);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(ParseXLogDataFrame);

}  // namespace
}  // namespace walcast::decoder
