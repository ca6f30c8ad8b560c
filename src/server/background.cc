#include "server/background.h"

namespace leitplanke::server {

BackgroundQueue::BackgroundQueue(size_t capacity)
    : capacity_(capacity), thread_([this] { Loop(); }) {}

BackgroundQueue::~BackgroundQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

bool BackgroundQueue::Post(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || tasks_.size() >= capacity_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

size_t BackgroundQueue::depth() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void BackgroundQueue::Drain() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return tasks_.empty() && !running_task_; });
}

void BackgroundQueue::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (tasks_.empty()) break;  // stopping and nothing left
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    running_task_ = true;
    lock.unlock();
    task();
    lock.lock();
    running_task_ = false;
    if (tasks_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

}  // namespace leitplanke::server
