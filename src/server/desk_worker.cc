// Errors of one part never stop the others: a dead mail server must not hold
// up replies on another channel. Each failure is logged once per round.
#include "server/desk_worker.h"

#include <chrono>

#include "http/log.h"

namespace leitplanke::server {
namespace {

template <class T>
void LogIfError(const Result<T>& r, const char* what) {
  if (!r.ok()) {
    http::LogWithFields(http::LogLevel::kWarn, what, {{"error", r.status().ToString()}});
  }
}

}  // namespace

DeskWorker::DeskWorker(desk::Desk& desk, int tick_ms)
    : desk_(desk), tick_ms_(tick_ms), thread_([this] { Loop(); }) {}

DeskWorker::~DeskWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void DeskWorker::Round(desk::Desk& desk, bool sla) {
  LogIfError(desk.PollChannels(), "desk: polling channels failed");
  // Drain the outbox in batches while there is due work.
  for (int i = 0; i < 20; ++i) {
    Result<size_t> sent = desk.RunOutbox(50);
    LogIfError(sent, "desk: outbox round failed");
    if (!sent.ok() || *sent < 50) break;
  }
  LogIfError(desk.RouteAll(), "desk: routing failed");
  if (sla) {
    LogIfError(desk.SweepSla(), "desk: SLA sweep failed");
    // Expiry and the repair of an interrupted queueing: no hurry, and the
    // expiry is a write transaction, so not every tick.
    LogIfError(desk.SweepApprovals(), "desk: approvals sweep failed");
  }
}

void DeskWorker::Loop() {
  std::unique_lock lock(mu_);
  const int sla_every = std::max(1, 30'000 / std::max(1, tick_ms_));
  for (int tick = 0;; ++tick) {
    lock.unlock();
    Round(desk_, tick % sla_every == 0);
    lock.lock();
    if (cv_.wait_for(lock, std::chrono::milliseconds(tick_ms_), [this] { return stop_; })) return;
  }
}

}  // namespace leitplanke::server
