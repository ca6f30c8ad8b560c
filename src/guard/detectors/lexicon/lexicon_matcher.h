// LexiconMatcher: word lists matched on the folded view, shared by the
// `terms`, `phrases` and `requests` detectors.
//
// Build() folds every entry like the text (so obfuscated spellings match) and
// splits it into words; the longest word of each entry becomes a literal for
// the policy's shared Hyperscan database (entries sharing it share the
// literal, which keeps compile time and memory low for large lexicons).
// Accept() then matches the remaining words around the anchor hit (with
// blank, hyphen or nothing between words when `joined_variants` is on:
// "Projekt Falke", "Projekt-Falke", "#ProjektFalke") and decides whether the
// whole hit stands on word boundaries:
//   - whole word always;
//   - as part of a German compound when `compounds` is on: at the end of a
//     word ("Tariffalke") from `min_compound_length` bytes, at the start of
//     a word ("Nordlichtprojekt") from min_compound_length + 3 bytes, since
//     short word starts are mostly other words ("Falkenhof");
//   - "word*" entries allow any continuation, "*word" any beginning.
//
// Thread-safety: immutable after Build(); Accept() is const and allocation-free.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors {

class LexiconMatcher {
 public:
  static constexpr size_t kPrefixCompoundExtra = 3;

  struct Options {
    bool compounds = false;
    size_t min_compound_length = 5;
    bool joined_variants = true;  // "projekt falke" also as "projektfalke", "projekt-falke"
    bool wildcards = true;        // honour leading/trailing '*'
  };

  // Errors: an entry that folds to nothing (e.g. only punctuation) is skipped,
  // not an error; a normaliser is required.
  static Result<LexiconMatcher> Build(const std::vector<std::string>& entries,
                                      const Normalizer* normalizer, const Options& options);

  // Literal patterns on View::kFolded, ids starting at `id_base`.
  std::vector<PatternSpec> Patterns(uint32_t id_base = 0) const;
  size_t pattern_count() const { return literals_.size(); }

  struct Hit {
    uint32_t entry;  // index of the matched entry
    size_t from;     // folded span, widened to the whole word for wildcards
    size_t to;
  };
  // If the candidate (whose id was produced by Patterns(id_base)) is a valid
  // hit, returns true and fills *hit.
  bool Accept(const Candidate& c, std::string_view folded, uint32_t id_base, Hit* hit) const;

  const std::string& entry(uint32_t i) const { return entries_[i]; }
  size_t size() const { return entries_.size(); }

 private:
  // One entry as folded words; `anchor` is the word given to Hyperscan.
  struct Form {
    std::vector<std::string> words;
    std::string seps;  // separator after each word but the last
    uint32_t entry = 0;
    uint32_t anchor = 0;
    bool open_left = false;   // "*word": any beginning
    bool open_right = false;  // "word*": any continuation
  };
  struct Literal {
    std::string text;
    std::vector<uint32_t> forms;  // indices into forms_ anchored on this literal
  };
  bool MatchForm(const Form& f, std::string_view s, size_t from, size_t to, size_t* begin,
                 size_t* end) const;

  std::vector<std::string> entries_;
  std::vector<Form> forms_;
  std::vector<Literal> literals_;
  Options options_;
};

}  // namespace leitplanke::guard::detectors
