// AuditBatcher: audit entries from the request path (checks that ended in
// hold or block), written by one background thread. Whatever accumulated
// while the previous write ran goes into the next one as a single
// transaction, so the cost per entry falls as the rate rises.
//
// Entries are written in the order they were added; the store chains them
// like any other entry. On shutdown everything queued is written.
// Thread-safety: Add() and Flush() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "leitplanke/base/clock.h"

#include "leitplanke/store/store.h"

#include "http/metrics.h"

namespace leitplanke::server {

class AuditBatcher {
 public:
  // Borrows store and clock. `dropped` (may be null) counts entries refused
  // because `capacity` entries were already waiting.
  AuditBatcher(store::Store& store, const Clock& clock, http::Counter* dropped,
               size_t capacity = 100'000);
  ~AuditBatcher();
  AuditBatcher(const AuditBatcher&) = delete;
  AuditBatcher& operator=(const AuditBatcher&) = delete;

  void Add(store::AuditEntry entry);
  // Returns once every entry added before the call is written (or failed).
  void Flush();
  size_t pending() const;

 private:
  void Loop();

  store::Store& store_;
  const Clock& clock_;
  http::Counter* dropped_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::vector<store::AuditEntry> queue_;  // guarded by mu_
  bool writing_ = false;                  // guarded by mu_
  bool stopping_ = false;                 // guarded by mu_
  std::thread thread_;
};

}  // namespace leitplanke::server
