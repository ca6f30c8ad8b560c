// A small HTML-to-text converter: mails are not web pages, so a tag scanner
// that knows which elements break lines is enough, and it cannot be made to
// run scripts or fetch anything.
#include "channels/email/html_text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "leitplanke/base/utf8.h"

#include "channels/email/codec.h"

namespace leitplanke::channels::email {
namespace {

struct NamedEntity {
  const char* name;
  char32_t cp;
};

constexpr std::array<NamedEntity, 40> kEntities = {{
    {"amp", '&'},       {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", 0xA0},     {"auml", 0xE4},    {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},
    {"Ouml", 0xD6},     {"Uuml", 0xDC},    {"szlig", 0xDF},   {"euro", 0x20AC},  {"eacute", 0xE9},
    {"egrave", 0xE8},   {"agrave", 0xE0},  {"aacute", 0xE1},  {"ccedil", 0xE7},  {"Eacute", 0xC9},
    {"copy", 0xA9},     {"reg", 0xAE},     {"trade", 0x2122}, {"ndash", 0x2013}, {"mdash", 0x2014},
    {"hellip", 0x2026}, {"laquo", 0xAB},   {"raquo", 0xBB},   {"lsquo", 0x2018}, {"rsquo", 0x2019},
    {"ldquo", 0x201C},  {"rdquo", 0x201D}, {"bdquo", 0x201E}, {"sbquo", 0x201A}, {"bull", 0x2022},
    {"middot", 0xB7},   {"deg", 0xB0},     {"shy", 0xAD},     {"zwnj", 0x200C},  {"times", 0xD7},
}};

bool IsBlockTag(std::string_view name) {
  static constexpr std::array<std::string_view, 28> kBlocks = {
      "p",       "div",    "br",     "li",         "tr",     "h1",   "h2",
      "h3",      "h4",     "h5",     "h6",         "ul",     "ol",   "dl",
      "dt",      "dd",     "table",  "blockquote", "pre",    "hr",   "section",
      "article", "header", "footer", "address",    "center", "form", "title"};
  for (std::string_view b : kBlocks) {
    if (name == b) return true;
  }
  return false;
}

// Decodes the character reference starting at s[i] == '&'; returns bytes
// consumed (0 when it is not one).
size_t DecodeEntity(std::string_view s, size_t i, std::string* out) {
  // References are short: look for the ';' only nearby (linear time on
  // text full of '&').
  size_t semi = s.substr(0, std::min(s.size(), i + 14)).find(';', i + 1);
  if (semi == std::string_view::npos) return 0;
  std::string_view body = s.substr(i + 1, semi - i - 1);
  if (body.empty()) return 0;
  char32_t cp = 0;
  if (body[0] == '#') {
    bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    uint32_t v = 0;
    for (char c : digits) {
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
      if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0) return 0;
      // Saturate: anything above U+10FFFF is replaced below anyway.
      if (v <= 0x10FFFF) v = v * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    cp = v;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = utf8::kReplacement;
  } else {
    bool found = false;
    for (const NamedEntity& e : kEntities) {
      if (body == e.name) {
        cp = e.cp;
        found = true;
        break;
      }
    }
    if (!found) return 0;
  }
  if (cp == 0xA0) cp = ' ';
  if (cp == 0xAD || cp == 0x200C) return semi + 1 - i;  // invisible
  utf8::Append(cp, out);
  return semi + 1 - i;
}

std::string TrimLine(std::string_view line) {
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = line.find_last_not_of(" \t");
  return std::string(line.substr(b, e - b + 1));
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string HtmlToText(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  bool in_pre = false;
  bool pending_space = false;
  auto newline = [&](int count) {
    pending_space = false;
    // Strip spaces at the end of the current line.
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.empty()) return;
    int have = 0;
    for (size_t k = out.size(); k > 0 && out[k - 1] == '\n'; --k) ++have;
    while (have < count) {
      out.push_back('\n');
      ++have;
    }
  };
  size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      if (html.compare(i, 4, "<!--") == 0) {
        size_t end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      size_t end = html.find('>', i + 1);
      if (end == std::string_view::npos) break;  // cut-off tag: nothing visible follows
      std::string_view tag = html.substr(i + 1, end - i - 1);
      bool closing = !tag.empty() && tag[0] == '/';
      if (closing) tag.remove_prefix(1);
      size_t n = 0;
      while (n < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[n])) != 0)) ++n;
      std::string name = AsciiLower(tag.substr(0, n));
      i = end + 1;
      if (name.empty()) continue;  // <!DOCTYPE>, <?xml?>, stray "<"
      if (!closing && (name == "script" || name == "style" || name == "head")) {
        // Skip to the matching close tag; the content is never visible.
        std::string close = "</" + name;
        size_t k = i;
        size_t found = std::string_view::npos;
        while (k < html.size()) {
          size_t lt = html.find('<', k);
          if (lt == std::string_view::npos) break;
          if (AsciiLower(html.substr(lt, close.size())) == close) {
            found = lt;
            break;
          }
          k = lt + 1;
        }
        if (found == std::string_view::npos) {
          i = html.size();
        } else {
          size_t gt = html.find('>', found);
          i = gt == std::string_view::npos ? html.size() : gt + 1;
        }
        continue;
      }
      if (name == "pre") in_pre = !closing;
      if (name == "br") {
        pending_space = false;
        while (!out.empty() && out.back() == ' ') out.pop_back();
        if (!out.empty()) out.push_back('\n');
        continue;
      }
      if (name == "li" && !closing) {
        newline(1);
        out.append("- ");
        continue;
      }
      if (name == "p" || name == "h1" || name == "h2" || name == "h3" || name == "h4" ||
          name == "h5" || name == "h6" || name == "blockquote" || name == "table" || name == "ul" ||
          name == "ol" || name == "pre") {
        newline(2);
        continue;
      }
      if (IsBlockTag(name)) {
        newline(1);
        continue;
      }
      if (name == "td" || name == "th") {
        if (closing) pending_space = true;
        continue;
      }
      if (name == "img" && !closing) {
        // Alt text is what a text reader sees of an image.
        std::string lower = AsciiLower(tag);
        size_t a = lower.find("alt=");
        if (a != std::string::npos && a + 4 < tag.size()) {
          char q = tag[a + 4];
          size_t start = a + 4 + ((q == '"' || q == '\'') ? 1 : 0);
          size_t stop = (q == '"' || q == '\'') ? tag.find(q, start) : tag.find(' ', start);
          if (stop == std::string_view::npos) stop = tag.size();
          std::string alt = TrimLine(tag.substr(start, stop - start));
          if (!alt.empty()) {
            if (pending_space && !out.empty() && out.back() != '\n') out.push_back(' ');
            pending_space = false;
            out.push_back('[');
            out.append(alt);
            out.push_back(']');
          }
        }
      }
      continue;
    }
    if (!in_pre && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      pending_space = true;
      ++i;
      continue;
    }
    if (pending_space && !out.empty() && out.back() != '\n' && out.back() != ' ') {
      out.push_back(' ');
    }
    pending_space = false;
    if (c == '&') {
      size_t used = DecodeEntity(html, i, &out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    if (in_pre && c == '\r') {
      ++i;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  // At most one empty line in a row, none at the ends.
  std::string result;
  result.reserve(out.size());
  int newlines = 0;
  for (char c : out) {
    if (c == '\n') {
      ++newlines;
      if (newlines <= 2 && !result.empty()) result.push_back('\n');
      continue;
    }
    newlines = 0;
    result.push_back(c);
  }
  while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) result.pop_back();
  return utf8::Sanitize(result);
}

std::string StripQuotedReply(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  size_t cut = lines.size();
  for (size_t k = 0; k < lines.size(); ++k) {
    std::string t = TrimLine(lines[k]);
    std::string lower = AsciiLower(t);
    bool marker = false;
    if (StartsWith(lower, "-----original message") ||
        StartsWith(t, "-----Ursprüngliche Nachricht") ||
        StartsWith(lower, "-------- original message") ||
        StartsWith(lower, "-------- weitergeleitete nachricht") ||
        StartsWith(lower, "-------- ursprüngliche nachricht")) {
      marker = true;
    }
    // "On Tue, 3 Mar 2026, Jana <j@x.de> wrote:" / "Am 03.03.2026 um 10:00
    // schrieb Jana:" (possibly wrapped onto the next line by the client).
    std::string joined = lower;
    if (k + 1 < lines.size()) {
      joined.push_back(' ');
      joined.append(AsciiLower(TrimLine(lines[k + 1])));
    }
    if ((StartsWith(lower, "on ") && (EndsWith(lower, "wrote:") || EndsWith(joined, "wrote:"))) ||
        (StartsWith(lower, "am ") && (EndsWith(lower, ":") || EndsWith(joined, ":")) &&
         joined.find("schrieb") != std::string::npos)) {
      marker = true;
    }
    // Outlook: a "From:" line followed within a few lines by "Sent:"/"Gesendet:".
    if (StartsWith(lower, "from:") || StartsWith(lower, "von:")) {
      for (size_t j = k + 1; j < lines.size() && j <= k + 3; ++j) {
        std::string l = AsciiLower(TrimLine(lines[j]));
        if (StartsWith(l, "sent:") || StartsWith(l, "gesendet:") || StartsWith(l, "date:") ||
            StartsWith(l, "datum:")) {
          marker = true;
        }
      }
    }
    if (marker) {
      cut = k;
      break;
    }
  }
  if (cut == lines.size()) {
    // Only a trailing block of "> " lines (and blank lines) is history.
    size_t k = lines.size();
    while (k > 0 && (TrimLine(lines[k - 1]).empty() || StartsWith(lines[k - 1], ">"))) --k;
    bool any_quote = false;
    for (size_t j = k; j < lines.size(); ++j) any_quote = any_quote || StartsWith(lines[j], ">");
    if (any_quote) cut = k;
  }
  std::string out;
  for (size_t k = 0; k < cut; ++k) {
    if (k > 0) out.push_back('\n');
    out.append(lines[k]);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\r')) {
    out.pop_back();
  }
  if (TrimLine(out).empty()) return std::string(text);
  return out;
}

}  // namespace leitplanke::channels::email
