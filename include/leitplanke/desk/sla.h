// The SLA clock (lp_desk_sla): first response, next response and resolution
// targets of one conversation, evaluated from its event timeline.
//
// Pure functions: the desk passes the policy, the team's calendar, the
// conversation's events and `now` (from its injectable Clock); nothing here
// reads the wall clock, stores anything or sleeps.
//
// Semantics (all durations are business time when policy.business_hours,
// wall time otherwise):
// - First response: from the first inbound message to the first outbound
//   reply. Not applicable when the conversation began with an outbound
//   message (the customer's answer to it starts a next-response cycle).
// - Next response: a cycle starts at an inbound message when no response
//   clock is running (the customer's follow-up after a reply, or a message
//   after the conversation was resolved) and ends at the next outbound reply.
//   The status shows the latest cycle; next_response_cycles /
//   next_response_breaches count all cycles (the current one included once it
//   has breached).
// - Resolution: from the first inbound message to kResolved. A reopen
//   (kReopened, kOpen or an inbound message after kResolved) continues the
//   same clock: the time already used counts, the resolved period does not.
// - kPendingCustomer pauses every running clock; kInbound or kOpen resumes
//   them (kOutbound does not). kResolved ends the response clocks too: a
//   conversation closed without reply is judged by the time used until then.
// - A running clock breaches at due_at (a reply exactly at due_at is met);
//   the warning fires when warn_at x target of the time has been used.
// Events are sorted by `at` (stable, so equal times keep their input order);
// events after `now` are ignored.
//
// Thread-safety: all functions are pure; the calendar is safe for concurrent
// const use.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/status.h"

#include "leitplanke/desk/calendar.h"

namespace leitplanke::desk {

struct SlaPolicy {
  std::string name;
  Millis first_response = 0;  // targets in (business) milliseconds; 0 = not used
  Millis next_response = 0;
  Millis resolution = 0;
  double warn_at = 0.8;  // fraction of a target; 0 = no warnings
  bool business_hours = true;
};

// Targets >= 0 and at most ten years; warn_at in [0, 1]. The field is named
// ("first_response: negative target -5").
Status ValidatePolicy(const SlaPolicy& policy);

enum class SlaEventKind {
  kInbound,          // a customer message
  kOutbound,         // an agent's public reply (internal notes are not events)
  kPendingCustomer,  // state "pending customer": clocks pause
  kOpen,             // back to open (resumes; after kResolved: a reopen)
  kResolved,
  kReopened,
};

struct SlaEvent {
  SlaEventKind kind = SlaEventKind::kInbound;
  Millis at = 0;
};

enum class SlaTarget { kFirstResponse, kNextResponse, kResolution };
std::string_view SlaTargetName(SlaTarget target);  // "first_response", ...

enum class SlaState {
  kNotApplicable,  // target not used, or its clock has not started
  kRunning,        // counting, not yet breached
  kPaused,         // pending customer, not yet breached
  kMet,            // ended within the target
  kBreached,       // the target has passed (clock still running/paused, or ended late)
};
std::string_view SlaStateName(SlaState state);  // "not_applicable", "running", ...

struct SlaTargetStatus {
  SlaState state = SlaState::kNotApplicable;
  bool active = false;    // the clock is running or paused (not ended)
  bool paused = false;    // active and paused
  Millis started_at = 0;  // the current clock/cycle start (0 when not applicable)
  // When the target is (or was) reached, through the calendar and the pauses
  // so far. While paused: the due time if the clock resumed at `now`.
  // kNever when the calendar has no open time left.
  Millis due_at = 0;
  Millis ended_at = 0;   // when the clock ended (reply, resolve); 0 while active
  Millis elapsed = 0;    // time used (at ended_at or now)
  Millis remaining = 0;  // target - elapsed; negative once over
  bool warning = false;  // active and elapsed >= warn_at x target
  bool breached = false;
};

struct SlaStatus {
  SlaTargetStatus first_response;
  SlaTargetStatus next_response;
  SlaTargetStatus resolution;
  int next_response_cycles = 0;
  int next_response_breaches = 0;
  bool pending_customer = false;  // the conversation is waiting for the customer
  bool resolved = false;

  const SlaTargetStatus& Get(SlaTarget target) const;
};

// The status at `now`. `policy` should have passed ValidatePolicy (negative
// targets are treated as 0, warn_at is clamped to [0, 1]).
SlaStatus Evaluate(const SlaPolicy& policy, const BusinessCalendar& calendar,
                   const std::vector<SlaEvent>& events, Millis now);

// The earliest instant > now at which a warning or breach fires if no new
// event arrives; kNever when none is pending (all clocks ended or paused).
// The desk schedules a timer for it and re-evaluates on every new event.
Millis NextChange(const SlaPolicy& policy, const BusinessCalendar& calendar,
                  const std::vector<SlaEvent>& events, Millis now);

enum class SlaAlertKind { kWarning, kBreach };
std::string_view SlaAlertKindName(SlaAlertKind kind);  // "warning", "breach"

struct SlaAlert {
  SlaTarget target = SlaTarget::kFirstResponse;
  SlaAlertKind kind = SlaAlertKind::kWarning;
  Millis at = 0;  // the crossing instant
  int cycle = 0;  // next response: 1-based cycle number; 0 for the others
  friend bool operator==(const SlaAlert&, const SlaAlert&) = default;
};

// Every warning/breach crossing with since < at <= now, sorted by `at`. The
// desk stores the `now` of its last call and passes it as `since` next time,
// so each crossing is announced exactly once (breach: escalate to the team
// lead). Crossings depend only on events before them, so they stay stable as
// long as events are recorded in time order.
std::vector<SlaAlert> AlertsBetween(const SlaPolicy& policy, const BusinessCalendar& calendar,
                                    const std::vector<SlaEvent>& events, Millis since, Millis now);

}  // namespace leitplanke::desk
