// Detector "phrases": rule-configurable phrase lists for the statements a
// brand account must not make on its own: financial and insider statements
// (R04), promises and legal advice (R08), crisis topics (R13), politics
// (R16), competitors and partners (R10).
//
// Each rule brings its own list (inline `phrases` and/or `files`) and a `type`
// for its findings. `context` optionally narrows a list: a phrase then counts
// only when one of the context words occurs in the same sentence ("Aktie"
// alone is harmless, "Aktie" next to "kaufen" is a stock tip); with
// `context_scope = "text"` the context word may be anywhere in the text
// ("Going to Africa. Hope I don't get AIDS. Just kidding.").
//
// Robustness: linear in the number of Hyperscan hits; the context check scans
// one sentence per hit.
#include "leitplanke/guard/detector.h"

#include "guard/detectors/lexicon/lexicon_matcher.h"
#include "guard/detectors/text_scan.h"

namespace leitplanke::guard::detectors::phrases {

namespace {

class PhrasesDetector final : public Detector {
 public:
  PhrasesDetector(LexiconMatcher matcher, std::vector<std::string> context, bool whole_text,
                  std::string type)
      : matcher_(std::move(matcher)),
        context_(std::move(context)),
        whole_text_(whole_text),
        type_(std::move(type)) {}

  std::vector<PatternSpec> Patterns() const override { return matcher_.Patterns(); }

  // Reports only what its candidates confirm.
  bool NeedsCandidates() const override { return true; }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    const std::string_view s = ctx.folded->text;
    size_t last_end = 0;
    for (const Candidate& c : ctx.candidates) {
      LexiconMatcher::Hit hit;
      if (!matcher_.Accept(c, s, 0, &hit)) continue;
      if (hit.from < last_end) continue;  // overlapping variant of a reported hit
      if (!context_.empty()) {
        auto [b, e] = whole_text_ ? std::pair<size_t, size_t>(0, s.size())
                                  : SentenceAround(s, hit.from, hit.to);
        bool found = false;
        for (const std::string& w : context_) found = found || ContainsWord(s, b, e, w);
        if (!found) continue;
      }
      Detection d;
      d.view = View::kFolded;
      d.start = hit.from;
      d.end = hit.to;
      d.type = type_;
      d.evidence = matcher_.entry(hit.entry);
      sink.Add(std::move(d));
      last_end = hit.to;
    }
    return ScanControl::kContinue;
  }

 private:
  const LexiconMatcher matcher_;
  const std::vector<std::string> context_;  // folded
  const bool whole_text_;                   // context anywhere, not only in the sentence
  const std::string type_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "phrases"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv& env) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown({"phrases", "files", "type", "context", "context_scope",
                                          "compounds", "min_compound_length"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> phrases,
                        CollectEntries(params, "phrases", "files", env));
    LP_ASSIGN_OR_RETURN(std::string type, params.GetString("type", "phrase"));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> context, params.GetStrings("context"));
    LP_ASSIGN_OR_RETURN(std::string scope, params.GetString("context_scope", "sentence"));
    if (scope != "sentence" && scope != "text") {
      return Status::InvalidArgument("context_scope must be \"sentence\" or \"text\", not '" +
                                     scope + "'");
    }
    LexiconMatcher::Options o;
    LP_ASSIGN_OR_RETURN(o.compounds, params.GetBool("compounds", false));
    LP_ASSIGN_OR_RETURN(int64_t min_compound, params.GetInt("min_compound_length", 6));
    if (min_compound < 1) return Status::InvalidArgument("min_compound_length must be >= 1");
    o.min_compound_length = static_cast<size_t>(min_compound);
    if (env.normalizer == nullptr) return Status::FailedPrecondition("phrases needs a normalizer");
    for (std::string& w : context) {
      bool star = !w.empty() && w.back() == '*';
      w = env.normalizer->Fold(star ? std::string_view(w).substr(0, w.size() - 1) : w);
      if (star) w.push_back('*');
    }
    LP_ASSIGN_OR_RETURN(LexiconMatcher m, LexiconMatcher::Build(phrases, env.normalizer, o));
    return std::unique_ptr<Detector>(
        new PhrasesDetector(std::move(m), std::move(context), scope == "text", std::move(type)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::phrases
