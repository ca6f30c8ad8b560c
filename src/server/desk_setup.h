// The desk's place in the server (desk_setup.cc).
#pragma once

#include "leitplanke/base/clock.h"

#include "leitplanke/desk/desk.h"

namespace leitplanke::server {

struct AppContext;

// Registers every connector kind this binary ships.
void RegisterChannelKinds(desk::Desk& desk, const Clock& clock);
// Secrets from the vault ("channel/<name>/<key>"), events to the "desk"
// topic of the live stream, audit entries.
void ConnectDesk(AppContext& ctx);
// The demo inbox of a first run: a team "Kundenservice" (with `admin_id` as
// its lead and an available agent), least-loaded routing, SLA targets on
// NRW business hours, the demo channel and a website widget. Does nothing
// when a channel "demo" exists.
Status SetUpDemoInbox(AppContext& ctx, int64_t admin_id);
// Sets the per-channel gauges of /metrics (up, paused, last success,
// credential expiry) from the channels table and their connectors. The
// serving process calls it every few seconds.
void RefreshChannelMetrics(AppContext& ctx);

}  // namespace leitplanke::server
