// `leitplanke eval offensive`: the offensive detector against the public
// data sets in ../shared/eval.
//
// Training data (GermEval 2018, Davidson et al.) are scored only by
// cross-validation (out-of-fold scores of the same training run as the
// shipped model, thresholds calibrated on those scores). Everything else is
// out-of-domain evaluation, never used for training or tuning:
// GermEval 2019/2021, the Würzburg re-annotation, OLID (English), and the
// false-alarm rates on real customer-care traffic (IBM agent replies,
// Deutsche Bahn feedback) and on our own neutral identity-term sentences.
//
// Metrics as each shared task defines them: GermEval 2018/2019 "macro-F" is
// the harmonic mean of macro precision and macro recall; OffensEval (OLID)
// and GermEval 2021 use the mean of the per-class F1.
#include "eval/offensive_eval.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "leitplanke/guard/policy.h"

#include "eval/eval.h"
#include "eval/jsonl.h"
#include "eval/labelled_jsonl.h"
#include "guard/detectors/offensive/train.h"
#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::offensive {
const DetectorFactory& Factory();
}  // namespace leitplanke::guard::detectors::offensive

namespace leitplanke::eval {

namespace {

namespace off = guard::detectors::offensive;
using guard::testing::DetectorHarness;

constexpr const char* kGermEval2018 = "germeval2018/germeval2018.train.jsonl";
constexpr const char* kDavidson = "davidson_hate_offensive/davidson.dev.jsonl";

struct Labelled {
  std::string text;
  int gold;  // 1 offensive, 0 not
};

Result<std::vector<nlohmann::json>> ReadJsonl(const std::string& path) {
  std::vector<nlohmann::json> out;
  Status s = ForEachJsonLine(path, [&out](const nlohmann::json& j, size_t) -> Status {
    if (!j.contains("text") || !j["text"].is_string()) {
      return Status::InvalidArgument("not a JSON object with a \"text\" string");
    }
    out.push_back(j);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

struct Runners {
  std::unique_ptr<DetectorHarness> classifier, lexicon, detector;
};

Result<Runners> MakeRunners() {
  LP_ASSIGN_OR_RETURN(guard::PolicySpec pack, guard::LoadEmbeddedPolicy("default"));
  guard::DetectorEnv env;
  env.read_file = pack.file_reader;
  Runners r;
  guard::DetectorParams cls;
  cls.Set("lexicon", std::vector<std::string>{});
  LP_ASSIGN_OR_RETURN(r.classifier, DetectorHarness::Make(off::Factory(), cls, env));
  guard::DetectorParams lex;
  lex.Set("classifier", false);
  LP_ASSIGN_OR_RETURN(r.lexicon, DetectorHarness::Make(off::Factory(), lex, env));
  LP_ASSIGN_OR_RETURN(r.detector, DetectorHarness::Make(off::Factory(), {}, env));
  return r;
}

enum class Kind { kMacroF, kMacroF1, kFalseAlarm };

OffensiveRow Score(Runners& run, const std::string& key, const std::string& dataset, Kind kind,
                   const std::vector<Labelled>& data) {
  off::Metrics m[3];
  for (const Labelled& x : data) {
    m[0].Add(!run.classifier->Run(x.text).empty(), x.gold == 1);
    m[1].Add(!run.lexicon->Run(x.text).empty(), x.gold == 1);
    m[2].Add(!run.detector->Run(x.text).empty(), x.gold == 1);
  }
  auto value = [&](const off::Metrics& mm) {
    switch (kind) {
      case Kind::kMacroF:
        return mm.MacroF();
      case Kind::kMacroF1:
        return mm.MacroF1();
      case Kind::kFalseAlarm:
        return mm.n == 0 ? 0.0 : double(mm.fp) / double(mm.n);
    }
    return 0.0;
  };
  OffensiveRow row;
  row.key = key;
  row.dataset = dataset;
  row.metric = kind == Kind::kMacroF    ? "macro-F (harmonic of macro P, R)"
               : kind == Kind::kMacroF1 ? "macro-F1"
                                        : "false-alarm rate";
  row.n = data.size();
  row.classifier = value(m[0]);
  row.lexicon = value(m[1]);
  row.detector = value(m[2]);
  return row;
}

std::string Num(double v, bool pct) {
  if (v < 0) return "–";
  char b[32];
  std::snprintf(b, sizeof(b), pct ? "%.2f %%" : "%.4f", pct ? v * 100 : v);
  return b;
}

}  // namespace

const OffensiveRow* OffensiveReport::Find(const std::string& key) const {
  for (const auto* v : {&cv, &rows}) {
    for (const OffensiveRow& r : *v) {
      if (r.key == key) return &r;
    }
  }
  return nullptr;
}

Result<OffensiveReport> ComputeOffensiveEval(const std::string& eval_dir,
                                             const std::string& identity_file) {
  OffensiveReport rep;
  const std::string dir = eval_dir + "/";
  // Cross-validation: the same data, order and options as the shipped model.
  LP_ASSIGN_OR_RETURN(std::vector<off::Example> ge18, eval::LoadLabelledJsonl(dir + kGermEval2018));
  LP_ASSIGN_OR_RETURN(std::vector<off::Example> dav, eval::LoadLabelledJsonl(dir + kDavidson));
  std::vector<off::Example> all = ge18;
  all.insert(all.end(), dav.begin(), dav.end());
  // The shipped training options: the command's defaults, with the lexicon
  // of the default pack as lexicon-hit features.
  off::TrainOptions options;
  {
    LP_ASSIGN_OR_RETURN(guard::PolicySpec pack, guard::LoadEmbeddedPolicy("default"));
    std::vector<off::LexTerm> terms;
    for (const char* f : {"lexicon/offensive_de.tsv", "lexicon/offensive_en.tsv"}) {
      LP_ASSIGN_OR_RETURN(std::string content, pack.file_reader(f));
      LP_ASSIGN_OR_RETURN(std::vector<off::LexTerm> t, off::ParseLexiconTerms(content, f));
      terms.insert(terms.end(), t.begin(), t.end());
    }
    options.features.lexicon = std::make_shared<const off::LexiconFeatures>(std::move(terms));
  }
  off::TrainReport tr;
  LP_ASSIGN_OR_RETURN(off::Model cv_model, off::Train(all, options, "", &tr));
  (void)cv_model;
  rep.thresholds_markdown = tr.Markdown();
  off::Metrics cv_ge, cv_dav;
  for (size_t i = 0; i < all.size(); ++i) {
    const off::Thresholds& t = tr.thresholds[static_cast<int>(all[i].lang)];
    (i < ge18.size() ? cv_ge : cv_dav).Add(tr.oof[i] >= t[off::kHold], all[i].label == 1);
  }
  auto cv_row = [](std::string key, std::string ds, std::string metric, const off::Metrics& m,
                   double v) {
    OffensiveRow r;
    r.key = std::move(key);
    r.dataset = std::move(ds);
    r.metric = std::move(metric);
    r.n = m.n;
    r.classifier = v;
    return r;
  };
  rep.cv.push_back(cv_row("germeval2018_cv.macro_f", "GermEval 2018 train (5-fold CV)",
                          "macro-F (harmonic of macro P, R)", cv_ge, cv_ge.MacroF()));
  rep.cv.push_back(cv_row("germeval2018_cv.macro_f1", "GermEval 2018 train (5-fold CV)", "macro-F1",
                          cv_ge, cv_ge.MacroF1()));
  rep.cv.push_back(cv_row("germeval2018_cv.accuracy", "GermEval 2018 train (5-fold CV)", "accuracy",
                          cv_ge, cv_ge.Accuracy()));
  rep.cv.push_back(cv_row("davidson_cv.macro_f1", "Davidson et al. (5-fold CV)", "macro-F1", cv_dav,
                          cv_dav.MacroF1()));

  LP_ASSIGN_OR_RETURN(Runners run, MakeRunners());
  auto load = [&](const char* file, auto gold) -> Result<std::vector<Labelled>> {
    LP_ASSIGN_OR_RETURN(std::vector<nlohmann::json> js, ReadJsonl(dir + file));
    std::vector<Labelled> out;
    for (const nlohmann::json& j : js) {
      int g = gold(j);
      if (g >= 0) out.push_back({j["text"].get<std::string>(), g});
    }
    return out;
  };
  auto str = [](const nlohmann::json& j, const char* k) {
    return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
  };

  LP_ASSIGN_OR_RETURN(auto olid, load("olid_offenseval2019/olid.train.jsonl", [&](const auto& j) {
                        return str(j, "subtask_a") == "OFF" ? 1 : 0;
                      }));
  rep.rows.push_back(
      Score(run, "olid.macro_f1", "OLID level A (en, train file)", Kind::kMacroF1, olid));
  LP_ASSIGN_OR_RETURN(
      auto ge19, load("germeval2019_task2/germeval2019_subtask12.dev.jsonl",
                      [&](const auto& j) { return str(j, "label_coarse") == "OFFENSE" ? 1 : 0; }));
  rep.rows.push_back(
      Score(run, "germeval2019.macro_f", "GermEval 2019 task 2 (de)", Kind::kMacroF, ge19));
  LP_ASSIGN_OR_RETURN(auto ge21,
                      load("germeval2021_toxic/germeval2021.train.jsonl", [&](const auto& j) {
                        return j.contains("toxic") && j["toxic"] == 1 ? 1 : 0;
                      }));
  rep.rows.push_back(Score(run, "germeval2021.macro_f1", "GermEval 2021 toxic (de, Facebook)",
                           Kind::kMacroF1, ge21));
  LP_ASSIGN_OR_RETURN(auto cophi,
                      load("german_hatespeech_cophi/german_hatespeech.dev.jsonl",
                           [&](const auto& j) { return str(j, "label") == "n" ? 0 : 1; }));
  rep.rows.push_back(Score(run, "cophi.macro_f1",
                           "German hate speech (Würzburg; problematic + hate vs neutral)",
                           Kind::kMacroF1, cophi));
  LP_ASSIGN_OR_RETURN(auto ibm,
                      load("ibm_twitter_customer_care/cdp_messages.dev.jsonl",
                           [&](const auto& j) { return str(j, "role") == "agent" ? 0 : -1; }));
  rep.rows.push_back(Score(run, "ibm_agent.false_alarm", "IBM customer care, agent replies (en)",
                           Kind::kFalseAlarm, ibm));
  LP_ASSIGN_OR_RETURN(auto db, load("germeval2017_db_feedback/germeval2017.dev.jsonl",
                                    [&](const auto&) { return 0; }));
  rep.rows.push_back(Score(run, "db.false_alarm",
                           "Deutsche Bahn feedback (de, all; customer texts)", Kind::kFalseAlarm,
                           db));
  LP_ASSIGN_OR_RETURN(
      auto db_tw, load("germeval2017_db_feedback/germeval2017.dev.jsonl",
                       [&](const auto& j) { return str(j, "source_type") == "twitter" ? 0 : -1; }));
  rep.rows.push_back(Score(run, "db_twitter.false_alarm",
                           "Deutsche Bahn feedback (de, tweets only)", Kind::kFalseAlarm, db_tw));
  if (!identity_file.empty()) {
    std::ifstream in(identity_file);
    if (in) {
      std::vector<Labelled> id;
      std::string line;
      while (std::getline(in, line)) {
        if (line.size() > 4 && line[0] != '#') id.push_back({line.substr(4), 0});
      }
      rep.rows.push_back(Score(run, "identity.false_alarm",
                               "Neutral identity-term sentences (de+en, own set)",
                               Kind::kFalseAlarm, id));
    }
  }
  return rep;
}

std::string OffensiveMarkdown(const OffensiveReport& r) {
  std::ostringstream s;
  s << "## Offensive language (R07)\n\n"
    << "Classifier: the shipped model (`models/offensive/model.bin`) at its per-language *hold* "
       "threshold; lexicon: `policies/default/lexicon/offensive_{de,en}.tsv`, all levels; "
       "detector: either of them (the default parameters).\n\n"
    << "### Cross-validation on the training data (GermEval 2018 + Davidson et al.)\n\n"
    << "| data set | metric | n | value |\n|---|---|---|---|\n";
  for (const OffensiveRow& x : r.cv) {
    s << "| " << x.dataset << " | " << x.metric << " | " << x.n << " | " << Num(x.classifier, false)
      << " |\n";
  }
  s << "\nCalibrated thresholds (out-of-fold, classes weighted to equal mass):\n\n"
    << r.thresholds_markdown
    << "\n### Out-of-domain data sets and false alarms (never used for training or tuning)\n\n"
    << "| data set | metric | n | classifier | lexicon | detector |\n|---|---|---|---|---|---|\n";
  for (const OffensiveRow& x : r.rows) {
    bool pct = x.metric == "false-alarm rate";
    s << "| " << x.dataset << " | " << x.metric << " | " << x.n << " | " << Num(x.classifier, pct)
      << " | " << Num(x.lexicon, pct) << " | " << Num(x.detector, pct) << " |\n";
  }
  s << "\n";
  return s.str();
}

int RunOffensiveEval(const EvalArgs& args) {
  std::string identity = "tests/data/offensive_identity_neutral.txt";
  if (const char* src = std::getenv("LP_SOURCE_DIR")) {
    identity = std::string(src) + "/" + identity;
  }
  Result<OffensiveReport> r = ComputeOffensiveEval(args.eval_dir, identity);
  if (!r.ok()) {
    std::cerr << "eval offensive: " << r.status().message() << "\n";
    return r.status().code() == StatusCode::kNotFound ||
                   r.status().code() == StatusCode::kInvalidArgument
               ? 65
               : 70;
  }
  std::ostream& out = args.out != nullptr ? *args.out : std::cout;
  out << OffensiveMarkdown(*r);
  return 0;
}

}  // namespace leitplanke::eval
