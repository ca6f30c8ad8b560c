#include "leitplanke/base/random_key.h"

#include <cstdint>
#include <random>

namespace leitplanke {

std::string RandomKey() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int j = 0; j < 16; ++j, v >>= 4) out.push_back(kHex[v & 15]);
  }
  return out;
}

}  // namespace leitplanke
