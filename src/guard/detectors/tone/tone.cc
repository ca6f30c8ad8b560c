// Detector "tone": care tone and form (guideline R12, and the caps/"!!!" part
// of R07).
//
// Three checks, all in ONE pass over the raw text (case matters here, so the
// folded view is of no use):
//   shouting      upper-case words or an upper-case text. Acronyms (an own
//                 short list plus the company's) are not shouting.
//   exclamations  runs like "!!!" or "?!?!".
//   du_sie_mix    a German text that addresses the reader both as "du" and
//                 as "Sie"; the first occurrence of the rarer form is flagged.
//
// Why one pass: the guard must keep up with >= 150k tweet-sized messages per
// second per core, and tone runs on every text. Before it, a cheaper
// pre-pass over byte masks (MayReport) rules out the types a text cannot
// trigger; most texts need no word loop at all. The pass keeps a few counters
// and a fixed-size array of word spans on the stack, so Scan() allocates only
// when it reports something.
//
// Robustness: every byte is visited a bounded number of times (O(n); the only
// look-aheads are a URL prefix, the word after "Ihr" and the comparison with
// at most 32 stored words); invalid UTF-8 decodes as U+FFFD (a non-letter), so
// no input can make the loop stall or read out of bounds.
// Offsets are uint32 (the engine caps input far below 4 GiB).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <unicode/uchar.h>

#include "leitplanke/base/utf8.h"

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors::tone {

namespace {

enum TypeBit : uint32_t { kShouting = 1u << 0, kExclamations = 1u << 1, kDuSieMix = 1u << 2 };

struct TypeName {
  uint32_t bit;
  std::string_view name;
};
constexpr TypeName kTypes[] = {
    {kShouting, "shouting"}, {kExclamations, "exclamations"}, {kDuSieMix, "du_sie_mix"}};

// Upper-case abbreviations that are normal in German and English customer
// care. Only fully upper-case words are looked up, so mixed forms ("GmbH",
// "eSIM") need no entry. Kept short on purpose: companies add their own with
// the `acronyms` parameter.
constexpr std::string_view kDefaultAcronyms[] = {
    "ADAC",  "AGB",  "AI",   "API",  "ARD",   "ATM",  "BAFIN", "BGB", "BIC",  "BLZ",  "CEO",
    "CET",   "CEST", "CFO",  "CHF",  "CO2",   "CSV",  "CTO",   "DB",  "DFB",  "DHL",  "DPD",
    "DSGVO", "DSL",  "EC",   "EU",   "EUR",   "EWR",  "FAQ",   "GLS", "GMBH", "GPS",  "GDPR",
    "HGB",   "HR",   "HTML", "HTTP", "HTTPS", "IBAN", "IC",    "ICE", "ID",   "IMAP", "IT",
    "KFZ",   "KG",   "KI",   "LKW",  "LTE",   "MESZ", "MEZ",   "MMS", "MWST", "NFC",  "NRW",
    "OK",    "PC",   "PDF",  "PIN",  "PKW",   "PLZ",  "PR",    "PUK", "QR",   "SEPA", "SIM",
    "SMS",   "SMTP", "TAN",  "TKG",  "TV",    "UK",   "UPS",   "URL", "USA",  "USB",  "USD",
    "UST",   "UTC",  "UWG",  "VAT",  "VDSL",  "VPN",  "WLAN",  "ZIP", "ÖPNV", "TÜV"};

// Common short words: written in capitals, these are shouting, not acronyms
// (see CountsAsShouted). German and English, 3-4 letters.
constexpr std::string_view kShortShoutWords[] = {
    // German
    "ABER", "ALLE", "ALSO", "AUCH", "AUF", "AUS", "BEI", "BIN", "BIST", "DAS", "DASS", "DEM", "DEN",
    "DER", "DES", "DICH", "DIE", "DIR", "DOCH", "EIN", "EINE", "EUCH", "FÜR", "GANZ", "GAR", "GEHT",
    "GIBT", "HAB", "HABE", "HABT", "HALT", "HAST", "HAT", "IHR", "IST", "JEDE", "KANN", "KEIN",
    "MAL", "MICH", "MIR", "MIT", "MUSS", "NEIN", "NIE", "NOCH", "NUN", "NUR", "ODER", "SEHR", "SIE",
    "SIND", "SOLL", "UND", "UNS", "VIEL", "VON", "WANN", "WAR", "WAS", "WEIL", "WER", "WIE", "WIR",
    "WILL", "WOHL", "ZUM", "ZUR", "ICH", "ECHT",
    // English
    "ALL", "AND", "ANY", "ARE", "BUT", "CAN", "DID", "DONT", "FOR", "GET", "HAS", "HAVE", "HOW",
    "JUST", "NOT", "NOW", "ONLY", "OUR", "READ", "SAID", "STOP", "THAT", "THE", "THIS", "VERY",
    "WAS", "WHAT", "WHY", "WILL", "YES", "YOU", "YOUR"};

// Second-person pronouns, informal (compared case-insensitively except that
// an all-caps word never counts) and formal (exact spelling, and only where
// the capital cannot come from the start of a sentence).
constexpr std::string_view kInformal[] = {"du",     "dich",   "dir",    "dein", "deine", "deinen",
                                          "deinem", "deiner", "deines", "euch", "euer",  "eure",
                                          "euren",  "eurem",  "eurer",  "eures"};
constexpr std::string_view kFormal[] = {"Sie",   "Ihnen", "Ihr",   "Ihre",
                                        "Ihren", "Ihrem", "Ihrer", "Ihres"};

// The caller sees at most this many shouted words; the count in the evidence
// is exact.
constexpr size_t kMaxWordSpans = 32;

struct Options {
  uint32_t types = kShouting | kExclamations | kDuSieMix;
  double caps_ratio = 0.6;
  int64_t caps_min_letters = 12;
  int64_t caps_word_letters = 3;
  int64_t caps_short_letters = 4;
  std::vector<std::string> short_words;  // sorted
  int64_t caps_min_words = 2;
  int64_t exclamation_run = 3;
  int64_t interrobang_run = 3;
  std::vector<std::string> acronyms;  // sorted, unique, ASCII upper-cased
};

enum class Cls : uint8_t { kSpace, kUpper, kLower, kLetter, kMark, kDigit, kOther };

inline Cls Classify(char32_t c) {
  if (c < 0x80) {
    if (c >= 'A' && c <= 'Z') return Cls::kUpper;
    if (c >= 'a' && c <= 'z') return Cls::kLower;
    if (c >= '0' && c <= '9') return Cls::kDigit;
    if (c == ' ' || (c >= '\t' && c <= '\r')) return Cls::kSpace;
    return Cls::kOther;
  }
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_UPPERCASE_LETTER:
    case U_TITLECASE_LETTER:
      return Cls::kUpper;
    case U_LOWERCASE_LETTER:
      return Cls::kLower;
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
      return Cls::kLetter;
    case U_NON_SPACING_MARK:
    case U_COMBINING_SPACING_MARK:
    case U_ENCLOSING_MARK:
      return Cls::kMark;  // continues a word (decomposed umlauts)
    case U_DECIMAL_DIGIT_NUMBER:
      return Cls::kDigit;
    default:
      return u_isUWhiteSpace(static_cast<UChar32>(c)) ? Cls::kSpace : Cls::kOther;
  }
}

// '!' / '?' and their compatibility forms. Returns the number of '!' and '?'
// the character stands for, or false when it is neither.
inline bool Punct(char32_t c, int* bangs, int* questions) {
  switch (c) {
    case U'!':
    case U'\uFF01':  // fullwidth !
      *bangs = 1, *questions = 0;
      return true;
    case U'?':
    case U'\uFF1F':  // fullwidth ?
      *bangs = 0, *questions = 1;
      return true;
    case U'\u203C':  // ‼
      *bangs = 2, *questions = 0;
      return true;
    case U'\u2047':  // ⁇
      *bangs = 0, *questions = 2;
      return true;
    case U'\u2048':  // ⁈
    case U'\u2049':  // ⁉
      *bangs = 1, *questions = 1;
      return true;
    default:
      return false;
  }
}

bool EqualsAsciiCaseless(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

struct Span {
  uint32_t start = 0;
  uint32_t end = 0;
};
struct WordSpan {  // trivially constructible: an array of these costs nothing
  uint32_t start;
  uint32_t end;
};

class ToneDetector final : public Detector {
 public:
  explicit ToneDetector(Options o) : o_(std::move(o)) {}

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const std::string_view s = ctx.raw;
    const size_t n = s.size();
    // Most texts can trigger none of the enabled checks; a cheap pre-pass
    // proves that and the full word loop runs only for the rest.
    const uint32_t types = o_.types & MayReport(s);
    if (types == 0) return ScanControl::kContinue;
    State st;
    st.types = types;
    bool sentence_start = true;  // no letter/digit/comma since the last boundary
    bool token_start = true;     // previous code point was whitespace (or none)
    size_t i = 0;
    while (i < n) {
      const unsigned char b = static_cast<unsigned char>(s[i]);
      if (token_start && !IsAsciiSpace(b)) {
        token_start = false;
        // URLs, @mentions and #hashtags are names, not tone: skip the token.
        if (b == '@' || b == '#' ||
            ((b == 'h' || b == 'w') &&
             (s.substr(i).starts_with("http://") || s.substr(i).starts_with("https://") ||
              s.substr(i).starts_with("www.")))) {
          i = SkipToken(s, i);
          continue;
        }
      }
      int len = 1;
      const char32_t c = b < 0x80 ? b : DecodeAt(s, i, &len);
      const Cls cls = Classify(c);
      if (cls == Cls::kUpper || cls == Cls::kLower || cls == Cls::kLetter) {
        Word w;
        w.start = static_cast<uint32_t>(i);
        w.sentence_start = sentence_start;
        i = ScanWord(s, i, &w);
        EndWord(s, w, &st);
        sentence_start = false;
        continue;
      }
      int bangs, questions;
      if (Punct(c, &bangs, &questions)) {
        i = ScanPunct(s, i, types, &sink);
        sentence_start = true;
        continue;
      }
      i += static_cast<size_t>(len);
      switch (cls) {
        case Cls::kSpace:
          token_start = true;
          break;
        case Cls::kDigit:
          sentence_start = false;
          break;
        case Cls::kMark:
          break;  // a stray mark starts nothing
        default:
          // A comma keeps the sentence going; anything else ('.', ':', a
          // quote, a bracket, an emoji, a line bullet) may start a new one,
          // which makes a following capital "Sie" ambiguous.
          if (c != ',') sentence_start = true;
          break;
      }
    }
    if (types & kShouting) ReportShouting(st, sink);
    if (types & kDuSieMix) ReportMix(st, s, sink);
    return ScanControl::kContinue;
  }

 private:
  struct Word {
    uint32_t start = 0, end = 0;
    uint32_t upper = 0, lower = 0;
    uint32_t first_cased = 0, last_cased_end = 0;
    bool sentence_start = false;
  };

  struct State {
    uint32_t types = 0;  // the checks this text needs (a subset of o_.types)
    // Shouting.
    uint32_t upper = 0, lower = 0;
    uint32_t first_cased = UINT32_MAX, last_cased_end = 0;
    size_t shouted_count = 0;
    WordSpan shouted[kMaxWordSpans];  // left uninitialised: only [0, count) is read
    // Du/Sie.
    uint32_t informal_n = 0, formal_n = 0;
    Span informal_first, formal_first;
  };

  static bool IsAsciiSpace(unsigned char b) { return b == ' ' || (b >= '\t' && b <= '\r'); }
  static bool IsAsciiLetter(unsigned char b) {
    return static_cast<unsigned>((b | 0x20) - 'a') < 26u;
  }

  // The pre-pass: which enabled checks could report anything for `s`. It
  // must never say "no" where the full loop would report (it may say "yes"
  // needlessly), so every guess errs towards "yes":
  //   - code points are classified from their bytes: ASCII and U+00C0..U+00FF
  //     exactly; U+2000..U+203F (spaces, quotes, dashes), U+20A0..U+20BF
  //     (currency) and U+1F000..U+1FFFF (emoji) as non-letters; anything
  //     else ("wild") counts as an upper-case letter, may be a space and may
  //     continue a word;
  //   - shouted words: some maximal run of upper-case/wild code points must
  //     be as long as a shouted word (an all-caps word's cased letters lie
  //     in one such run); a short ASCII run must be a common short word;
  //   - ratio: upper-case letters anywhere against lower-case letters outside
  //     tokens that may be skipped (@, #, URLs; and any token after a wild
  //     code point);
  //   - exclamations: two '!'/'?' in a row, or a character that stands for
  //     two;
  //   - du_sie_mix: a formal and an informal candidate, each at a possible
  //     word start (the exact rules are applied by the full loop).
  // Linear, no allocation, no ICU; reads only inside `s`.
  uint32_t MayReportScalar(std::string_view s) const {
    const size_t n = s.size();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
    const uint32_t want = o_.types;
    const size_t word_min = static_cast<size_t>(std::max<int64_t>(2, o_.caps_word_letters));
    uint32_t upper = 0, lower = 0;
    size_t run = 0, run_start = 0;
    bool run_wild = false;
    bool shouted_word = false, exclaim = false, formal = false, informal = false;
    bool prev_punct = false, prev_letter = false, token_start = true, skipping = false;
    auto end_run = [&](size_t end) {
      if (run >= word_min && !shouted_word) {
        shouted_word =
            run_wild || run > static_cast<size_t>(o_.caps_short_letters) ||
            std::binary_search(o_.short_words.begin(), o_.short_words.end(),
                               std::string_view(s.data() + run_start, end - run_start),
                               [](std::string_view a, std::string_view b) { return a < b; });
      }
      run = 0;
      run_wild = false;
    };
    size_t i = 0;
    while (i < n) {
      const unsigned char b = p[i];
      if (b < 0x80) {
        if (IsAsciiLetter(b)) {
          if (token_start) {
            token_start = false;
            skipping = (b == 'h' || b == 'w') &&
                       (s.substr(i).starts_with("http://") || s.substr(i).starts_with("https://") ||
                        s.substr(i).starts_with("www."));
          }
          const bool is_upper = b < 'a';
          if (is_upper) {
            if (run == 0) run_start = i;
            ++run;
            ++upper;
          } else {
            if (run > 0) end_run(i);
            lower += !skipping;
          }
          if (!prev_letter && (want & kDuSieMix)) CheckAddress(s, i, &formal, &informal);
          prev_letter = true;
          prev_punct = false;
          ++i;
          continue;
        }
        if (run > 0) end_run(i);
        prev_letter = false;
        if (b == '!' || b == '?') {
          exclaim |= prev_punct;
          prev_punct = true;
        } else {
          prev_punct = false;
        }
        if (IsAsciiSpace(b)) {
          token_start = true;
          skipping = false;
        } else if (token_start) {
          token_start = false;
          if (b == '@' || b == '#') skipping = true;
        }
        ++i;
        continue;
      }
      // Non-ASCII: classify the code point from its first bytes.
      // The length the lead byte announces; a sequence that is cut short or
      // invalid counts as one wild byte.
      size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      for (size_t k = 1; k < len; ++k) {
        if (i + k >= n || (p[i + k] & 0xC0) != 0x80) {
          len = 1;
          break;
        }
      }
      const unsigned char b1 = len > 1 ? p[i + 1] : 0, b2 = len > 2 ? p[i + 2] : 0;
      enum { kUp, kLow, kNon, kSpaceOrNon, kWild } k = kWild;
      bool punct = false;
      if (b == 0xC3 && len == 2) {
        k = (b1 == 0x97 || b1 == 0xB7) ? kNon : (b1 < 0x9F ? kUp : kLow);
      } else if (b == 0xE2 && len == 3 && b1 == 0x80) {
        k = kSpaceOrNon;
        if (b2 == 0xBC) punct = exclaim = true;  // U+203C
      } else if (b == 0xE2 && len == 3 && b1 == 0x81 && b2 <= 0xBF) {
        if (b2 >= 0x87 && b2 <= 0x89) punct = exclaim = true, k = kNon;  // U+2047..2049
      } else if (b == 0xE2 && len == 3 && b1 == 0x82 && b2 >= 0xA0) {
        k = kNon;
      } else if (b == 0xEF && len == 3 && b1 == 0xBC && (b2 == 0x81 || b2 == 0x9F)) {
        k = kNon;  // fullwidth '!' / '?'
        punct = true;
        exclaim |= prev_punct;
      } else if (b == 0xF0 && len == 4 && b1 == 0x9F) {
        k = kNon;
      }
      prev_punct = punct;
      if (k == kUp || k == kWild) {
        if (run == 0) run_start = i;
        ++run;
        ++upper;
        run_wild |= k == kWild;
      } else if (run > 0) {
        end_run(i);
      }
      if (k == kLow) lower += !skipping;
      if (k == kSpaceOrNon || k == kWild) {
        token_start = true;
        skipping = false;
      } else if (token_start && k != kLow && k != kUp) {
        token_start = false;  // a non-letter that is no space: the token is not skipped
      } else if (token_start) {
        token_start = false;
      }
      prev_letter = k == kUp || k == kLow;
      i += len;
    }
    if (run > 0) end_run(n);
    uint32_t may = 0;
    if (exclaim) may |= kExclamations;
    if (formal && informal) may |= kDuSieMix;
    const double r = o_.caps_ratio;
    if (shouted_word ||
        (static_cast<double>(upper) + 1.0 > r * static_cast<double>(o_.caps_min_letters) &&
         (1.0 - r) * static_cast<double>(upper) + 1.0 >= r * static_cast<double>(lower))) {
      may |= kShouting;
    }
    return may;
  }

  // The same answer as MayReportScalar (or a "yes" where it says "no"),
  // computed on bit masks of the bytes (bit i = byte i), 16 bytes per SSE2
  // step. Only the few positions the masks single out are looked at one by
  // one. Texts longer than kMaskBytes use the scalar pass.
  uint32_t MayReport(std::string_view s) const {
#if defined(__SSE2__)
    const size_t n = s.size();
    if (n > kMaskBytes) return MayReportScalar(s);
    const size_t words = (n + 63) / 64;
    Masks m;
    BuildMasks(s, o_.types & kShouting ? o_.types | kNonLetterMasks : o_.types, &m);
    const uint32_t want = o_.types;
    uint32_t may = 0;
    uint64_t t1[kMaskWords], t2[kMaskWords];
    if (want & kExclamations) {
      uint64_t run = 0, wide = 0;
      ShiftDown(m.bang, words, t1);
      for (size_t w = 0; w < words; ++w) run |= m.bang[w] & t1[w], wide |= m.e2ef[w];
      if (run != 0 || (wide != 0 && HasWidePunct(s, m.e2ef, words))) may |= kExclamations;
    }
    if (want & kShouting) {
      uint64_t nl[kMaskWords];
      NonLetters(m, words, nl);
      if (ShoutingPossible(s, words, nl, &m)) may |= kShouting;
    }
    if (want & kDuSieMix) {
      // Formal: "Sie" / "Ihr" / "Ihn" anywhere (a superset of the words).
      ShiftDown(m.ih, words, t1);
      ShiftDown(m.ern, words, t2);
      ShiftDown(t2, words, t2);
      uint64_t formal = 0;
      for (size_t w = 0; w < words; ++w) formal |= m.si[w] & t1[w] & t2[w];
      if (formal != 0) {
        // Informal: d/D/e/E not after an ASCII letter, checked one by one.
        ShiftUp(m.ascii_letter, words, t1);
        bool informal = false;
        for (size_t w = 0; w < words && !informal; ++w) {
          for (uint64_t c = m.de[w] & ~t1[w]; c != 0 && !informal; c &= c - 1) {
            informal = InformalAt(s, w * 64 + static_cast<size_t>(__builtin_ctzll(c)));
          }
        }
        if (informal) may |= kDuSieMix;
      }
    }
    return may;
#else
    return MayReportScalar(s);
#endif
  }

#if defined(__SSE2__)
  static constexpr size_t kMaskWords = 64;
  static constexpr size_t kMaskBytes = kMaskWords * 64;

  struct Masks {
    uint64_t az_upper[kMaskWords], az_lower[kMaskWords], high[kMaskWords], bang[kMaskWords],
        c3[kMaskWords], lowcont[kMaskWords], e2ef[kMaskWords], skip[kMaskWords], de[kMaskWords],
        si[kMaskWords], ih[kMaskWords], ern[kMaskWords], ascii_letter[kMaskWords],
        upper[kMaskWords], cont[kMaskWords], colon[kMaskWords], slash[kMaskWords], wch[kMaskWords],
        dot[kMaskWords], low_lead[kMaskWords], e2[kMaskWords], f0[kMaskWords], b80[kMaskWords],
        b82[kMaskWords], b9f[kMaskWords], ge_a0[kMaskWords];
  };

  // Bit for BuildMasks: the masks of NonLetters (not a tone type).
  static constexpr uint32_t kNonLetterMasks = 1u << 8;

  // Known non-letters among the non-ASCII bytes: U+2000..U+203F,
  // U+20A0..U+20BF and U+1F000..U+1FFFF (lead byte plus continuations).
  static void NonLetters(const Masks& m, size_t words, uint64_t* nl) {
    uint64_t t1[kMaskWords], t2[kMaskWords], t3[kMaskWords], e2l[kMaskWords], f0l[kMaskWords];
    ShiftDown(m.b80, words, t1);
    ShiftDown(m.b82, words, t2);
    ShiftDown(m.ge_a0, words, t3);
    ShiftDown(t3, words, t3);
    uint64_t c2[kMaskWords], c3[kMaskWords];  // the byte after next / the one after is
    ShiftDown(m.cont, words, c2);             // a continuation byte
    ShiftDown(c2, words, c2);
    ShiftDown(c2, words, c3);
    for (size_t w = 0; w < words; ++w) {
      e2l[w] = m.e2[w] & ((t1[w] & c2[w]) | (t2[w] & t3[w]));
    }
    ShiftDown(m.b9f, words, t1);
    for (size_t w = 0; w < words; ++w) f0l[w] = m.f0[w] & t1[w] & c2[w] & c3[w];
    ShiftUp(e2l, words, t1);
    ShiftUp(t1, words, t2);
    ShiftUp(f0l, words, t3);
    for (size_t w = 0; w < words; ++w) nl[w] = e2l[w] | t1[w] | t2[w] | f0l[w] | t3[w];
    ShiftUp(t3, words, t3);
    for (size_t w = 0; w < words; ++w) nl[w] |= t3[w];
    ShiftUp(t3, words, t3);
    for (size_t w = 0; w < words; ++w) nl[w] |= t3[w];
  }

  // Shouted words or the ratio may fire, counting every non-ASCII byte that
  // is neither in `nl` nor part of a lower-case Latin-1 letter (U+00DF..
  // U+00FF except U+00F7: 0xC3 then 0x9F..0xBF) as upper case.
  bool ShoutingPossible(std::string_view s, size_t words, const uint64_t* nl, Masks* m) const {
    uint64_t t1[kMaskWords], t2[kMaskWords];
    ShiftDown(m->lowcont, words, t1);
    ShiftUp(m->c3, words, t2);
    size_t upper = 0, lower = 0;
    for (size_t w = 0; w < words; ++w) {
      const uint64_t low_lead = m->c3[w] & t1[w];
      const uint64_t low_tail = m->lowcont[w] & t2[w];
      m->upper[w] = m->az_upper[w] | (m->high[w] & ~low_lead & ~low_tail & ~nl[w]);
      upper += static_cast<size_t>(__builtin_popcountll(m->upper[w]));
      lower += static_cast<size_t>(__builtin_popcountll(m->az_lower[w] | low_lead));
    }
    return ShoutedWordPossible(s, m->upper, m->high, words) ||
           (RatioPossible(upper, 0) &&
            (RatioPossible(upper, lower) ||
             RatioPossible(upper, lower - std::min(lower, SkippedLower(s, *m, words)))));
  }

  static uint64_t Bits(__m128i v) {
    return static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(v)) & 0xFFFFu);
  }

  // Fills the masks `want` needs, 64 bytes per step; bytes past the end of
  // `s` read as 0 (no class).
  static void BuildMasks(std::string_view s, uint32_t want, Masks* m) {
    const size_t n = s.size(), words = (n + 63) / 64;
    // Whole blocks are read in place; only the last, partial one is copied
    // (zero-padded). Copying the whole text into a stack buffer first cost
    // more than building the masks (a memmove of up to 4 KiB per text).
    alignas(16) char tail[64];
    const size_t full = n / 64;
    if (full < words) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, s.data() + full * 64, n - full * 64);
    }
    auto eq = [](__m128i x, char c) { return _mm_cmpeq_epi8(x, _mm_set1_epi8(c)); };
    auto in = [](__m128i x, int lo, int hi) {  // signed byte range [lo, hi]
      return _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8(static_cast<char>(lo - 1))),
                           _mm_cmplt_epi8(x, _mm_set1_epi8(static_cast<char>(hi + 1))));
    };
    for (size_t w = 0; w < words; ++w) {
      const __m128i* p =
          reinterpret_cast<const __m128i*>(w < full ? s.data() + w * 64 : static_cast<char*>(tail));
      const __m128i x0 = _mm_loadu_si128(p), x1 = _mm_loadu_si128(p + 1),
                    x2 = _mm_loadu_si128(p + 2), x3 = _mm_loadu_si128(p + 3);
      auto m4 = [&](auto f) {
        return Bits(f(x0)) | (Bits(f(x1)) << 16) | (Bits(f(x2)) << 32) | (Bits(f(x3)) << 48);
      };
      if (want & kExclamations) {
        m->bang[w] = m4([&](__m128i x) { return _mm_or_si128(eq(x, '!'), eq(x, '?')); });
        m->e2ef[w] = m4([&](__m128i x) {
          return _mm_or_si128(eq(x, static_cast<char>(0xE2)), eq(x, static_cast<char>(0xEF)));
        });
      }
      if (want & kShouting) {
        m->az_upper[w] = m4([&](__m128i x) { return in(x, 'A', 'Z'); });
        m->az_lower[w] = m4([&](__m128i x) { return in(x, 'a', 'z'); });
        m->high[w] = m4([](__m128i x) { return x; });  // sign bit: byte >= 0x80
        m->c3[w] = m4([&](__m128i x) { return eq(x, static_cast<char>(0xC3)); });
        m->lowcont[w] = m4([&](__m128i x) {
          return _mm_andnot_si128(eq(x, static_cast<char>(0xB7)), in(x, 0x9F - 256, 0xBF - 256));
        });
        m->skip[w] = m4([&](__m128i x) { return _mm_or_si128(eq(x, '@'), eq(x, '#')); });
        m->colon[w] = m4([&](__m128i x) { return eq(x, ':'); });
        m->slash[w] = m4([&](__m128i x) { return eq(x, '/'); });
        m->wch[w] = m4([&](__m128i x) { return eq(x, 'w'); });
        m->dot[w] = m4([&](__m128i x) { return eq(x, '.'); });
      }
      if (want & kNonLetterMasks) {
        m->e2[w] = m4([&](__m128i x) { return eq(x, static_cast<char>(0xE2)); });
        m->f0[w] = m4([&](__m128i x) { return eq(x, static_cast<char>(0xF0)); });
        m->b80[w] = m4([&](__m128i x) { return eq(x, static_cast<char>(0x80)); });
        m->b82[w] = m4([&](__m128i x) { return eq(x, static_cast<char>(0x82)); });
        m->b9f[w] = m4([&](__m128i x) { return eq(x, static_cast<char>(0x9F)); });
        m->ge_a0[w] = m4([&](__m128i x) { return in(x, 0xA0 - 256, 0xBF - 256); });
        // 0x80..0xBF are the signed bytes below -64.
        m->cont[w] = m4([](__m128i x) { return _mm_cmplt_epi8(x, _mm_set1_epi8(-64)); });
      }
      if (want & kDuSieMix) {
        m->ascii_letter[w] =
            m4([&](__m128i x) { return in(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 'z'); });
        m->de[w] = m4([&](__m128i x) {
          const __m128i f = _mm_or_si128(x, _mm_set1_epi8(0x20));
          return _mm_or_si128(eq(f, 'd'), eq(f, 'e'));
        });
        m->si[w] = m4([&](__m128i x) { return _mm_or_si128(eq(x, 'S'), eq(x, 'I')); });
        m->ih[w] = m4([&](__m128i x) { return _mm_or_si128(eq(x, 'i'), eq(x, 'h')); });
        m->ern[w] = m4([&](__m128i x) {
          return _mm_or_si128(_mm_or_si128(eq(x, 'e'), eq(x, 'r')), eq(x, 'n'));
        });
      }
    }
  }

  // out bit i = a bit i+1 (the next byte).
  static void ShiftDown(const uint64_t* a, size_t words, uint64_t* out) {
    for (size_t w = 0; w < words; ++w) {
      out[w] = (a[w] >> 1) | (w + 1 < words ? a[w + 1] << 63 : 0);
    }
  }
  // out bit i = a bit i-1 (the previous byte).
  static void ShiftUp(const uint64_t* a, size_t words, uint64_t* out) {
    for (size_t w = words; w-- > 0;) out[w] = (a[w] << 1) | (w > 0 ? a[w - 1] >> 63 : 0);
  }
  static bool Bit(const uint64_t* a, size_t i) { return (a[i / 64] >> (i % 64)) & 1u; }

  // U+203C, U+2047..U+2049 (each stands for two marks) or a fullwidth '!'/'?'.
  static bool HasWidePunct(std::string_view s, const uint64_t* e2ef, size_t words) {
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t c = e2ef[w]; c != 0; c &= c - 1) {
        const std::string_view r = s.substr(w * 64 + static_cast<size_t>(__builtin_ctzll(c)));
        if (r.starts_with("\u203C") || r.starts_with("\u2047") || r.starts_with("\u2048") ||
            r.starts_with("\u2049") || r.starts_with("\uFF01") || r.starts_with("\uFF1F")) {
          return true;
        }
      }
    }
    return false;
  }

  // A maximal run of "upper" bytes (A-Z, and non-ASCII bytes that are not
  // part of a lower-case Latin-1 letter) as long as a shouted word; a short
  // pure-ASCII run only when it is a common short word.
  bool ShoutedWordPossible(std::string_view s, const uint64_t* up, const uint64_t* high,
                           size_t words) const {
    const size_t word_min = static_cast<size_t>(std::max<int64_t>(2, o_.caps_word_letters));
    // Run starts where the next word_min - 1 bytes are "upper" too.
    uint64_t starts[kMaskWords], next[kMaskWords], cand[kMaskWords];
    ShiftUp(up, words, starts);
    for (size_t w = 0; w < words; ++w) cand[w] = up[w] & ~starts[w], next[w] = up[w];
    for (size_t k = 1; k < word_min; ++k) {
      ShiftDown(next, words, next);
      uint64_t any = 0;
      for (size_t w = 0; w < words; ++w) any |= cand[w] &= next[w];
      if (any == 0) return false;
    }
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t c = cand[w]; c != 0; c &= c - 1) {
        const size_t begin = w * 64 + static_cast<size_t>(__builtin_ctzll(c));
        size_t end = begin;
        bool wild = false;
        while (end < s.size() && Bit(up, end)) wild |= Bit(high, end++);
        if (wild || end - begin > static_cast<size_t>(o_.caps_short_letters) ||
            std::binary_search(o_.short_words.begin(), o_.short_words.end(),
                               s.substr(begin, end - begin),
                               [](std::string_view a, std::string_view b) { return a < b; })) {
          return true;
        }
      }
    }
    return false;
  }

  // Lower-case letters in tokens the full loop may skip: from each '@', '#',
  // "http://", "https://" or "www." to the next ASCII white space (more than
  // it skips, so the result is an upper bound).
  static size_t SkippedLower(std::string_view s, const Masks& m, size_t words) {
    const uint64_t* skip = m.skip;
    size_t skipped = 0;
    // Every count runs to the next white space, so a byte counted before
    // means the rest of the token is counted too: each byte is counted
    // (and walked over) at most once.
    uint64_t counted[kMaskWords];  // only the first `words` are ever read
    std::fill(counted, counted + words, uint64_t{0});
    auto is_counted = [&](size_t i) { return (counted[i / 64] >> (i % 64)) & 1u; };
    auto count_from = [&](size_t i) {
      for (; i < s.size() && !IsAsciiSpace(static_cast<unsigned char>(s[i])) && !is_counted(i);
           ++i) {
        counted[i / 64] |= uint64_t{1} << (i % 64);
        const unsigned char b = static_cast<unsigned char>(s[i]);
        if (b >= 'a' && b <= 'z') ++skipped;
        if (b == 0xC3 && i + 1 < s.size()) {
          const unsigned char c = static_cast<unsigned char>(s[i + 1]);
          if (c >= 0x9F && c <= 0xBF && c != 0xB7) ++skipped;
        }
      }
    };
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t c = skip[w]; c != 0; c &= c - 1) {
        count_from(w * 64 + static_cast<size_t>(__builtin_ctzll(c)));
      }
    }
    // URLs: the whole token around each "://" (covers "http://" and
    // "https://") and from each "www.".
    auto token_start = [&](size_t i) {
      while (i > 0 && !IsAsciiSpace(static_cast<unsigned char>(s[i - 1])) && !is_counted(i - 1)) {
        --i;
      }
      return i;
    };
    uint64_t t1[kMaskWords], t2[kMaskWords], t3[kMaskWords];
    ShiftDown(m.slash, words, t1);
    ShiftDown(t1, words, t2);
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t c = m.colon[w] & t1[w] & t2[w]; c != 0; c &= c - 1) {
        count_from(token_start(w * 64 + static_cast<size_t>(__builtin_ctzll(c))));
      }
    }
    ShiftDown(m.wch, words, t1);
    ShiftDown(t1, words, t2);
    ShiftDown(m.dot, words, t3);
    ShiftDown(t3, words, t3);
    ShiftDown(t3, words, t3);
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t c = m.wch[w] & t1[w] & t2[w] & t3[w]; c != 0; c &= c - 1) {
        count_from(w * 64 + static_cast<size_t>(__builtin_ctzll(c)));
      }
    }
    return skipped;
  }

  // Whether counted upper <= `upper` and counted lower >= `lower` allow the
  // ratio check to fire (one letter of slack against rounding).
  bool RatioPossible(size_t upper, size_t lower) const {
    const double r = o_.caps_ratio, u = static_cast<double>(upper);
    return u + 1.0 > r * static_cast<double>(o_.caps_min_letters) &&
           (1.0 - r) * u + 1.0 >= r * static_cast<double>(lower);
  }

  // Whether an informal pronoun may start at `i` (next byte no ASCII letter).
  static bool InformalAt(std::string_view s, size_t i) {
    if (i + 1 >= s.size()) return false;
    // Every informal pronoun starts with "du", "dic", "dir", "dei", "euc",
    // "eue" or "eur". German text is full of words starting with d/e ("die",
    // "der", "ein", "es"), and in formal texts each used to be compared with
    // the whole list. (b | 0x20) equals a lower-case letter only for that
    // letter and its capital.
    const char c0 = static_cast<char>(s[i] | 0x20), c1 = static_cast<char>(s[i + 1] | 0x20);
    const char c2 = i + 2 < s.size() ? static_cast<char>(s[i + 2] | 0x20) : '\0';
    const bool prefix =
        c0 == 'd'
            ? (c1 == 'u' || (c1 == 'i' && (c2 == 'c' || c2 == 'r')) || (c1 == 'e' && c2 == 'i'))
            : (c0 == 'e' && c1 == 'u' && (c2 == 'c' || c2 == 'e' || c2 == 'r'));
    if (!prefix) return false;
    for (std::string_view w : kInformal) {
      if (i + w.size() > s.size() || !EqualsAsciiCaseless(s.substr(i, w.size()), w)) continue;
      if (i + w.size() == s.size() || !IsAsciiLetter(static_cast<unsigned char>(s[i + w.size()]))) {
        return true;
      }
    }
    return false;
  }

#endif  // __SSE2__

  // Sets `formal` / `informal` when the word starting at the ASCII letter at
  // `i` may be a formal / informal pronoun (a superset of what EndWord
  // accepts).
  static void CheckAddress(std::string_view s, size_t i, bool* formal, bool* informal) {
    const char c = s[i];
    if (c == 'S' || c == 'I') {
      if (*formal) return;
      const std::string_view rest = s.substr(i + 1);
      *formal =
          c == 'S' ? rest.starts_with("ie") : (rest.starts_with("hr") || rest.starts_with("hn"));
      return;
    }
    const char f = static_cast<char>(c | 0x20);
    if ((f != 'd' && f != 'e') || *informal) return;
    for (std::string_view w : kInformal) {
      if (i + w.size() > s.size() || !EqualsAsciiCaseless(s.substr(i, w.size()), w)) continue;
      if (i + w.size() == s.size() || !IsAsciiLetter(static_cast<unsigned char>(s[i + w.size()]))) {
        *informal = true;
        return;
      }
    }
  }

  static char32_t DecodeAt(std::string_view s, size_t i, int* len) {
    bool valid;
    return utf8::Decode(s, i, len, &valid);
  }

  // Skips to the next whitespace.
  static size_t SkipToken(std::string_view s, size_t i) {
    while (i < s.size()) {
      const unsigned char b = static_cast<unsigned char>(s[i]);
      if (b < 0x80) {
        if (IsAsciiSpace(b)) break;
        ++i;
        continue;
      }
      int len;
      if (Classify(DecodeAt(s, i, &len)) == Cls::kSpace) break;
      i += static_cast<size_t>(len);
    }
    return i;
  }

  // Consumes the word (letters and combining marks) starting at the letter at
  // `i`; returns its end. The ASCII loop is the hot path of the detector.
  static size_t ScanWord(std::string_view s, size_t i, Word* w) {
    const size_t n = s.size();
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
    uint32_t upper = 0, lower = 0, first_cased = 0, last_cased_end = 0;
    while (i < n) {
      if (p[i] < 0x80) {
        // A run of ASCII letters: one compare and one add per byte.
        const size_t run_start = i;
        uint32_t run_upper = 0;
        while (i < n && static_cast<unsigned>((p[i] | 0x20) - 'a') < 26u) {
          run_upper += (p[i] & 0x20) == 0;
          ++i;
        }
        if (i == run_start) break;  // ASCII non-letter: the word ends
        if (upper + lower == 0) first_cased = static_cast<uint32_t>(run_start);
        last_cased_end = static_cast<uint32_t>(i);
        upper += run_upper;
        lower += static_cast<uint32_t>(i - run_start) - run_upper;
        continue;
      }
      int len = 1;
      const Cls cls = Classify(DecodeAt(s, i, &len));
      if (cls == Cls::kUpper || cls == Cls::kLower) {
        if (upper + lower == 0) first_cased = static_cast<uint32_t>(i);
        last_cased_end = static_cast<uint32_t>(i) + static_cast<uint32_t>(len);
        (cls == Cls::kUpper ? upper : lower)++;
      } else if (cls != Cls::kLetter && cls != Cls::kMark) {
        break;
      }
      i += static_cast<size_t>(len);
    }
    w->end = static_cast<uint32_t>(i);
    w->upper = upper;
    w->lower = lower;
    w->first_cased = first_cased;
    w->last_cased_end = last_cased_end;
    return i;
  }

  // Consumes a run of '!'/'?' starting at `i` and reports it if loud enough.
  size_t ScanPunct(std::string_view s, size_t i, uint32_t types, DetectionSink* sink) const {
    const size_t start = i;
    int bangs = 0, questions = 0;
    while (i < s.size()) {
      int len = 1;
      const unsigned char b = static_cast<unsigned char>(s[i]);
      const char32_t c = b < 0x80 ? b : DecodeAt(s, i, &len);
      int nb, nq;
      if (!Punct(c, &nb, &nq)) break;
      bangs += nb;
      questions += nq;
      i += static_cast<size_t>(len);
    }
    if (!(types & kExclamations)) return i;
    const bool mixed = bangs > 0 && questions > 0;
    if (bangs >= o_.exclamation_run || (mixed && bangs + questions >= o_.interrobang_run)) {
      Detection d;
      d.view = View::kRaw;
      d.start = start;
      d.end = i;
      d.type = "exclamations";
      d.evidence = mixed ? "run of " + std::to_string(bangs + questions) + " '!'/'?'"
                         : "run of " + std::to_string(bangs) + " '!'";
      sink->Add(std::move(d));
    }
    return i;
  }

  void EndWord(std::string_view s, const Word& w, State* st) const {
    const uint32_t cased = w.upper + w.lower;
    const std::string_view word = s.substr(w.start, w.end - w.start);
    if ((st->types & kShouting) && cased > 0) {
      bool acronym = false;
      if (w.lower == 0 && w.upper >= 2) {
        acronym = std::binary_search(o_.acronyms.begin(), o_.acronyms.end(), word,
                                     [](std::string_view a, std::string_view b) { return a < b; });
        if (!acronym && w.upper >= o_.caps_word_letters && CountsAsShouted(s, word, w, *st)) {
          if (st->shouted_count < kMaxWordSpans) st->shouted[st->shouted_count] = {w.start, w.end};
          ++st->shouted_count;
        }
      }
      if (!acronym) {
        st->upper += w.upper;
        st->lower += w.lower;
        if (st->first_cased == UINT32_MAX) st->first_cased = w.first_cased;
        st->last_cased_end = w.last_cased_end;
      }
    }
    // All-caps words are shouting or acronyms ("DIR", "SIE"), not address.
    if ((st->types & kDuSieMix) && word.size() >= 2 && word.size() <= 6 && w.lower > 0) {
      const char first = static_cast<char>(word[0] | 0x20);  // cheap pre-filter
      if (first == 'd' || first == 'e') {
        for (std::string_view f : kInformal) {
          if (EqualsAsciiCaseless(word, f)) {
            if (st->informal_n++ == 0) st->informal_first = {w.start, w.end};
            break;
          }
        }
      } else if (!w.sentence_start && (word[0] == 'S' || word[0] == 'I')) {
        for (std::string_view f : kFormal) {
          if (word == f) {
            // Bare "Ihr" is also the informal plural pronoun, capitalised in
            // letter style ("könnt Ihr", "wie Ihr wisst"); only before a noun
            // ("Ihr Paket") is it the formal possessive. "Ihr neues Handy"
            // is missed on purpose.
            if (word == "Ihr" && !NextWordCapitalised(s, w.end)) break;
            if (st->formal_n++ == 0) st->formal_first = {w.start, w.end};
            break;
          }
        }
      }
    }
  }

  // An upper-case word of `caps_short_letters` letters or fewer is far more
  // often an acronym (GDL, DHL, VRS) than shouting, so it counts only when it
  // is a common short word ("DAS", "NIE", "YOU"). Repeats of a word already
  // counted do not count again.
  bool CountsAsShouted(std::string_view s, std::string_view word, const Word& w,
                       const State& st) const {
    if (w.upper <= o_.caps_short_letters &&
        !std::binary_search(o_.short_words.begin(), o_.short_words.end(), word,
                            [](std::string_view a, std::string_view b) { return a < b; })) {
      return false;
    }
    for (size_t k = 0; k < std::min(st.shouted_count, kMaxWordSpans); ++k) {
      if (s.substr(st.shouted[k].start, st.shouted[k].end - st.shouted[k].start) == word) {
        return false;
      }
    }
    return true;
  }

  // True when the next word after `pos` (past spaces) starts with a capital.
  static bool NextWordCapitalised(std::string_view s, size_t pos) {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
    if (pos >= s.size()) return false;
    int len;
    const unsigned char b = static_cast<unsigned char>(s[pos]);
    return Classify(b < 0x80 ? b : DecodeAt(s, pos, &len)) == Cls::kUpper;
  }

  static void ReportMix(const State& st, std::string_view s, DetectionSink& sink) {
    if (st.informal_n == 0 || st.formal_n == 0) return;
    // The rarer form is the slip; on a tie, the form that came second.
    const bool informal_is_minority =
        st.informal_n < st.formal_n ||
        (st.informal_n == st.formal_n && st.informal_first.start > st.formal_first.start);
    const Span span = informal_is_minority ? st.informal_first : st.formal_first;
    auto text = [&](const Span& sp) { return std::string(s.substr(sp.start, sp.end - sp.start)); };
    Detection d;
    d.view = View::kRaw;
    d.start = span.start;
    d.end = span.end;
    d.type = "du_sie_mix";
    d.evidence = "informal '" + text(st.informal_first) + "' (" + std::to_string(st.informal_n) +
                 "x, first at byte " + std::to_string(st.informal_first.start) + ") and formal '" +
                 text(st.formal_first) + "' (" + std::to_string(st.formal_n) + "x, first at byte " +
                 std::to_string(st.formal_first.start) + ")";
    sink.Add(std::move(d));
  }

  void ReportShouting(const State& st, DetectionSink& sink) const {
    const uint32_t upper = st.upper, letters = st.upper + st.lower;
    if (letters > 0 && letters >= o_.caps_min_letters &&
        static_cast<double>(upper) >= o_.caps_ratio * static_cast<double>(letters)) {
      Detection d;
      d.view = View::kRaw;
      d.start = st.first_cased;
      d.end = st.last_cased_end;
      d.type = "shouting";
      char buf[96];
      std::snprintf(buf, sizeof buf, "upper-case ratio %.2f over %u letters",
                    static_cast<double>(upper) / letters, letters);
      d.evidence = buf;
      sink.Add(std::move(d));
      return;
    }
    const size_t count = st.shouted_count;
    if (count == 0 || static_cast<int64_t>(count) < o_.caps_min_words) return;
    const std::string evidence = std::to_string(count) + " upper-case words";
    for (size_t k = 0; k < std::min(count, kMaxWordSpans); ++k) {
      Detection d;
      d.view = View::kRaw;
      d.start = st.shouted[k].start;
      d.end = st.shouted[k].end;
      d.type = "shouting";
      d.evidence = evidence;
      sink.Add(std::move(d));
    }
  }

  const Options o_;
};

Result<int64_t> IntInRange(const DetectorParams& p, std::string_view key, int64_t def, int64_t lo,
                           int64_t hi) {
  LP_ASSIGN_OR_RETURN(int64_t v, p.GetInt(key, def));
  if (v < lo || v > hi) {
    return Status::InvalidArgument("parameter '" + std::string(key) + "' must be in [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "], not " +
                                   std::to_string(v));
  }
  return v;
}

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "tone"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv&) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown(
        {"types", "caps_ratio", "caps_min_letters", "caps_word_letters", "caps_short_letters",
         "caps_min_words", "exclamation_run", "interrobang_run", "acronyms"}));
    Options o;
    LP_ASSIGN_OR_RETURN(std::vector<std::string> types, params.GetStrings("types"));
    if (!types.empty()) {
      o.types = 0;
      for (const std::string& t : types) {
        bool found = false;
        for (const TypeName& k : kTypes) {
          if (t == k.name) o.types |= k.bit, found = true;
        }
        if (!found) {
          return Status::InvalidArgument("types: unknown tone type '" + t +
                                         "' (known: shouting, exclamations, du_sie_mix)");
        }
      }
    }
    LP_ASSIGN_OR_RETURN(o.caps_ratio, params.GetDouble("caps_ratio", o.caps_ratio));
    if (!(o.caps_ratio >= 0.3 && o.caps_ratio <= 1.0)) {
      return Status::InvalidArgument("parameter 'caps_ratio' must be in [0.3, 1.0], not " +
                                     std::to_string(o.caps_ratio));
    }
    LP_ASSIGN_OR_RETURN(o.caps_min_letters,
                        IntInRange(params, "caps_min_letters", o.caps_min_letters, 1, 100000));
    LP_ASSIGN_OR_RETURN(o.caps_word_letters,
                        IntInRange(params, "caps_word_letters", o.caps_word_letters, 2, 64));
    LP_ASSIGN_OR_RETURN(o.caps_short_letters,
                        IntInRange(params, "caps_short_letters", o.caps_short_letters, 0, 64));
    LP_ASSIGN_OR_RETURN(o.caps_min_words,
                        IntInRange(params, "caps_min_words", o.caps_min_words, 1, 1000));
    LP_ASSIGN_OR_RETURN(o.exclamation_run,
                        IntInRange(params, "exclamation_run", o.exclamation_run, 2, 100));
    LP_ASSIGN_OR_RETURN(o.interrobang_run,
                        IntInRange(params, "interrobang_run", o.interrobang_run, 2, 100));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> extra, params.GetStrings("acronyms"));
    for (std::string_view a : kDefaultAcronyms) o.acronyms.emplace_back(a);
    for (size_t k = 0; k < extra.size(); ++k) {
      std::string a = extra[k];
      const std::string where = "acronyms[" + std::to_string(k) + "]";
      if (a.empty() || a.size() > 64) {
        return Status::InvalidArgument(where + ": must be 1 to 64 bytes long");
      }
      if (utf8::FirstInvalid(a) != std::string_view::npos) {
        return Status::InvalidArgument(where + ": invalid UTF-8");
      }
      for (char& ch : a) {
        if (ch == ' ' || (ch >= '\t' && ch <= '\r')) {
          return Status::InvalidArgument(where + ": '" + extra[k] + "' must be one word");
        }
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      }
      o.acronyms.push_back(std::move(a));
    }
    for (std::string_view w : kShortShoutWords) o.short_words.emplace_back(w);
    std::sort(o.short_words.begin(), o.short_words.end());
    o.short_words.erase(std::unique(o.short_words.begin(), o.short_words.end()),
                        o.short_words.end());
    std::sort(o.acronyms.begin(), o.acronyms.end());
    o.acronyms.erase(std::unique(o.acronyms.begin(), o.acronyms.end()), o.acronyms.end());
    return std::unique_ptr<Detector>(new ToneDetector(std::move(o)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::tone
