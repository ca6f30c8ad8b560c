// Builds the per-code-point folding table with ICU.
//
// Everything that needs Unicode data (normalisation forms, case folding,
// confusable skeletons, scripts, decomposition types) is resolved here, once,
// so that the hot loop in normalizer.cc is a table lookup per code point.
// Folding is per code point: "a\u0308" (decomposed umlaut) and standalone
// combining marks are handled by kDiaeresis / kMark in the hot loop instead.
#include "guard/normalizer/fold_table.h"

#include <string>
#include <utility>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/utf16.h>

#include "leitplanke/base/utf8.h"

namespace leitplanke::guard::normalizer_internal {

struct FoldTable::Icu {
  const icu::Normalizer2* nfkc_cf = nullptr;
  const icu::Normalizer2* nfd = nullptr;
  const icu::Normalizer2* nfc = nullptr;
  USpoofChecker* spoof = nullptr;
  ~Icu() {
    if (spoof != nullptr) uspoof_close(spoof);
  }
};

namespace {

// Combining diacritics that are stripped after a letter.
bool IsStrippedMark(UChar32 c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F);
}

bool IsZeroWidth(UChar32 c) {
  return c == 0x200B || (c >= 0x2060 && c <= 0x2064) || c == 0xFEFF || c == 0x180E || c == 0x115F ||
         c == 0x1160 || c == 0x3164 || c == 0xFFA0;  // Hangul fillers
}

bool IsBidiControl(UChar32 c) {
  return c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x061C;
}

bool IsAsciiLetter(UChar32 c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

UChar32 AsciiLower(UChar32 c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

// The single ASCII letter that the confusables skeleton of `s` is, or 0.
UChar32 SkeletonLetter(USpoofChecker* spoof, const icu::UnicodeString& s) {
  UChar dest[8];
  UErrorCode status = U_ZERO_ERROR;
  int32_t n = uspoof_getSkeleton(spoof, 0, s.getBuffer(), s.length(), dest, 8, &status);
  if (U_FAILURE(status) || n != 1 || !IsAsciiLetter(dest[0])) return 0;
  return AsciiLower(dest[0]);
}

bool IsCompatibilityForm(UChar32 c) {
  const int32_t dt = u_getIntPropertyValue(c, UCHAR_DECOMPOSITION_TYPE);
  return dt == U_DT_WIDE || dt == U_DT_NARROW || dt == U_DT_FONT || dt == U_DT_CIRCLE;
}

// Scripts whose letters never look like Latin ones; skipping their skeletons
// keeps Build() fast.
bool IsSkeletonFreeScript(UScriptCode sc) {
  switch (sc) {
    case USCRIPT_HAN:
    case USCRIPT_HANGUL:
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
    case USCRIPT_YI:
    case USCRIPT_TANGUT:
    case USCRIPT_EGYPTIAN_HIEROGLYPHS:
    case USCRIPT_CUNEIFORM:
    case USCRIPT_ANATOLIAN_HIEROGLYPHS:
    case USCRIPT_BAMUM:
    case USCRIPT_LINEAR_A:
    case USCRIPT_LINEAR_B:
      return true;
    default:
      return false;
  }
}

// Folds one code point (steps 1-3 of the contract).
FoldEntry ComputeEntry(const icu::Normalizer2* nfkc_cf, const icu::Normalizer2* nfd,
                       const icu::Normalizer2* nfc, USpoofChecker* spoof, UChar32 cp,
                       std::string* bytes) {
  FoldEntry e;
  bytes->clear();
  if (cp < 0x80) return e;  // ASCII is handled by the normaliser's own table
  if (IsZeroWidth(cp)) {
    e.kind = kZeroWidth;
    return e;
  }
  if (cp == 0x200C || cp == 0x200D) {
    e.kind = kJoiner;
    return e;
  }
  if (cp == 0x00AD) {
    e.kind = kSoftHyphen;
    return e;
  }
  if (IsBidiControl(cp)) {
    e.kind = kBidi;
    return e;
  }
  if (cp >= 0xE0020 && cp <= 0xE007F) {
    e.kind = kTag;
    return e;
  }
  if (u_hasBinaryProperty(cp, UCHAR_WHITE_SPACE)) {
    e.kind = kSpace;
    return e;
  }
  if (IsStrippedMark(cp)) {
    e.kind = cp == 0x0308 ? kDiaeresis : kMark;
    return e;
  }
  const int8_t type = u_charType(cp);
  if (type == U_UNASSIGNED || type == U_SURROGATE || type == U_PRIVATE_USE_CHAR) return e;

  // Shortcut for the bulk of the table: code points that NFKC_Casefold leaves
  // alone and that are not letters (symbols, emoji, punctuation) or are letters
  // of scripts without Latin look-alikes.
  UErrorCode status = U_ZERO_ERROR;
  if (nfkc_cf->isInert(cp) && nfd->isInert(cp)) {
    if (!u_isalpha(cp)) return e;
    const UScriptCode script = uscript_getScript(cp, &status);
    if (U_SUCCESS(status) && IsSkeletonFreeScript(script)) {
      e.flags = kFlagLetter;
      return e;
    }
    status = U_ZERO_ERROR;
  }
  const icu::UnicodeString src(cp);
  icu::UnicodeString folded = nfkc_cf->normalize(src, status);
  if (U_FAILURE(status)) return e;
  if (folded.isEmpty()) {
    e.kind = kIgnorable;
    return e;
  }
  // Strip diacritics after letters; a/o/u + diaeresis spells the umlaut out.
  icu::UnicodeString decomposed = nfd->normalize(folded, status);
  if (U_FAILURE(status)) return e;
  icu::UnicodeString stripped;
  UChar32 prev = 0;
  bool prev_letter = false;
  for (int32_t i = 0; i < decomposed.length();) {
    const UChar32 c = decomposed.char32At(i);
    i += U16_LENGTH(c);
    if (IsStrippedMark(c) && prev_letter) {
      if (c == 0x0308 && (prev == 'a' || prev == 'o' || prev == 'u')) {
        stripped.append(static_cast<UChar32>('e'));
        prev = 'e';
      }
      continue;
    }
    stripped.append(c);
    prev = c;
    prev_letter = u_isalpha(c);
  }
  icu::UnicodeString result = nfc->normalize(stripped, status);
  if (U_FAILURE(status)) return e;

  // Confusable folding: a single non-ASCII letter whose skeleton is one ASCII letter.
  if (result.countChar32() == 1) {
    const UChar32 r = result.char32At(0);
    UErrorCode sc_status = U_ZERO_ERROR;
    const UScriptCode script = uscript_getScript(r, &sc_status);
    if (r >= 0x80 && u_isalpha(r) && !IsSkeletonFreeScript(script)) {
      // The letter itself, else the original code point, else its capital:
      // Greek tau and kappa are confusable with 'T' and 'K' only as capitals.
      UChar32 letter = SkeletonLetter(spoof, result);
      if (letter == 0 && cp != r) letter = SkeletonLetter(spoof, src);
      if (letter == 0 && u_toupper(r) != r) {
        letter = SkeletonLetter(spoof, icu::UnicodeString(u_toupper(r)));
      }
      if (letter != 0) {
        if (script != USCRIPT_LATIN && script != USCRIPT_COMMON && script != USCRIPT_INHERITED) {
          e.flags |= kFlagLookalike;
        }
        result = icu::UnicodeString(letter);
      }
    }
  }

  bool all_ascii = true;
  for (int32_t i = 0; i < result.length();) {
    UChar32 c = result.char32At(i);
    i += U16_LENGTH(c);
    if (c == 'l') c = 'i';  // 'l' and '1' read alike: see the header, step 4
    if (c >= 0x80) all_ascii = false;
    utf8::Append(static_cast<char32_t>(c), bytes);
  }
  if (IsCompatibilityForm(cp)) e.flags |= kFlagFullwidth;
  if (!all_ascii) {
    const UChar32 first = result.char32At(0);
    if (u_isalpha(first)) {
      e.flags |= kFlagLetter;
      UErrorCode sc_status = U_ZERO_ERROR;
      if (uscript_getScript(first, &sc_status) == USCRIPT_LATIN) e.flags |= kFlagLatinLetter;
    }
  }
  std::string original;
  utf8::Append(static_cast<char32_t>(cp), &original);
  if (*bytes == original) {
    bytes->clear();
    return e;  // kKeep
  }
  e.kind = kMap;
  e.len = static_cast<uint8_t>(bytes->size());
  return e;
}
}  // namespace

FoldTable::FoldTable() = default;
FoldTable::~FoldTable() = default;

Result<std::unique_ptr<const FoldTable>> FoldTable::Build() {
  std::unique_ptr<FoldTable> t(new FoldTable());
  t->icu_ = std::make_unique<Icu>();
  Icu& icu = *t->icu_;
  UErrorCode status = U_ZERO_ERROR;
  icu.nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_SUCCESS(status)) icu.nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_SUCCESS(status)) icu.nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_SUCCESS(status)) icu.spoof = uspoof_open(&status);
  if (U_FAILURE(status)) {
    return Status::Internal(std::string("normalizer: ICU data unusable: ") + u_errorName(status));
  }
  t->entries_.resize(kTableLimit);
  t->pool_.reserve(1 << 16);
  std::string bytes;
  for (UChar32 cp = 0x80; cp < static_cast<UChar32>(kTableLimit); ++cp) {
    FoldEntry e = ComputeEntry(icu.nfkc_cf, icu.nfd, icu.nfc, icu.spoof, cp, &bytes);
    if (e.kind == kMap && !bytes.empty()) {
      e.offset = static_cast<uint32_t>(t->pool_.size());
      t->pool_ += bytes;
    }
    t->entries_[cp] = e;
  }
  return std::unique_ptr<const FoldTable>(std::move(t));
}

void FoldTable::FoldRare(uint32_t cp, FoldEntry* entry, std::string* bytes) const {
  *entry = ComputeEntry(icu_->nfkc_cf, icu_->nfd, icu_->nfc, icu_->spoof, static_cast<UChar32>(cp),
                        bytes);
}

}  // namespace leitplanke::guard::normalizer_internal
