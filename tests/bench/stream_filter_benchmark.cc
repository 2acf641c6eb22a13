// The cost of one client's filter test per event (api/stream_filter). Each session tests the
// events it sends against its own filter; this measures whether grouping sessions by distinct
// filter (testing once per filter per event) would save anything worth its bookkeeping.
// Items are filter tests.
#include <benchmark/benchmark.h>

#include "api/stream/stream_filter.h"

namespace walcast::api {
namespace {

StreamEvent UpdateKeys(int64_t id) {
  StreamEvent event;
  event.table = "orders";
  EventKeys& keys = event.keys;
  keys.operation = Operation::kUpdate;
  keys.order_id = id;
  keys.old_order_id = id;
  keys.status = "shipped";
  keys.old_status = "pending";
  return event;
}

void Run(benchmark::State& state, const StreamFilter& filter) {
  std::vector<StreamEvent> events;
  for (int64_t id = 1; id <= 64; ++id) events.push_back(UpdateKeys(id));
  std::size_t matched = 0;
  for (auto _ : state) {
    for (const auto& event : events) matched += filter.Matches(event);
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(events.size()));
}

void NoFilter(benchmark::State& state) { Run(state, StreamFilter()); }

void StatusFilter(benchmark::State& state) {
  StreamFilter filter;
  (void)filter.AddStatuses("delivered");
  Run(state, filter);
}

void OrderIdsAndOperations(benchmark::State& state) {
  StreamFilter filter;
  (void)filter.AddOrderIds("3,17,42,1000,2000");
  (void)filter.AddOperations("update,delete");
  Run(state, filter);
}

BENCHMARK(NoFilter);
BENCHMARK(StatusFilter);
BENCHMARK(OrderIdsAndOperations);

}  // namespace
}  // namespace walcast::api
