// Checks/s of the per-client-IP rate limiter (api/guard/rate_limiter.h), which every REST request
// passes. Three shapes: one thread, two threads on the same address (one shard's mutex
// contended), two threads on many addresses (shards spread the lock). The rate is high enough
// that every check is allowed, so the figure is the cost of the check itself.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "api/guard/rate_limiter.h"

namespace {

using walcast::api::RateLimiter;
using walcast::api::RateLimitOptions;

RateLimiter& SharedLimiter() {
  static RateLimiter limiter([] {
    RateLimitOptions options;
    options.requests_per_second = 1e12;
    return options;
  }());
  return limiter;
}

std::vector<std::string> Addresses(int count, int thread) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.push_back("10." + std::to_string(thread) + "." + std::to_string(i / 250) + "." +
                  std::to_string(i % 250));
  }
  return out;
}

void BM_CheckOneAddress(benchmark::State& state) {
  RateLimiter& limiter = SharedLimiter();
  for (auto _ : state) benchmark::DoNotOptimize(limiter.Check("127.0.0.1").allowed);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckOneAddress)->Threads(1)->Threads(2)->UseRealTime();

void BM_CheckManyAddresses(benchmark::State& state) {
  RateLimiter& limiter = SharedLimiter();
  auto addresses = Addresses(1000, state.thread_index());
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(limiter.Check(addresses[i]).allowed);
    if (++i == addresses.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CheckManyAddresses)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
