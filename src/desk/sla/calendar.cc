// BusinessCalendar: open time of a weekly schedule in a time zone.
//
// Why day by day: every question (open at t? open time in [a, b)? where does
// d of open time end?) is answered by walking local days and turning each
// day's opening ranges into UTC intervals. Spans of months cost microseconds,
// independent of the minute resolution.
//
// Why a transition table: we do not rely on one ICU TimeZone being safe for
// concurrent use (OlsonTimeZone initialises its rules lazily), and a mutex per
// lookup or a clone per call (an allocation plus a copy of the rule data)
// costs more than the lookup itself (see desk_sla_speed_test). At Create() the
// zone's transitions for 1990..2099 are copied into a sorted table; lookups
// are then a binary search with no lock. Instants outside the table fall back
// to ICU under a mutex.
#include "leitplanke/desk/calendar.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <unicode/basictz.h>
#include <unicode/timezone.h>
#include <unicode/tzrule.h>
#include <unicode/tztrans.h>
#include <unicode/ucal.h>
#include <unicode/unistr.h>

namespace leitplanke::desk {
namespace {

namespace chr = std::chrono;

constexpr Millis kDayMs = 86'400'000;
constexpr Millis kMinuteMs = 60'000;
constexpr int kCachedFirstYear = 1990;
constexpr int kCachedLastYear = 2099;
// Instants outside 1800-01-01..2400-01-01 (UTC) are clamped to this range,
// which bounds every day walk (and keeps kNever from overflowing).
constexpr Millis kMinInstant = -5'364'662'400'000;
constexpr Millis kMaxInstant = 13'569'465'600'000;
constexpr const char* kWeekdayNames[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

bool ValidDate(const CivilDate& d) {
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31) return false;
  return chr::year_month_day{chr::year{d.year}, chr::month{static_cast<unsigned>(d.month)},
                             chr::day{static_cast<unsigned>(d.day)}}
      .ok();
}

int64_t DayNumber(const CivilDate& d) {
  chr::sys_days sd =
      chr::year_month_day{chr::year{d.year}, chr::month{static_cast<unsigned>(d.month)},
                          chr::day{static_cast<unsigned>(d.day)}};
  return sd.time_since_epoch().count();
}

CivilDate DateOfDayNumber(int64_t day) {
  chr::year_month_day ymd{chr::sys_days{chr::days{day}}};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// 0 = Monday ... 6 = Sunday.
int WeekdayIndex(int64_t day) {
  return static_cast<int>(chr::weekday{chr::sys_days{chr::days{day}}}.iso_encoding()) - 1;
}

std::string FormatMinute(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string FormatRange(const TimeRange& r) {
  return FormatMinute(r.start_minute) + "-" + FormatMinute(r.end_minute);
}

Status ValidateRanges(const std::vector<TimeRange>& ranges, const std::string& field) {
  for (size_t i = 0; i < ranges.size(); ++i) {
    const TimeRange& r = ranges[i];
    const std::string where = field + "[" + std::to_string(i) + "]";
    if (r.start_minute < 0 || r.start_minute > 1440) {
      return Status::InvalidArgument(where + ": start minute " + std::to_string(r.start_minute) +
                                     " outside 00:00..24:00");
    }
    if (r.end_minute < 0 || r.end_minute > 1440) {
      return Status::InvalidArgument(where + ": end minute " + std::to_string(r.end_minute) +
                                     " outside 00:00..24:00");
    }
    if (r.end_minute < r.start_minute) {
      return Status::InvalidArgument(where + ": end " + FormatMinute(r.end_minute) +
                                     " before start " + FormatMinute(r.start_minute) +
                                     " (overnight ranges: split at midnight)");
    }
    if (r.end_minute == r.start_minute) {
      return Status::InvalidArgument(where + ": empty range " + FormatRange(r));
    }
    if (i > 0 && r.start_minute < ranges[i - 1].end_minute) {
      return Status::InvalidArgument(where + ": " + FormatRange(r) + " overlaps or precedes " +
                                     field + "[" + std::to_string(i - 1) + "] " +
                                     FormatRange(ranges[i - 1]) + " (sort ranges by start)");
    }
  }
  return Status::Ok();
}

bool ParseTwoDigits(std::string_view s, int& out) {
  if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
  out = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

Result<int> ParseClock(std::string_view s, std::string_view whole) {
  int h = 0;
  int m = 0;
  if (s.size() != 5 || s[2] != ':' || !ParseTwoDigits(s.substr(0, 2), h) ||
      !ParseTwoDigits(s.substr(3, 2), m) || m > 59 || h > 24 || (h == 24 && m != 0)) {
    return Status::InvalidArgument("time range '" + std::string(whole) + "': '" + std::string(s) +
                                   "' is not HH:MM (00:00..24:00)");
  }
  return h * 60 + m;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<CivilDate> ParseDate(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("date '" + std::string(text) + "' is not a valid YYYY-MM-DD");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  CivilDate d;
  auto num = [](std::string_view s, int& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size() &&
           s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (!num(text.substr(0, 4), d.year) || !num(text.substr(5, 2), d.month) ||
      !num(text.substr(8, 2), d.day) || !ValidDate(d)) {
    return bad();
  }
  return d;
}

std::string FormatDate(const CivilDate& date) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", date.year, date.month, date.day);
  return buf;
}

Result<TimeRange> ParseTimeRange(std::string_view text) {
  size_t dash = text.find('-');
  size_t len = 1;
  if (dash == std::string_view::npos) {
    dash = text.find("\xE2\x80\x93");  // en dash
    len = 3;
  }
  if (dash == std::string_view::npos) {
    return Status::InvalidArgument("time range '" + std::string(text) + "' is not HH:MM-HH:MM");
  }
  LP_ASSIGN_OR_RETURN(int start, ParseClock(Trim(text.substr(0, dash)), text));
  LP_ASSIGN_OR_RETURN(int end, ParseClock(Trim(text.substr(dash + len)), text));
  return TimeRange{start, end};
}

CalendarConfig CalendarConfig::OfficeHours() {
  CalendarConfig c;
  for (int d = 0; d < 5; ++d) c.hours[d] = {{8 * 60, 18 * 60}};
  return c;
}

struct BusinessCalendar::Impl {
  CalendarConfig config;
  std::vector<int64_t> closed_days;                                 // sorted
  std::vector<std::pair<int64_t, std::vector<TimeRange>>> special;  // sorted by day
  std::vector<int64_t> holiday_days;  // sorted, years kCachedFirstYear..kCachedLastYear

  // UTC offsets from a table of the zone's transitions in
  // [table_begin, table_end): segment k runs from tr_at[k - 1] to tr_at[k]
  // with offset tr_off[k]. Outside the table ICU is asked directly.
  std::vector<Millis> tr_at;
  std::vector<int32_t> tr_off;
  Millis table_begin = 0;
  Millis table_end = 0;

  mutable std::mutex tz_mu;
  std::unique_ptr<icu::BasicTimeZone> tz;  // guarded by tz_mu

  void BuildTable() {
    table_begin = DayNumber({kCachedFirstYear, 1, 1}) * kDayMs;
    table_end = DayNumber({kCachedLastYear + 1, 1, 1}) * kDayMs;
    int32_t raw = 0;
    int32_t dst = 0;
    UErrorCode ec = U_ZERO_ERROR;
    tz->getOffset(static_cast<UDate>(table_begin), false, raw, dst, ec);
    tr_off.push_back(U_FAILURE(ec) ? 0 : raw + dst);
    icu::TimeZoneTransition trans;
    UDate t = static_cast<UDate>(table_begin);
    while (tz->getNextTransition(t, false, trans)) {
      const UDate at = trans.getTime();
      if (at >= static_cast<UDate>(table_end) || trans.getTo() == nullptr) break;
      tr_at.push_back(static_cast<Millis>(at));
      tr_off.push_back(trans.getTo()->getRawOffset() + trans.getTo()->getDSTSavings());
      t = at;
    }
  }

  size_t SegmentOf(Millis utc) const {
    return static_cast<size_t>(std::upper_bound(tr_at.begin(), tr_at.end(), utc) - tr_at.begin());
  }
  Millis SegmentStart(size_t k) const { return k == 0 ? table_begin : tr_at[k - 1]; }
  Millis SegmentEnd(size_t k) const { return k == tr_at.size() ? table_end : tr_at[k]; }

  // UTC offset (ms) in effect at instant `utc`.
  int32_t OffsetAtUtc(Millis utc) const {
    if (utc >= table_begin && utc < table_end) return tr_off[SegmentOf(utc)];
    int32_t raw = 0;
    int32_t dst = 0;
    UErrorCode ec = U_ZERO_ERROR;
    std::lock_guard<std::mutex> lock(tz_mu);
    tz->getOffset(static_cast<UDate>(utc), false, raw, dst, ec);
    return U_FAILURE(ec) ? 0 : raw + dst;
  }

  // UTC offset (ms) in effect at local wall time `local` (ms since the epoch
  // as if the local time were UTC). A repeated local time (autumn) takes the
  // earlier instant; a skipped one (spring gap) the offset before the change,
  // like ICU's UCAL_TZ_LOCAL_FORMER.
  int32_t OffsetAtLocal(Millis local) const {
    if (local - 2 * kDayMs < table_begin || local + 2 * kDayMs >= table_end) {
      int32_t raw = 0;
      int32_t dst = 0;
      UErrorCode ec = U_ZERO_ERROR;
      std::lock_guard<std::mutex> lock(tz_mu);
      tz->getOffsetFromLocal(static_cast<UDate>(local), UCAL_TZ_LOCAL_FORMER, UCAL_TZ_LOCAL_FORMER,
                             raw, dst, ec);
      return U_FAILURE(ec) ? 0 : raw + dst;
    }
    const size_t k0 = SegmentOf(local - tr_off[SegmentOf(local)]);
    const size_t lo = k0 == 0 ? 0 : k0 - 1;
    const size_t hi = std::min(k0 + 1, tr_at.size());
    for (size_t k = lo; k <= hi; ++k) {  // earliest segment holding the local time
      const Millis u = local - tr_off[k];
      if (u >= SegmentStart(k) && u < SegmentEnd(k)) return tr_off[k];
    }
    for (size_t k = hi + 1; k-- > lo;) {  // in a gap: the offset before it
      if (local - tr_off[k] >= SegmentStart(k)) return tr_off[k];
    }
    return tr_off[k0];
  }

  int64_t LocalDay(Millis t) const { return FloorDiv(t + OffsetAtUtc(t), kDayMs); }

  bool IsHoliday(int64_t day) const {
    const CivilDate d = DateOfDayNumber(day);
    if (d.year >= kCachedFirstYear && d.year <= kCachedLastYear) {
      return std::binary_search(holiday_days.begin(), holiday_days.end(), day);
    }
    for (const Holiday& h : PublicHolidays(d.year, config.state)) {
      if (h.date == d) return true;
    }
    return false;
  }

  const std::vector<TimeRange>& RangesOf(int64_t day) const {
    static const std::vector<TimeRange> kClosed;
    auto it = std::lower_bound(special.begin(), special.end(), day,
                               [](const auto& e, int64_t d) { return e.first < d; });
    if (it != special.end() && it->first == day) return it->second;
    if (std::binary_search(closed_days.begin(), closed_days.end(), day)) return kClosed;
    const std::vector<TimeRange>& weekly = config.hours[WeekdayIndex(day)];
    if (weekly.empty() || IsHoliday(day)) return kClosed;
    return weekly;
  }

  // The open UTC intervals [first, second) of local day `day`, sorted.
  void Intervals(int64_t day, std::vector<std::pair<Millis, Millis>>& out) const {
    out.clear();
    const std::vector<TimeRange>& ranges = RangesOf(day);
    if (ranges.empty()) return;
    const Millis midnight = day * kDayMs;
    const int32_t off_start = OffsetAtLocal(midnight);
    const int32_t off_end = OffsetAtLocal(midnight + kDayMs);
    for (const TimeRange& r : ranges) {
      const Millis la = midnight + r.start_minute * kMinuteMs;
      const Millis lb = midnight + r.end_minute * kMinuteMs;
      Millis a = 0;
      Millis b = 0;
      if (off_start == off_end) {
        a = la - off_start;
        b = lb - off_start;
      } else {  // a DST change on this day
        a = la - OffsetAtLocal(la);
        b = lb - OffsetAtLocal(lb);
      }
      if (!out.empty()) a = std::max(a, out.back().second);
      if (b > a) out.emplace_back(a, b);
    }
  }
};

Result<BusinessCalendar> BusinessCalendar::Create(CalendarConfig config) {
  auto impl = std::make_shared<Impl>();

  std::unique_ptr<icu::TimeZone> tz(
      icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(config.time_zone)));
  if (tz == nullptr || *tz == icu::TimeZone::getUnknown()) {
    return Status::InvalidArgument("time_zone: unknown IANA time zone '" + config.time_zone + "'");
  }
  auto* basic = dynamic_cast<icu::BasicTimeZone*>(tz.get());
  if (basic == nullptr) {
    return Status::InvalidArgument("time_zone: '" + config.time_zone + "' has no transition rules");
  }
  tz.release();
  impl->tz.reset(basic);
  impl->BuildTable();

  if (!config.state.empty() && !IsGermanStateCode(config.state)) {
    return Status::InvalidArgument("state: unknown German state '" + config.state +
                                   "' (BW, BY, BE, BB, HB, HH, HE, MV, NI, NW, RP, SL, SN, ST, SH, "
                                   "TH, or empty for nationwide holidays)");
  }
  for (int d = 0; d < 7; ++d) {
    LP_RETURN_IF_ERROR(ValidateRanges(config.hours[d], std::string("hours.") + kWeekdayNames[d]));
  }
  for (size_t i = 0; i < config.closed_dates.size(); ++i) {
    const CivilDate& d = config.closed_dates[i];
    if (!ValidDate(d)) {
      return Status::InvalidArgument("closed_dates[" + std::to_string(i) + "]: invalid date " +
                                     FormatDate(d));
    }
    impl->closed_days.push_back(DayNumber(d));
  }
  std::sort(impl->closed_days.begin(), impl->closed_days.end());
  for (size_t i = 0; i < config.special_days.size(); ++i) {
    const SpecialDay& s = config.special_days[i];
    const std::string field = "special_days[" + std::to_string(i) + "]";
    if (!ValidDate(s.date)) {
      return Status::InvalidArgument(field + ".date: invalid date " + FormatDate(s.date));
    }
    LP_RETURN_IF_ERROR(ValidateRanges(s.hours, field + ".hours"));
    impl->special.emplace_back(DayNumber(s.date), s.hours);
  }
  std::sort(impl->special.begin(), impl->special.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < impl->special.size(); ++i) {
    if (impl->special[i].first == impl->special[i - 1].first) {
      return Status::InvalidArgument("special_days: date " +
                                     FormatDate(DateOfDayNumber(impl->special[i].first)) +
                                     " appears twice");
    }
  }
  for (int y = kCachedFirstYear; y <= kCachedLastYear; ++y) {
    for (const Holiday& h : PublicHolidays(y, config.state)) {
      impl->holiday_days.push_back(DayNumber(h.date));
    }
  }
  std::sort(impl->holiday_days.begin(), impl->holiday_days.end());
  impl->config = std::move(config);
  return BusinessCalendar(std::move(impl));
}

const CalendarConfig& BusinessCalendar::config() const { return impl_->config; }

bool BusinessCalendar::IsPublicHoliday(const CivilDate& date) const {
  return ValidDate(date) && impl_->IsHoliday(DayNumber(date));
}

bool BusinessCalendar::IsOpen(Millis t) const {
  if (t < kMinInstant || t >= kMaxInstant) return false;
  std::vector<std::pair<Millis, Millis>> iv;
  impl_->Intervals(impl_->LocalDay(t), iv);
  for (const auto& [a, b] : iv) {
    if (a <= t && t < b) return true;
  }
  return false;
}

Millis BusinessCalendar::NextOpening(Millis t) const {
  if (t >= kMaxInstant) return kNever;
  t = std::max(t, kMinInstant);
  std::vector<std::pair<Millis, Millis>> iv;
  int64_t day = impl_->LocalDay(t);
  for (int n = 0; n <= kSearchHorizonDays; ++n, ++day) {
    impl_->Intervals(day, iv);
    for (const auto& [a, b] : iv) {
      if (b > t) return a < kMaxInstant ? std::max(a, t) : kNever;
    }
  }
  return kNever;
}

Millis BusinessCalendar::BusinessMillisBetween(Millis from, Millis to) const {
  from = std::clamp(from, kMinInstant, kMaxInstant);
  to = std::clamp(to, kMinInstant, kMaxInstant);
  if (to <= from) return 0;
  std::vector<std::pair<Millis, Millis>> iv;
  const int64_t last = impl_->LocalDay(to);
  Millis sum = 0;
  for (int64_t day = impl_->LocalDay(from); day <= last; ++day) {
    impl_->Intervals(day, iv);
    for (const auto& [a, b] : iv) {
      const Millis lo = std::max(a, from);
      const Millis hi = std::min(b, to);
      if (hi > lo) sum += hi - lo;
    }
  }
  return sum;
}

Millis BusinessCalendar::AddBusinessMillis(Millis start, Millis duration) const {
  if (duration <= 0) return start;
  if (start >= kMaxInstant) return kNever;
  start = std::max(start, kMinInstant);
  std::vector<std::pair<Millis, Millis>> iv;
  int64_t day = impl_->LocalDay(start);
  const int64_t last_day = FloorDiv(kMaxInstant, kDayMs);
  int closed_run = 0;
  for (;; ++day) {
    impl_->Intervals(day, iv);
    bool counted = false;
    for (const auto& [a, b] : iv) {
      if (b <= start) continue;
      const Millis lo = std::max(a, start);
      const Millis avail = b - lo;
      if (duration <= avail) return lo + duration;
      duration -= avail;
      counted = true;
    }
    closed_run = counted ? 0 : closed_run + 1;
    if (closed_run > kSearchHorizonDays || day > last_day) return kNever;
  }
}

}  // namespace leitplanke::desk
