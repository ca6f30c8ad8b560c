// Outgoing files for the connectors' media tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::testing {

inline desk::OutboundMedia TestFile(std::string name, std::string mime_type, std::string bytes,
                                    std::string alt_text = "", int32_t width = 0,
                                    int32_t height = 0) {
  desk::OutboundMedia m;
  m.name = std::move(name);
  m.mime_type = std::move(mime_type);
  m.alt_text = std::move(alt_text);
  m.width = width;
  m.height = height;
  m.bytes = std::make_shared<const std::string>(std::move(bytes));
  return m;
}

// `n` bytes of every value (a linear congruential sequence from `seed`):
// uploads must carry them unchanged.
inline std::string PseudoRandomBytes(size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>(seed >> 16);
  }
  return s;
}

}  // namespace leitplanke::channels::testing
