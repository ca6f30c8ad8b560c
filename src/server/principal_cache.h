// PrincipalCache: resolved principals by credential for a short time, so the
// hot check route does not read the database on every request. Revocations
// therefore take effect within the TTL; Evict() makes a logout immediate.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "leitplanke/base/clock.h"

#include "leitplanke/trust/accounts.h"

namespace leitplanke::server {

class PrincipalCache {
 public:
  static constexpr Millis kTtl = 2000;
  static constexpr size_t kMaxEntries = 10000;

  std::shared_ptr<const trust::Principal> Get(const std::string& key, Millis now);
  void Put(const std::string& key, std::shared_ptr<const trust::Principal> principal, Millis now);
  void Evict(const std::string& key);
  void Clear();

  // Cache keys of the two credential kinds.
  static std::string SessionKey(std::string_view cookie) { return "s:" + std::string(cookie); }
  static std::string TokenKey(std::string_view token) { return "t:" + std::string(token); }

 private:
  struct Entry {
    std::shared_ptr<const trust::Principal> principal;
    Millis expires = 0;
  };
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace leitplanke::server
