#include <algorithm>
#include <cstring>
#include <ctime>

#include "channels/http/encoding.h"
#include "channels/x/internal.h"

namespace leitplanke::channels::x::internal {
namespace {

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int Num(std::string_view s, size_t pos, size_t n) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

desk::Millis ParseIsoTime(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return -1;
  }
  desk::Millis ms = UtcMillis(Num(s, 0, 4), Num(s, 5, 2), Num(s, 8, 2), Num(s, 11, 2),
                              Num(s, 14, 2), Num(s, 17, 2));
  if (ms < 0) return -1;
  if (s.size() > 20) {
    if (s[19] != '.' || s.size() < 22) return -1;
    std::string_view frac = s.substr(20, s.size() - 21);
    if (!AllDigits(frac) || frac.size() > 9) return -1;
    int v = Num(frac, 0, std::min<size_t>(3, frac.size()));
    for (size_t i = frac.size(); i < 3; ++i) v *= 10;
    ms += v;
  }
  return ms;
}

desk::Millis ParseLegacyTime(std::string_view s) {
  // "Wed Oct 10 20:19:24 +0000 2018"
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (s.size() != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' ||
      s[16] != ':' || s[19] != ' ' || s.substr(20, 5) != "+0000" || s[25] != ' ') {
    return -1;
  }
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (s.substr(4, 3) == kMonths[m]) month = m + 1;
  }
  if (month == 0) return -1;
  return UtcMillis(Num(s, 26, 4), month, Num(s, 8, 2), Num(s, 11, 2), Num(s, 14, 2), Num(s, 17, 2));
}

desk::Millis ParseMillis(std::string_view s) {
  if (!AllDigits(s) || s.size() > 15) return -1;
  desk::Millis v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsId(std::string_view s) { return AllDigits(s) && s.size() <= 19; }

int CompareIds(std::string_view a, std::string_view b) {
  while (a.size() > 1 && a[0] == '0') a.remove_prefix(1);
  while (b.size() > 1 && b[0] == '0') b.remove_prefix(1);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

std::string UnescapeText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      if (s.substr(i, 5) == "&amp;") {
        out += '&';
        i += 5;
        continue;
      }
      if (s.substr(i, 4) == "&lt;") {
        out += '<';
        i += 4;
        continue;
      }
      if (s.substr(i, 4) == "&gt;") {
        out += '>';
        i += 4;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

}  // namespace leitplanke::channels::x::internal
