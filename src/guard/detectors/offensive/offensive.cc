// Detector "offensive": slurs, insults and profanity from the lexicon, and
// offensive language without a listed word from the trained classifier.
//
// The lexicon reads the folded view, so obfuscated spellings ("A r s c h",
// "1d10t") match; the classifier reads the raw text with its own fixed
// folding (features.h), because a model must see the features it was trained
// on. Both report spans: the lexicon the matched word, the classifier the
// token that pushed the score up most, with the top drivers as evidence.
//
// Robustness: lexicon and model files are untrusted input and are fully
// validated in Create(); Scan() does no I/O, reads at most 4096 tokens and
// keeps its buffers in thread-local storage.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "leitplanke/guard/detector.h"

#include "guard/detectors/offensive/lexicon.h"
#include "guard/detectors/offensive/model.h"

extern "C" const char lp_offensive_model_begin[];
extern "C" const char lp_offensive_model_end[];

namespace leitplanke::guard::detectors::offensive {

namespace {

constexpr std::string_view kDefaultLexicons[] = {"lexicon/offensive_de.tsv",
                                                 "lexicon/offensive_en.tsv"};
constexpr std::string_view kLevelNames[] = {"warn", "hold", "block"};

Severity LexSeverity(LexLevel l) {
  switch (l) {
    case LexLevel::kSlur:
      return Severity::kCritical;
    case LexLevel::kInsult:
      return Severity::kHigh;
    default:
      return Severity::kMedium;
  }
}

Severity LevelSeverity(int level) {
  return level == kBlock  ? Severity::kCritical
         : level == kHold ? Severity::kHigh
                          : Severity::kMedium;
}

std::string Fixed2(double v) {
  char b[32];
  std::snprintf(b, sizeof(b), "%.2f", v);
  return b;
}

struct Config {
  bool report[3] = {true, true, true};  // indexed by LexLevel (profanity, insult, slur)
  std::unique_ptr<Lexicon> lexicon;
  std::unique_ptr<Model> model;  // null: classifier off
  int min_level = kHold;
  std::array<Thresholds, kNumLangs> thresholds{};
};

class OffensiveDetector final : public Detector {
 public:
  explicit OffensiveDetector(Config c) : c_(std::move(c)) {}

  std::vector<PatternSpec> Patterns() const override {
    return c_.lexicon ? c_.lexicon->Patterns() : std::vector<PatternSpec>{};
  }

  ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const override {
    if (c_.lexicon && !ctx.candidates.empty()) {
      thread_local std::vector<LexHit> hits;
      c_.lexicon->Confirm(ctx.folded->text, ctx.candidates, &hits);
      for (const LexHit& h : hits) {
        if (!c_.report[static_cast<int>(h.entry->level)]) continue;
        Detection d;
        d.view = View::kFolded;
        d.start = h.start;
        d.end = h.end;
        d.type = std::string(LexLevelName(h.entry->level));
        d.severity = LexSeverity(h.entry->level);
        d.score = 1.0;
        d.evidence = "lexicon " + h.entry->source + ": '" + h.entry->term + "'";
        if (!h.entry->note.empty()) d.evidence += " (" + h.entry->note + ")";
        sink.Add(std::move(d));
      }
    }
    if (c_.model) ScanClassifier(ctx, sink);
    return ScanControl::kContinue;
  }

 private:
  void ScanClassifier(const ScanContext& ctx, DetectionSink& sink) const {
    thread_local ScoreScratch scratch;
    ScoreResult r = c_.model->Score(ctx.raw, &scratch);
    const Thresholds& t = c_.thresholds[static_cast<int>(r.lang)];
    int level = -1;
    for (int k = kWarn; k <= kBlock; ++k) {
      if (r.score >= t[k]) level = k;
    }
    if (level < c_.min_level) return;
    Detection d;
    d.view = View::kRaw;
    d.type = "classifier";
    d.severity = LevelSeverity(level);
    d.score = r.score;
    std::vector<Driver> drivers = c_.model->Explain(scratch, 3);
    if (drivers.empty()) {
      d.start = 0;
      d.end = ctx.raw.size();
    } else {
      d.start = drivers[0].raw_start;
      d.end = drivers[0].raw_end;
    }
    std::string lang(TextLangName(r.lang));
    d.evidence = "score " + Fixed2(r.score) + " (" + (lang.empty() ? "lang ?" : lang) + ", " +
                 std::string(kLevelNames[level]) + " >= " + Fixed2(t[level]) + ")";
    if (!drivers.empty()) {
      d.evidence += "; drivers:";
      for (const Driver& dr : drivers) {
        d.evidence += " '" + dr.text + "' +" + Fixed2(dr.weight);
      }
    }
    sink.Add(std::move(d));
  }

  const Config c_;
};

Status ReadThreshold(const DetectorParams& p, const std::string& key, float* v) {
  if (!p.Has(key)) return Status::Ok();
  LP_ASSIGN_OR_RETURN(double d, p.GetDouble(key, *v));
  if (!(d > 0.0 && d <= 1.0)) return Status::InvalidArgument(key + ": must be in (0, 1]");
  *v = static_cast<float>(d);
  return Status::Ok();
}

class Factory final : public DetectorFactory {
 public:
  std::string_view name() const override { return "offensive"; }
  std::string_view version() const override { return "1"; }

  Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                           const DetectorEnv& env) const override {
    LP_RETURN_IF_ERROR(params.CheckKnown(
        {"levels", "lexicon", "classifier", "model", "classifier_level", "threshold_warn",
         "threshold_hold", "threshold_block", "threshold_warn_de", "threshold_hold_de",
         "threshold_block_de", "threshold_warn_en", "threshold_hold_en", "threshold_block_en"}));
    Config c;
    // levels
    if (params.Has("levels")) {
      LP_ASSIGN_OR_RETURN(std::vector<std::string> levels, params.GetStrings("levels"));
      for (bool& r : c.report) r = false;
      for (const std::string& l : levels) {
        std::optional<LexLevel> lv = ParseLexLevel(l);
        if (!lv || *lv == LexLevel::kAllow) {
          return Status::InvalidArgument("levels: unknown level '" + l +
                                         "' (slur, insult or profanity)");
        }
        c.report[static_cast<int>(*lv)] = true;
      }
    }
    // lexicon
    std::vector<std::string> files;
    if (params.Has("lexicon")) {
      LP_ASSIGN_OR_RETURN(files, params.GetStrings("lexicon"));
    } else {
      for (std::string_view f : kDefaultLexicons) files.emplace_back(f);
    }
    if (!files.empty()) {
      if (!env.read_file || env.normalizer == nullptr) {
        return Status::FailedPrecondition("lexicon: no file reader or normaliser available");
      }
      std::vector<LexEntry> entries;
      for (const std::string& f : files) {
        LP_ASSIGN_OR_RETURN(std::string content, env.read_file(f));
        LP_ASSIGN_OR_RETURN(std::vector<LexEntry> e, ParseLexicon(content, f, *env.normalizer));
        for (LexEntry& x : e) entries.push_back(std::move(x));
      }
      c.lexicon = std::make_unique<Lexicon>(std::move(entries));
    }
    // classifier
    LP_ASSIGN_OR_RETURN(bool use_classifier, params.GetBool("classifier", true));
    LP_ASSIGN_OR_RETURN(std::string model_path, params.GetString("model", ""));
    LP_ASSIGN_OR_RETURN(std::string min_level, params.GetString("classifier_level", "hold"));
    bool level_ok = false;
    for (int k = kWarn; k <= kBlock; ++k) {
      if (min_level == kLevelNames[k]) {
        c.min_level = k;
        level_ok = true;
      }
    }
    if (!level_ok) {
      return Status::InvalidArgument("classifier_level: unknown level '" + min_level +
                                     "' (warn, hold or block)");
    }
    if (use_classifier) {
      Result<Model> m = Status::Internal("unset");
      if (model_path.empty()) {
        m = Model::Parse(std::string_view(lp_offensive_model_begin,
                                          static_cast<size_t>(lp_offensive_model_end -
                                                              lp_offensive_model_begin)),
                         "embedded model models/offensive/model.bin");
      } else {
        if (!env.read_file) return Status::FailedPrecondition("model: no file reader available");
        Result<std::string> bytes = env.read_file(model_path);
        if (!bytes.ok()) {
          return Status::NotFound("model: cannot read '" + model_path +
                                  "': " + std::string(bytes.status().message()));
        }
        m = Model::Parse(*bytes, "model '" + model_path + "'");
      }
      if (!m.ok()) return m.status();
      c.model = std::make_unique<Model>(std::move(*m));
      for (int l = 0; l < kNumLangs; ++l) c.thresholds[l] = c.model->thresholds(TextLang(l));
      const char* suffix[kNumLangs] = {"", "_de", "_en"};
      for (int k = kWarn; k <= kBlock; ++k) {
        const std::string base = "threshold_" + std::string(kLevelNames[k]);
        for (int l = 0; l < kNumLangs; ++l) {
          LP_RETURN_IF_ERROR(ReadThreshold(params, base, &c.thresholds[l][k]));
        }
        for (int l = 1; l < kNumLangs; ++l) {
          LP_RETURN_IF_ERROR(ReadThreshold(params, base + suffix[l], &c.thresholds[l][k]));
        }
      }
      for (int l = 0; l < kNumLangs; ++l) {
        LP_RETURN_IF_ERROR(ValidateThresholds(
            c.thresholds[l], l == 0 ? std::string_view("thresholds")
                                    : (l == 1 ? std::string_view("thresholds (de)")
                                              : std::string_view("thresholds (en)"))));
      }
    }
    if (!c.lexicon && !c.model) {
      return Status::InvalidArgument("offensive: neither a lexicon nor the classifier is enabled");
    }
    return std::unique_ptr<Detector>(new OffensiveDetector(std::move(c)));
  }
};

}  // namespace

const DetectorFactory& Factory() {
  static const class Factory kFactory;
  return kFactory;
}

}  // namespace leitplanke::guard::detectors::offensive
