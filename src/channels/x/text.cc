// Weighted post length as X counts it (twitter-text v3 configuration:
// scale 100, default weight 200, the four weight-100 ranges, URLs as 23,
// emoji parsing on).
//
// The URL scanner is a deliberate subset of twitter-text's extractor: a
// URL with a scheme, or a bare domain with a common top-level domain, each
// with an optional path, ending at white space, a non-ASCII character or
// trailing punctuation. Over-counting a rare domain as text is the safe
// direction (the post is refused locally rather than by X).
#include <algorithm>
#include <array>
#include <cctype>

#include "leitplanke/base/utf8.h"

#include "channels/x/x.h"

namespace leitplanke::channels::x {
namespace {

struct Span {
  size_t begin = 0;  // byte offsets
  size_t end = 0;
};

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsDomainChar(char c) { return IsAsciiAlnum(c) || c == '-'; }

// Characters that end a URL (besides white space and non-ASCII).
bool EndsUrl(char c) {
  auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"' || c == '`' || c == '{' ||
         c == '}' || c == '|' || c == '\\' || c == '^';
}

bool TrailingPunctuation(char c) {
  return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' ||
         c == ')' || c == ']' || c == '*';
}

constexpr std::array<std::string_view, 52> kTlds = {
    "com",  "net",   "org",  "info", "biz", "io", "co", "de",    "at",  "ch",  "uk",
    "eu",   "fr",    "it",   "es",   "nl",  "be", "pl", "se",    "no",  "dk",  "fi",
    "us",   "ca",    "au",   "jp",   "cn",  "ru", "br", "in",    "me",  "tv",  "ly",
    "gl",   "app",   "dev",  "shop", "xyz", "ai", "gg", "edu",   "gov", "mil", "int",
    "mobi", "store", "blog", "news", "cz",  "pt", "ie", "online"};

bool IsTld(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(kTlds.begin(), kTlds.end(), lower) != kTlds.end();
}

bool StartsWithNoCase(std::string_view s, size_t pos, std::string_view prefix) {
  if (s.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[pos + i])) != prefix[i]) return false;
  }
  return true;
}

// A URL may not start right after these (twitter-text's "invalid
// preceding characters"): letters, digits, @, $, #, -, _, . and /.
bool ValidBefore(std::string_view s, size_t pos) {
  if (pos == 0) return true;
  char c = s[pos - 1];
  return !(IsAsciiAlnum(c) || c == '@' || c == '$' || c == '#' || c == '-' || c == '_' ||
           c == '.' || c == '/');
}

// From `pos` (just after the host), the end of port and path, without
// trailing punctuation.
size_t ExtendPath(std::string_view s, size_t pos) {
  size_t end = pos;
  if (end < s.size() && (s[end] == '/' || s[end] == ':' || s[end] == '?' || s[end] == '#')) {
    while (end < s.size() && !EndsUrl(s[end])) ++end;
  }
  while (end > pos && TrailingPunctuation(s[end - 1])) --end;
  return end;
}

// The host starting at `pos`: labels of [A-Za-z0-9-] separated by dots.
// Returns its end and the last label's start (0 labels: pos).
size_t ScanHost(std::string_view s, size_t pos, size_t* last_label, int* labels) {
  size_t i = pos;
  *labels = 0;
  *last_label = pos;
  while (i < s.size() && IsDomainChar(s[i]) && s[i] != '-') {
    size_t label = i;
    while (i < s.size() && IsDomainChar(s[i])) ++i;
    ++*labels;
    *last_label = label;
    if (i + 1 < s.size() && s[i] == '.' && IsAsciiAlnum(s[i + 1])) {
      ++i;
      continue;
    }
    break;
  }
  return i;
}

std::vector<Span> FindUrls(std::string_view s) {
  std::vector<Span> out;
  size_t i = 0;
  while (i < s.size()) {
    if (!ValidBefore(s, i) || !IsAsciiAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t host = i;
    bool scheme = false;
    if (StartsWithNoCase(s, i, "https://")) {
      host = i + 8;
      scheme = true;
    } else if (StartsWithNoCase(s, i, "http://")) {
      host = i + 7;
      scheme = true;
    }
    size_t last_label = 0;
    int labels = 0;
    size_t host_end = ScanHost(s, host, &last_label, &labels);
    bool ok = false;
    if (scheme) {
      ok = labels >= 1 && host_end > host;
    } else {
      bool boundary = host_end >= s.size() ||
                      !(IsAsciiAlnum(s[host_end]) || s[host_end] == '@' || s[host_end] == '_');
      ok = labels >= 2 && boundary && IsTld(s.substr(last_label, host_end - last_label));
    }
    if (!ok) {
      // Skip the rest of this word so "foo.example.com" is not re-scanned
      // from its middle.
      while (i < s.size() && (IsDomainChar(s[i]) || s[i] == '.' || s[i] == ':' || s[i] == '/')) ++i;
      if (i == host) ++i;
      continue;
    }
    size_t end = ExtendPath(s, host_end);
    out.push_back({i, end});
    i = end;
  }
  return out;
}

bool WeighsOne(char32_t cp) {
  return cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) ||
         (cp >= 8242 && cp <= 8247);
}

bool IsRegionalIndicator(char32_t cp) { return cp >= 0x1F1E6 && cp <= 0x1F1FF; }

// Code points that start an emoji presentation on their own.
bool IsEmojiBase(char32_t cp) {
  return (cp >= 0x1F000 && cp <= 0x1FAFF) || (cp >= 0x2600 && cp <= 0x27BF) ||
         (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2B00 && cp <= 0x2BFF) ||
         (cp >= 0x2190 && cp <= 0x21FF) || (cp >= 0x25A0 && cp <= 0x25FF) ||
         (cp >= 0x2934 && cp <= 0x2935) || cp == 0x203C || cp == 0x2049 || cp == 0x2122 ||
         cp == 0x2139 || cp == 0x24C2 || cp == 0x3030 || cp == 0x303D || cp == 0x3297 ||
         cp == 0x3299;
}

// Text characters that become emoji with U+FE0F or a keycap: digits, #, *,
// (c), (r).
bool IsTextEmojiBase(char32_t cp) {
  return (cp >= '0' && cp <= '9') || cp == '#' || cp == '*' || cp == 0xA9 || cp == 0xAE;
}

bool IsEmojiModifier(char32_t cp) {
  return cp == 0xFE0E || cp == 0xFE0F || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
         (cp >= 0xE0020 && cp <= 0xE007F) || cp == 0x20E3;
}

struct Cp {
  char32_t cp;
  size_t at;
};

}  // namespace

int WeightedLength(std::string_view text) {
  std::vector<Span> urls = FindUrls(text);
  std::vector<Cp> cps;
  cps.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    int len = 1;
    bool valid = true;
    char32_t cp = utf8::Decode(text, pos, &len, &valid);
    cps.push_back({valid ? cp : 0x110000, pos});  // invalid bytes: outside every range
    pos += static_cast<size_t>(len);
  }
  int weight = 0;
  size_t next_url = 0;
  for (size_t k = 0; k < cps.size();) {
    size_t at = cps[k].at;
    if (next_url < urls.size() && at >= urls[next_url].begin) {
      weight += kUrlWeightedLength;
      while (k < cps.size() && cps[k].at < urls[next_url].end) ++k;
      ++next_url;
      continue;
    }
    char32_t cp = cps[k].cp;
    bool text_emoji = IsTextEmojiBase(cp) && k + 1 < cps.size() &&
                      (cps[k + 1].cp == 0xFE0F || cps[k + 1].cp == 0x20E3);
    if (IsEmojiBase(cp) || text_emoji) {
      size_t j = k + 1;
      if (IsRegionalIndicator(cp) && j < cps.size() && IsRegionalIndicator(cps[j].cp)) ++j;
      while (j < cps.size()) {
        if (IsEmojiModifier(cps[j].cp)) {
          ++j;
        } else if (cps[j].cp == 0x200D && j + 1 < cps.size() && IsEmojiBase(cps[j + 1].cp)) {
          j += 2;
        } else {
          break;
        }
      }
      weight += 2;
      k = j;
      continue;
    }
    weight += WeighsOne(cp) ? 1 : 2;
    ++k;
  }
  return weight;
}

bool ContainsUrl(std::string_view text) { return !FindUrls(text).empty(); }

double PostCost(std::string_view text, const Costs& costs) {
  return ContainsUrl(text) ? costs.post_with_url_usd : costs.post_usd;
}

}  // namespace leitplanke::channels::x
