// Password hashing (argon2id) and the password policy.
//
// Hashes are libsodium `crypto_pwhash_str` strings ("$argon2id$v=19$m=...")
// that carry their own salt and cost parameters, so the cost can be raised
// later: `NeedsRehash` says when a stored hash is weaker than the current
// options, and the caller re-hashes after the next successful login.
//
// Thread-safety: all functions are thread-safe; a PasswordHasher is immutable
// after construction and may be shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

namespace leitplanke::trust {

// Initialises libsodium once per process (thread-safe, idempotent). Every
// function of this module calls it; callers need not. Internal error if the
// library cannot initialise (no usable random source).
Status EnsureSodium();

// Cost of argon2id. The defaults equal libsodium's INTERACTIVE limits
// (ops 2, 64 MiB). Tests use crypto_pwhash MIN values (ops 1, 8 KiB) to stay
// fast.
struct PasswordHashOptions {
  uint64_t ops_limit = 2;
  size_t mem_limit = size_t{64} << 20;
  // PasswordHasher runs argon2id on this many dedicated threads with a lower
  // CPU priority (`lane_nice`), one hash per thread at a time: a burst of
  // sign-ins queues there instead of starving the threads that serve other
  // requests, and memory stays at lanes × mem_limit. 0 = on the caller's
  // thread.
  int lanes = 2;
  int lane_nice = 10;
};

// Fast, insecure options for tests only.
PasswordHashOptions PasswordHashOptionsForTest();

// Hashes `password` with argon2id and a random salt. InvalidArgument if the
// options are outside libsodium's limits; ResourceExhausted if the memory
// cannot be allocated.
Result<std::string> HashPassword(std::string_view password,
                                 const PasswordHashOptions& options = {});

// True if `password` matches `stored_hash`. The comparison is constant time;
// a malformed or empty hash simply does not match.
bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// True if `stored_hash` is not an argon2id hash with exactly `options`' cost.
bool NeedsRehash(std::string_view stored_hash, const PasswordHashOptions& options = {});

// A hasher bound to one set of options, with a dummy hash of the same cost so
// that a login for an unknown (or disabled) user costs as much as a real one.
class PasswordHasher {
 public:
  // Computes the dummy hash once (one argon2id run). Aborts only if libsodium
  // cannot initialise at all.
  explicit PasswordHasher(PasswordHashOptions options = {});

  const PasswordHashOptions& options() const { return options_; }
  Result<std::string> Hash(std::string_view password) const;
  bool Verify(std::string_view stored_hash, std::string_view password) const;
  // Runs a verification against the dummy hash and discards the result.
  void DummyVerify(std::string_view password) const;
  bool NeedsRehash(std::string_view stored_hash) const;

 private:
  class Lanes;
  // Runs `job` on a lane and waits for it (or runs it here without lanes).
  void Run(const std::function<void()>& job) const;

  PasswordHashOptions options_;
  std::string dummy_hash_;
  std::shared_ptr<Lanes> lanes_;
};

struct PasswordPolicy {
  size_t min_chars = 12;    // Unicode code points
  size_t max_bytes = 1024;  // UTF-8 bytes
};

// OK, or InvalidArgument with a message a user can act on ("the password must
// have at least 12 characters (it has 9)"). Checks: valid UTF-8, length, and
// that it neither equals nor contains the username (case-insensitive).
Status CheckPasswordPolicy(std::string_view username, std::string_view password,
                           const PasswordPolicy& policy = {});

}  // namespace leitplanke::trust
