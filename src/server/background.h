// BackgroundQueue: one thread that runs small tasks off the request path
// (audit entries of checks, policy loads), in order, with a bounded backlog.
//
// Thread-safety: Post() may be called from any thread. The destructor runs
// what is queued, then joins.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace leitplanke::server {

class BackgroundQueue {
 public:
  explicit BackgroundQueue(size_t capacity = 10000);
  ~BackgroundQueue();
  BackgroundQueue(const BackgroundQueue&) = delete;
  BackgroundQueue& operator=(const BackgroundQueue&) = delete;

  // False when the backlog is full or the queue is stopping (the task is
  // dropped; callers count that).
  bool Post(std::function<void()> task);
  size_t depth() const;
  // Runs everything queued so far, then returns (for tests and shutdown).
  void Drain();

 private:
  void Loop();

  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool running_task_ = false;                // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::thread thread_;
};

}  // namespace leitplanke::server
