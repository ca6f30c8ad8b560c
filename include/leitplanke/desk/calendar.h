// Business-hours calendars with German public holidays (lp_desk_sla).
//
// A BusinessCalendar answers "is the team working at instant t?" and counts
// open time between instants, so that SLA targets ("first response within 4
// business hours") mean the same thing across weekends, public holidays and
// daylight-saving changes. Opening hours are local wall-clock times in an IANA
// time zone; all instants are UTC milliseconds since the Unix epoch.
//
// Public holidays are computed (Easter by the Gregorian computus plus the
// fixed and Easter-relative days of each German state), not read from a table.
//
// Thread-safety: a BusinessCalendar is immutable after Create(); all const
// methods may be called concurrently from any number of threads. Copies share
// the immutable state.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

namespace leitplanke::desk {

using Millis = int64_t;

// "No such instant": returned by NextOpening/AddBusinessMillis when the
// calendar has no open time within kSearchHorizonDays consecutive days (for
// example a calendar without any opening hours).
inline constexpr Millis kNever = std::numeric_limits<Millis>::max();
inline constexpr int kSearchHorizonDays = 400;

// A calendar date (proleptic Gregorian).
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend bool operator==(const CivilDate&, const CivilDate&) = default;
};

// "2026-12-24"; InvalidArgument on anything else (including 2026-02-30).
Result<CivilDate> ParseDate(std::string_view text);
std::string FormatDate(const CivilDate& date);

// A local-time range [start, end) in minutes after midnight, 0 <= start <
// end <= 1440 (1440 = midnight at the end of the day). Overnight ranges are
// written as two ranges on consecutive days.
struct TimeRange {
  int start_minute = 0;
  int end_minute = 0;
  friend bool operator==(const TimeRange&, const TimeRange&) = default;
};

// "08:00-18:00" (also "08:00–18:00" with an en dash, "24:00" as the end).
Result<TimeRange> ParseTimeRange(std::string_view text);

// Opening hours that replace the weekly hours on one date (a Saturday
// opening, a short day before a holiday). Empty `hours` is a closed day.
struct SpecialDay {
  CivilDate date;
  std::vector<TimeRange> hours;
};

struct CalendarConfig {
  std::string time_zone = "Europe/Berlin";  // IANA id
  // Index 0 = Monday ... 6 = Sunday; each day's ranges sorted, non-overlapping.
  std::array<std::vector<TimeRange>, 7> hours;
  // German state code ("BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI",
  // "NW", "RP", "SL", "SN", "ST", "SH", "TH"), "" = nationwide holidays only.
  std::string state;
  std::vector<CivilDate> closed_dates;   // company closures (24.12., 31.12., ...)
  std::vector<SpecialDay> special_days;  // override weekly hours and holidays

  // Mon-Fri 08:00-18:00, Europe/Berlin, nationwide holidays.
  static CalendarConfig OfficeHours();
};

struct Holiday {
  CivilDate date;
  std::string_view name_de;  // static strings
  std::string_view name_en;
};

// True for the 16 state codes above (upper case).
bool IsGermanStateCode(std::string_view state);

// The public holidays of `year` in `state` (see IsGermanStateCode; "" or an
// unknown code yields the nationwide holidays only), sorted by date. Rules as
// of 2026, with their introduction years (Frauentag BE 2019 / MV 2023,
// Weltkindertag TH 2019, Reformationstag HB/HH/NI/SH 2018 and everywhere in
// 2017). Years before 1990 get today's rules.
std::vector<Holiday> PublicHolidays(int year, std::string_view state);

// Easter Sunday of `year` (Gregorian calendar).
CivilDate EasterSunday(int year);

class BusinessCalendar {
 public:
  // Validates `config`; errors name the field, e.g.
  // "hours.mon[1]: end 17:00 before start 18:00", "time_zone: unknown 'Europe/Berln'",
  // "state: unknown German state 'XX'", "closed_dates[2]: ...".
  // A calendar without any opening hours is valid: IsOpen is always false,
  // NextOpening/AddBusinessMillis return kNever, BusinessMillisBetween 0.
  // Create precomputes holidays and UTC offsets for 1990..2099 (about half a
  // millisecond): build one calendar per team and share it; copies are cheap.
  static Result<BusinessCalendar> Create(CalendarConfig config);

  const CalendarConfig& config() const;

  // All instants below are clamped to 1800-01-01..2400-01-01 UTC, so that
  // every call walks a bounded number of days (kNever as an argument is fine).

  // Whether t lies inside an opening range of its local day.
  bool IsOpen(Millis t) const;

  // The earliest instant >= t at which the calendar is open (t itself when
  // open); kNever when there is no open time within kSearchHorizonDays.
  Millis NextOpening(Millis t) const;

  // Open time in [from, to); 0 when to <= from.
  Millis BusinessMillisBetween(Millis from, Millis to) const;

  // The instant at which `duration` of open time has elapsed after `start`
  // (counting begins at NextOpening(start)). When the duration ends exactly
  // at a closing time, that closing time is returned. duration <= 0 returns
  // `start`. kNever when the calendar runs out of open time (see above).
  // Invariant: BusinessMillisBetween(s, AddBusinessMillis(s, d)) == d.
  Millis AddBusinessMillis(Millis start, Millis duration) const;

  // Whether `date` is a public holiday of the configured state.
  bool IsPublicHoliday(const CivilDate& date) const;

  struct Impl;

 private:
  explicit BusinessCalendar(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace leitplanke::desk
