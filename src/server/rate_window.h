// RateWindow: sliding-window request counters per key (an address, a widget
// session), in memory, per instance. Used by the public routes (website
// widget, webhooks) that no account protects.
//
// Thread-safety: thread-safe.
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "leitplanke/base/clock.h"

namespace leitplanke::server {

class RateWindow {
 public:
  // At most `max` hits per key within any `window` ms.
  RateWindow(size_t max, Millis window) : max_(max), window_(window) {}

  // Counts a hit of `key` at `now` unless the key used up its window.
  bool Allow(const std::string& key, Millis now) {
    std::lock_guard<std::mutex> lock(mu_);
    if (hits_.size() > 100000) hits_.clear();  // bounded memory under a flood
    std::deque<Millis>& q = hits_[key];
    while (!q.empty() && q.front() <= now - window_) q.pop_front();
    if (q.size() >= max_) return false;
    q.push_back(now);
    return true;
  }

 private:
  const size_t max_;
  const Millis window_;
  std::mutex mu_;
  std::map<std::string, std::deque<Millis>> hits_;
};

}  // namespace leitplanke::server
