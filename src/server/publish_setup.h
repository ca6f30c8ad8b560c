// Wires the publish pillar into the server: channels through the desk's
// connectors, approvals of posts as the desk's approval subject "post",
// working hours from team calendars, events onto the live stream (approvers
// also on their own stream), entries into the audit log, the archive seal;
// and its background loop.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "leitplanke/base/status.h"

#include "leitplanke/publish/publisher.h"

namespace leitplanke::server {

struct AppContext;

// Creates ctx.publisher from the [publish] and [approvals] settings. After
// the desk is set up. InvalidArgument for a bad time zone or calendar.
Status ConnectPublish(AppContext& ctx, std::string instance_id);

// The send queue's loop in a serving process: RunQueue every tick. Several
// processes on one PostgreSQL share the queue through the store's claims.
// Thread-safety as DeskWorker: the loop runs on its own thread and stops in
// the destructor.
class PublishWorker {
 public:
  // `retention`: applied at start and then hourly.
  explicit PublishWorker(publish::Publisher& publisher, int tick_ms = 1000,
                         publish::Publisher::Retention retention = {});
  ~PublishWorker();
  PublishWorker(const PublishWorker&) = delete;
  PublishWorker& operator=(const PublishWorker&) = delete;

 private:
  void Loop();

  publish::Publisher& publisher_;
  const int tick_ms_;
  const publish::Publisher::Retention retention_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace leitplanke::server
