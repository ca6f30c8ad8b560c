// Clock: the one seam through which code reads the wall clock.
//
// Services that enforce timeouts, lockouts or TOTP windows take a `Clock&` so
// that tests can drive time with `FakeClock` instead of sleeping. Times are
// milliseconds since the Unix epoch (UTC), the same unit as store::Millis.
//
// Thread-safety: all implementations here are safe to call from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace leitplanke {

using Millis = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  // Current wall-clock time in milliseconds since the epoch.
  virtual Millis NowMillis() const = 0;
};

// Reads std::chrono::system_clock.
class SystemClock final : public Clock {
 public:
  Millis NowMillis() const override;
  // A process-wide instance; never destroyed.
  static SystemClock& Default();
};

// A clock that only moves when told to. For tests.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Millis start = 1'700'000'000'000) : now_(start) {}
  Millis NowMillis() const override { return now_.load(std::memory_order_relaxed); }
  void Set(Millis now) { now_.store(now, std::memory_order_relaxed); }
  void Advance(Millis delta) { now_.fetch_add(delta, std::memory_order_relaxed); }
  void AdvanceSeconds(int64_t seconds) { Advance(seconds * 1000); }

 private:
  std::atomic<Millis> now_;
};

}  // namespace leitplanke
