#include "server/publish_setup.h"

#include <chrono>
#include <sstream>

#include <nlohmann/json.hpp>

#include "leitplanke/desk/desk.h"
#include "leitplanke/trust/audit.h"
#include "leitplanke/trust/permissions.h"

#include "http/log.h"
#include "server/app.h"

namespace leitplanke::server {

Status ConnectPublish(AppContext& ctx, std::string instance_id) {
  const ServerConfig& c = ctx.config;
  publish::PublishOptions o;
  o.instance_id = std::move(instance_id);
  o.time_zone = c.publish_time_zone;
  o.approval_roles = c.publish_approval_roles;
  o.approval_channels = c.publish_approval_channels;
  o.approval_topics = c.publish_approval_topics;
  o.approval_steps = static_cast<int32_t>(std::max<size_t>(1, c.approvals_steps.size()));
  o.approval_expire_ms = static_cast<Millis>(c.approvals_expire_hours) * 3'600'000;
  o.cooldown_ms = static_cast<Millis>(c.publish_cooldown_minutes) * 60'000;
  o.disclosure_de = c.publish_disclosure_de;
  o.disclosure_en = c.publish_disclosure_en;
  o.lease_ms = c.desk_outbox_lease_ms;
  // Who hears of a new approval: the roles of the first step.
  if (!c.approvals_steps.empty()) {
    o.approver_roles.clear();
    std::stringstream ss(c.approvals_steps.front());
    for (std::string role; std::getline(ss, role, '|');) {
      if (!role.empty()) o.approver_roles.push_back(role);
    }
  }
  for (const std::string& r : o.approval_roles) {
    LP_RETURN_IF_ERROR(trust::ParseRole(r).status().WithContext("[publish] approval_roles"));
  }
  LP_RETURN_IF_ERROR(
      desk::ValidateCalendarSpec(c.publish_working_hours).WithContext("[publish] working_hours"));

  AppContext* raw = &ctx;
  publish::ChannelPort port;
  port.render = [raw](int64_t channel,
                      const desk::OutboundMessage& m) -> Result<publish::Rendered> {
    LP_ASSIGN_OR_RETURN(desk::RenderedMessage r, raw->desk->RenderFor(channel, m));
    return publish::Rendered{std::move(r.wire_text), std::move(r.estimate)};
  };
  port.send = [raw](int64_t channel, const desk::OutboundMessage& m, Millis* retry_after) {
    return raw->desk->SendNow(channel, m, retry_after);
  };
  // Which files the connector attaches (a const property of the connector,
  // read without its send lock).
  port.media_limits = [raw](int64_t channel) -> Result<desk::MediaLimits> {
    LP_ASSIGN_OR_RETURN(desk::Channel * connector, raw->desk->ConnectorFor(channel));
    return connector->media_limits();
  };
  ctx.publisher = std::make_unique<publish::Publisher>(
      *ctx.store, *ctx.clock,
      [raw](std::string_view text, const guard::CheckOptions& options) {
        return raw->policies->Check(text, options);
      },
      std::move(port), std::move(o));
  LP_RETURN_IF_ERROR(ctx.publisher->Start());
  ctx.publisher->SetArchiveSealer(trust::ArchiveSeal);
  ctx.publisher->SetEventSink([raw](std::string_view type, const std::string& json) {
    if (type == "publish.notification") {
      // One approver's own stream.
      nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
      if (!j.is_discarded() && j.contains("user_id") && j["user_id"].is_number_integer()) {
        raw->events->Publish("user:" + std::to_string(j["user_id"].get<int64_t>()), type, json);
      }
      return;
    }
    // Approvals share the desk's queue and its live view.
    raw->events->Publish(type.rfind("desk.", 0) == 0 ? "desk" : "publish", type, json);
  });
  ctx.publisher->SetAuditSink(
      [raw](std::string_view actor, std::string_view action, std::string_view target,
            const std::string& detail) { raw->Audit(actor, action, target, detail, ""); });
  // Working hours: the team's desk calendar, else [publish] working_hours.
  const std::string fallback = c.publish_working_hours;
  ctx.publisher->SetWorkingHours([raw, fallback](int64_t team_id, Millis at) -> Result<bool> {
    std::string spec = fallback;
    if (team_id != 0) {
      Result<store::TeamDeskSettings> s = raw->store->desk().GetTeamDeskSettings(team_id);
      if (s.ok() && !s->calendar.empty()) spec = s->calendar;
    }
    if (spec.empty()) return true;  // no calendar: always working time
    LP_ASSIGN_OR_RETURN(desk::CalendarConfig config, desk::ParseCalendarSpec(spec));
    LP_ASSIGN_OR_RETURN(desk::BusinessCalendar calendar,
                        desk::BusinessCalendar::Create(std::move(config)));
    return calendar.IsOpen(at);
  });
  publish::Publisher* p = ctx.publisher.get();
  ctx.desk->RegisterApprovalSubject(
      "post", {[p](const store::Approval& a) { return p->RecheckApproval(a); },
               [p](const store::Approval& a) { return p->ApprovalChanged(a); }});
  return Status::Ok();
}

PublishWorker::PublishWorker(publish::Publisher& publisher, int tick_ms,
                             publish::Publisher::Retention retention)
    : publisher_(publisher),
      tick_ms_(tick_ms),
      retention_(retention),
      thread_([this] { Loop(); }) {}

PublishWorker::~PublishWorker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void PublishWorker::Loop() {
  std::unique_lock lock(mu_);
  bool retention_due = true;  // at start, then hourly
  auto last_retention = std::chrono::steady_clock::now();
  for (;;) {
    lock.unlock();
    if (retention_due ||
        std::chrono::steady_clock::now() - last_retention > std::chrono::hours(1)) {
      retention_due = false;
      last_retention = std::chrono::steady_clock::now();
      Result<publish::Publisher::Purged> purged = publisher_.ApplyRetention(retention_);
      if (!purged.ok()) {
        http::LogWithFields(http::LogLevel::kWarn, "retention: purge failed",
                            {{"error", purged.status().ToString()}});
      }
    }
    // Drain due work in batches; errors are logged once per round.
    for (int i = 0; i < 20; ++i) {
      Result<size_t> sent = publisher_.RunQueue(50);
      if (!sent.ok()) {
        http::LogWithFields(http::LogLevel::kWarn, "publish: send queue round failed",
                            {{"error", sent.status().ToString()}});
      }
      if (!sent.ok() || *sent < 50) break;
    }
    lock.lock();
    if (cv_.wait_for(lock, std::chrono::milliseconds(tick_ms_), [this] { return stop_; })) return;
  }
}

}  // namespace leitplanke::server
