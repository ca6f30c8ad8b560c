#include "server/audit_batcher.h"

#include "leitplanke/trust/audit.h"

#include "http/log.h"

namespace leitplanke::server {

AuditBatcher::AuditBatcher(store::Store& store, const Clock& clock, http::Counter* dropped,
                           size_t capacity)
    : store_(store), clock_(clock), dropped_(dropped), capacity_(capacity) {
  thread_ = std::thread([this] { Loop(); });
}

AuditBatcher::~AuditBatcher() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AuditBatcher::Add(store::AuditEntry entry) {
  entry.at = clock_.NowMillis();
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= capacity_) {
      if (dropped_ != nullptr) dropped_->Inc();
      return;
    }
    queue_.push_back(std::move(entry));
  }
  cv_.notify_one();
}

void AuditBatcher::Flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

size_t AuditBatcher::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void AuditBatcher::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) break;  // stopping, nothing left
    std::vector<store::AuditEntry> batch;
    batch.swap(queue_);
    writing_ = true;
    lock.unlock();
    const size_t n = batch.size();
    for (store::AuditEntry& e : batch) e.content_hash = trust::AuditContentHash(e);
    Result<std::vector<store::AuditEntry>> written =
        store_.AppendAuditBatch(std::move(batch), trust::AuditHash);
    if (!written.ok()) {
      http::LogWithFields(http::LogLevel::kError, "audit batch lost",
                          {{"entries", std::to_string(n)}, {"error", written.status().ToString()}});
    }
    lock.lock();
    writing_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

}  // namespace leitplanke::server
