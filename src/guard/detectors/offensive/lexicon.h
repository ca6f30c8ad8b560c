// The offensive-language lexicon: TSV files of terms with a severity and a
// match mode, folded with the guard's Normalizer and matched on the folded view.
//
// File format (UTF-8, one entry per line, '#' starts a comment line):
//   term <TAB> severity <TAB> match <TAB> note
// severity: slur | insult | profanity | allow
//   ("allow" entries never report; they suppress other entries inside them,
//   e.g. "snigger" keeps "nigger" from firing inside it).
// match (where the folded term may sit inside a word; default "word"):
//   word    the whole word ("spast" but not "Spastik")
//   prefix  at the start of a word ("bastard" in "Bastarde")
//   suffix  at the end of a word ("idiot" in "Vollidiot")
//   infix   anywhere in a word, for long unambiguous compound parts
//           ("arschloch" in "Riesenarschlochs")
// note: free text shown as evidence.
//
// Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors::offensive {

enum class LexLevel : uint8_t { kProfanity = 0, kInsult = 1, kSlur = 2, kAllow = 3 };
enum class LexMatch : uint8_t { kWord, kPrefix, kSuffix, kInfix };

std::string_view LexLevelName(LexLevel l);  // "slur", "insult", "profanity", "allow"
std::optional<LexLevel> ParseLexLevel(std::string_view s);

struct LexEntry {
  std::string term;    // as written
  std::string folded;  // Normalizer::Fold(term)
  LexLevel level = LexLevel::kInsult;
  LexMatch match = LexMatch::kWord;
  std::string note;
  std::string source;  // file name, for evidence
};

// Parses one lexicon file; errors name `file` and the line.
Result<std::vector<LexEntry>> ParseLexicon(std::string_view content, std::string_view file,
                                           const Normalizer& normalizer);

// A lexicon match on the folded view.
struct LexHit {
  uint32_t start;
  uint32_t end;
  const LexEntry* entry;
};

class Lexicon {
 public:
  // Entries with the same folded form are merged (the strictest level and
  // the widest match mode win).
  explicit Lexicon(std::vector<LexEntry> entries);

  // One literal pattern per entry, on the folded view, id = entry index.
  std::vector<PatternSpec> Patterns() const;

  // Confirms candidates (word boundaries, allow entries, overlaps) and
  // returns the surviving hits ordered by start, each widened to the whole
  // word(s) it lies in. `folded` is the folded text.
  void Confirm(std::string_view folded, std::span<const Candidate> candidates,
               std::vector<LexHit>* out) const;

  size_t size() const { return entries_.size(); }
  const std::vector<LexEntry>& entries() const { return entries_; }

 private:
  std::vector<LexEntry> entries_;
};

}  // namespace leitplanke::guard::detectors::offensive
