// Asserts for bugs, never for input.
//
//   LP_DCHECK(cond, "reason")  debug-only invariant.
//   LP_CHECK(cond, "reason")   always on; aborts when we cannot continue.
//   LP_BUG("reason")           a surprise: aborts in debug, counts in release.
#pragma once

#include <atomic>
#include <cstdint>

namespace leitplanke::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond, const char* reason);
void BugReported(const char* file, int line, const char* reason);
// Number of LP_BUG hits in this process (release builds).
uint64_t BugCount();
}  // namespace leitplanke::internal

#define LP_CHECK(cond, reason)                                                           \
  do {                                                                                   \
    if (!(cond)) ::leitplanke::internal::CheckFailed(__FILE__, __LINE__, #cond, reason); \
  } while (0)

#ifdef NDEBUG
#define LP_DCHECK(cond, reason) \
  do {                          \
  } while (0)
#else
#define LP_DCHECK(cond, reason) LP_CHECK(cond, reason)
#endif

#define LP_BUG(reason) ::leitplanke::internal::BugReported(__FILE__, __LINE__, reason)
