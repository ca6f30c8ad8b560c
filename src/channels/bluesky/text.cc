// Text helpers of the Bluesky connector: grapheme counting (ICU), facet
// spans with byte offsets, RFC 3339 timestamps and the JWT expiry claim.
#include <algorithm>
#include <memory>

#include <nlohmann/json.hpp>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include "channels/bluesky/bluesky.h"

namespace leitplanke::channels::bluesky {
namespace {

bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A facet may start at the beginning, after white space or an opening bracket.
bool StartsToken(std::string_view text, size_t pos) {
  if (pos == 0) return true;
  unsigned char prev = static_cast<unsigned char>(text[pos - 1]);
  return IsSpace(prev) || prev == '(' || prev == '[' || prev == '"' || prev == '\'';
}

bool TrailingPunct(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ')' ||
         c == ']' || c == '"' || c == '\'';
}

// "example.com" style: labels of [A-Za-z0-9-], at least two, the last one
// starting with a letter.
bool LooksLikeHandle(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  size_t labels = 0;
  size_t start = 0;
  while (start <= h.size()) {
    size_t dot = h.find('.', start);
    if (dot == std::string_view::npos) dot = h.size();
    std::string_view label = h.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    ++labels;
    if (dot == h.size()) {
      unsigned char first = static_cast<unsigned char>(label.front());
      if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false;
      break;
    }
    start = dot + 1;
  }
  return labels >= 2;
}

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<std::string> Base64UrlDecode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      v = 62;
    } else if (c == '_' || c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

size_t GraphemeCount(std::string_view utf8) {
  if (utf8.empty()) return 0;
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || !it) {
    // Without break rules (no ICU data) fall back to code points.
    return static_cast<size_t>(text.countChar32());
  }
  it->setText(text);
  size_t n = 0;
  for (int32_t p = it->next(); p != icu::BreakIterator::DONE; p = it->next()) ++n;
  return n;
}

std::vector<FacetSpan> FindFacetSpans(std::string_view text) {
  std::vector<FacetSpan> spans;
  size_t i = 0;
  while (i < text.size()) {
    bool http = text.compare(i, 7, "http://") == 0;
    bool https = text.compare(i, 8, "https://") == 0;
    if ((http || https) && StartsToken(text, i)) {
      size_t end = i;
      while (end < text.size() && !IsSpace(static_cast<unsigned char>(text[end]))) ++end;
      while (end > i && TrailingPunct(text[end - 1])) {
        // Keep a closing bracket that belongs to the URL ("wiki/Foo_(bar)").
        if (text[end - 1] == ')') {
          std::string_view url = text.substr(i, end - i);
          size_t open = std::count(url.begin(), url.end(), '(');
          size_t close = std::count(url.begin(), url.end(), ')');
          if (open >= close) break;
        }
        --end;
      }
      size_t scheme = https ? 8 : 7;
      if (end > i + scheme) {
        spans.push_back({FacetSpan::Kind::kLink, i, end, std::string(text.substr(i, end - i))});
        i = end;
        continue;
      }
    }
    if (text[i] == '@' && StartsToken(text, i)) {
      size_t end = i + 1;
      while (end < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[end]);
        if (!IsAlnum(c) && c != '.' && c != '-') break;
        ++end;
      }
      while (end > i + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
      std::string handle(text.substr(i + 1, end - i - 1));
      if (LooksLikeHandle(handle)) {
        for (char& c : handle) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        spans.push_back({FacetSpan::Kind::kMention, i, end, std::move(handle)});
        i = end;
        continue;
      }
    }
    ++i;
  }
  return spans;
}

std::optional<int64_t> ParseRfc3339Micros(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!Digits(s, 0, 4, &year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, &month) ||
      s[7] != '-' || !Digits(s, 8, 2, &day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &hour) || s[13] != ':' || !Digits(s, 14, 2, &minute) || s[16] != ':' ||
      !Digits(s, 17, 2, &second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (size_t d = digits; d < 6; ++d) micros *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (int64_t{oh} * 3600 + int64_t{om} * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + int64_t{hour} * 3600 + int64_t{minute} * 60 + second - offset_s;
  return secs * 1'000'000 + micros;
}

desk::Millis JwtExpiry(std::string_view jwt) {
  size_t first = jwt.find('.');
  if (first == std::string_view::npos) return 0;
  size_t second = jwt.find('.', first + 1);
  if (second == std::string_view::npos) return 0;
  std::optional<std::string> payload = Base64UrlDecode(jwt.substr(first + 1, second - first - 1));
  if (!payload) return 0;
  nlohmann::json doc = nlohmann::json::parse(*payload, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return 0;
  auto it = doc.find("exp");
  if (it == doc.end() || !it->is_number()) return 0;
  double exp = it->get<double>();
  if (!(exp > 0) || exp > 1e13) return 0;
  return static_cast<desk::Millis>(exp) * 1000;
}

}  // namespace leitplanke::channels::bluesky
