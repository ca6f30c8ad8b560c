// Per-code-point folding table of the normaliser (internal).
//
// FoldTable answers "what does this one code point fold to?" for steps 1-3 of
// the contract in leitplanke/guard/normalizer.h (NFKC + case folding, diacritic
// removal with German umlauts spelled out, confusable folding, removal of
// invisible characters). The answer for every code point of planes 0 and 1 is
// computed once with ICU when the table is built, so that normalising text
// never calls ICU; code points above U+1FFFF are folded with ICU on demand.
//
// Thread-safety: immutable after Build(); Lookup() and FoldRare() may be called
// from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::guard::normalizer_internal {

// What Normalize() does with a code point.
enum FoldKind : uint8_t {
  kKeep = 0,    // output the original bytes unchanged
  kMap,         // output the table's replacement bytes (may be empty)
  kSpace,       // whitespace: collapses into one ' '
  kZeroWidth,   // removed, reported as kObfZeroWidth
  kJoiner,      // ZWJ/ZWNJ: removed; reported unless it glues emoji
  kSoftHyphen,  // removed, reported as kObfSoftHyphen
  kBidi,        // removed, reported as kObfBidi
  kIgnorable,   // other default-ignorable code points: removed silently
  kTag,         // U+E0020..U+E007F tag characters: removed; reported
                // unless they continue an emoji tag sequence
  kMark,        // combining diacritic: removed, joined to the previous unit
  kDiaeresis,   // U+0308: "a\u0308" -> "ae" (else like kMark)
};

// Flags on a folded code point.
enum FoldFlag : uint8_t {
  kFlagFullwidth = 1u << 0,    // compatibility form (wide, narrow, font, circle)
  kFlagLookalike = 1u << 1,    // non-Latin letter folded onto an ASCII letter
  kFlagLetter = 1u << 2,       // non-ASCII output is a letter
  kFlagLatinLetter = 1u << 3,  // non-ASCII output is a Latin-script letter
};

struct FoldEntry {
  uint32_t offset = 0;  // of the replacement in pool() (kMap only)
  uint8_t len = 0;      // replacement length in bytes (kMap only)
  uint8_t kind = kKeep;
  uint8_t flags = 0;
  uint8_t reserved = 0;
};
static_assert(sizeof(FoldEntry) == 8);

class FoldTable {
 public:
  // Code points below this have a precomputed entry.
  static constexpr uint32_t kTableLimit = 0x20000;

  // Computes the table with ICU; fails only if ICU data is unusable.
  static Result<std::unique_ptr<const FoldTable>> Build();

  ~FoldTable();

  // Entry for cp < kTableLimit.
  const FoldEntry& Lookup(uint32_t cp) const { return entries_[cp]; }
  const char* pool() const { return pool_.data(); }

  // Folds cp >= kTableLimit with ICU: sets *entry and, for kMap, the
  // replacement bytes in *bytes (entry->offset is meaningless then).
  void FoldRare(uint32_t cp, FoldEntry* entry, std::string* bytes) const;

 private:
  struct Icu;
  FoldTable();

  std::vector<FoldEntry> entries_;
  std::string pool_;
  std::unique_ptr<Icu> icu_;
};

}  // namespace leitplanke::guard::normalizer_internal
