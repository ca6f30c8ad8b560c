// Detector "regex": a company's own patterns (ticket and document ids,
// internal project numbers, R03), given in the policy pack.
//
// Patterns are user input. Each is checked with RE2 at Create() (syntax,
// program size) and compiled by Hyperscan with the rest of the policy, which
// rejects what it cannot run in bounded time and space (back-references,
// look-arounds, huge bounded repeats, patterns that match the empty string);
// either error names the rule, so `policy lint` points at it.
//
// Robustness: matching is Hyperscan's (linear time, no backtracking); Scan()
// only forwards hits.
#include <algorithm>

#include <re2/re2.h>

#include "leitplanke/guard/detector.h"

namespace leitplanke::guard::detectors::regex {

namespace {

class RegexDetector final : public Detector {
 public:
  RegexDetector(std::vector<std::string> patterns, std::string type, View view, uint32_t flags)
      : patterns_(std::move(patterns)), type_(std::move(type)), view_(view), flags_(flags) {}

  std::vector<PatternSpec> Patterns() const override {
    std::vector<PatternSpec> out;
    for (uint32_t i = 0; i < patterns_.size(); ++i) {
      out.push_back({patterns_[i], flags_ | kPatSom, view_, i});
    }
    return out;
  }

  // Reports only what its candidates confirm.
  bool NeedsCandidates() const override { return true; }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    // Hyperscan reports every end of a match; merge overlapping reports into
    // one span per match (candidates arrive ordered by end).
    Detection d;
    bool open = false;
    for (const Candidate& c : ctx.candidates) {
      if (open && c.from < d.end) {
        d.start = std::min<size_t>(d.start, c.from);
        d.end = c.to;
        continue;
      }
      if (open) sink.Add(std::move(d));
      d = Detection();
      d.view = view_;
      d.start = c.from;
      d.end = c.to;
      d.type = type_;
      d.evidence = patterns_[c.id];
      open = true;
    }
    if (open) sink.Add(std::move(d));
    return ScanControl::kContinue;
  }

 private:
  const std::vector<std::string> patterns_;
  const std::string type_;
  const View view_;
  const uint32_t flags_;
};

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "regex"; }
  std::string_view version() const override { return "1"; }
  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv&) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown({"patterns", "type", "view", "caseless", "unicode"}));
    LP_ASSIGN_OR_RETURN(std::vector<std::string> patterns, params.GetStrings("patterns"));
    if (patterns.empty()) return Status::InvalidArgument("'patterns' must list at least one regex");
    LP_ASSIGN_OR_RETURN(std::string type, params.GetString("type", "pattern"));
    LP_ASSIGN_OR_RETURN(std::string view_name, params.GetString("view", "raw"));
    LP_ASSIGN_OR_RETURN(bool caseless, params.GetBool("caseless", false));
    // Unicode classes (UTF-8 + UCP) cost speed and forbid \\b; off by default.
    LP_ASSIGN_OR_RETURN(bool unicode, params.GetBool("unicode", false));
    View view;
    if (view_name == "raw") {
      view = View::kRaw;
    } else if (view_name == "folded") {
      view = View::kFolded;
    } else {
      return Status::InvalidArgument("view must be \"raw\" or \"folded\", not '" + view_name + "'");
    }
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(8 << 20);
    for (size_t i = 0; i < patterns.size(); ++i) {
      RE2 re(patterns[i], o);
      if (!re.ok()) {
        return Status::InvalidArgument("patterns[" + std::to_string(i) + "] '" + patterns[i] +
                                       "': " + re.error());
      }
    }
    return std::unique_ptr<Detector>(new RegexDetector(
        std::move(patterns), std::move(type), view,
        (unicode ? uint32_t{kPatUtf8} : 0u) | (caseless ? uint32_t{kPatCaseless} : 0u)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::regex
