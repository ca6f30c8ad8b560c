#include "leitplanke/base/clock.h"

#include <chrono>

namespace leitplanke {

Millis SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

SystemClock& SystemClock::Default() {
  // Leaked on purpose: usable from static destructors of other objects.
  static auto* clock = new SystemClock();
  return *clock;
}

}  // namespace leitplanke
