// The desk's place in the server (desk_setup.cc).
#pragma once

#include <string>
#include <vector>

#include "leitplanke/base/clock.h"

#include "leitplanke/desk/desk.h"

namespace leitplanke::server {

struct AppContext;

// Registers every connector kind this binary ships.
void RegisterChannelKinds(desk::Desk& desk, const Clock& clock);

// One setting or credential a connector reads from its ChannelConfig.
struct ChannelFieldInfo {
  std::string key;
  bool required = false;
  std::string description;  // short, English
};

// What a kind's connector reads: its settings (stored with the channel) and
// its secrets (in the vault as "channel/<name>/<key>").
struct ChannelKindInfo {
  std::string kind;
  std::vector<ChannelFieldInfo> settings;
  std::vector<ChannelFieldInfo> secrets;
};

// The settings and secrets of every kind this binary ships (the same
// conditions as RegisterChannelKinds and ConnectDesk), by kind name. Kept
// beside the registration so a new connector adds both in one place; served
// by GET /api/v1/desk/channel-kinds.
std::vector<ChannelKindInfo> ChannelKindInfos();
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
