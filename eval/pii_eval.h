// The pii evaluation as data: `leitplanke eval pii` prints it, the quality
// gate test (tests/unit/guard/detectors/pii_eval_test.cc) asserts on it.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::eval {

struct PiiCounts {
  int tp = 0, fp = 0, fn = 0;
  int exact = 0;  // TPs whose detection has exactly the labelled boundaries
  double Precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double Recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
  double F1() const {
    double p = Precision(), r = Recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
  }
  void Add(const PiiCounts& o) {
    tp += o.tp;
    fp += o.fp;
    fn += o.fn;
    exact += o.exact;
  }
};

struct PiiDataset {
  std::string name;  // file name relative to the eval dir
  // By Presidio entity type: as Presidio labels it, and under our guideline
  // (after the recorded deviations).
  std::map<std::string, PiiCounts> presidio;
  std::map<std::string, PiiCounts> ours;
  std::map<std::string, int> unsupported;  // entity type -> labelled spans/cases not scored
  std::vector<std::string> misses;         // "id type 'value'" (our guideline)
  std::vector<std::string> false_alarms;
  PiiCounts PresidioTotal() const;
  PiiCounts OursTotal() const;
};

struct PiiChecksum {
  int agree = 0, disagree = 0;             // vs. Presidio's expected_valid
  int agree_ours = 0, disagree_ours = 0;   // after deviations
  std::vector<std::string> disagreements;  // (our guideline)
};

struct PiiEvalResult {
  std::vector<PiiDataset> datasets;
  std::map<std::string, PiiChecksum> checksum;  // by Presidio entity type
  std::vector<std::string> deviations;          // "id: decision - reason"
  std::vector<std::string> regions;             // phone regions the detector ran with
};

// Runs the pii detector over both Presidio sets in `eval_dir`. Errors (code
// kNotFound / kInvalidArgument) name the file and line.
Result<PiiEvalResult> ComputePiiEval(const std::string& eval_dir);

}  // namespace leitplanke::eval
