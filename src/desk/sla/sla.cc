// The SLA clock: a replay of the conversation's events.
//
// Why a replay instead of stored counters: the result is a pure function of
// (policy, calendar, events, now), so the desk stores nothing but the events
// it already has, a changed policy or calendar applies retroactively and
// consistently, and tests need no clock. Each clock keeps the open time used
// before its current running segment (`acc`); warning and breach instants are
// found with AddBusinessMillis from the segment start, so they are exact to
// the millisecond and never depend on how often the desk evaluates.
#include "leitplanke/desk/sla.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace leitplanke::desk {
namespace {

constexpr Millis kMaxTarget = 10LL * 366 * 86'400'000;

struct Meter {
  const SlaPolicy& policy;
  const BusinessCalendar& calendar;

  Millis Between(Millis a, Millis b) const {
    if (b <= a) return 0;
    return policy.business_hours ? calendar.BusinessMillisBetween(a, b) : b - a;
  }
  Millis Add(Millis start, Millis d) const {
    if (d <= 0) return start;
    if (policy.business_hours) return calendar.AddBusinessMillis(start, d);
    return start > kNever - d ? kNever : start + d;
  }
};

struct Clock {
  SlaTarget target = SlaTarget::kFirstResponse;
  Millis goal = 0;
  Millis warn_goal = 0;  // 0 = no warning
  int cycle = 0;

  bool started = false;
  bool active = false;
  bool running = false;
  Millis started_at = 0;
  Millis seg_start = 0;
  Millis acc = 0;  // time used before seg_start
  Millis ended_at = 0;
  Millis due_at = 0;
  bool warned = false;
  bool breached = false;
  Millis breach_at = kNever;
};

class Replay {
 public:
  Replay(const SlaPolicy& policy, const BusinessCalendar& calendar) : meter_{policy, calendar} {
    const Millis goals[3] = {std::clamp<Millis>(policy.first_response, 0, kMaxTarget),
                             std::clamp<Millis>(policy.next_response, 0, kMaxTarget),
                             std::clamp<Millis>(policy.resolution, 0, kMaxTarget)};
    double warn = std::isnan(policy.warn_at) ? 0.0 : std::clamp(policy.warn_at, 0.0, 1.0);
    for (int i = 0; i < 3; ++i) {
      clocks_[i].target = static_cast<SlaTarget>(i);
      clocks_[i].goal = goals[i];
      if (warn > 0 && goals[i] > 0) {
        clocks_[i].warn_goal =
            std::max<Millis>(1, std::llround(static_cast<double>(goals[i]) * warn));
      }
    }
  }

  void Run(const std::vector<SlaEvent>& input, Millis now) {
    std::vector<SlaEvent> events(input);
    std::stable_sort(events.begin(), events.end(),
                     [](const SlaEvent& a, const SlaEvent& b) { return a.at < b.at; });
    for (const SlaEvent& e : events) {
      if (e.at > now) break;
      Apply(e);
    }
    for (Clock& c : clocks_) Close(c, now, /*inclusive=*/true);
    std::stable_sort(alerts_.begin(), alerts_.end(),
                     [](const SlaAlert& a, const SlaAlert& b) { return a.at < b.at; });
  }

  SlaStatus Status(Millis now) const {
    SlaStatus s;
    SlaTargetStatus* out[3] = {&s.first_response, &s.next_response, &s.resolution};
    for (int i = 0; i < 3; ++i) {
      const Clock& c = clocks_[i];
      SlaTargetStatus& t = *out[i];
      if (!c.started) continue;
      t.active = c.active;
      t.paused = c.active && !c.running;
      t.started_at = c.started_at;
      t.ended_at = c.active ? 0 : c.ended_at;
      t.elapsed = c.acc;
      t.remaining = c.goal - c.acc;
      if (c.breached) {
        t.due_at = c.breach_at;
      } else if (t.paused) {
        t.due_at = meter_.Add(now, t.remaining);
      } else {
        t.due_at = c.due_at;
      }
      t.breached = c.breached;
      t.warning = c.active && c.warned;
      if (c.breached) {
        t.state = SlaState::kBreached;
      } else if (c.active) {
        t.state = c.running ? SlaState::kRunning : SlaState::kPaused;
      } else {
        t.state = SlaState::kMet;
      }
    }
    s.next_response_cycles = next_cycles_;
    s.next_response_breaches = next_breaches_;
    s.pending_customer = pending_;
    s.resolved = resolved_;
    return s;
  }

  // After Run: seg_start == now for running clocks.
  Millis NextChange() const {
    Millis best = kNever;
    for (const Clock& c : clocks_) {
      if (!c.running) continue;
      if (c.warn_goal > 0 && !c.warned) best = std::min(best, Crossing(c, c.warn_goal));
      if (!c.breached) best = std::min(best, Crossing(c, c.goal));
    }
    return best;
  }

  const std::vector<SlaAlert>& alerts() const { return alerts_; }

 private:
  Clock& first() { return clocks_[0]; }
  Clock& next() { return clocks_[1]; }
  Clock& resolution() { return clocks_[2]; }

  Millis Crossing(const Clock& c, Millis threshold) const {
    return meter_.Add(c.seg_start, std::max<Millis>(0, threshold - c.acc));
  }

  // Ends the running segment at t: records crossings inside it (at < t, or
  // at <= t for the final segment at `now`) and adds its time to acc.
  void Close(Clock& c, Millis t, bool inclusive) {
    if (!c.running) return;
    auto inside = [&](Millis x) { return x != kNever && (x < t || (inclusive && x <= t)); };
    if (c.warn_goal > 0 && !c.warned) {
      const Millis x = Crossing(c, c.warn_goal);
      if (inside(x)) {
        c.warned = true;
        alerts_.push_back({c.target, SlaAlertKind::kWarning, x, c.cycle});
      }
    }
    if (!c.breached) {
      const Millis x = Crossing(c, c.goal);
      if (inside(x)) {
        c.breached = true;
        c.breach_at = x;
        alerts_.push_back({c.target, SlaAlertKind::kBreach, x, c.cycle});
        if (c.target == SlaTarget::kNextResponse) ++next_breaches_;
      }
    }
    c.acc += meter_.Between(c.seg_start, t);
    c.seg_start = t;
  }

  void Start(Clock& c, Millis t, int cycle) {
    if (c.goal <= 0) return;
    c.started = c.active = c.running = true;
    c.cycle = cycle;
    c.started_at = c.seg_start = t;
    c.acc = 0;
    c.ended_at = 0;
    c.warned = c.breached = false;
    c.breach_at = kNever;
    c.due_at = Crossing(c, c.goal);
  }

  void Stop(Clock& c, Millis t) {
    if (!c.active) return;
    Close(c, t, false);
    c.running = c.active = false;
    c.ended_at = t;
  }

  void Pause(Clock& c, Millis t) {
    if (!c.running) return;
    Close(c, t, false);
    c.running = false;
  }

  void Resume(Clock& c, Millis t) {
    if (!c.active || c.running) return;
    c.running = true;
    c.seg_start = t;
    if (!c.breached) c.due_at = Crossing(c, c.goal);
  }

  void ResumeAll(Millis t) {
    pending_ = false;
    for (Clock& c : clocks_) Resume(c, t);
  }

  void Reopen(Millis t) {
    resolved_ = false;
    pending_ = false;
    Clock& r = resolution();
    if (r.started && !r.active) {
      r.active = true;
      r.ended_at = 0;
      Resume(r, t);
    }
  }

  void Apply(const SlaEvent& e) {
    const Millis t = e.at;
    switch (e.kind) {
      case SlaEventKind::kInbound:
        if (resolved_) Reopen(t);
        if (pending_) ResumeAll(t);
        if (!awaiting_reply_) {
          if (!inbound_seen_ && !outbound_seen_) {
            Start(first(), t, 0);
          } else {
            ++next_cycles_;
            Start(next(), t, next_cycles_);
          }
          awaiting_reply_ = true;
        }
        if (!inbound_seen_) Start(resolution(), t, 0);
        inbound_seen_ = true;
        break;
      case SlaEventKind::kOutbound:
        Stop(first(), t);
        Stop(next(), t);
        awaiting_reply_ = false;
        outbound_seen_ = true;
        break;
      case SlaEventKind::kPendingCustomer:
        if (resolved_ || pending_) break;
        pending_ = true;
        for (Clock& c : clocks_) Pause(c, t);
        break;
      case SlaEventKind::kOpen:
        if (resolved_) Reopen(t);
        if (pending_) ResumeAll(t);
        break;
      case SlaEventKind::kResolved:
        if (resolved_) break;
        resolved_ = true;
        pending_ = false;
        awaiting_reply_ = false;
        for (Clock& c : clocks_) Stop(c, t);
        break;
      case SlaEventKind::kReopened:
        if (resolved_) Reopen(t);
        break;
    }
  }

  Meter meter_;
  std::array<Clock, 3> clocks_;
  std::vector<SlaAlert> alerts_;
  bool pending_ = false;
  bool resolved_ = false;
  bool awaiting_reply_ = false;
  bool inbound_seen_ = false;
  bool outbound_seen_ = false;
  int next_cycles_ = 0;
  int next_breaches_ = 0;
};

}  // namespace

Status ValidatePolicy(const SlaPolicy& policy) {
  const std::pair<const char*, Millis> targets[] = {{"first_response", policy.first_response},
                                                    {"next_response", policy.next_response},
                                                    {"resolution", policy.resolution}};
  for (const auto& [name, value] : targets) {
    if (value < 0) {
      return Status::InvalidArgument(std::string(name) + ": negative target " +
                                     std::to_string(value) + " ms");
    }
    if (value > kMaxTarget) {
      return Status::InvalidArgument(std::string(name) + ": target " + std::to_string(value) +
                                     " ms is longer than ten years");
    }
  }
  if (!(policy.warn_at >= 0.0 && policy.warn_at <= 1.0)) {
    return Status::InvalidArgument("warn_at: " + std::to_string(policy.warn_at) +
                                   " is not a fraction in [0, 1]");
  }
  return Status::Ok();
}

std::string_view SlaTargetName(SlaTarget target) {
  switch (target) {
    case SlaTarget::kFirstResponse:
      return "first_response";
    case SlaTarget::kNextResponse:
      return "next_response";
    case SlaTarget::kResolution:
      return "resolution";
  }
  return "unknown";
}

std::string_view SlaStateName(SlaState state) {
  switch (state) {
    case SlaState::kNotApplicable:
      return "not_applicable";
    case SlaState::kRunning:
      return "running";
    case SlaState::kPaused:
      return "paused";
    case SlaState::kMet:
      return "met";
    case SlaState::kBreached:
      return "breached";
  }
  return "unknown";
}

std::string_view SlaAlertKindName(SlaAlertKind kind) {
  return kind == SlaAlertKind::kWarning ? "warning" : "breach";
}

const SlaTargetStatus& SlaStatus::Get(SlaTarget target) const {
  switch (target) {
    case SlaTarget::kFirstResponse:
      return first_response;
    case SlaTarget::kNextResponse:
      return next_response;
    case SlaTarget::kResolution:
      break;
  }
  return resolution;
}

SlaStatus Evaluate(const SlaPolicy& policy, const BusinessCalendar& calendar,
                   const std::vector<SlaEvent>& events, Millis now) {
  Replay replay(policy, calendar);
  replay.Run(events, now);
  return replay.Status(now);
}

Millis NextChange(const SlaPolicy& policy, const BusinessCalendar& calendar,
                  const std::vector<SlaEvent>& events, Millis now) {
  Replay replay(policy, calendar);
  replay.Run(events, now);
  return replay.NextChange();
}

std::vector<SlaAlert> AlertsBetween(const SlaPolicy& policy, const BusinessCalendar& calendar,
                                    const std::vector<SlaEvent>& events, Millis since, Millis now) {
  Replay replay(policy, calendar);
  replay.Run(events, now);
  std::vector<SlaAlert> out;
  for (const SlaAlert& a : replay.alerts()) {
    if (a.at > since && a.at <= now) out.push_back(a);
  }
  return out;
}

}  // namespace leitplanke::desk
