// DeskWorker: the desk's background loop in a serving process — polls
// channels, sends due outbox items, routes unassigned work, sweeps SLA
// clocks. One per process; several processes on one PostgreSQL share the
// work safely (outbox and routing claims skip rows another instance holds).
//
// Thread-safety: constructed and destroyed on one thread; the loop runs on
// its own thread and stops promptly in the destructor.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "leitplanke/desk/desk.h"

namespace leitplanke::server {

class DeskWorker {
 public:
  // `tick_ms`: pause between rounds (the outbox is served every round,
  // channels by their own poll interval, SLA and approval sweeps every 30 s).
  explicit DeskWorker(desk::Desk& desk, int tick_ms = 1000);
  ~DeskWorker();
  DeskWorker(const DeskWorker&) = delete;
  DeskWorker& operator=(const DeskWorker&) = delete;

  // Runs one round now (also used by tests): poll, send, route, SLA.
  static void Round(desk::Desk& desk, bool sla);

 private:
  void Loop();

  desk::Desk& desk_;
  const int tick_ms_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace leitplanke::server
