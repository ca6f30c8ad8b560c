// German public holidays, computed per year and state.
//
// Why computed: a table would have to be extended every year and is easy to
// get wrong for the moving feasts; the rules below are short and change only
// by law (the introduction years are kept as data next to each rule).
#include <algorithm>
#include <chrono>
#include <string_view>
#include <tuple>
#include <vector>

#include "leitplanke/desk/calendar.h"

namespace leitplanke::desk {
namespace {

namespace chr = std::chrono;

constexpr std::string_view kStates[] = {"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV",
                                        "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"};

bool In(std::string_view state, std::initializer_list<std::string_view> states) {
  return std::find(states.begin(), states.end(), state) != states.end();
}

CivilDate AddDays(const CivilDate& d, int n) {
  chr::sys_days sd =
      chr::year_month_day{chr::year{d.year}, chr::month{static_cast<unsigned>(d.month)},
                          chr::day{static_cast<unsigned>(d.day)}};
  chr::year_month_day ymd{sd + chr::days{n}};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// ISO weekday of a date: 1 = Monday ... 7 = Sunday.
unsigned IsoWeekday(const CivilDate& d) {
  chr::sys_days sd =
      chr::year_month_day{chr::year{d.year}, chr::month{static_cast<unsigned>(d.month)},
                          chr::day{static_cast<unsigned>(d.day)}};
  return chr::weekday{sd}.iso_encoding();
}

}  // namespace

bool IsGermanStateCode(std::string_view state) {
  return std::find(std::begin(kStates), std::end(kStates), state) != std::end(kStates);
}

// The anonymous Gregorian algorithm (Meeus/Jones/Butcher).
CivilDate EasterSunday(int year) {
  const int a = year % 19;
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int n = h + l - 7 * m + 114;
  return {year, n / 31, n % 31 + 1};
}

std::vector<Holiday> PublicHolidays(int year, std::string_view state) {
  if (!IsGermanStateCode(state)) state = "";
  std::vector<Holiday> out;
  auto add = [&](CivilDate date, std::string_view de, std::string_view en) {
    out.push_back({date, de, en});
  };
  const CivilDate easter = EasterSunday(year);

  add({year, 1, 1}, "Neujahr", "New Year's Day");
  if (In(state, {"BW", "BY", "ST"})) add({year, 1, 6}, "Heilige Drei Könige", "Epiphany");
  if ((state == "BE" && year >= 2019) || (state == "MV" && year >= 2023)) {
    add({year, 3, 8}, "Internationaler Frauentag", "International Women's Day");
  }
  add(AddDays(easter, -2), "Karfreitag", "Good Friday");
  // Easter and Whit Sunday are holidays by law only in Brandenburg; they are
  // Sundays, so they matter only for calendars that open on Sundays.
  if (state == "BB") add(easter, "Ostersonntag", "Easter Sunday");
  add(AddDays(easter, 1), "Ostermontag", "Easter Monday");
  add({year, 5, 1}, "Tag der Arbeit", "Labour Day");
  // Berlin: one-off holidays for the 75th and 80th anniversary of the end of
  // World War II.
  if (state == "BE" && (year == 2020 || year == 2025)) {
    add({year, 5, 8}, "Tag der Befreiung", "Liberation Day");
  }
  add(AddDays(easter, 39), "Christi Himmelfahrt", "Ascension Day");
  if (state == "BB") add(AddDays(easter, 49), "Pfingstsonntag", "Whit Sunday");
  add(AddDays(easter, 50), "Pfingstmontag", "Whit Monday");
  if (In(state, {"BW", "BY", "HE", "NW", "RP", "SL"})) {
    add(AddDays(easter, 60), "Fronleichnam", "Corpus Christi");
  }
  // Mariä Himmelfahrt is a holiday in Saarland and in the predominantly
  // Catholic municipalities of Bavaria only. It is not a state-wide holiday in
  // BY, so a BY calendar stays open; add it to closed_dates where it applies.
  if (state == "SL") add({year, 8, 15}, "Mariä Himmelfahrt", "Assumption Day");
  if (state == "TH" && year >= 2019) add({year, 9, 20}, "Weltkindertag", "World Children's Day");
  add({year, 10, 3}, "Tag der Deutschen Einheit", "German Unity Day");
  // 2017 (500 years of the Reformation) it was a holiday in every state.
  if (In(state, {"BB", "MV", "SN", "ST", "TH"}) ||
      (In(state, {"HB", "HH", "NI", "SH"}) && year >= 2018) || year == 2017) {
    add({year, 10, 31}, "Reformationstag", "Reformation Day");
  }
  if (In(state, {"BW", "BY", "NW", "RP", "SL"})) {
    add({year, 11, 1}, "Allerheiligen", "All Saints' Day");
  }
  if (state == "SN") {
    // The Wednesday before 23 November: the last Wednesday in 16..22 November.
    CivilDate d{year, 11, 22};
    while (IsoWeekday(d) != 3) d = AddDays(d, -1);
    add(d, "Buß- und Bettag", "Day of Repentance and Prayer");
  }
  add({year, 12, 25}, "1. Weihnachtstag", "Christmas Day");
  add({year, 12, 26}, "2. Weihnachtstag", "St. Stephen's Day");

  std::stable_sort(out.begin(), out.end(), [](const Holiday& a, const Holiday& b) {
    return std::tie(a.date.month, a.date.day) < std::tie(b.date.month, b.date.day);
  });
  return out;
}

}  // namespace leitplanke::desk
