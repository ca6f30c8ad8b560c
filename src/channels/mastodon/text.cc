// The HTML Mastodon serves is produced by its own sanitizer (p, br, a, span
// and a few inline tags), so a small tag walker is enough; it still copes
// with anything else (unknown tags are dropped, stray '<' kept as text)
// because remote servers' content passes through, and input is never
// trusted. The length rules mirror what the server validates before it
// accepts a status, so that Render() refuses what the server would refuse.
#include "channels/mastodon/text.h"

#include <algorithm>
#include <array>

#include "leitplanke/base/utf8.h"

namespace leitplanke::channels::mastodon {
namespace {

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsWordByte(char c) { return IsAlnum(c) || c == '_' || static_cast<unsigned char>(c) >= 0x80; }
char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (Lower(s[i]) != Lower(prefix[i])) return false;
  }
  return true;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && StartsWithNoCase(a, b);
}

// Named references that occur in status HTML: the five XML ones that the
// sanitizer escapes, plus what remote servers and editors use for German and
// typographic text.
struct NamedEntity {
  const char* name;
  char32_t cp;
};
constexpr std::array<NamedEntity, 34> kEntities = {{
    {"amp", U'&'},     {"lt", U'<'},      {"gt", U'>'},      {"quot", U'"'},    {"apos", U'\''},
    {"nbsp", 0xA0},    {"auml", 0xE4},    {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},
    {"Ouml", 0xD6},    {"Uuml", 0xDC},    {"szlig", 0xDF},   {"euro", 0x20AC},  {"hellip", 0x2026},
    {"ndash", 0x2013}, {"mdash", 0x2014}, {"laquo", 0xAB},   {"raquo", 0xBB},   {"bdquo", 0x201E},
    {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A},
    {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122}, {"eacute", 0xE9},  {"egrave", 0xE8},
    {"agrave", 0xE0},  {"ccedil", 0xE7},  {"deg", 0xB0},     {"shy", 0xAD},
}};

// Decodes the character reference at html[pos] == '&'. Returns the number of
// bytes consumed (0: not a reference we know, the '&' is literal text).
size_t DecodeEntity(std::string_view html, size_t pos, std::string* out) {
  size_t semi = html.find(';', pos + 1);
  if (semi == std::string_view::npos || semi - pos > 12) return 0;
  std::string_view name = html.substr(pos + 1, semi - pos - 1);
  if (name.empty()) return 0;
  if (name[0] == '#') {
    bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty() || digits.size() > 8) return 0;
    uint32_t v = 0;
    for (char c : digits) {
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (hex && c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (hex && c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return 0;
      }
      v = v * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    // NUL, surrogates and values beyond Unicode are not characters.
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) v = utf8::kReplacement;
    utf8::Append(static_cast<char32_t>(v), out);
    return semi - pos + 1;
  }
  for (const auto& e : kEntities) {
    if (name == e.name) {
      utf8::Append(e.cp, out);
      return semi - pos + 1;
    }
  }
  return 0;
}

// Accumulates text with HTML white-space rules and pending line breaks.
class TextSink {
 public:
  void Char(char c) {
    if (IsAsciiSpace(c)) {
      pending_space_ = true;
      return;
    }
    if (!out_.empty()) {
      if (pending_breaks_ > 0) {
        out_.append(static_cast<size_t>(pending_breaks_), '\n');
      } else if (pending_space_ && out_.back() != '\n') {
        out_ += ' ';
      }
    }
    pending_breaks_ = 0;
    pending_space_ = false;
    out_ += c;
  }
  void Text(std::string_view s) {
    for (char c : s) Char(c);
  }
  // A block boundary: `n` newlines before the next text (never more than
  // the largest pending request, so "</p><p>" is one blank line).
  void Break(int n) {
    pending_breaks_ = std::max(pending_breaks_, n);
    pending_space_ = false;
  }
  void LineBreak() {
    if (out_.empty()) return;
    if (pending_breaks_ > 0) out_.append(static_cast<size_t>(pending_breaks_), '\n');
    pending_breaks_ = 0;
    pending_space_ = false;
    out_ += '\n';
  }
  std::string Finish() {
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    return utf8::Sanitize(out_);
  }

 private:
  std::string out_;
  int pending_breaks_ = 0;
  bool pending_space_ = false;
};

bool IsBlockTag(std::string_view t) {
  static constexpr std::array<std::string_view, 14> kBlocks = {
      "p",  "div", "blockquote", "ul", "ol", "pre",   "h1",
      "h2", "h3",  "h4",         "h5", "h6", "table", "hr"};
  return std::find(kBlocks.begin(), kBlocks.end(), t) != kBlocks.end();
}

// Position just after the '>' closing the tag that starts at `pos`, honouring
// quoted attribute values; npos when the tag is not closed.
size_t TagEnd(std::string_view html, size_t pos) {
  char quote = 0;
  for (size_t i = pos + 1; i < html.size(); ++i) {
    char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// "'s'" (built with append: GCC 12 warns falsely on "literal" + string).
std::string Quoted(std::string_view s) {
  std::string out(1, '\'');
  out.append(s.substr(0, 80));
  out += '\'';
  return out;
}

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  // Days since 1970-01-01 in the proleptic Gregorian calendar, counted with
  // March as the first month so that the leap day ends the year.
  y -= m <= 2 ? 1 : 0;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (m + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` decimal digits at s[*pos].
bool Digits(std::string_view s, size_t* pos, int n, int64_t* v) {
  if (*pos + static_cast<size_t>(n) > s.size()) return false;
  int64_t r = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    r = r * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(n);
  *v = r;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

Result<int64_t> ToMillis(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t sec,
                         int64_t ms, std::string_view what) {
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<int>(mo)) || h > 23 || mi > 59 ||
      sec > 60) {
    return Status::InvalidArgument("date out of range: " + Quoted(what));
  }
  if (sec == 60) sec = 59;  // a leap second; the epoch has none
  return ((DaysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60'000 + sec * 1000 + ms;
}

bool IsUserChar(char c) { return IsAlnum(c) || c == '_' || c == '.' || c == '-'; }

// Length of the Mastodon username at s[pos]: [A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?
size_t UsernameLength(std::string_view s, size_t pos) {
  size_t end = pos;
  while (end < s.size() && IsUserChar(s[end])) ++end;
  while (end > pos && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
  if (end > pos && (s[pos] == '.' || s[pos] == '-')) return 0;
  return end - pos;
}

// Length of a domain at s[pos]: word characters, dots and hyphens, ending in
// a word character.
size_t DomainLength(std::string_view s, size_t pos) {
  size_t end = pos;
  while (end < s.size() && (IsWordByte(s[end]) || s[end] == '.' || s[end] == '-')) ++end;
  while (end > pos && (s[end - 1] == '.' || s[end - 1] == '-')) --end;
  return end - pos;
}

// Length of the URL at s[pos] if one starts there ("http://" or "https://"
// and a host character), else 0. Trailing sentence punctuation is not part
// of the URL.
size_t UrlLength(std::string_view s, size_t pos) {
  size_t scheme = 0;
  if (StartsWithNoCase(s.substr(pos), "https://")) {
    scheme = 8;
  } else if (StartsWithNoCase(s.substr(pos), "http://")) {
    scheme = 7;
  } else {
    return 0;
  }
  size_t end = pos + scheme;
  if (end >= s.size() || !IsWordByte(s[end])) return 0;
  while (end < s.size() && !IsAsciiSpace(s[end])) ++end;
  static constexpr std::string_view kTrailing = ".,:;!?'\")]}>";
  while (end > pos + scheme + 1 && kTrailing.find(s[end - 1]) != std::string_view::npos) --end;
  return end - pos;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  TextSink sink;
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '&') {
      std::string decoded;
      size_t used = DecodeEntity(html, i, &decoded);
      if (used > 0) {
        sink.Text(decoded);
        i += used;
      } else {
        sink.Char('&');
        ++i;
      }
      continue;
    }
    if (c != '<') {
      sink.Char(c);
      ++i;
      continue;
    }
    // A comment or declaration: dropped.
    if (html.substr(i, 4) == "<!--") {
      size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    bool closing = i + 1 < html.size() && html[i + 1] == '/';
    size_t name_start = i + (closing ? 2 : 1);
    if (name_start >= html.size() || !(IsAlnum(html[name_start]) || html[name_start] == '!')) {
      sink.Char('<');  // "a < b": not a tag
      ++i;
      continue;
    }
    size_t end = TagEnd(html, i);
    if (end == std::string_view::npos) break;  // an unclosed tag at the end: dropped
    std::string name;
    for (size_t j = name_start; j < end && IsAlnum(html[j]); ++j) name += Lower(html[j]);
    i = end;
    if (name == "br") {
      sink.LineBreak();
    } else if (name == "li" || name == "tr") {
      sink.Break(1);
    } else if (IsBlockTag(name)) {
      sink.Break(2);
    } else if (!closing && (name == "script" || name == "style")) {
      // Never text; skip to the matching end tag.
      std::string close = "</" + name;
      size_t j = i;
      while (j < html.size() && !StartsWithNoCase(html.substr(j), close)) ++j;
      i = j >= html.size() ? html.size() : TagEnd(html, j);
      if (i == std::string_view::npos) i = html.size();
    }
  }
  return sink.Finish();
}

size_t StatusLength(std::string_view text, size_t url_length) {
  size_t n = 0;
  size_t i = 0;
  while (i < text.size()) {
    char prev = i > 0 ? text[i - 1] : ' ';
    if ((text[i] == 'h' || text[i] == 'H') && !IsWordByte(prev) && prev != '@' && prev != '/') {
      if (size_t len = UrlLength(text, i); len > 0) {
        n += url_length;
        i += len;
        continue;
      }
    }
    if (text[i] == '@' && !IsWordByte(prev) && prev != '/') {
      if (size_t user = UsernameLength(text, i + 1); user > 0) {
        n += 1 + user;  // usernames are ASCII
        size_t j = i + 1 + user;
        if (j < text.size() && text[j] == '@') {
          if (size_t dom = DomainLength(text, j + 1); dom > 0) j += 1 + dom;
        }
        i = j;
        continue;
      }
    }
    int len = 1;
    bool valid = true;
    utf8::Decode(text, i, &len, &valid);
    ++n;
    i += static_cast<size_t>(len);
  }
  return n;
}

Result<Handle> ParseHandle(std::string_view handle) {
  std::string_view h = handle;
  if (!h.empty() && h[0] == '@') h.remove_prefix(1);
  if (h.empty()) return Status::InvalidArgument("empty Mastodon handle");
  size_t at = h.find('@');
  Handle out;
  out.user = std::string(h.substr(0, at));
  if (at != std::string_view::npos) out.domain = std::string(h.substr(at + 1));
  if (out.user.empty() || UsernameLength(out.user, 0) != out.user.size()) {
    return Status::InvalidArgument(Quoted(handle) +
                                   " is not a Mastodon handle (expected @user@domain)");
  }
  if (at != std::string_view::npos &&
      (out.domain.empty() || DomainLength(out.domain, 0) != out.domain.size() ||
       out.domain.find('_') != std::string::npos)) {
    return Status::InvalidArgument(Quoted(handle) + " has no valid domain");
  }
  return out;
}

std::string WithMention(std::string_view text, const Handle& to, std::string_view local_domain) {
  bool local = to.domain.empty() || EqualsNoCase(to.domain, local_domain);
  std::string short_form = "@" + to.user;
  std::string full_form = to.domain.empty() ? short_form : short_form + "@" + to.domain;
  auto starts_with_mention = [&](const std::string& m) {
    if (!StartsWithNoCase(text, m)) return false;
    if (text.size() == m.size()) return true;
    // The mention must end here, not continue as a longer name or domain.
    char next = text[m.size()];
    if (IsWordByte(next) || next == '@') return false;
    if ((next == '.' || next == '-') && m.size() + 1 < text.size() &&
        IsWordByte(text[m.size() + 1])) {
      return false;
    }
    return true;
  };
  if (starts_with_mention(full_form) || (local && starts_with_mention(short_form))) {
    return std::string(text);
  }
  return (local ? short_form : full_form) + " " + std::string(text);
}

Result<int64_t> ParseIso8601Millis(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("not an ISO 8601 date-time: " + Quoted(s.substr(0, 40)));
  };
  size_t p = 0;
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, &p, 4, &y) || !Expect(s, &p, '-') || !Digits(s, &p, 2, &mo) ||
      !Expect(s, &p, '-') || !Digits(s, &p, 2, &d)) {
    return bad();
  }
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return bad();
  ++p;
  if (!Digits(s, &p, 2, &h) || !Expect(s, &p, ':') || !Digits(s, &p, 2, &mi) ||
      !Expect(s, &p, ':') || !Digits(s, &p, 2, &sec)) {
    return bad();
  }
  int64_t ms = 0;
  if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
    ++p;
    size_t start = p;
    int64_t scale = 100;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return bad();
  }
  int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int sign = s[p] == '-' ? -1 : 1;
    ++p;
    int64_t oh = 0, om = 0;
    if (!Digits(s, &p, 2, &oh)) return bad();
    Expect(s, &p, ':');
    if (!Digits(s, &p, 2, &om) || oh > 23 || om > 59) return bad();
    offset_min = sign * (oh * 60 + om);
  } else {
    return bad();
  }
  if (p != s.size()) return bad();
  LP_ASSIGN_OR_RETURN(int64_t local, ToMillis(y, mo, d, h, mi, sec, ms, s));
  return local - offset_min * 60'000;
}

Result<int64_t> ParseHttpDateMillis(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  auto bad = [&] {
    return Status::InvalidArgument("not an HTTP date: " + Quoted(s.substr(0, 40)));
  };
  size_t comma = s.find(", ");
  if (comma == std::string_view::npos) return bad();
  size_t p = comma + 2;
  int64_t d = 0, y = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, &p, 2, &d) || !Expect(s, &p, ' ') || p + 3 > s.size()) return bad();
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto it = std::find(kMonths.begin(), kMonths.end(), s.substr(p, 3));
  if (it == kMonths.end()) return bad();
  int64_t mo = (it - kMonths.begin()) + 1;
  p += 3;
  if (!Expect(s, &p, ' ') || !Digits(s, &p, 4, &y) || !Expect(s, &p, ' ') ||
      !Digits(s, &p, 2, &h) || !Expect(s, &p, ':') || !Digits(s, &p, 2, &mi) ||
      !Expect(s, &p, ':') || !Digits(s, &p, 2, &sec) || s.substr(p) != " GMT") {
    return bad();
  }
  return ToMillis(y, mo, d, h, mi, sec, 0, s);
}

bool IdNewer(std::string_view a, std::string_view b) {
  auto strip = [](std::string_view v) {
    while (v.size() > 1 && v[0] == '0') v.remove_prefix(1);
    return v;
  };
  a = strip(a);
  b = strip(b);
  if (a.size() != b.size()) return a.size() > b.size();
  return a > b;
}

}  // namespace leitplanke::channels::mastodon
