// Heap allocation counter for benchmarks: linking alloc_counter.cc replaces
// the binary's global operator new with one that counts calls. Used by
// guard_bench to report allocations per Check() and per detector Scan().
//
// Thread-safety: the counter is atomic (relaxed); reading it is cheap.
#pragma once

#include <cstdint>

namespace leitplanke::bench {

// Number of operator new calls since program start.
uint64_t AllocationCount();

}  // namespace leitplanke::bench
