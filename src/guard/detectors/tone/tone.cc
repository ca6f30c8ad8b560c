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
// second per core, and tone runs on every text. The pass keeps a few counters
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
#include <string>
#include <string_view>
#include <vector>

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
    State st;
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
        i = ScanPunct(s, i, &sink);
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
    if (o_.types & kShouting) ReportShouting(st, sink);
    if (o_.types & kDuSieMix) ReportMix(st, s, sink);
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
  size_t ScanPunct(std::string_view s, size_t i, DetectionSink* sink) const {
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
    if (!(o_.types & kExclamations)) return i;
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
    if ((o_.types & kShouting) && cased > 0) {
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
    if ((o_.types & kDuSieMix) && word.size() >= 2 && word.size() <= 6 && w.lower > 0) {
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
