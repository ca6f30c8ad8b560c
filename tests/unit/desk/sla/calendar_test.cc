// Tests of BusinessCalendar and the German public holidays.
#include "leitplanke/desk/calendar.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace leitplanke::desk {
namespace {

constexpr Millis kMin = 60'000;
constexpr Millis kHour = 60 * kMin;

// UTC instant of a wall time with an explicit UTC offset in hours
// (Europe/Berlin: +1 in winter, +2 in summer).
Millis At(int y, int mo, int d, int h, int mi, int offset_h) {
  namespace chr = std::chrono;
  chr::sys_days day = chr::year_month_day{chr::year{y}, chr::month{static_cast<unsigned>(mo)},
                                          chr::day{static_cast<unsigned>(d)}};
  return day.time_since_epoch().count() * 24 * kHour + h * kHour + mi * kMin - offset_h * kHour;
}

BusinessCalendar Make(CalendarConfig c) {
  auto cal = BusinessCalendar::Create(std::move(c));
  EXPECT_TRUE(cal.ok()) << cal.status();
  return *cal;
}

bool HasHoliday(int year, std::string_view state, CivilDate date, std::string_view name_de) {
  for (const Holiday& h : PublicHolidays(year, state)) {
    if (h.date == date) return h.name_de == name_de;
  }
  return false;
}

TEST(Holidays, EasterSunday) {
  EXPECT_EQ(EasterSunday(2024), (CivilDate{2024, 3, 31}));
  EXPECT_EQ(EasterSunday(2025), (CivilDate{2025, 4, 20}));
  EXPECT_EQ(EasterSunday(2026), (CivilDate{2026, 4, 5}));
  EXPECT_EQ(EasterSunday(2027), (CivilDate{2027, 3, 28}));
  EXPECT_EQ(EasterSunday(2000), (CivilDate{2000, 4, 23}));
  EXPECT_EQ(EasterSunday(2038), (CivilDate{2038, 4, 25}));  // latest possible date
  EXPECT_EQ(EasterSunday(2285), (CivilDate{2285, 3, 22}));  // earliest possible date
}

TEST(Holidays, EasterRelativeDays2026) {
  EXPECT_TRUE(HasHoliday(2026, "", {2026, 4, 3}, "Karfreitag"));
  EXPECT_TRUE(HasHoliday(2026, "", {2026, 4, 6}, "Ostermontag"));
  EXPECT_TRUE(HasHoliday(2026, "", {2026, 5, 14}, "Christi Himmelfahrt"));
  EXPECT_TRUE(HasHoliday(2026, "", {2026, 5, 25}, "Pfingstmontag"));
  EXPECT_TRUE(HasHoliday(2026, "BY", {2026, 6, 4}, "Fronleichnam"));
  EXPECT_TRUE(HasHoliday(2026, "NW", {2026, 6, 4}, "Fronleichnam"));
  EXPECT_FALSE(HasHoliday(2026, "BE", {2026, 6, 4}, "Fronleichnam"));
  EXPECT_TRUE(HasHoliday(2026, "BB", {2026, 4, 5}, "Ostersonntag"));
  EXPECT_TRUE(HasHoliday(2026, "BB", {2026, 5, 24}, "Pfingstsonntag"));
  EXPECT_FALSE(HasHoliday(2026, "BE", {2026, 4, 5}, "Ostersonntag"));
}

TEST(Holidays, StateRules) {
  EXPECT_TRUE(HasHoliday(2026, "SN", {2026, 11, 18}, "Buß- und Bettag"));
  EXPECT_TRUE(HasHoliday(2025, "SN", {2025, 11, 19}, "Buß- und Bettag"));
  EXPECT_TRUE(HasHoliday(2027, "SN", {2027, 11, 17}, "Buß- und Bettag"));
  EXPECT_FALSE(HasHoliday(2026, "BY", {2026, 11, 18}, "Buß- und Bettag"));
  EXPECT_TRUE(HasHoliday(2026, "BY", {2026, 11, 1}, "Allerheiligen"));
  EXPECT_FALSE(HasHoliday(2026, "BE", {2026, 11, 1}, "Allerheiligen"));
  EXPECT_TRUE(HasHoliday(2026, "BE", {2026, 3, 8}, "Internationaler Frauentag"));
  EXPECT_FALSE(HasHoliday(2018, "BE", {2018, 3, 8}, "Internationaler Frauentag"));
  EXPECT_TRUE(HasHoliday(2023, "MV", {2023, 3, 8}, "Internationaler Frauentag"));
  EXPECT_FALSE(HasHoliday(2022, "MV", {2022, 3, 8}, "Internationaler Frauentag"));
  EXPECT_TRUE(HasHoliday(2026, "ST", {2026, 1, 6}, "Heilige Drei Könige"));
  EXPECT_FALSE(HasHoliday(2026, "NW", {2026, 1, 6}, "Heilige Drei Könige"));
  EXPECT_TRUE(HasHoliday(2026, "SL", {2026, 8, 15}, "Mariä Himmelfahrt"));
  EXPECT_FALSE(HasHoliday(2026, "BY", {2026, 8, 15}, "Mariä Himmelfahrt"));
  EXPECT_TRUE(HasHoliday(2026, "TH", {2026, 9, 20}, "Weltkindertag"));
  EXPECT_FALSE(HasHoliday(2018, "TH", {2018, 9, 20}, "Weltkindertag"));
  EXPECT_TRUE(HasHoliday(2026, "NI", {2026, 10, 31}, "Reformationstag"));
  EXPECT_FALSE(HasHoliday(2016, "NI", {2016, 10, 31}, "Reformationstag"));
  EXPECT_TRUE(HasHoliday(2016, "SN", {2016, 10, 31}, "Reformationstag"));
  EXPECT_TRUE(HasHoliday(2017, "BY", {2017, 10, 31}, "Reformationstag"));
  EXPECT_FALSE(HasHoliday(2026, "BY", {2026, 10, 31}, "Reformationstag"));
}

TEST(Holidays, NationwideListIsSortedAndNamed) {
  auto list = PublicHolidays(2026, "");
  ASSERT_EQ(list.size(), 9u);
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end(), [](const Holiday& a, const Holiday& b) {
    return std::tie(a.date.month, a.date.day) < std::tie(b.date.month, b.date.day);
  }));
  EXPECT_EQ(list[1].name_en, "Good Friday");
  EXPECT_EQ(list.back().name_de, "2. Weihnachtstag");
  EXPECT_EQ(PublicHolidays(2026, "XX").size(), 9u);  // unknown state: nationwide only
  EXPECT_EQ(PublicHolidays(2026, "BY").size(), 12u);
  EXPECT_EQ(PublicHolidays(2026, "SN").size(), 11u);
}

TEST(Parse, DatesAndRanges) {
  EXPECT_EQ(*ParseDate("2026-12-24"), (CivilDate{2026, 12, 24}));
  EXPECT_FALSE(ParseDate("2026-02-30").ok());
  EXPECT_FALSE(ParseDate("2026-2-3").ok());
  EXPECT_FALSE(ParseDate("2026-+2-03").ok());
  EXPECT_EQ(FormatDate({2026, 1, 6}), "2026-01-06");
  EXPECT_EQ(*ParseTimeRange("08:00-18:00"), (TimeRange{480, 1080}));
  EXPECT_EQ(*ParseTimeRange("09:30 \xE2\x80\x93 24:00"), (TimeRange{570, 1440}));
  EXPECT_FALSE(ParseTimeRange("8-18").ok());
  EXPECT_FALSE(ParseTimeRange("08:60-18:00").ok());
  EXPECT_FALSE(ParseTimeRange("24:30-25:00").ok());
}

TEST(Config, InvalidFieldsAreNamed) {
  auto expect_error = [](CalendarConfig c, std::string_view want) {
    auto cal = BusinessCalendar::Create(std::move(c));
    ASSERT_FALSE(cal.ok());
    EXPECT_EQ(cal.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(cal.status().message().find(want), std::string::npos) << cal.status().message();
  };
  CalendarConfig c = CalendarConfig::OfficeHours();
  c.hours[0] = {{8 * 60, 12 * 60}, {18 * 60, 17 * 60}};
  expect_error(c, "hours.mon[1]: end 17:00 before start 18:00");

  c = CalendarConfig::OfficeHours();
  c.hours[2] = {{8 * 60, 12 * 60}, {11 * 60, 17 * 60}};
  expect_error(c, "hours.wed[1]: 11:00-17:00 overlaps or precedes hours.wed[0]");

  c = CalendarConfig::OfficeHours();
  c.hours[6] = {{8 * 60, 1500}};
  expect_error(c, "hours.sun[0]: end minute 1500");

  c = CalendarConfig::OfficeHours();
  c.hours[5] = {{9 * 60, 9 * 60}};
  expect_error(c, "hours.sat[0]: empty range");

  c = CalendarConfig::OfficeHours();
  c.time_zone = "Europe/Berln";
  expect_error(c, "time_zone: unknown IANA time zone 'Europe/Berln'");

  c = CalendarConfig::OfficeHours();
  c.state = "XX";
  expect_error(c, "state: unknown German state 'XX'");

  c = CalendarConfig::OfficeHours();
  c.closed_dates = {{2026, 12, 24}, {2026, 2, 30}};
  expect_error(c, "closed_dates[1]: invalid date 2026-02-30");

  c = CalendarConfig::OfficeHours();
  c.special_days = {{{2026, 12, 19}, {{10 * 60, 9 * 60}}}};
  expect_error(c, "special_days[0].hours[0]: end 09:00 before start 10:00");

  c = CalendarConfig::OfficeHours();
  c.special_days = {{{2026, 12, 19}, {}}, {{2026, 12, 19}, {}}};
  expect_error(c, "special_days: date 2026-12-19 appears twice");
}

TEST(Calendar, AcrossAWeekend) {
  BusinessCalendar cal = Make(CalendarConfig::OfficeHours());
  // Fri 27 Nov 2026 17:00 CET -> Mon 30 Nov 09:00 CET: one hour each side.
  EXPECT_EQ(cal.BusinessMillisBetween(At(2026, 11, 27, 17, 0, 1), At(2026, 11, 30, 9, 0, 1)),
            2 * kHour);
  EXPECT_EQ(cal.AddBusinessMillis(At(2026, 11, 27, 17, 0, 1), 2 * kHour),
            At(2026, 11, 30, 9, 0, 1));
  // Ending exactly at a closing time returns the closing time.
  EXPECT_EQ(cal.AddBusinessMillis(At(2026, 11, 27, 17, 0, 1), kHour), At(2026, 11, 27, 18, 0, 1));
  EXPECT_FALSE(cal.IsOpen(At(2026, 11, 28, 12, 0, 1)));
  EXPECT_TRUE(cal.IsOpen(At(2026, 11, 27, 8, 0, 1)));
  EXPECT_FALSE(cal.IsOpen(At(2026, 11, 27, 18, 0, 1)));
  EXPECT_EQ(cal.NextOpening(At(2026, 11, 28, 14, 0, 1)), At(2026, 11, 30, 8, 0, 1));
  EXPECT_EQ(cal.NextOpening(At(2026, 11, 27, 10, 0, 1)), At(2026, 11, 27, 10, 0, 1));
  // Starting outside hours: counting begins at the next opening.
  EXPECT_EQ(cal.AddBusinessMillis(At(2026, 11, 28, 3, 0, 1), 30 * kMin),
            At(2026, 11, 30, 8, 30, 1));
  EXPECT_EQ(cal.AddBusinessMillis(At(2026, 11, 28, 3, 0, 1), 0), At(2026, 11, 28, 3, 0, 1));
}

TEST(Calendar, AcrossAHolidayDependsOnTheState) {
  CalendarConfig c = CalendarConfig::OfficeHours();
  BusinessCalendar nationwide = Make(c);
  c.state = "BY";
  BusinessCalendar bavaria = Make(c);
  // Mon 5 Jan 2026 17:00 -> Wed 7 Jan 09:00; Tue 6 Jan is Epiphany in BY.
  const Millis from = At(2026, 1, 5, 17, 0, 1);
  const Millis to = At(2026, 1, 7, 9, 0, 1);
  EXPECT_EQ(bavaria.BusinessMillisBetween(from, to), 2 * kHour);
  EXPECT_EQ(nationwide.BusinessMillisBetween(from, to), 12 * kHour);
  EXPECT_TRUE(bavaria.IsPublicHoliday({2026, 1, 6}));
  EXPECT_FALSE(nationwide.IsPublicHoliday({2026, 1, 6}));
  // Easter: Thu 2 Apr 2026 17:00 CEST -> Tue 7 Apr 09:00 CEST (Good Friday, Easter Monday).
  EXPECT_EQ(nationwide.BusinessMillisBetween(At(2026, 4, 2, 17, 0, 2), At(2026, 4, 7, 9, 0, 2)),
            2 * kHour);
}

TEST(Calendar, ClosedAndSpecialDays) {
  CalendarConfig c = CalendarConfig::OfficeHours();
  c.closed_dates = {{2026, 12, 24}, {2026, 12, 31}};
  c.special_days = {{{2026, 12, 19}, {{10 * 60, 14 * 60}}},  // a Saturday opening
                    {{2026, 12, 23}, {}}};                   // closed
  BusinessCalendar cal = Make(c);
  EXPECT_EQ(cal.BusinessMillisBetween(At(2026, 12, 19, 0, 0, 1), At(2026, 12, 20, 0, 0, 1)),
            4 * kHour);
  // Tue 22 Dec 18:00 -> Mon 28 Dec 08:00: 23/24/25/26 closed.
  EXPECT_EQ(cal.BusinessMillisBetween(At(2026, 12, 22, 17, 0, 1), At(2026, 12, 28, 9, 0, 1)),
            2 * kHour);
  EXPECT_EQ(cal.NextOpening(At(2026, 12, 30, 18, 0, 1)), At(2027, 1, 4, 8, 0, 1));
}

TEST(Calendar, DaylightSavingChanges) {
  CalendarConfig c;
  for (auto& day : c.hours) day = {{8 * 60, 18 * 60}};
  BusinessCalendar cal = Make(c);
  // Sun 29 Mar 2026: clocks go 02:00 CET -> 03:00 CEST. Still 10 open hours.
  EXPECT_EQ(cal.BusinessMillisBetween(At(2026, 3, 29, 0, 0, 1), At(2026, 3, 30, 0, 0, 2)),
            10 * kHour);
  EXPECT_TRUE(cal.IsOpen(At(2026, 3, 29, 8, 0, 2)));
  EXPECT_FALSE(cal.IsOpen(At(2026, 3, 29, 8, 0, 2) - 1));
  EXPECT_EQ(cal.NextOpening(At(2026, 3, 29, 0, 0, 1)), At(2026, 3, 29, 8, 0, 2));
  // Sat 28 Mar 17:00 CET + 2 h open time = Sun 29 Mar 09:00 CEST.
  EXPECT_EQ(cal.AddBusinessMillis(At(2026, 3, 28, 17, 0, 1), 2 * kHour), At(2026, 3, 29, 9, 0, 2));
  // Sun 25 Oct 2026: 03:00 CEST -> 02:00 CET.
  EXPECT_EQ(cal.BusinessMillisBetween(At(2026, 10, 25, 0, 0, 2), At(2026, 10, 26, 0, 0, 1)),
            10 * kHour);
  EXPECT_TRUE(cal.IsOpen(At(2026, 10, 25, 8, 0, 1)));
  EXPECT_FALSE(cal.IsOpen(At(2026, 10, 25, 8, 0, 1) - 1));
  EXPECT_EQ(cal.AddBusinessMillis(At(2026, 10, 24, 17, 0, 2), 2 * kHour),
            At(2026, 10, 25, 9, 0, 1));

  // Open around the clock: the local day has 23 and 25 hours.
  CalendarConfig always;
  for (auto& day : always.hours) day = {{0, 1440}};
  BusinessCalendar cal24 = Make(always);
  EXPECT_EQ(cal24.BusinessMillisBetween(At(2026, 3, 29, 0, 0, 1), At(2026, 3, 30, 0, 0, 2)),
            23 * kHour);
  EXPECT_EQ(cal24.BusinessMillisBetween(At(2026, 10, 25, 0, 0, 2), At(2026, 10, 26, 0, 0, 1)),
            25 * kHour);
}

Millis LastSundayMidnightUtc(int year, unsigned month, int offset_h) {
  namespace chr = std::chrono;
  chr::sys_days d = chr::year_month_weekday_last{chr::year{year}, chr::month{month},
                                                 chr::weekday_last{chr::Sunday}};
  return d.time_since_epoch().count() * 24 * kHour - offset_h * kHour;
}

TEST(Calendar, DaylightSavingEveryYearAndBeyondTheTable) {
  CalendarConfig always;
  for (auto& day : always.hours) day = {{0, 1440}};
  BusinessCalendar cal = Make(always);
  // EU rules since 1996: last Sunday of March and of October. Years outside
  // 1990..2099 are answered by ICU directly instead of the transition table.
  for (int year : {1996, 2000, 2026, 2098, 2099, 2100, 2200, 2300}) {
    const Millis march = LastSundayMidnightUtc(year, 3, 1);
    EXPECT_EQ(cal.BusinessMillisBetween(march, march + 23 * kHour), 23 * kHour) << year;
    EXPECT_EQ(cal.AddBusinessMillis(march, 23 * kHour), march + 23 * kHour) << year;
    const Millis october = LastSundayMidnightUtc(year, 10, 2);
    EXPECT_EQ(cal.BusinessMillisBetween(october, october + 25 * kHour), 25 * kHour) << year;
  }
  CalendarConfig office = CalendarConfig::OfficeHours();
  for (auto& day : office.hours) day = {{8 * 60, 18 * 60}};
  BusinessCalendar daily = Make(office);
  // Across the end of the table (2100-01-01, Neujahr): three 10-hour days.
  EXPECT_EQ(daily.BusinessMillisBetween(At(2099, 12, 30, 0, 0, 1), At(2100, 1, 3, 0, 0, 1)),
            30 * kHour);
  EXPECT_EQ(daily.AddBusinessMillis(At(2099, 12, 31, 17, 0, 1), 2 * kHour),
            At(2100, 1, 2, 9, 0, 1));
  // Before the table: summer time began on the last Sunday of March.
  for (int year : {1985, 1989, 1990}) {
    const Millis march = LastSundayMidnightUtc(year, 3, 1);
    EXPECT_EQ(cal.AddBusinessMillis(march, 23 * kHour), march + 23 * kHour) << year;
  }
}

TEST(Calendar, RangesInsideTheDstChangeCountRealTime) {
  CalendarConfig c;
  for (auto& day : c.hours) day = {{2 * 60, 4 * 60}};
  BusinessCalendar cal = Make(c);
  // Table (2026) and ICU fallback (2300) must agree: 02:00-03:00 does not
  // exist in March (1 h open), and occurs twice in October (3 h open).
  for (int year : {2026, 2300}) {
    const Millis march = LastSundayMidnightUtc(year, 3, 1);
    EXPECT_EQ(cal.BusinessMillisBetween(march, march + 23 * kHour), kHour) << year;
    EXPECT_EQ(cal.NextOpening(march), march + 2 * kHour) << year;  // "02:00" = 01:00 UTC
    const Millis october = LastSundayMidnightUtc(year, 10, 2);
    EXPECT_EQ(cal.BusinessMillisBetween(october, october + 25 * kHour), 3 * kHour) << year;
    EXPECT_EQ(cal.NextOpening(october), october + 2 * kHour) << year;  // first 02:00 (CEST)
  }
}

TEST(Calendar, OtherTimeZone) {
  CalendarConfig c = CalendarConfig::OfficeHours();
  c.time_zone = "America/New_York";
  BusinessCalendar cal = Make(c);
  EXPECT_TRUE(cal.IsOpen(At(2026, 11, 27, 8, 0, -5)));
  EXPECT_FALSE(cal.IsOpen(At(2026, 11, 27, 8, 0, 1)));
}

TEST(Calendar, NoOpenHoursTerminates) {
  CalendarConfig c;
  BusinessCalendar cal = Make(c);
  const Millis t = At(2026, 11, 27, 10, 0, 1);
  EXPECT_FALSE(cal.IsOpen(t));
  EXPECT_EQ(cal.NextOpening(t), kNever);
  EXPECT_EQ(cal.AddBusinessMillis(t, kHour), kNever);
  EXPECT_EQ(cal.BusinessMillisBetween(t, t + 400 * 24 * kHour), 0);
  // Only one special day: open time runs out after it.
  c.special_days = {{{2026, 12, 1}, {{9 * 60, 10 * 60}}}};
  BusinessCalendar once = Make(c);
  EXPECT_EQ(once.AddBusinessMillis(t, 30 * kMin), At(2026, 12, 1, 9, 30, 1));
  EXPECT_EQ(once.AddBusinessMillis(t, 2 * kHour), kNever);
}

TEST(Calendar, ExtremeInstantsAreClamped) {
  BusinessCalendar cal = Make(CalendarConfig::OfficeHours());
  const Millis t = At(2399, 12, 30, 0, 0, 1);  // a Thursday
  EXPECT_FALSE(cal.IsOpen(kNever));
  EXPECT_EQ(cal.NextOpening(kNever), kNever);
  EXPECT_EQ(cal.AddBusinessMillis(kNever - 1, kHour), kNever);
  EXPECT_EQ(cal.AddBusinessMillis(t, 100 * kHour), kNever);
  EXPECT_EQ(cal.BusinessMillisBetween(t, kNever), 20 * kHour);
  EXPECT_EQ(cal.BusinessMillisBetween(std::numeric_limits<Millis>::min(), At(1800, 1, 2, 0, 0, 1)),
            0);  // 1 Jan 1800: Neujahr
}

CalendarConfig RichConfig() {
  CalendarConfig c;
  for (int d = 0; d < 5; ++d) c.hours[d] = {{8 * 60, 12 * 60}, {13 * 60, 18 * 60}};
  c.hours[4] = {{8 * 60, 15 * 60 + 30}};
  c.hours[5] = {{9 * 60, 13 * 60}};
  c.state = "BY";
  c.closed_dates = {{2026, 12, 24}, {2026, 12, 31}};
  return c;
}

TEST(Calendar, RoundTripProperty) {
  BusinessCalendar cal = Make(RichConfig());
  std::mt19937_64 rng(20261128);
  const Millis base = At(2025, 12, 1, 0, 0, 1);
  std::uniform_int_distribution<Millis> start_dist(0, 500LL * 24 * kHour);
  std::uniform_int_distribution<Millis> dur_dist(1, 300 * kHour);
  for (int i = 0; i < 2000; ++i) {
    const Millis s = base + start_dist(rng);
    const Millis d = dur_dist(rng);
    const Millis e = cal.AddBusinessMillis(s, d);
    ASSERT_NE(e, kNever);
    ASSERT_EQ(cal.BusinessMillisBetween(s, e), d) << "start " << s << " duration " << d;
    ASSERT_TRUE(cal.IsOpen(e - 1));  // the last millisecond counted is open time
    // The other way round: t -> open time -> back lands at t or at the closing before it.
    const Millis t = s + start_dist(rng) / 20;
    const Millis open = cal.BusinessMillisBetween(s, t);
    const Millis back = cal.AddBusinessMillis(s, open);
    ASSERT_LE(back, t);
    ASSERT_EQ(cal.BusinessMillisBetween(back, t), 0);
    // Additivity.
    const Millis mid = s + (t - s) / 3;
    ASSERT_EQ(cal.BusinessMillisBetween(s, mid) + cal.BusinessMillisBetween(mid, t), open);
  }
}

TEST(Calendar, MatchesAMinuteByMinuteCount) {
  BusinessCalendar cal = Make(RichConfig());
  std::mt19937_64 rng(7);
  const Millis base = At(2026, 3, 20, 0, 0, 1);  // spans the March DST change
  std::uniform_int_distribution<Millis> minute(0, 20 * 24 * 60);
  std::uniform_int_distribution<Millis> len(0, 4 * 24 * 60);
  for (int i = 0; i < 40; ++i) {
    const Millis from = base + minute(rng) * kMin;
    const Millis to = from + len(rng) * kMin;
    Millis count = 0;
    for (Millis t = from; t < to; t += kMin) count += cal.IsOpen(t) ? kMin : 0;
    ASSERT_EQ(cal.BusinessMillisBetween(from, to), count);
  }
}

TEST(Calendar, ConcurrentConstUse) {
  BusinessCalendar cal = Make(RichConfig());
  const Millis base = At(2026, 1, 1, 0, 0, 1);
  std::vector<Millis> expected;
  for (int i = 0; i < 200; ++i)
    expected.push_back(cal.AddBusinessMillis(base + i * 7 * kHour, 50 * kHour));
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      BusinessCalendar copy = cal;  // copies share the state
      for (int round = 0; round < 5; ++round) {
        for (int i = 0; i < 200; ++i) {
          if (copy.AddBusinessMillis(base + i * 7 * kHour, 50 * kHour) != expected[i])
            ++mismatches[th];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace leitplanke::desk
