// Detector "terms": the company's confidential lexicon (code names, project
// names, unreleased products), rule R03 "Interna bleiben intern".
//
// Every term is folded like the text (normalizer.h), so one literal per term
// variant in the folded view catches "PROJEKT FALKE", "Pr0jekt F4lke",
// "P r o j e k t Falke", "Projekt\u200BFalke" and "Projekt Fälke" alike.
// Multi-word terms also get a joined and a hyphenated variant, so
// "#ProjektFalke" and "Projekt-Falke" match. A hit counts as a whole word, or
// as part of a German compound ("Falke-Launch", "Falkeprojekt") when the term
// is long enough that compounds are not accidental.
//
// Robustness: Scan() only walks candidate offsets produced by Hyperscan; work
// is linear in the number of hits. Thousands of terms cost compile time, not
// scan time.
#include "leitplanke/guard/detector.h"

#include "guard/detectors/lexicon/lexicon_matcher.h"
#include "guard/detectors/text_scan.h"

namespace leitplanke::guard::detectors::terms {

namespace {

class TermsDetector final : public Detector {
 public:
  explicit TermsDetector(LexiconMatcher matcher) : matcher_(std::move(matcher)) {}

  std::vector<PatternSpec> Patterns() const override { return matcher_.Patterns(); }

  // Reports only what its candidates confirm.
  bool NeedsCandidates() const override { return true; }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const std::string_view s = ctx.folded->text;
    LexiconMatcher::Hit hits[64];
    size_t n = 0;
    for (const Candidate& c : ctx.candidates) {
      LexiconMatcher::Hit h;
      if (!matcher_.Accept(c, s, 0, &h)) continue;
      // Keep the longest hit among overlapping ones ("projekt falke" over "falke").
      bool absorbed = false;
      for (size_t i = 0; i < n; ++i) {
        if (h.from < hits[i].to && hits[i].from < h.to) {
          if (h.to - h.from > hits[i].to - hits[i].from) hits[i] = h;
          absorbed = true;
          break;
        }
      }
      if (!absorbed && n < std::size(hits)) hits[n++] = h;
    }
    for (size_t i = 0; i < n; ++i) {
      Detection d;
      d.view = View::kFolded;
      d.start = hits[i].from;
      d.end = hits[i].to;
      d.type = "term";
      d.evidence = matcher_.entry(hits[i].entry);
      sink.Add(std::move(d));
    }
    return ScanControl::kContinue;
  }

 private:
  const LexiconMatcher matcher_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "terms"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv& env) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown({"terms", "files", "min_compound_length", "compounds"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> terms,
                        CollectEntries(params, "terms", "files", env));
    LexiconMatcher::Options o;
    LP_ASSIGN_OR_RETURN(int64_t min_compound, params.GetInt("min_compound_length", 5));
    LP_ASSIGN_OR_RETURN(o.compounds, params.GetBool("compounds", true));
    if (min_compound < 1) return Status::InvalidArgument("min_compound_length must be >= 1");
    o.min_compound_length = static_cast<size_t>(min_compound);
    o.wildcards = false;  // company terms are literal names
    LP_ASSIGN_OR_RETURN(LexiconMatcher m, LexiconMatcher::Build(terms, env.normalizer, o));
    return std::unique_ptr<Detector>(new TermsDetector(std::move(m)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::terms
