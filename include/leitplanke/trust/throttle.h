// Failed-login throttling per account and per client address.
//
// Keys are "user:<lower-case name>" and "addr:<ip>". After
// `account_failures` failures for an account (or `address_failures` for an
// address) the key is locked for `base_lock`, doubling with every further
// failure up to `max_lock`. Unknown user names are throttled like real ones,
// so the throttle does not reveal which accounts exist. A key with no failure
// for `forget_after` starts again from zero.
//
// Thread-safety: thread-safe as far as the store is; two concurrent failures
// may count once (read-modify-write), which errs on the lenient side by one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/store/store.h"

namespace leitplanke::trust {

struct ThrottleOptions {
  int account_failures = 5;
  int address_failures = 20;
  Millis base_lock = 30'000;
  Millis max_lock = 15 * 60'000;
  Millis forget_after = 24 * 3600'000LL;
};

class LoginThrottle {
 public:
  // Borrows store and clock; both must outlive the throttle.
  LoginThrottle(store::Store& store, const Clock& clock, ThrottleOptions options = {});

  // OK, or ResourceExhausted "too many failed sign-in attempts; try again in
  // N s" while the account or the address is locked. An empty address is not
  // tracked.
  Status Check(std::string_view username, std::string_view address);
  // Seconds until both keys are unlocked (0 when not locked), for a
  // Retry-After header.
  Result<int64_t> RetryAfterSeconds(std::string_view username, std::string_view address);
  Status RecordFailure(std::string_view username, std::string_view address);
  // Clears the account key (the address key stays: one good password does not
  // excuse a spray from that address).
  Status RecordSuccess(std::string_view username);

  static std::string AccountKey(std::string_view username);
  static std::string AddressKey(std::string_view address);

 private:
  Result<int64_t> LockedForMillis(const std::string& key);
  Status Fail(const std::string& key, int threshold);

  store::Store& store_;
  const Clock& clock_;
  ThrottleOptions options_;
};

}  // namespace leitplanke::trust
