// Test-only: counts heap allocations made through the global operator new, for benchmarks that
// report allocations per change. Link allocation_counter.cc into the one binary that uses it; it
// replaces the global operator new/delete.
#pragma once

#include <cstdint>

namespace walcast::decoder::testing {

// Allocations so far in this process.
uint64_t AllocationCount();

}  // namespace walcast::decoder::testing
