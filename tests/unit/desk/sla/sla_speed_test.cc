// Timing report for the calendar (printed, never asserted): how long the hot
// calls take, and what an ICU offset lookup costs on a clone per call or on a
// shared zone (which would need a mutex) compared with the calendar's own
// transition table.
#include <chrono>
#include <cstdio>
#include <memory>

#include <gtest/gtest.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include "leitplanke/desk/calendar.h"
#include "leitplanke/desk/sla.h"

namespace leitplanke::desk {
namespace {

constexpr Millis kHour = 3'600'000;

template <class F>
double NanosPerCall(int n, F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) f(i);
  auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
}

TEST(SlaSpeed, Report) {
  CalendarConfig c = CalendarConfig::OfficeHours();
  c.state = "BY";
  BusinessCalendar cal = *BusinessCalendar::Create(c);
  const Millis base = 1'767'225'600'000;  // 2026-01-01T00:00Z
  volatile Millis sink = 0;
  // 30 calendar days of office hours are ~200 business hours.
  const double add30 = NanosPerCall(
      2000, [&](int i) { sink = cal.AddBusinessMillis(base + i * 3 * kHour, 200 * kHour); });
  const double between30 = NanosPerCall(2000, [&](int i) {
    sink = cal.BusinessMillisBetween(base + i * 3 * kHour, base + i * 3 * kHour + 30 * 24 * kHour);
  });
  const double create = NanosPerCall(20, [&](int) { sink = BusinessCalendar::Create(c).ok(); });
  const double is_open =
      NanosPerCall(20000, [&](int i) { sink = cal.IsOpen(base + i * 997'000LL); });

  SlaPolicy p;
  p.first_response = 4 * kHour;
  p.next_response = 8 * kHour;
  p.resolution = 40 * kHour;
  std::vector<SlaEvent> ev;
  for (int i = 0; i < 10; ++i) {
    ev.push_back({SlaEventKind::kInbound, base + i * 20 * kHour});
    ev.push_back({SlaEventKind::kOutbound, base + i * 20 * kHour + 5 * kHour});
  }
  const double eval = NanosPerCall(
      500, [&](int i) { sink = Evaluate(p, cal, ev, base + 300 * kHour + i).resolution.elapsed; });

  std::unique_ptr<icu::TimeZone> tz(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8("Europe/Berlin")));
  const double clone = NanosPerCall(20000, [&](int i) {
    std::unique_ptr<icu::TimeZone> copy(tz->clone());
    int32_t raw = 0;
    int32_t dst = 0;
    UErrorCode ec = U_ZERO_ERROR;
    copy->getOffset(static_cast<UDate>(base + i * kHour), false, raw, dst, ec);
    sink = raw + dst;
  });
  const double shared = NanosPerCall(20000, [&](int i) {
    int32_t raw = 0;
    int32_t dst = 0;
    UErrorCode ec = U_ZERO_ERROR;
    tz->getOffset(static_cast<UDate>(base + i * kHour), false, raw, dst, ec);
    sink = raw + dst;
  });
  std::printf(
      "AddBusinessMillis over 30 days: %.0f ns/call\n"
      "BusinessMillisBetween over 30 days: %.0f ns/call\n"
      "IsOpen: %.0f ns/call\n"
      "BusinessCalendar::Create (BY): %.0f ns/call\n"
      "Evaluate (20 events, 3 targets): %.0f ns/call\n"
      "ICU getOffset on a clone per call: %.0f ns; on a shared zone: %.0f ns\n",
      add30, between30, is_open, create, eval, clone, shared);
  EXPECT_GT(sink, -1);  // keeps the loops; the numbers are the output
}

}  // namespace
}  // namespace leitplanke::desk
