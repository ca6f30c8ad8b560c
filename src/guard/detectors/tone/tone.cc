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
// Robustness: every byte is visited once; invalid UTF-8 decodes as U+FFFD (a
// non-letter), so no input can make the loop stall or read out of bounds.
// Offsets are uint32 (the engine caps input far below 4 GiB).
#include <algorithm>
#include <array>
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

class ToneDetector final : public Detector {
 public:
  explicit ToneDetector(Options o) : o_(std::move(o)) {}

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    std::string_view s = ctx.raw;
    const bool want_caps = o_.types & kShouting;
    const bool want_bang = o_.types & kExclamations;
    const bool want_mix = o_.types & kDuSieMix;

    // Shouting state.
    uint32_t upper_total = 0, lower_total = 0;
    uint32_t first_cased = UINT32_MAX, last_cased_end = 0;
    std::array<Span, kMaxWordSpans> shouted;
    size_t shouted_count = 0;
    // Du/Sie state.
    uint32_t informal_n = 0, formal_n = 0;
    Span informal_first, formal_first;
    std::string_view informal_word, formal_word;
    // Word state.
    bool in_word = false;
    uint32_t w_start = 0, w_upper = 0, w_lower = 0;
    uint32_t w_first_cased = 0, w_last_cased_end = 0;
    bool w_sentence_start = false;
    // Context state.
    bool sentence_start = true;  // no letter/digit/comma since the last boundary
    bool token_start = true;     // previous code point was whitespace (or none)
    bool skip_token = false;     // inside a URL, @mention or #hashtag
    // Punctuation run state.
    uint32_t p_start = 0, p_end = 0;
    int p_bangs = 0, p_questions = 0, p_len = 0;

    auto end_word = [&](uint32_t end) {
      in_word = false;
      const uint32_t cased = w_upper + w_lower;
      std::string_view word = s.substr(w_start, end - w_start);
      if (want_caps && cased > 0) {
        bool acronym = false;
        if (w_lower == 0 && w_upper >= 2) {
          acronym =
              std::binary_search(o_.acronyms.begin(), o_.acronyms.end(), word,
                                 [](std::string_view a, std::string_view b) { return a < b; });
          if (!acronym && w_upper >= o_.caps_word_letters) {
            if (shouted_count < kMaxWordSpans) shouted[shouted_count] = {w_start, end};
            ++shouted_count;
          }
        }
        if (!acronym) {
          upper_total += w_upper;
          lower_total += w_lower;
          if (first_cased == UINT32_MAX) first_cased = w_first_cased;
          last_cased_end = w_last_cased_end;
        }
      }
      if (want_mix && word.size() >= 2 && word.size() <= 6) {
        // All-caps words are shouting or acronyms ("DIR", "SIE"), not address.
        const bool all_caps = w_lower == 0;
        if (!all_caps) {
          for (std::string_view f : kInformal) {
            if (EqualsAsciiCaseless(word, f)) {
              if (informal_n++ == 0) informal_first = {w_start, end}, informal_word = word;
              break;
            }
          }
          if (!w_sentence_start) {
            for (std::string_view f : kFormal) {
              if (word == f) {
                if (formal_n++ == 0) formal_first = {w_start, end}, formal_word = word;
                break;
              }
            }
          }
        }
      }
    };

    auto end_punct = [&]() {
      if (p_len == 0) return;
      const bool mixed = p_bangs > 0 && p_questions > 0;
      if (want_bang && (p_bangs >= o_.exclamation_run ||
                        (mixed && p_bangs + p_questions >= o_.interrobang_run))) {
        Detection d;
        d.view = View::kRaw;
        d.start = p_start;
        d.end = p_end;
        d.type = "exclamations";
        d.evidence = mixed ? "run of " + std::to_string(p_bangs + p_questions) + " '!'/'?'"
                           : "run of " + std::to_string(p_bangs) + " '!'";
        sink.Add(std::move(d));
      }
      p_len = 0;
      p_bangs = p_questions = 0;
    };

    size_t i = 0;
    while (i < s.size()) {
      const uint32_t pos = static_cast<uint32_t>(i);
      char32_t c;
      int len = 1;
      if (static_cast<unsigned char>(s[i]) < 0x80) {
        c = static_cast<unsigned char>(s[i]);
      } else {
        bool valid;
        c = utf8::Decode(s, i, &len, &valid);
      }
      i += static_cast<size_t>(len);
      const uint32_t next = static_cast<uint32_t>(i);
      const Cls cls = Classify(c);

      if (cls == Cls::kSpace) {
        if (in_word) end_word(pos);
        end_punct();
        token_start = true;
        skip_token = false;
        continue;
      }
      if (token_start) {
        token_start = false;
        // URLs, @mentions and #hashtags are names, not tone.
        std::string_view rest = s.substr(pos);
        if (c == '@' || c == '#' || rest.starts_with("http://") || rest.starts_with("https://") ||
            rest.starts_with("www.")) {
          skip_token = true;
        }
      }
      if (skip_token) continue;

      int bangs, questions;
      if (Punct(c, &bangs, &questions)) {
        if (in_word) end_word(pos);
        if (p_len == 0) p_start = pos;
        p_bangs += bangs;
        p_questions += questions;
        ++p_len;
        p_end = next;
        sentence_start = true;
        continue;
      }
      end_punct();

      switch (cls) {
        case Cls::kUpper:
        case Cls::kLower:
        case Cls::kLetter:
        case Cls::kMark:
          if (!in_word) {
            if (cls == Cls::kMark) break;  // a stray mark starts nothing
            in_word = true;
            w_start = pos;
            w_upper = w_lower = 0;
            w_sentence_start = sentence_start;
          }
          if (cls == Cls::kUpper || cls == Cls::kLower) {
            if (w_upper + w_lower == 0) w_first_cased = pos;
            w_last_cased_end = next;
            (cls == Cls::kUpper ? w_upper : w_lower)++;
          }
          sentence_start = false;
          break;
        case Cls::kDigit:
          if (in_word) end_word(pos);
          sentence_start = false;
          break;
        default:  // other punctuation and symbols
          if (in_word) end_word(pos);
          // A comma keeps the sentence going; anything else ('.', ':', a
          // quote, a bracket, an emoji, a line bullet) may start a new one,
          // which makes a following capital "Sie" ambiguous.
          if (c != ',') sentence_start = true;
          break;
      }
    }
    if (in_word) end_word(static_cast<uint32_t>(s.size()));
    end_punct();

    if (want_caps)
      ReportShouting(upper_total, lower_total, first_cased, last_cased_end, shouted, shouted_count,
                     sink);
    if (want_mix && informal_n > 0 && formal_n > 0) {
      // The rarer form is the slip; on a tie, the form that came second.
      const bool informal_is_minority =
          informal_n < formal_n ||
          (informal_n == formal_n && informal_first.start > formal_first.start);
      const Span span = informal_is_minority ? informal_first : formal_first;
      Detection d;
      d.view = View::kRaw;
      d.start = span.start;
      d.end = span.end;
      d.type = "du_sie_mix";
      d.evidence = "informal '" + std::string(informal_word) + "' (" + std::to_string(informal_n) +
                   "x, first at byte " + std::to_string(informal_first.start) + ") and formal '" +
                   std::string(formal_word) + "' (" + std::to_string(formal_n) +
                   "x, first at byte " + std::to_string(formal_first.start) + ")";
      sink.Add(std::move(d));
    }
    return ScanControl::kContinue;
  }

 private:
  void ReportShouting(uint32_t upper, uint32_t lower, uint32_t first, uint32_t last_end,
                      const std::array<Span, kMaxWordSpans>& words, size_t word_count,
                      DetectionSink& sink) const {
    const uint32_t letters = upper + lower;
    if (letters > 0 && letters >= o_.caps_min_letters &&
        static_cast<double>(upper) >= o_.caps_ratio * static_cast<double>(letters)) {
      Detection d;
      d.view = View::kRaw;
      d.start = first;
      d.end = last_end;
      d.type = "shouting";
      char buf[96];
      std::snprintf(buf, sizeof buf, "upper-case ratio %.2f over %u letters",
                    static_cast<double>(upper) / letters, letters);
      d.evidence = buf;
      sink.Add(std::move(d));
      return;
    }
    if (word_count == 0 || static_cast<int64_t>(word_count) < o_.caps_min_words) return;
    const std::string evidence = std::to_string(word_count) + " upper-case words";
    for (size_t k = 0; k < std::min(word_count, kMaxWordSpans); ++k) {
      Detection d;
      d.view = View::kRaw;
      d.start = words[k].start;
      d.end = words[k].end;
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
    LP_RETURN_IF_ERROR(
        params.CheckKnown({"types", "caps_ratio", "caps_min_letters", "caps_word_letters",
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
