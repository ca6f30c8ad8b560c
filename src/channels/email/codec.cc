// Mail codecs. Decoders follow the robustness principle of RFC 2045: what a
// mail reader can still make sense of is decoded, and only what would lose or
// invent content (a base64 group cut in half) is an error.
#include "channels/email/codec.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <memory>
#include <vector>

#include <unicode/ucnv.h>
#include <unicode/ustring.h>

#include "leitplanke/base/utf8.h"

namespace leitplanke::channels::email {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using ConverterPtr = std::unique_ptr<UConverter, ConverterCloser>;

// ICU converter names may carry options after a comma (",swaplfnl"); only
// plain names from the mail are passed on.
bool PlainCharsetName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
          c == ':')) {
      return false;
    }
  }
  return true;
}

// Converts with ICU; false when ICU does not know the charset.
bool IcuToUtf8(std::string_view bytes, const std::string& charset, std::string* out) {
  UErrorCode err = U_ZERO_ERROR;
  ConverterPtr conv(ucnv_open(charset.c_str(), &err));
  if (U_FAILURE(err) || conv == nullptr) return false;
  // Every input byte yields at most two UTF-16 units in the charsets mail
  // uses; multi-byte charsets yield fewer.
  std::vector<UChar> utf16(bytes.size() * 2 + 1);
  err = U_ZERO_ERROR;
  int32_t n16 = ucnv_toUChars(conv.get(), utf16.data(), static_cast<int32_t>(utf16.size()),
                              bytes.data(), static_cast<int32_t>(bytes.size()), &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    utf16.resize(static_cast<size_t>(n16) + 1);
    err = U_ZERO_ERROR;
    ucnv_resetToUnicode(conv.get());
    n16 = ucnv_toUChars(conv.get(), utf16.data(), static_cast<int32_t>(utf16.size()), bytes.data(),
                        static_cast<int32_t>(bytes.size()), &err);
  }
  if (U_FAILURE(err)) return false;
  std::string result(static_cast<size_t>(n16) * 3 + 1, '\0');
  int32_t n8 = 0;
  int32_t subs = 0;
  err = U_ZERO_ERROR;
  u_strToUTF8WithSub(result.data(), static_cast<int32_t>(result.size()), &n8, utf16.data(), n16,
                     0xFFFD, &subs, &err);
  if (U_FAILURE(err)) return false;
  result.resize(static_cast<size_t>(n8));
  *out = std::move(result);
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1-12).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t mp = (m + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

constexpr std::array<const char*, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 12> kMonthNames = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 7> kWeekdayNames = {"Thu", "Fri", "Sat", "Sun",
                                                      "Mon", "Tue", "Wed"};

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// One decoded piece of a header: raw bytes plus the charset they are in.
struct Piece {
  std::string bytes;
  std::string charset;  // "" = raw header bytes
  bool encoded = false;
};

// Tries to decode an encoded word at s[pos]; returns its length or 0.
size_t DecodeEncodedWord(std::string_view s, size_t pos, Piece* piece) {
  if (s.compare(pos, 2, "=?") != 0) return 0;
  // Charset and encoded text contain neither '?' nor white space, so each
  // scan stops at the next one of those: decoding a header stays linear even
  // when it is full of "=?" that never close.
  auto stop = [&](size_t from) {
    while (from < s.size() && s[from] != '?' && s[from] != ' ' && s[from] != '\t' &&
           s[from] != '\r' && s[from] != '\n') {
      ++from;
    }
    return from;
  };
  size_t q1 = stop(pos + 2);
  if (q1 >= s.size() || s[q1] != '?' || q1 == pos + 2) return 0;
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return 0;
  char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  if (enc != 'B' && enc != 'Q') return 0;
  size_t text_start = q1 + 3;
  size_t end = stop(text_start);
  if (end + 1 >= s.size() || s[end] != '?' || s[end + 1] != '=') return 0;
  std::string_view text = s.substr(text_start, end - text_start);
  std::string charset(s.substr(pos + 2, q1 - pos - 2));
  if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);
  std::string bytes;
  if (enc == 'B') {
    Result<std::string> decoded = DecodeBase64(text);
    if (!decoded.ok()) return 0;
    bytes = std::move(*decoded);
  } else {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        bytes.push_back(' ');
      } else if (text[i] == '=' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
                 HexValue(text[i + 2]) >= 0) {
        bytes.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
        i += 2;
      } else {
        bytes.push_back(text[i]);
      }
    }
  }
  piece->bytes = std::move(bytes);
  piece->charset = AsciiLower(charset);
  piece->encoded = true;
  return end + 2 - pos;
}

}  // namespace

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string DecodeQuotedPrintable(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c != '=') {
      // Trailing white space before a line break was added in transport
      // (RFC 2045 6.7 rule 3): drop it.
      if (IsWsp(c)) {
        size_t j = i;
        while (j < in.size() && IsWsp(in[j])) ++j;
        if (j == in.size() || in[j] == '\r' || in[j] == '\n') {
          i = j;
          continue;
        }
        out.append(in.substr(i, j - i));
        i = j;
        continue;
      }
      out.push_back(c);
      ++i;
      continue;
    }
    // "=" followed by optional white space and a line break: soft break.
    size_t j = i + 1;
    while (j < in.size() && IsWsp(in[j])) ++j;
    if (j == in.size()) {
      i = j;
      continue;
    }
    if (in[j] == '\n') {
      i = j + 1;
      continue;
    }
    if (in[j] == '\r') {
      i = (j + 1 < in.size() && in[j + 1] == '\n') ? j + 2 : j + 1;
      continue;
    }
    if (i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 3;
      continue;
    }
    out.push_back('=');  // malformed: keep literally
    ++i;
  }
  return out;
}

std::string EncodeQuotedPrintable(std::string_view text) {
  constexpr size_t kMaxContent = 75;  // plus "=" of a soft break = 76
  std::string out;
  out.reserve(text.size() + text.size() / 8 + 8);
  size_t line_len = 0;
  auto emit = [&](std::string_view token) {
    if (line_len + token.size() > kMaxContent) {
      out.append("=\r\n");
      line_len = 0;
      if (token == ".") token = "=2E";  // now at the start of a line
    }
    out.append(token);
    line_len += token.size();
  };
  size_t i = 0;
  while (i < text.size()) {
    // One hard line.
    size_t eol = i;
    while (eol < text.size() && text[eol] != '\n') ++eol;
    std::string_view line = text.substr(i, eol - i);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // CRLF input
    for (size_t k = 0; k < line.size(); ++k) {
      unsigned char c = static_cast<unsigned char>(line[k]);
      bool last = k + 1 == line.size();
      bool escape = c == '=' || c < 0x20 || c > 0x7E;
      if (IsWsp(static_cast<char>(c))) escape = last;
      if (c == '\t' && !last) escape = false;
      if (c == '.' && line_len == 0) escape = true;  // never a lone "." line in SMTP
      if (escape) {
        char token[3] = {'=', kHexUpper[c >> 4], kHexUpper[c & 15]};
        emit(std::string_view(token, 3));
      } else {
        char ch = static_cast<char>(c);
        emit(std::string_view(&ch, 1));
      }
      // A soft break right before a trailing space would make it trailing.
    }
    if (eol < text.size()) {
      out.append("\r\n");
      line_len = 0;
      i = eol + 1;
    } else {
      i = eol;
    }
  }
  // A body without a final line break ends in a soft break, so transports
  // that add CRLF at the end of the data do not add a line to the text.
  if (text.empty() || text.back() != '\n') out.append("=\r\n");
  return out;
}

Result<std::string> DecodeBase64(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3 + 3);
  uint32_t acc = 0;
  int bits = 0;
  size_t group = 0;  // significant characters in the current group of four
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      // Padding ends a group. Some mailers pad every line, so data may
      // follow: it starts a new group.
      if (group == 1) {
        return Status::InvalidArgument("base64 group cut off by padding at byte offset " +
                                       std::to_string(i));
      }
      group = 0;
      bits = 0;
      acc = 0;
      continue;
    }
    int v = Base64Value(c);
    if (v < 0) {
      return Status::InvalidArgument("invalid base64 character 0x" +
                                     std::string{kHexUpper[static_cast<unsigned char>(c) >> 4],
                                                 kHexUpper[static_cast<unsigned char>(c) & 15]} +
                                     " at byte offset " + std::to_string(i));
    }
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    group = (group + 1) % 4;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if (group == 1) {
    return Status::InvalidArgument(
        "base64 data ends inside a character (truncated at byte offset " +
        std::to_string(in.size()) + ")");
  }
  return out;
}

std::string EncodeBase64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string ToUtf8(std::string_view bytes, std::string_view charset) {
  std::string cs = AsciiLower(charset);
  // Trim quotes and blanks some mailers leave around the name.
  while (!cs.empty() && (cs.front() == '"' || cs.front() == ' ')) cs.erase(cs.begin());
  while (!cs.empty() && (cs.back() == '"' || cs.back() == ' ')) cs.pop_back();
  bool pure_ascii = true;
  for (char c : bytes) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      pure_ascii = false;
      break;
    }
  }
  if (pure_ascii && cs != "utf-16" && cs != "utf-16le" && cs != "utf-16be" && cs != "utf-7" &&
      cs.rfind("iso-2022", 0) != 0 && cs != "hz-gb-2312" && cs != "utf-32") {
    return std::string(bytes);
  }
  if (cs == "utf-8" || cs == "utf8") return utf8::Sanitize(bytes);
  const bool unknown_label = cs.empty() || cs == "us-ascii" || cs == "ascii" ||
                             cs == "unknown-8bit" || cs == "x-unknown" || !PlainCharsetName(cs);
  if (unknown_label && utf8::FirstInvalid(bytes) == std::string_view::npos) {
    return std::string(bytes);
  }
  // Mail labelled Latin-1 (or not labelled) is in practice windows-1252,
  // which only differs in 0x80-0x9F (C1 controls in Latin-1): the same rule
  // web browsers follow.
  if (unknown_label || cs == "iso-8859-1" || cs == "latin1" || cs == "iso_8859-1" || cs == "l1" ||
      cs == "cp819") {
    cs = "windows-1252";
  }
  std::string out;
  if (IcuToUtf8(bytes, cs, &out) || IcuToUtf8(bytes, "windows-1252", &out)) {
    return utf8::Sanitize(out);
  }
  return utf8::Sanitize(bytes);
}

std::string DecodeHeaderText(std::string_view raw) {
  // Unfold: a line break followed by white space is white space; any other
  // stray CR or LF becomes a space.
  std::string unfolded;
  unfolded.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      if (i + 1 < raw.size() && IsWsp(raw[i + 1])) continue;
      unfolded.push_back(' ');
      continue;
    }
    unfolded.push_back(c);
  }
  std::vector<Piece> pieces;
  std::string_view s = unfolded;
  size_t i = 0;
  std::string literal;
  auto flush_literal = [&]() {
    if (!literal.empty()) {
      pieces.push_back(Piece{std::move(literal), "", false});
      literal.clear();
    }
  };
  while (i < s.size()) {
    Piece piece;
    size_t len = s[i] == '=' ? DecodeEncodedWord(s, i, &piece) : 0;
    if (len == 0) {
      literal.push_back(s[i]);
      ++i;
      continue;
    }
    // White space between two encoded words is not part of the text.
    bool only_space = !literal.empty();
    for (char c : literal) only_space = only_space && IsWsp(c);
    if (only_space && !pieces.empty() && pieces.back().encoded) literal.clear();
    flush_literal();
    // Consecutive words in one charset are joined before conversion, so a
    // character split across two words (a common encoder bug) survives.
    if (!pieces.empty() && pieces.back().encoded && pieces.back().charset == piece.charset) {
      pieces.back().bytes += piece.bytes;
    } else {
      pieces.push_back(std::move(piece));
    }
    i += len;
  }
  flush_literal();
  std::string out;
  for (const Piece& p : pieces) out += ToUtf8(p.bytes, p.charset);
  // Control characters have no place in a one-line header value.
  for (char& c : out) {
    if (c == '\t' || c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return "";
  size_t e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

std::string EncodeHeaderText(std::string_view text) {
  bool plain = text.size() <= 900 && text.find("=?") == std::string_view::npos;
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7E) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(text);
  std::string clean = utf8::Sanitize(text);
  for (char& c : clean) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  constexpr size_t kChunk = 42;  // 56 base64 chars + "=?utf-8?B?" + "?=" = 68
  std::string out;
  size_t i = 0;
  while (i < clean.size()) {
    size_t end = std::min(clean.size(), i + kChunk);
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (end < clean.size() && end > i + 1 &&
           (static_cast<unsigned char>(clean[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out.append("\r\n ");
    out.append("=?utf-8?B?");
    out.append(EncodeBase64(std::string_view(clean).substr(i, end - i)));
    out.append("?=");
    i = end;
  }
  return out;
}

std::string DecodeRfc2231Value(std::string_view value) {
  std::string charset;
  std::string_view data = value;
  size_t q1 = value.find('\'');
  if (q1 != std::string_view::npos) {
    size_t q2 = value.find('\'', q1 + 1);
    if (q2 != std::string_view::npos) {
      charset = std::string(value.substr(0, q1));
      data = value.substr(q2 + 1);
    }
  }
  std::string bytes;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '%' && i + 2 < data.size() && HexValue(data[i + 1]) >= 0 &&
        HexValue(data[i + 2]) >= 0) {
      bytes.push_back(static_cast<char>(HexValue(data[i + 1]) * 16 + HexValue(data[i + 2])));
      i += 2;
    } else {
      bytes.push_back(data[i]);
    }
  }
  return ToUtf8(bytes, charset);
}

Result<int64_t> ParseMailDate(std::string_view text) {
  // Drop comments ("(CET)") and commas, then split on white space.
  std::string clean;
  int depth = 0;
  for (char c : text) {
    if (c == '(') {
      ++depth;
    } else if (c == ')') {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      clean.push_back(c == ',' || c == '\t' || c == '\r' || c == '\n' ? ' ' : c);
    }
  }
  std::vector<std::string_view> tok;
  std::string_view s = clean;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t b = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > b) tok.push_back(s.substr(b, i - b));
  }
  size_t t = 0;
  if (t < tok.size() && !tok[t].empty() && std::isalpha(static_cast<unsigned char>(tok[t][0]))) {
    ++t;  // day of week
  }
  if (t + 3 > tok.size()) {
    return Status::InvalidArgument("date '" + std::string(text.substr(0, 80)) +
                                   "' has too few fields");
  }
  if (!AllDigits(tok[t]) || tok[t].size() > 2) {
    return Status::InvalidArgument("date has no valid day of month");
  }
  int day = ToInt(tok[t++]);
  std::string mon = AsciiLower(tok[t++].substr(0, 3));
  int month = 0;
  for (int m = 0; m < 12; ++m) {
    if (mon == kMonths[static_cast<size_t>(m)]) month = m + 1;
  }
  if (month == 0) return Status::InvalidArgument("date has no valid month name");
  if (!AllDigits(tok[t]) || tok[t].size() > 4) {
    return Status::InvalidArgument("date has no valid year");
  }
  int64_t year = ToInt(tok[t]);
  if (tok[t].size() <= 2) year += year < 50 ? 2000 : 1900;
  if (tok[t].size() == 3) year += 1900;
  ++t;
  int hh = 0, mm = 0, ss = 0;
  if (t < tok.size()) {
    std::string_view time = tok[t++];
    std::vector<std::string_view> parts;
    size_t p = 0;
    while (p <= time.size()) {
      size_t c = time.find(':', p);
      if (c == std::string_view::npos) c = time.size();
      parts.push_back(time.substr(p, c - p));
      p = c + 1;
    }
    if (parts.size() < 2 || parts.size() > 3) {
      return Status::InvalidArgument("date has no valid time of day");
    }
    for (std::string_view part : parts) {
      if (!AllDigits(part) || part.size() > 2) {
        return Status::InvalidArgument("date has no valid time of day");
      }
    }
    hh = ToInt(parts[0]);
    mm = ToInt(parts[1]);
    ss = parts.size() == 3 ? ToInt(parts[2]) : 0;
  }
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) {
    return Status::InvalidArgument("date has a field out of range");
  }
  int offset_min = 0;
  if (t < tok.size()) {
    std::string_view zone = tok[t];
    if ((zone[0] == '+' || zone[0] == '-') && zone.size() == 5 && AllDigits(zone.substr(1))) {
      int v = ToInt(zone.substr(1, 2)) * 60 + ToInt(zone.substr(3, 2));
      offset_min = zone[0] == '-' ? -v : v;
    } else {
      std::string z = AsciiLower(zone);
      if (z == "edt") offset_min = -4 * 60;
      if (z == "est" || z == "cdt") offset_min = -5 * 60;
      if (z == "cst" || z == "mdt") offset_min = -6 * 60;
      if (z == "mst" || z == "pdt") offset_min = -7 * 60;
      if (z == "pst") offset_min = -8 * 60;
      // UT, GMT, Z and military zones count as +0000 (RFC 5322 4.3).
    }
  }
  int64_t days = DaysFromCivil(year, month, day);
  int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - static_cast<int64_t>(offset_min) * 60;
  return secs * 1000;
}

std::string FormatMailDate(int64_t epoch_ms) {
  int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  int64_t wd = ((days % 7) + 7) % 7;  // 1970-01-01 was a Thursday
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s, %d %s %lld %02d:%02d:%02d +0000",
                kWeekdayNames[static_cast<size_t>(wd)], d, kMonthNames[static_cast<size_t>(m - 1)],
                static_cast<long long>(y), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return buf;
}

}  // namespace leitplanke::channels::email
