// A separate translation unit on purpose: with the malloc inside operator new
// visible at call sites, GCC's -Wmismatched-new-delete misfires on every
// inlined std::allocator. The runtime's operator delete frees with free(),
// which matches the malloc here, so only operator new is replaced.
#include "alloc_counter.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

namespace leitplanke::bench {

uint64_t AllocationCount() { return g_allocations.load(std::memory_order_relaxed); }

}  // namespace leitplanke::bench
