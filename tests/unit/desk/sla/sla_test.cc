// Tests of the SLA clock: explicit timelines, no sleeping.
#include "leitplanke/desk/sla.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include <gtest/gtest.h>

namespace leitplanke::desk {
namespace {

constexpr Millis kMin = 60'000;
constexpr Millis kHour = 60 * kMin;
constexpr Millis kT0 = 1'790'000'000'000;  // an arbitrary instant (wall-time policies)

using K = SlaEventKind;

Millis At(int y, int mo, int d, int h, int mi, int offset_h) {
  namespace chr = std::chrono;
  chr::sys_days day = chr::year_month_day{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                          chr::day{static_cast<unsigned>(d)}};
  return day.time_since_epoch().count() * 24 * kHour + h * kHour + mi * kMin - offset_h * kHour;
}

// What the desk does: wake at the next event or at NextChange, whichever is
// first, and announce AlertsBetween(last wake, now). Every alert must fire at
// a NextChange wake-up, exactly at its instant.
std::vector<SlaAlert> ScheduleLikeTheDesk(const SlaPolicy& p, const BusinessCalendar& cal,
                                          const std::vector<SlaEvent>& ev, Millis start) {
  std::vector<SlaAlert> out;
  Millis since = start;
  Millis now = start;
  for (;;) {
    const Millis change = NextChange(p, cal, ev, now);
    Millis event = kNever;
    for (const SlaEvent& e : ev) {
      if (e.at > now) event = std::min(event, e.at);
    }
    const Millis wake = std::min(change, event);
    if (wake == kNever) break;
    auto step = AlertsBetween(p, cal, ev, since, wake);
    if (wake == change) {
      EXPECT_FALSE(step.empty()) << "NextChange " << wake << " fired nothing";
    }
    for (const SlaAlert& x : step) {
      EXPECT_EQ(x.at, wake);
      out.push_back(x);
    }
    since = now = wake;
  }
  return out;
}

class SlaTest : public ::testing::Test {
 protected:
  SlaTest() : cal_(*BusinessCalendar::Create(CalendarConfig::OfficeHours())) {
    wall_.name = "wall";
    wall_.business_hours = false;
  }
  SlaStatus Eval(const std::vector<SlaEvent>& ev, Millis now) const {
    return Evaluate(wall_, cal_, ev, now);
  }
  BusinessCalendar cal_;
  SlaPolicy wall_;
};

TEST_F(SlaTest, FirstResponseMet) {
  wall_.first_response = 4 * kHour;
  std::vector<SlaEvent> ev = {{K::kInbound, kT0}, {K::kOutbound, kT0 + kHour}};
  SlaStatus s = Eval(ev, kT0 + 10 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kMet);
  EXPECT_FALSE(s.first_response.active);
  EXPECT_EQ(s.first_response.started_at, kT0);
  EXPECT_EQ(s.first_response.ended_at, kT0 + kHour);
  EXPECT_EQ(s.first_response.due_at, kT0 + 4 * kHour);
  EXPECT_EQ(s.first_response.elapsed, kHour);
  EXPECT_EQ(s.first_response.remaining, 3 * kHour);
  EXPECT_FALSE(s.first_response.breached);
  EXPECT_FALSE(s.first_response.warning);
  EXPECT_EQ(s.next_response.state, SlaState::kNotApplicable);
  EXPECT_EQ(s.resolution.state, SlaState::kNotApplicable);  // target 0: not used
  // A reply exactly at the due time is met.
  ev[1].at = kT0 + 4 * kHour;
  EXPECT_EQ(Eval(ev, kT0 + 10 * kHour).first_response.state, SlaState::kMet);
}

TEST_F(SlaTest, FirstResponseBreached) {
  wall_.first_response = 4 * kHour;
  std::vector<SlaEvent> ev = {{K::kInbound, kT0}};
  SlaStatus s = Eval(ev, kT0 + 4 * kHour - 1);
  EXPECT_EQ(s.first_response.state, SlaState::kRunning);
  EXPECT_FALSE(s.first_response.breached);
  s = Eval(ev, kT0 + 4 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kBreached);
  EXPECT_TRUE(s.first_response.active);
  EXPECT_TRUE(s.first_response.breached);
  s = Eval(ev, kT0 + 5 * kHour);
  EXPECT_EQ(s.first_response.remaining, -kHour);
  EXPECT_EQ(s.first_response.due_at, kT0 + 4 * kHour);
  ev.push_back({K::kOutbound, kT0 + 6 * kHour});
  s = Eval(ev, kT0 + 7 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kBreached);
  EXPECT_FALSE(s.first_response.active);
  EXPECT_EQ(s.first_response.elapsed, 6 * kHour);
  EXPECT_FALSE(s.first_response.warning);  // warning is only shown while active
}

TEST_F(SlaTest, WarningAtEightyPercent) {
  wall_.first_response = 4 * kHour;
  std::vector<SlaEvent> ev = {{K::kInbound, kT0}};
  const Millis warn = kT0 + 4 * kHour * 8 / 10;
  EXPECT_FALSE(Eval(ev, warn - 1).first_response.warning);
  SlaStatus s = Eval(ev, warn);
  EXPECT_TRUE(s.first_response.warning);
  EXPECT_EQ(s.first_response.state, SlaState::kRunning);
  wall_.warn_at = 0;
  EXPECT_FALSE(Eval(ev, kT0 + 5 * kHour).first_response.warning);
}

TEST_F(SlaTest, PendingCustomerPausesAndMovesDueAt) {
  wall_.first_response = 2 * kHour;
  wall_.resolution = 8 * kHour;
  std::vector<SlaEvent> ev = {{K::kInbound, kT0},
                              {K::kOutbound, kT0 + kHour},
                              {K::kPendingCustomer, kT0 + 2 * kHour},
                              {K::kInbound, kT0 + 5 * kHour}};
  SlaStatus paused = Eval(ev, kT0 + 3 * kHour);
  EXPECT_TRUE(paused.pending_customer);
  EXPECT_EQ(paused.resolution.state, SlaState::kPaused);
  EXPECT_TRUE(paused.resolution.paused);
  EXPECT_EQ(paused.resolution.elapsed, 2 * kHour);
  EXPECT_EQ(paused.resolution.due_at, kT0 + 9 * kHour);  // if resumed now
  EXPECT_EQ(NextChange(wall_, cal_, ev, kT0 + 3 * kHour), kNever);

  SlaStatus s = Eval(ev, kT0 + 6 * kHour);
  EXPECT_FALSE(s.pending_customer);
  EXPECT_EQ(s.resolution.state, SlaState::kRunning);
  EXPECT_EQ(s.resolution.elapsed, 3 * kHour);
  EXPECT_EQ(s.resolution.due_at, kT0 + 11 * kHour);  // 8 h + 3 h pause
  // Without the pause the resolution would be breached by now.
  std::vector<SlaEvent> no_pause = {{K::kInbound, kT0}, {K::kOutbound, kT0 + kHour}};
  EXPECT_EQ(Eval(no_pause, kT0 + 9 * kHour).resolution.state, SlaState::kBreached);
  EXPECT_EQ(s.resolution.state, SlaState::kRunning);
  // The customer's message also started a next-response cycle (target 0 here).
  EXPECT_EQ(s.next_response_cycles, 1);
  EXPECT_EQ(s.next_response.state, SlaState::kNotApplicable);
}

TEST_F(SlaTest, OutboundWhilePendingDoesNotResume) {
  wall_.resolution = 8 * kHour;
  std::vector<SlaEvent> ev = {
      {K::kInbound, kT0}, {K::kPendingCustomer, kT0 + kHour}, {K::kOutbound, kT0 + 2 * kHour}};
  SlaStatus s = Eval(ev, kT0 + 20 * kHour);
  EXPECT_EQ(s.resolution.state, SlaState::kPaused);
  EXPECT_EQ(s.resolution.elapsed, kHour);
  ev.push_back({K::kOpen, kT0 + 20 * kHour});
  s = Eval(ev, kT0 + 21 * kHour);
  EXPECT_EQ(s.resolution.elapsed, 2 * kHour);
  EXPECT_EQ(s.resolution.state, SlaState::kRunning);
}

TEST_F(SlaTest, BusinessHoursDueAtSkipsTheWeekend) {
  SlaPolicy p;
  p.first_response = 4 * kHour;
  // Fri 27 Nov 2026 16:00 CET: 2 h on Friday, 2 h on Monday.
  std::vector<SlaEvent> ev = {{K::kInbound, At(2026, 11, 27, 16, 0, 1)}};
  SlaStatus s = Evaluate(p, cal_, ev, At(2026, 11, 28, 12, 0, 1));
  EXPECT_EQ(s.first_response.state, SlaState::kRunning);
  EXPECT_EQ(s.first_response.elapsed, 2 * kHour);
  EXPECT_EQ(s.first_response.due_at, At(2026, 11, 30, 10, 0, 1));
  EXPECT_FALSE(s.first_response.warning);
  // Warning at 3.2 h = Monday 09:12.
  EXPECT_EQ(NextChange(p, cal_, ev, At(2026, 11, 28, 12, 0, 1)), At(2026, 11, 30, 9, 12, 1));
  EXPECT_EQ(NextChange(p, cal_, ev, At(2026, 11, 30, 9, 12, 1)), At(2026, 11, 30, 10, 0, 1));
  EXPECT_EQ(NextChange(p, cal_, ev, At(2026, 11, 30, 10, 0, 1)), kNever);
  // Pending over the weekend does not change business time.
  ev.push_back({K::kPendingCustomer, At(2026, 11, 27, 18, 30, 1)});
  ev.push_back({K::kInbound, At(2026, 11, 29, 12, 0, 1)});
  EXPECT_EQ(Evaluate(p, cal_, ev, At(2026, 11, 30, 9, 0, 1)).first_response.due_at,
            At(2026, 11, 30, 10, 0, 1));
}

TEST_F(SlaTest, NextResponseCycles) {
  wall_.first_response = 2 * kHour;
  wall_.next_response = 2 * kHour;
  std::vector<SlaEvent> ev = {
      {K::kInbound, kT0},
      {K::kOutbound, kT0 + kHour},
      {K::kInbound, kT0 + 2 * kHour},             // cycle 1
      {K::kInbound, kT0 + 2 * kHour + 5 * kMin},  // same cycle
      {K::kOutbound, kT0 + 3 * kHour},            // met
      {K::kInbound, kT0 + 4 * kHour},             // cycle 2
      {K::kOutbound, kT0 + 7 * kHour},            // breached at 6 h
      {K::kInbound, kT0 + 8 * kHour},             // cycle 3
  };
  SlaStatus s = Eval(ev, kT0 + 9 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kMet);
  EXPECT_EQ(s.next_response_cycles, 3);
  EXPECT_EQ(s.next_response_breaches, 1);
  EXPECT_EQ(s.next_response.state, SlaState::kRunning);
  EXPECT_EQ(s.next_response.started_at, kT0 + 8 * kHour);
  EXPECT_EQ(s.next_response.due_at, kT0 + 10 * kHour);
  EXPECT_EQ(s.next_response.elapsed, kHour);
  s = Eval(ev, kT0 + 11 * kHour);
  EXPECT_EQ(s.next_response.state, SlaState::kBreached);
  EXPECT_EQ(s.next_response_breaches, 2);
  auto alerts = AlertsBetween(wall_, cal_, ev, 0, kT0 + 11 * kHour);
  std::vector<SlaAlert> breaches;
  for (const SlaAlert& a : alerts) {
    if (a.kind == SlaAlertKind::kBreach) breaches.push_back(a);
  }
  ASSERT_EQ(breaches.size(), 2u);
  EXPECT_EQ(breaches[0],
            (SlaAlert{SlaTarget::kNextResponse, SlaAlertKind::kBreach, kT0 + 6 * kHour, 2}));
  EXPECT_EQ(breaches[1].cycle, 3);
}

TEST_F(SlaTest, ConversationStartedByAnOutboundMessage) {
  wall_.first_response = 2 * kHour;
  wall_.next_response = kHour;
  wall_.resolution = 10 * kHour;
  std::vector<SlaEvent> ev = {{K::kOutbound, kT0}, {K::kInbound, kT0 + 3 * kHour}};
  SlaStatus s = Eval(ev, kT0 + 3 * kHour + 30 * kMin);
  EXPECT_EQ(s.first_response.state, SlaState::kNotApplicable);
  EXPECT_EQ(s.next_response.state, SlaState::kRunning);
  EXPECT_EQ(s.next_response_cycles, 1);
  EXPECT_EQ(s.resolution.started_at, kT0 + 3 * kHour);
}

TEST_F(SlaTest, ReopenContinuesTheResolutionClock) {
  wall_.resolution = 10 * kHour;
  wall_.first_response = 2 * kHour;
  std::vector<SlaEvent> ev = {
      {K::kInbound, kT0}, {K::kOutbound, kT0 + kHour}, {K::kResolved, kT0 + 4 * kHour}};
  SlaStatus s = Eval(ev, kT0 + 10 * kHour);
  EXPECT_TRUE(s.resolved);
  EXPECT_EQ(s.resolution.state, SlaState::kMet);
  EXPECT_EQ(s.resolution.ended_at, kT0 + 4 * kHour);
  ev.push_back({K::kReopened, kT0 + 20 * kHour});
  s = Eval(ev, kT0 + 23 * kHour);
  EXPECT_FALSE(s.resolved);
  EXPECT_EQ(s.resolution.state, SlaState::kRunning);
  EXPECT_EQ(s.resolution.elapsed, 7 * kHour);
  EXPECT_EQ(s.resolution.started_at, kT0);
  EXPECT_EQ(s.resolution.due_at, kT0 + 26 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kMet);  // response clocks stay ended
  EXPECT_EQ(Eval(ev, kT0 + 26 * kHour).resolution.state, SlaState::kBreached);

  // An inbound message after kResolved reopens implicitly and starts a
  // next-response cycle.
  wall_.next_response = kHour;
  std::vector<SlaEvent> ev2 = {{K::kInbound, kT0},
                               {K::kOutbound, kT0 + kHour},
                               {K::kResolved, kT0 + 4 * kHour},
                               {K::kInbound, kT0 + 20 * kHour}};
  s = Eval(ev2, kT0 + 20 * kHour + 30 * kMin);
  EXPECT_FALSE(s.resolved);
  EXPECT_EQ(s.resolution.elapsed, 4 * kHour + 30 * kMin);
  EXPECT_EQ(s.next_response.state, SlaState::kRunning);
  EXPECT_EQ(s.next_response_cycles, 1);
}

TEST_F(SlaTest, ResolvedWithoutReplyEndsTheResponseClock) {
  wall_.first_response = 2 * kHour;
  std::vector<SlaEvent> ev = {{K::kInbound, kT0}, {K::kResolved, kT0 + kHour}};
  SlaStatus s = Eval(ev, kT0 + 5 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kMet);
  EXPECT_EQ(s.first_response.ended_at, kT0 + kHour);
  EXPECT_EQ(NextChange(wall_, cal_, ev, kT0 + 5 * kHour), kNever);
  ev[1].at = kT0 + 3 * kHour;
  EXPECT_EQ(Eval(ev, kT0 + 5 * kHour).first_response.state, SlaState::kBreached);
}

TEST_F(SlaTest, AlertsAreEmittedOnce) {
  wall_.first_response = 4 * kHour;
  wall_.resolution = 8 * kHour;
  std::vector<SlaEvent> ev = {
      {K::kInbound, kT0}, {K::kPendingCustomer, kT0 + 30 * kMin}, {K::kInbound, kT0 + 2 * kHour}};
  EXPECT_TRUE(AlertsBetween(wall_, cal_, ev, kT0, kT0 + 3 * kHour).empty());
  auto a = AlertsBetween(wall_, cal_, ev, kT0 + 3 * kHour, kT0 + 5 * kHour);
  ASSERT_EQ(a.size(), 1u);
  // 3.2 h of running time: 30 min before the pause, then 2:42 after 2 h.
  EXPECT_EQ(a[0], (SlaAlert{SlaTarget::kFirstResponse, SlaAlertKind::kWarning,
                            kT0 + 4 * kHour + 42 * kMin, 0}));
  // Polling in irregular steps sees every crossing exactly once.
  const auto all = AlertsBetween(wall_, cal_, ev, 0, kT0 + 30 * kHour);
  ASSERT_EQ(all.size(), 4u);  // warning + breach for both targets
  std::vector<SlaAlert> seen;
  Millis since = kT0;
  for (Millis now = kT0 + 7 * kMin; now <= kT0 + 30 * kHour; now += 7 * kMin + 13) {
    for (const SlaAlert& x : AlertsBetween(wall_, cal_, ev, since, now)) seen.push_back(x);
    since = now;
  }
  EXPECT_EQ(seen, all);
  // Scheduling on NextChange hits every crossing exactly at its instant.
  EXPECT_EQ(ScheduleLikeTheDesk(wall_, cal_, ev, kT0), all);
}

TEST_F(SlaTest, BusinessHoursAlertsMatchNextChange) {
  SlaPolicy p;
  p.first_response = 3 * kHour;
  p.next_response = 5 * kHour;
  p.resolution = 30 * kHour;
  CalendarConfig c = CalendarConfig::OfficeHours();
  c.state = "SN";
  BusinessCalendar cal = *BusinessCalendar::Create(c);
  const Millis t = At(2026, 11, 16, 17, 0, 1);
  std::vector<SlaEvent> ev = {{K::kInbound, t},
                              {K::kOutbound, t + 18 * kHour},
                              {K::kInbound, t + 20 * kHour},
                              {K::kPendingCustomer, t + 22 * kHour},
                              {K::kInbound, t + 70 * kHour}};
  const auto all = AlertsBetween(p, cal, ev, 0, t + 400 * kHour);
  EXPECT_EQ(ScheduleLikeTheDesk(p, cal, ev, t), all);
  EXPECT_FALSE(all.empty());
  // Wed 18 Nov 2026 is Buß- und Bettag in Saxony: no alert fires on it.
  for (const SlaAlert& x : all) {
    EXPECT_TRUE(cal.IsOpen(x.at - 1)) << SlaTargetName(x.target) << " at " << x.at;
    EXPECT_FALSE(x.at > At(2026, 11, 18, 0, 0, 1) && x.at <= At(2026, 11, 19, 0, 0, 1));
  }
}

TEST_F(SlaTest, EventOrderAndFutureEvents) {
  wall_.first_response = 4 * kHour;
  wall_.resolution = 8 * kHour;
  std::vector<SlaEvent> sorted = {{K::kInbound, kT0},
                                  {K::kPendingCustomer, kT0 + kHour},
                                  {K::kOpen, kT0 + 3 * kHour},
                                  {K::kOutbound, kT0 + 4 * kHour}};
  std::vector<SlaEvent> shuffled = {sorted[2], sorted[0], sorted[3], sorted[1]};
  SlaStatus a = Eval(sorted, kT0 + 5 * kHour);
  SlaStatus b = Eval(shuffled, kT0 + 5 * kHour);
  EXPECT_EQ(a.resolution.elapsed, b.resolution.elapsed);
  EXPECT_EQ(a.resolution.elapsed, 3 * kHour);
  EXPECT_EQ(a.first_response.elapsed, 2 * kHour);
  // Events after `now` are ignored.
  SlaStatus early = Eval(sorted, kT0 + 30 * kMin);
  EXPECT_EQ(early.first_response.state, SlaState::kRunning);
  EXPECT_EQ(early.resolution.elapsed, 30 * kMin);
}

TEST_F(SlaTest, NoOpenHoursMeansNoDueTime) {
  SlaPolicy p;
  p.first_response = kHour;
  BusinessCalendar closed = *BusinessCalendar::Create(CalendarConfig{});
  std::vector<SlaEvent> ev = {{K::kInbound, kT0}};
  SlaStatus s = Evaluate(p, closed, ev, kT0 + 100 * kHour);
  EXPECT_EQ(s.first_response.state, SlaState::kRunning);
  EXPECT_EQ(s.first_response.due_at, kNever);
  EXPECT_EQ(s.first_response.elapsed, 0);
  EXPECT_EQ(NextChange(p, closed, ev, kT0), kNever);
}

TEST(SlaPolicyTest, ValidationNamesTheField) {
  SlaPolicy p;
  EXPECT_TRUE(ValidatePolicy(p).ok());
  p.next_response = -5;
  Status st = ValidatePolicy(p);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("next_response: negative target -5"), std::string::npos) << st;
  p.next_response = 0;
  p.warn_at = 1.5;
  EXPECT_NE(ValidatePolicy(p).message().find("warn_at:"), std::string::npos);
  p.warn_at = 0.8;
  p.resolution = 11LL * 366 * 24 * kHour;
  EXPECT_NE(ValidatePolicy(p).message().find("resolution:"), std::string::npos);
}

TEST(SlaNames, Stable) {
  EXPECT_EQ(SlaTargetName(SlaTarget::kNextResponse), "next_response");
  EXPECT_EQ(SlaStateName(SlaState::kPaused), "paused");
  EXPECT_EQ(SlaAlertKindName(SlaAlertKind::kBreach), "breach");
}

}  // namespace
}  // namespace leitplanke::desk
