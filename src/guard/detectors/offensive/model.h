// The offensive-language model: a logistic regression over hashed features
// (features.h), stored as quantised 16-bit weights, with calibrated score
// thresholds per language.
//
// File format (little-endian), see README.md:
//   "LPOFFNS1" | u32 format=3 | u32 hash_bits | u8 char_min | u8 char_max |
//   u8 word_bigrams | u8 flags (bit 0: length_norm,
//   bit 1: neutral_identity, bit 2: lexicon features) | f32 scale | f32 thresholds[3 langs][3
//   levels] | u32 meta_len | meta (UTF-8 text, training provenance) | u8 char_min_word | u32
//   lex_count | lex_count x (u8 level | u8 mode | u8 len | term bytes) | i16 weights[2^hash_bits] |
//   u32 FNV-1a checksum of all preceding bytes.
//
// Thread-safety: a Model is immutable after Parse(); Score()/Explain() are
// const and use only caller-provided buffers.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "guard/detectors/offensive/features.h"

namespace leitplanke::guard::detectors::offensive {

// Score levels, in increasing strictness.
enum Level : int { kWarn = 0, kHold = 1, kBlock = 2 };
using Thresholds = std::array<float, 3>;  // warn <= hold <= block, each in (0, 1]

// Per-call buffers; reuse across calls to avoid allocation. Score() keeps
// the tokens and the language; the features are only materialised by
// Explain(), which is called for the few texts that are reported.
struct ScoreScratch {
  TokenBuffer tokens;
  TextLang lang = TextLang::kUnknown;
  size_t num_features = 0;
};

// A token that pushed the score up, for the explanation.
struct Driver {
  uint32_t raw_start;
  uint32_t raw_end;
  float weight;      // summed logit contribution of the token's features
  std::string text;  // folded token
};

struct ScoreResult {
  float score = 0;  // probability of "offensive"
  TextLang lang = TextLang::kUnknown;
};

class Model {
 public:
  // Parses a model file. `name` is used in errors ("<name>: bad magic ...").
  static Result<Model> Parse(std::string_view bytes, std::string_view name);
  std::string Serialize() const;

  // Builds a model from float weights (training); quantises to 16 bits.
  static Model FromWeights(const FeatureConfig& config, const std::vector<float>& weights,
                           const std::array<Thresholds, kNumLangs>& thresholds, std::string meta);

  ScoreResult Score(std::string_view text, ScoreScratch* scratch) const;
  // For the text of the last Score() on `scratch`: the tokens with the
  // largest positive contribution, strongest first (at most `max`).
  std::vector<Driver> Explain(const ScoreScratch& scratch, size_t max) const;

  const FeatureConfig& config() const { return config_; }
  const Thresholds& thresholds(TextLang l) const { return thresholds_[static_cast<int>(l)]; }
  const std::string& meta() const { return meta_; }
  float Weight(uint32_t bucket) const { return weights_[bucket] * scale_; }
  // Logit factor for a text with n features (1 unless length_norm).
  float Norm(size_t n) const;

 private:
  FeatureConfig config_;
  float scale_ = 1;
  std::array<Thresholds, kNumLangs> thresholds_{};
  std::string meta_;
  std::vector<int16_t> weights_;
};

// Checks warn <= hold <= block and each in (0, 1]; error names `what`.
Status ValidateThresholds(const Thresholds& t, std::string_view what);

}  // namespace leitplanke::guard::detectors::offensive
