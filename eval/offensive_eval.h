// The offensive evaluation as data: `leitplanke eval offensive` prints it as
// Markdown, the quality test (tests/unit/guard/detectors/
// offensive_quality_test.cc, label slow) asserts on it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::eval {

// One table row: a data set, a metric and its value for each way of running
// the detector (a negative value = not measured).
struct OffensiveRow {
  std::string key;  // stable id for tests, e.g. "olid.macro_f1"
  std::string dataset;
  std::string metric;
  size_t n = 0;
  double classifier = -1;  // classifier alone at its hold threshold
  double lexicon = -1;     // lexicon alone, all levels
  double detector = -1;    // lexicon or classifier (the default detector)
};

struct OffensiveReport {
  std::vector<OffensiveRow> cv;     // cross-validation on the training data
  std::vector<OffensiveRow> rows;   // out-of-domain sets and false-alarm rates
  std::string thresholds_markdown;  // calibrated thresholds per language
  const OffensiveRow* Find(const std::string& key) const;
};

// Runs everything: cross-validation with the default training options (as
// for the shipped model), then the shipped detector on every evaluation
// set. `identity_file` is tests/data/offensive_identity_neutral.txt (row
// skipped when empty or missing). Errors name the missing or bad file.
Result<OffensiveReport> ComputeOffensiveEval(const std::string& eval_dir,
                                             const std::string& identity_file);

std::string OffensiveMarkdown(const OffensiveReport& r);

}  // namespace leitplanke::eval
