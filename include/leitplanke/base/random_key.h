// RandomKey: unique-enough keys for idempotency and similar bookkeeping.
//
// Not for secrets (tokens, passwords, nonces come from the trust module's
// crypto). Thread-safety: safe from any thread (one generator per thread).
#pragma once

#include <string>

namespace leitplanke {

// 32 lowercase hex digits (128 bits) from a per-thread std::mt19937_64
// seeded by std::random_device.
std::string RandomKey();

}  // namespace leitplanke
