// Normalizing one decoded change into an OrderEvent (rows rendered as typed JSON), without
// reading or serializing. Items are changes.
#include <benchmark/benchmark.h>

#include "decoder/normalizer.h"
#include "decoder/pgoutput_reader.h"
#include "decoder/relation_cache.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

namespace t = testing;

template <typename T>
T Read(const std::string& bytes) {
  return std::get<T>(ReadMessage(bytes, false).value());
}

void NormalizeInsert(benchmark::State& state) {
  RelationCache cache;
  const std::string relation = t::OrdersRelation();
  const RelationInfo& orders = cache.Apply(Read<RelationMessage>(relation));
  const std::string bytes = t::Insert(t::kOrdersRelationId, t::OrdersRow(1001));
  const InsertMessage message = Read<InsertMessage>(bytes);
  Normalizer normalizer;
  for (auto _ : state) {
    Result<OrderEvent> event = normalizer.Insert(message, orders);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(NormalizeInsert);

void NormalizeUpdate(benchmark::State& state) {
  RelationCache cache;
  const std::string relation = t::OrdersRelation();
  const RelationInfo& orders = cache.Apply(Read<RelationMessage>(relation));
  const std::string bytes =
      t::Update(t::kOrdersRelationId, 'O', t::OrdersRow(1001),
                t::OrdersRow(1001, "Alice", "Laptop", "shipped", "2026-11-24 10:45:54.991053+00",
                             "2026-11-24 10:46:01.5+00"));
  const UpdateMessage message = Read<UpdateMessage>(bytes);
  Normalizer normalizer;
  for (auto _ : state) {
    Result<OrderEvent> event = normalizer.Update(message, orders);
    benchmark::DoNotOptimize(event);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(NormalizeUpdate);

void FormatTimestampValue(benchmark::State& state) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendJsonValue(pg_type::kTimestampTz, "2026-11-24 16:15:54.991053+05:30", &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(FormatTimestampValue);

}  // namespace
}  // namespace walcast::decoder
