#include "leitplanke/trust/throttle.h"

#include <algorithm>
#include <cctype>

namespace leitplanke::trust {

LoginThrottle::LoginThrottle(store::Store& store, const Clock& clock, ThrottleOptions options)
    : store_(store), clock_(clock), options_(options) {}

std::string LoginThrottle::AccountKey(std::string_view username) {
  std::string key = "user:";
  for (unsigned char c : username) key += static_cast<char>(std::tolower(c));
  return key;
}

std::string LoginThrottle::AddressKey(std::string_view address) {
  return "addr:" + std::string(address);
}

Result<int64_t> LoginThrottle::LockedForMillis(const std::string& key) {
  LP_ASSIGN_OR_RETURN(store::Throttle t, store_.GetThrottle(key));
  Millis now = clock_.NowMillis();
  return t.locked_until > now ? t.locked_until - now : 0;
}

Result<int64_t> LoginThrottle::RetryAfterSeconds(std::string_view username,
                                                 std::string_view address) {
  LP_ASSIGN_OR_RETURN(int64_t account, LockedForMillis(AccountKey(username)));
  int64_t addr = 0;
  if (!address.empty()) {
    LP_ASSIGN_OR_RETURN(addr, LockedForMillis(AddressKey(address)));
  }
  int64_t ms = std::max(account, addr);
  return (ms + 999) / 1000;
}

Status LoginThrottle::Check(std::string_view username, std::string_view address) {
  LP_ASSIGN_OR_RETURN(int64_t seconds, RetryAfterSeconds(username, address));
  if (seconds > 0) {
    return Status::ResourceExhausted("too many failed sign-in attempts; try again in " +
                                     std::to_string(seconds) + " s");
  }
  return Status::Ok();
}

Status LoginThrottle::Fail(const std::string& key, int threshold) {
  LP_ASSIGN_OR_RETURN(store::Throttle t, store_.GetThrottle(key));
  Millis now = clock_.NowMillis();
  if (t.last_failure_at != 0 && now - t.last_failure_at > options_.forget_after) {
    t.failures = 0;
    t.locked_until = 0;
  }
  t.key = key;
  ++t.failures;
  t.last_failure_at = now;
  if (t.failures >= threshold) {
    // 30 s at the threshold, doubling with every further failure.
    int doublings = std::min(t.failures - threshold, 30);
    Millis lock = std::min(options_.base_lock << doublings, options_.max_lock);
    t.locked_until = now + lock;
  }
  return store_.PutThrottle(t);
}

Status LoginThrottle::RecordFailure(std::string_view username, std::string_view address) {
  LP_RETURN_IF_ERROR(Fail(AccountKey(username), options_.account_failures));
  if (!address.empty()) {
    LP_RETURN_IF_ERROR(Fail(AddressKey(address), options_.address_failures));
  }
  return Status::Ok();
}

Status LoginThrottle::RecordSuccess(std::string_view username) {
  return store_.ClearThrottle(AccountKey(username));
}

}  // namespace leitplanke::trust
