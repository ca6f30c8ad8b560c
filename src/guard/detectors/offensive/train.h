// Training of the offensive-language model: data loading (JSONL), logistic
// regression by AdaGrad SGD with a fixed seed, k-fold cross-validation and
// threshold calibration on the out-of-fold scores.
//
// Reproducible: the same data (same order), options and seed give a
// byte-identical model file. No global state; not used on the hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "guard/detectors/offensive/model.h"

namespace leitplanke::guard::detectors::offensive {

inline FeatureConfig DefaultFeatures() {
  FeatureConfig f;
  f.hash_bits = 18;
  f.char_min = 4;
  f.char_max = 5;
  f.char_min_word = 4;
  f.word_bigrams = true;
  f.length_norm = true;
  f.neutral_identity = true;
  return f;
}

struct Example {
  std::string text;
  int label = 0;                       // 1 = offensive
  TextLang lang = TextLang::kUnknown;  // from a "lang" field, else guessed
};

// Reads labelled JSONL, one object per line with a "text" and a label in one of:
//   "label": 0/1, true/false, or a string ("OFFENSE", "OFF", "offensive",
//            "toxic", "1" are offensive; "OTHER", "NOT", "neither", "0" are not)
//   "label_coarse": "OFFENSE" | "OTHER"           (GermEval 2018/2019)
//   "class_name": "hate_speech" | "offensive_language" | "neither"  (Davidson et al.)
// and optionally "lang": "de" | "en". Errors name the file and line.

// Defaults: chosen by 5-fold cross-validation on the training data only
// (GermEval 2018 + Davidson et al.); see docs/MODEL_CARD_offensive.md.
struct TrainOptions {
  FeatureConfig features = DefaultFeatures();
  int epochs = 8;
  float learning_rate = 0.1f;  // AdaGrad base rate
  float l2 = 1e-6f;            // weight decay per update of a touched weight
  uint64_t seed = 2018;
  bool balance_classes = true;  // weight classes to equal mass per language
  int folds = 5;                // cross-validation folds for calibration (>= 2)
  // > 0: features scaled by their NB log-count ratio (smoothing alpha);
  // 0: plain logistic regression.
  float nb_alpha = 1.0f;
  float nb_mix = 1.0f;            // feature scale = mix * |ratio| + (1 - mix)
  float warn_recall = 0.90f;      // warn: highest score <= hold whose recall reaches this
  float block_precision = 0.90f;  // block: lowest score with this precision
};

// Binary-classification figures, offensive = positive class.
struct Metrics {
  size_t n = 0, tp = 0, fp = 0, tn = 0, fn = 0;
  double Precision() const;       // of the offensive class
  double Recall() const;          // of the offensive class
  double MacroPrecision() const;  // mean over both classes
  double MacroRecall() const;
  double MacroF() const;   // harmonic mean of macro P and macro R (GermEval 2018)
  double MacroF1() const;  // mean of the per-class F1 (OffensEval, GermEval 2021)
  double Accuracy() const;
  void Add(bool predicted, bool gold);
};

struct LangReport {
  TextLang lang;
  size_t examples = 0;
  Thresholds thresholds{};
  Metrics cv_at_hold;  // out-of-fold, at the hold threshold
};

struct TrainReport {
  std::vector<LangReport> langs;                   // de, en (those present in the data)
  std::vector<float> oof;                          // out-of-fold score per example, in input order
  std::array<Thresholds, kNumLangs> thresholds{};  // as stored in the model
  std::string Markdown() const;
};

// Reads the single-word terms of a lexicon file in the detector's TSV format
// (term<TAB>slur|insult|profanity|allow<TAB>word|prefix|suffix|infix[<TAB>note])
// for the lexicon-hit features; phrases are skipped. Errors name file and line.
Result<std::vector<LexTerm>> ParseLexiconTerms(std::string_view content, std::string_view name);

// Trains float weights on `examples[idx]` (all when idx is empty).
std::vector<float> TrainWeights(const std::vector<Example>& examples,
                                const std::vector<uint32_t>& idx, const TrainOptions& options);

// Cross-validates, calibrates thresholds per language, then trains the final
// model on all examples. `meta` (provenance text) is stored in the model.
Result<Model> Train(const std::vector<Example>& examples, const TrainOptions& options,
                    const std::string& meta, TrainReport* report);

}  // namespace leitplanke::guard::detectors::offensive
