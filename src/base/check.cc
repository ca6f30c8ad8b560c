#include "leitplanke/base/check.h"

#include <cstdio>
#include <cstdlib>

namespace leitplanke::internal {

namespace {
std::atomic<uint64_t> g_bug_count{0};
}

void CheckFailed(const char* file, int line, const char* cond, const char* reason) {
  std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", file, line, cond, reason);
  std::abort();
}

void BugReported(const char* file, int line, const char* reason) {
  g_bug_count.fetch_add(1, std::memory_order_relaxed);
  std::fprintf(stderr, "%s:%d: bug: %s\n", file, line, reason);
#ifndef NDEBUG
  std::abort();
#endif
}

uint64_t BugCount() { return g_bug_count.load(std::memory_order_relaxed); }

}  // namespace leitplanke::internal
