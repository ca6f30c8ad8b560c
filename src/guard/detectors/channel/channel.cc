// Detector "channel": per-channel length and formatting limits.
//
// A reply that is too long for its channel is rejected by the platform or,
// worse, cut in the middle of a sentence; LinkedIn silently cuts a post at
// the first unescaped reserved character of its "little text" format. Both
// are cheap to see before sending.
//
// How each channel counts (the limits are parameters; see README.md for the
// sources):
//   x          X's weighted length ("v3" configuration): NFC first; code points
//              in U+0000-U+10FF, U+2000-U+200D, U+2010-U+201F, U+2032-U+2037
//              weigh 1, all others 2; an emoji sequence (ZWJ, skin tone,
//              keycap, flag) weighs 2 as a whole; every URL weighs 23.
//   mastodon   grapheme clusters; URLs with a scheme count 23; a remote
//              mention "@user@example.social" counts as "@user".
//   bluesky    grapheme clusters.
//   linkedin, instagram, facebook: code points.
//
// Why grapheme counting starts with code points: a text never has more
// graphemes than code points, so ICU's BreakIterator (the costly part) only
// runs when the code-point count already exceeds the limit. The iterator is
// created once per thread and reused: BreakIterator instances are not
// thread-safe, thread-local ones are.
//
// Robustness: all loops advance at least one byte per step; invalid UTF-8
// decodes as U+FFFD (weight 2, one byte); URL recognition only looks ahead
// within one whitespace-free token, so the whole scan is O(n). Allocation
// happens only in the rare non-NFC path (X) and for reported detections.
#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <unicode/brkiter.h>
#include <unicode/bytestream.h>
#include <unicode/edits.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/utext.h>

#include "leitplanke/base/utf8.h"

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors::channel {

namespace {

enum TypeBit : uint32_t { kTooLong = 1u << 0, kLinkedinReserved = 1u << 1 };

enum class Measure : uint8_t { kXWeighted, kGraphemes, kCodePoints };
enum class Urls : uint8_t { kNone, kWithScheme, kAny };

struct ChannelSpec {
  std::string_view name;
  int64_t default_limit;
  Measure measure;
  Urls urls;
  bool mastodon_mentions;
  std::string_view unit;  // evidence wording
};

constexpr ChannelSpec kChannels[] = {
    {"x", 280, Measure::kXWeighted, Urls::kAny, false, "weighted length"},
    {"mastodon", 500, Measure::kGraphemes, Urls::kWithScheme, true, "length"},
    {"bluesky", 300, Measure::kGraphemes, Urls::kNone, false, "graphemes"},
    {"linkedin", 3000, Measure::kCodePoints, Urls::kNone, false, "characters"},
    {"instagram", 2200, Measure::kCodePoints, Urls::kNone, false, "characters"},
    {"facebook", 63206, Measure::kCodePoints, Urls::kNone, false, "characters"},
};
constexpr size_t kNumChannels = std::size(kChannels);
constexpr size_t kLinkedin = 3;
static_assert(kChannels[kLinkedin].name == "linkedin");

// Top-level domains accepted for URLs written without a scheme
// ("example.com/tarife"). A short own selection of generic and European
// country domains; anything else needs "https://" to count as a URL.
constexpr std::string_view kTlds[] = {
    "ai",   "app",  "at",   "au",    "be",     "berlin", "biz",     "blog", "br",  "ca",
    "ch",   "cn",   "co",   "com",   "cz",     "de",     "dev",     "dk",   "edu", "es",
    "eu",   "fi",   "fm",   "fr",    "gov",    "gr",     "hamburg", "hu",   "ie",  "in",
    "info", "io",   "it",   "jp",    "koeln",  "li",     "lu",      "ly",   "me",  "net",
    "news", "nl",   "no",   "nrw",   "online", "org",    "pl",      "pt",   "ro",  "ru",
    "se",   "shop", "site", "store", "tv",     "uk",     "us",      "xyz"};

// LinkedIn "little text" reserved characters.
constexpr std::string_view kReserved = "|{}@[]()<>#\\*_~";

inline bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
inline bool IsAsciiSpace(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool StartsWithCaseless(std::string_view s, size_t pos, std::string_view prefix) {
  if (s.size() - pos < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = s[pos + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool IsKnownTld(std::string_view label) {
  if (label.size() < 2 || label.size() > 8) return false;
  char buf[8];
  for (size_t i = 0; i < label.size(); ++i) {
    buf[i] = static_cast<char>(static_cast<unsigned char>(label[i]) | 0x20);
  }
  const std::string_view lower(buf, label.size());
  return std::find(std::begin(kTlds), std::end(kTlds), lower) != std::end(kTlds);
}

// A URL may start where the previous byte cannot continue a word, a mention,
// an e-mail address or a path.
bool UrlMayStartAt(std::string_view s, size_t pos) {
  if (pos == 0) return true;
  const unsigned char p = static_cast<unsigned char>(s[pos - 1]);
  if (p >= 0x80 || IsAsciiAlnum(p)) return false;
  return std::string_view("@#$._/-+=&%~").find(static_cast<char>(p)) == std::string_view::npos;
}

// End of the URL starting at `pos`, or 0 when none starts there.
size_t MatchUrl(std::string_view s, size_t pos, Urls rule) {
  size_t p = pos;
  bool scheme = false;
  if (StartsWithCaseless(s, p, "https://")) {
    p += 8, scheme = true;
  } else if (StartsWithCaseless(s, p, "http://")) {
    p += 7, scheme = true;
  }
  if (!scheme && rule != Urls::kAny) return 0;
  const size_t host_start = p;
  while (p < s.size() &&
         (IsAsciiAlnum(static_cast<unsigned char>(s[p])) || s[p] == '-' || s[p] == '.')) {
    ++p;
  }
  while (p > host_start && (s[p - 1] == '.' || s[p - 1] == '-')) --p;  // "example.com."
  const std::string_view host = s.substr(host_start, p - host_start);
  const size_t last_dot = host.rfind('.');
  if (host.empty() || last_dot == std::string_view::npos || last_dot == 0) return 0;
  if (host.find("..") != std::string_view::npos) return 0;
  const std::string_view tld = host.substr(last_dot + 1);
  if (scheme) {
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) {
          return (static_cast<unsigned char>(c) | 0x20) >= 'a' &&
                 (static_cast<unsigned char>(c) | 0x20) <= 'z';
        })) {
      return 0;
    }
  } else {
    if (!IsKnownTld(tld)) return 0;
    if (p < s.size() && s[p] == '@') return 0;  // an e-mail address
  }
  // Optional port.
  if (p + 1 < s.size() && s[p] == ':' && s[p + 1] >= '0' && s[p + 1] <= '9') {
    ++p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
  }
  // Path, query, fragment: up to whitespace, a non-ASCII byte or <>".
  if (p < s.size() && (s[p] == '/' || s[p] == '?' || s[p] == '#')) {
    const size_t path_start = p;
    while (p < s.size()) {
      const unsigned char c = static_cast<unsigned char>(s[p]);
      if (c >= 0x80 || IsAsciiSpace(c) || c == '<' || c == '>' || c == '"') break;
      ++p;
    }
    // Sentence punctuation after a URL is not part of it.
    while (p > path_start + 1 &&
           std::string_view(".,;:!?')]}*").find(s[p - 1]) != std::string_view::npos) {
      --p;
    }
  }
  return p;
}

// Mastodon counts a remote mention "@user@domain" as "@user". Returns the
// mention's end and sets *counted to the code points of "@user".
size_t MatchRemoteMention(std::string_view s, size_t pos, int64_t* counted) {
  if (s[pos] != '@' || !UrlMayStartAt(s, pos)) return 0;
  size_t p = pos + 1;
  while (p < s.size() && (IsAsciiAlnum(static_cast<unsigned char>(s[p])) || s[p] == '_')) ++p;
  if (p == pos + 1 || p >= s.size() || s[p] != '@') return 0;
  const size_t user_end = p;
  ++p;
  const size_t domain_start = p;
  while (p < s.size() &&
         (IsAsciiAlnum(static_cast<unsigned char>(s[p])) || s[p] == '-' || s[p] == '.')) {
    ++p;
  }
  while (p > domain_start && (s[p - 1] == '.' || s[p - 1] == '-')) --p;
  const std::string_view domain = s.substr(domain_start, p - domain_start);
  if (domain.find('.') == std::string_view::npos || domain.front() == '.') return 0;
  *counted = static_cast<int64_t>(user_end - pos);
  return p;
}

inline bool XWeightOne(char32_t c) {
  return c <= 0x10FF || (c >= 0x2000 && c <= 0x200D) || (c >= 0x2010 && c <= 0x201F) ||
         (c >= 0x2032 && c <= 0x2037);
}

inline char32_t DecodeAt(std::string_view s, size_t pos, int* len) {
  const unsigned char b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) {
    *len = 1;
    return b;
  }
  bool valid;
  return utf8::Decode(s, pos, len, &valid);
}

inline bool IsPictographic(char32_t c) {
  return c >= 0xA9 && u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_EXTENDED_PICTOGRAPHIC);
}
inline bool IsRegionalIndicator(char32_t c) { return c >= 0x1F1E6 && c <= 0x1F1FF; }
inline bool IsEmojiModifier(char32_t c) { return c >= 0x1F3FB && c <= 0x1F3FF; }
inline bool IsTag(char32_t c) { return c >= 0xE0020 && c <= 0xE007F; }

// One X counting unit at `pos`: an emoji sequence or a single code point.
// Returns its weight and sets *end.
int XUnit(std::string_view s, size_t pos, size_t* end) {
  int len;
  const char32_t c = DecodeAt(s, pos, &len);
  size_t p = pos + static_cast<size_t>(len);
  // Keycap: [0-9#*] (U+FE0F)? U+20E3.
  if (c < 0x80 && ((c >= '0' && c <= '9') || c == '#' || c == '*')) {
    if (s.substr(p).starts_with("\u20E3")) {
      *end = p + 3;
      return 2;
    }
    if (s.substr(p).starts_with("\uFE0F\u20E3")) {
      *end = p + 6;
      return 2;
    }
    *end = p;
    return 1;
  }
  if (IsRegionalIndicator(c)) {
    int len2;
    if (p < s.size() && IsRegionalIndicator(DecodeAt(s, p, &len2))) p += static_cast<size_t>(len2);
    *end = p;
    return 2;  // a flag, or a lone indicator (outside the weight-1 ranges anyway)
  }
  if (!IsPictographic(c)) {
    *end = p;
    return XWeightOne(c) ? 1 : 2;
  }
  bool extended = false;  // more than the bare base: presentation, modifier, ZWJ, tags
  while (p < s.size()) {
    int l;
    const char32_t n = DecodeAt(s, p, &l);
    if (n == 0xFE0F || n == 0xFE0E || IsEmojiModifier(n) || IsTag(n) || n == 0x20E3) {
      p += static_cast<size_t>(l);
      extended = extended || n != 0xFE0E;
      continue;
    }
    if (n == 0x200D && p + static_cast<size_t>(l) < s.size()) {
      int l2;
      const char32_t after = DecodeAt(s, p + static_cast<size_t>(l), &l2);
      if (IsPictographic(after)) {
        p += static_cast<size_t>(l + l2);
        extended = true;
        continue;
      }
    }
    break;
  }
  *end = p;
  // A text-style symbol from the weight-1 ranges ("©") keeps weight 1.
  return (extended || !XWeightOne(c)) ? 2 : 1;
}

struct Count {
  int64_t length = 0;
  size_t cut = std::string_view::npos;  // start of the first unit beyond the limit
};

// The thread's grapheme iterator (null if ICU cannot build one).
icu::BreakIterator* ThreadGraphemeIterator() {
  thread_local std::unique_ptr<icu::BreakIterator> it = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::BreakIterator> bi(
        icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) bi.reset();
    return bi;
  }();
  return it.get();
}

// Counts `s` by `measure` with the channel's URL/mention rules. `graphemes`
// is set up on `s` when measure is kGraphemes.
Count CountUnits(std::string_view s, const ChannelSpec& ch, int64_t limit, int64_t url_length,
                 Measure measure, icu::BreakIterator* graphemes) {
  Count r;
  auto add = [&](int64_t w, size_t at) {
    r.length += w;
    if (r.length > limit && r.cut == std::string_view::npos) r.cut = at;
  };
  size_t pos = 0;
  while (pos < s.size()) {
    const unsigned char b = static_cast<unsigned char>(s[pos]);
    if (ch.urls != Urls::kNone && IsAsciiAlnum(b) && UrlMayStartAt(s, pos)) {
      const size_t end = MatchUrl(s, pos, ch.urls);
      if (end > pos) {
        add(url_length, pos);
        pos = end;
        continue;
      }
    }
    if (ch.mastodon_mentions && b == '@') {
      int64_t counted = 0;
      const size_t end = MatchRemoteMention(s, pos, &counted);
      if (end > pos) {
        add(counted, pos);
        pos = end;
        continue;
      }
    }
    size_t end;
    int64_t w = 1;
    switch (measure) {
      case Measure::kXWeighted:
        w = XUnit(s, pos, &end);
        break;
      case Measure::kGraphemes: {
        const int32_t next = graphemes->following(static_cast<int32_t>(pos));
        end = next == icu::BreakIterator::DONE ? s.size() : static_cast<size_t>(next);
        if (end <= pos) end = pos + 1;  // never stall
        break;
      }
      case Measure::kCodePoints:
      default: {
        int len;
        DecodeAt(s, pos, &len);
        end = pos + static_cast<size_t>(len);
        break;
      }
    }
    add(w, pos);
    pos = end;
  }
  return r;
}

// True when `s` certainly fits: a cheap upper bound on its length. Every
// counted unit weighs at most its byte length (X: 1-byte code points weigh 1,
// longer ones at most 2; graphemes and code points never outnumber bytes),
// except URLs, which weigh `url_length` and contain at least one '.'.
// For X the bound must hold for the NFC form: composition (NFC_QC "maybe")
// only merges code points into one of weight <= 2, which never outweighs the
// bytes it came from; only decomposing characters (NFC_QC "no", e.g. some
// musical symbols expand to three code points) and invalid bytes (U+FFFD,
// weight 2 from one byte) can exceed it, and they take the exact path.
bool SurelyWithinLimit(std::string_view s, const ChannelSpec& ch, int64_t limit,
                       int64_t url_length) {
  int64_t bound = static_cast<int64_t>(s.size());
  if (bound > limit && ch.urls == Urls::kNone) return false;
  unsigned char high = 0;
  int64_t dots = 0;
  for (char c : s) {
    high |= static_cast<unsigned char>(c);
    dots += c == '.';
  }
  if (ch.urls != Urls::kNone) bound += dots * url_length;
  if (bound > limit) return false;
  if (ch.measure != Measure::kXWeighted || high < 0x80) return true;
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    int len;
    bool valid;
    const char32_t c = utf8::Decode(s, i, &len, &valid);
    if (!valid) return false;
    if (c >= 0x300 &&
        u_getIntPropertyValue(static_cast<UChar32>(c), UCHAR_NFC_QUICK_CHECK) == UNORM_NO) {
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

// Bytes the LinkedIn check stops at: 1 = reserved (all are ASCII), 2 = 'h'
// (a possible URL start).
constexpr std::array<uint8_t, 256> MakeReservedTable() {
  std::array<uint8_t, 256> t{};
  for (char c : kReserved) t[static_cast<unsigned char>(c)] = 1;
  t['h'] = t['H'] = 2;
  return t;
}
constexpr std::array<uint8_t, 256> kReservedKind = MakeReservedTable();

struct Options {
  uint32_t types = kTooLong | kLinkedinReserved;
  int64_t limits[kNumChannels];
  int64_t url_length = 23;
};

class ChannelDetector final : public Detector {
 public:
  explicit ChannelDetector(Options o) : o_(o) {}

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const size_t ch = FindChannel(ctx.channel);
    if (ch == kNumChannels) return ScanControl::kContinue;
    if (o_.types & kTooLong) CheckLength(ctx.raw, ch, sink);
    if ((o_.types & kLinkedinReserved) && ch == kLinkedin) CheckReserved(ctx.raw, sink);
    return ScanControl::kContinue;
  }

 private:
  static size_t FindChannel(std::string_view name) {
    if (name.size() > 16) return kNumChannels;
    char buf[16];
    for (size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::string_view lower(buf, name.size());
    if (lower == "twitter") lower = "x";
    for (size_t i = 0; i < kNumChannels; ++i) {
      if (kChannels[i].name == lower) return i;
    }
    return kNumChannels;
  }

  void CheckLength(std::string_view raw, size_t ch_index, DetectionSink& sink) const {
    const ChannelSpec& ch = kChannels[ch_index];
    const int64_t limit = o_.limits[ch_index];
    if (SurelyWithinLimit(raw, ch, limit, o_.url_length)) return;  // almost every reply
    Count count;
    if (ch.measure == Measure::kXWeighted) {
      count = MeasureX(raw, ch, limit);
    } else {
      // Code points first: graphemes can only be fewer.
      count = CountUnits(raw, ch, limit, o_.url_length, Measure::kCodePoints, nullptr);
      if (count.length > limit && ch.measure == Measure::kGraphemes) {
        if (icu::BreakIterator* bi = ThreadGraphemeIterator()) {
          UErrorCode status = U_ZERO_ERROR;
          UText text = UTEXT_INITIALIZER;
          utext_openUTF8(&text, raw.data(), static_cast<int64_t>(raw.size()), &status);
          if (U_SUCCESS(status)) bi->setText(&text, status);
          if (U_SUCCESS(status)) {
            count = CountUnits(raw, ch, limit, o_.url_length, Measure::kGraphemes, bi);
          }
          utext_close(&text);
        }
      }
    }
    if (count.length <= limit || count.cut >= raw.size()) return;
    Detection d;
    d.view = View::kRaw;
    d.start = count.cut;
    d.end = raw.size();
    d.type = "too_long";
    d.evidence =
        std::string(ch.unit) + " " + std::to_string(count.length) + " / " + std::to_string(limit);
    sink.Add(std::move(d));
  }

  // X counts the NFC form. Most texts already are NFC (ASCII always is), so
  // the copy is made only when needed, and its cut is mapped back.
  Count MeasureX(std::string_view raw, const ChannelSpec& ch, int64_t limit) const {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
    const bool ascii = std::all_of(raw.begin(), raw.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii || U_FAILURE(status) ||
        nfc->isNormalizedUTF8(icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())),
                              status) ||
        U_FAILURE(status)) {
      return CountUnits(raw, ch, limit, o_.url_length, Measure::kXWeighted, nullptr);
    }
    std::string normalized;
    icu::StringByteSink<std::string> out(&normalized);
    icu::Edits edits;
    nfc->normalizeUTF8(0, icu::StringPiece(raw.data(), static_cast<int32_t>(raw.size())), out,
                       &edits, status);
    if (U_FAILURE(status)) {
      return CountUnits(raw, ch, limit, o_.url_length, Measure::kXWeighted, nullptr);
    }
    Count c = CountUnits(normalized, ch, limit, o_.url_length, Measure::kXWeighted, nullptr);
    if (c.cut != std::string_view::npos) {
      // The cut goes before the original character(s) whose normal form
      // holds the cut: the start of the edit containing it (inside an
      // unchanged span, the exact offset).
      icu::Edits::Iterator it = edits.getFineIterator();
      const int32_t dest = static_cast<int32_t>(c.cut);
      const UBool found = it.findDestinationIndex(dest, status);
      if (U_SUCCESS(status) && found) {
        c.cut = static_cast<size_t>(
            it.hasChange() ? it.sourceIndex() : it.sourceIndex() + (dest - it.destinationIndex()));
      } else {
        c.cut = std::string_view::npos;
      }
    }
    return c;
  }

  static void CheckReserved(std::string_view s, DetectionSink& sink) {
    size_t i = 0;
    while (i < s.size()) {
      const char c = s[i];
      const uint8_t kind = kReservedKind[static_cast<unsigned char>(c)];
      if (kind == 0) {
        ++i;
        continue;
      }
      const bool token_start =
          i == 0 || IsAsciiSpace(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '(';
      if (kind == 2) {  // 'h': a URL is auto-linked as written, its '_' or '#' included
        const size_t end = token_start ? MatchUrl(s, i, Urls::kWithScheme) : 0;
        i = end > i ? end : i + 1;
        continue;
      }
      if (c == '#' && token_start && i + 1 < s.size() &&
          (IsAsciiAlnum(static_cast<unsigned char>(s[i + 1])) ||
           static_cast<unsigned char>(s[i + 1]) >= 0x80)) {
        ++i;  // a hashtag element "#word"
        continue;
      }
      if (c == '\\' && i + 1 < s.size() &&
          kReservedKind[static_cast<unsigned char>(s[i + 1])] == 1) {
        i += 2;  // an escaped reserved character (or an escaped backslash)
        continue;
      }
      if (const size_t end = LittleTextElement(s, i); end > i) {
        i = end;  // deliberate markup: a mention or hashtag template
        continue;
      }
      Detection d;
      d.view = View::kRaw;
      d.start = i;
      d.end = i + 1;
      d.type = "linkedin_reserved";
      d.evidence = std::string("escape '") + c + "' as '\\" + c + "'";
      sink.Add(std::move(d));
      ++i;
    }
  }

  // End of a well-formed little-text element at `pos`, or 0:
  //   @[Name](urn:li:person:123)  /  @[Name](urn:li:organization:123)
  //   {hashtag|\#|Tag}
  static size_t LittleTextElement(std::string_view s, size_t pos) {
    std::string_view rest = s.substr(pos);
    if (rest.starts_with("@[")) {
      const size_t close = rest.find("](urn:li:", 2);
      if (close == std::string_view::npos || close == 2) return 0;
      if (rest.substr(2, close - 2).find_first_of("[]\n") != std::string_view::npos) return 0;
      const size_t paren = rest.find(')', close);
      if (paren == std::string_view::npos) return 0;
      const std::string_view urn = rest.substr(close + 2, paren - close - 2);
      if (!urn.starts_with("urn:li:person:") && !urn.starts_with("urn:li:organization:")) return 0;
      if (urn.find_first_of(" \n(") != std::string_view::npos) return 0;
      return pos + paren + 1;
    }
    if (rest.starts_with("{hashtag|\\#|")) {
      const size_t close = rest.find('}');
      if (close == std::string_view::npos || close == 12) return 0;
      const std::string_view tag = rest.substr(12, close - 12);
      if (tag.find_first_of(" \n{|") != std::string_view::npos) return 0;
      return pos + close + 1;
    }
    return 0;
  }

  const Options o_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "channel"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv&) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown(
        {"types", "url_length", "x", "mastodon", "bluesky", "linkedin", "instagram", "facebook"}));
    Options o;
    LP_ASSIGN_OR_RETURN(std::vector<std::string> types, params.GetStrings("types"));
    if (!types.empty()) {
      o.types = 0;
      for (const std::string& t : types) {
        if (t == "too_long") {
          o.types |= kTooLong;
        } else if (t == "linkedin_reserved") {
          o.types |= kLinkedinReserved;
        } else {
          return Status::InvalidArgument("types: unknown channel type '" + t +
                                         "' (known: too_long, linkedin_reserved)");
        }
      }
    }
    for (size_t i = 0; i < kNumChannels; ++i) {
      const std::string key(kChannels[i].name);
      LP_ASSIGN_OR_RETURN(o.limits[i], params.GetInt(key, kChannels[i].default_limit));
      if (o.limits[i] < 1 || o.limits[i] > 10'000'000) {
        return Status::InvalidArgument("parameter '" + key +
                                       "' (length limit) must be in [1, 10000000], not " +
                                       std::to_string(o.limits[i]));
      }
    }
    LP_ASSIGN_OR_RETURN(o.url_length, params.GetInt("url_length", o.url_length));
    if (o.url_length < 1 || o.url_length > 1000) {
      return Status::InvalidArgument("parameter 'url_length' must be in [1, 1000], not " +
                                     std::to_string(o.url_length));
    }
    return std::unique_ptr<Detector>(new ChannelDetector(o));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::channel
