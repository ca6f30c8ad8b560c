// Text normalisation with an offset map back to the original.
//
// Detectors that look for words (terms, phrases, offensive language, links)
// read the FOLDED view, so that "P r o j e k t  F.a.l.k.e", "ΡrojеktFаlke"
// (Greek/Cyrillic look-alikes), "Pr0jekt F4lke", "Projekt\u200BFalke" and
// "PROJEKT FALKE" all read "projekt falke". Detectors for exact formats
// (IBAN, API keys, e-mail) read the RAW view, the original text itself.
//
// The folded view is built by, in this order, per code point:
//   1. NFKC + Unicode case folding (ICU nfkc_cf), diacritics removed except
//      that German umlauts become their two-letter spellings (ä→ae, ö→oe,
//      ü→ue; ß→ss by case folding), so "Müller" and "Mueller" fold alike;
//   2. confusable folding of non-ASCII look-alikes (Cyrillic, Greek, ...)
//      onto ASCII letters (ICU's confusables skeleton, single letters only);
//   3. removal of zero-width characters, soft hyphens and bidi controls,
//      each reported as an obfuscation event;
//   4. leet folding inside tokens that contain at least one letter
//      (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s; "4711" and "100 %" stay as they are;
//      '@' and '$' only between letters or digits, so "@anna" stays a mention);
//      because '1' reads as both 'i' and 'l', the letter 'l' folds to 'i' as
//      well: the folded view is a matching key, not display text;
//   5. letters split by single spaces, dots or dashes ("P r o j e k t",
//      "F.a.l.k.e", "F-a-l-k-e", at least 3 letters) joined;
//   6. whitespace runs collapsed to one ASCII space.
//
// Thread-safety: a Normalizer is immutable after Create() and may be shared by
// any number of threads. NormalizedText is a per-call output buffer; reuse it
// across calls to avoid allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::guard {

// Kinds of obfuscation the normaliser saw (bit flags).
enum ObfuscationKind : uint32_t {
  kObfZeroWidth = 1u << 0,      // U+200B..U+200D, U+2060, U+FEFF, ...
  kObfSoftHyphen = 1u << 1,     // U+00AD
  kObfBidi = 1u << 2,           // U+202A..U+202E, U+2066..U+2069, U+200E/F
  kObfHomoglyph = 1u << 3,      // a non-Latin look-alike inside a Latin word
  kObfLeet = 1u << 4,           // digits/symbols folded to letters inside a word
  kObfSpacedLetters = 1u << 5,  // "P r o j e k t" joined
  kObfFullwidth = 1u << 6,      // fullwidth or other compatibility forms
};

struct ObfuscationEvent {
  uint32_t kind;   // one ObfuscationKind bit
  uint32_t start;  // byte offsets in the original text, [start, end)
  uint32_t end;
};

struct NormalizedText {
  std::string text;  // the folded view (UTF-8; ASCII for Latin-script input)
  // For each byte i of `text`: the original bytes [src_begin[i], src_end[i])
  // of the code point that produced it. A match [s, e) in `text` maps to
  // [src_begin[s], src_end[e - 1]) in the original.
  std::vector<uint32_t> src_begin;
  std::vector<uint32_t> src_end;
  uint32_t obfuscation = 0;  // OR of ObfuscationKind
  std::vector<ObfuscationEvent> events;

  void Clear() {
    text.clear();
    src_begin.clear();
    src_end.clear();
    obfuscation = 0;
    events.clear();
  }
  // Original byte span for the folded span [s, e); requires s < e <= text.size().
  std::pair<uint32_t, uint32_t> ToOriginal(size_t s, size_t e) const {
    return {src_begin[s], src_end[e - 1]};
  }
};

class Normalizer {
 public:
  // Builds the folding tables (ICU). Fails only if ICU data is unusable.
  static Result<std::shared_ptr<const Normalizer>> Create();

  virtual ~Normalizer() = default;

  // Folds `original` into `out` (cleared first). Invalid UTF-8 bytes fold to
  // a space and are otherwise ignored (the engine reports them). Never fails.
  virtual void Normalize(std::string_view original, NormalizedText* out) const = 0;

  // The folded form of a lexicon entry or phrase: same folding as Normalize().
  virtual std::string Fold(std::string_view s) const = 0;
};

}  // namespace leitplanke::guard
