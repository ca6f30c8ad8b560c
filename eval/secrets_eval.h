// The secrets evaluation as data, for the quality-gate test and for
// RunSecretsEval() (which prints it as Markdown).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace leitplanke::eval::secrets {

struct Case {
  std::string id;
  std::string secret_type;
  bool should_match = false;
  bool claimed = false;        // a type this detector claims to support
  bool flagged = false;        // the detector reported anything
  std::string found_types;     // detection types, comma-separated
  std::string deviation;       // non-empty: the guideline deliberately differs (reason)
  bool generic_class = false;  // the deviation is the trufflehog generic keyed-value class
};

struct DatasetMetrics {
  std::string name;
  int positives = 0, positives_hit = 0;
  int claimed_positives = 0, claimed_hit = 0;
  int positive_deviations = 0;  // missed positives with a recorded reason
  int negatives = 0, negatives_flagged = 0;
  int negative_deviations = 0;       // flagged negatives with a recorded reason
  int generic_class_deviations = 0;  // flagged negatives of the generic keyed-value class
  // Recall over all positives, over the claimed types, and over the claimed
  // types after recorded deviations; flagged rate of negatives before/after.
  double recall_all = 0, recall_claimed = 0, recall_claimed_adjusted = 0;
  double flagged_rate = 0, flagged_rate_adjusted = 0, flagged_rate_adjusted_with_class = 0;
  std::vector<Case> cases;
};

struct Metrics {
  std::vector<DatasetMetrics> datasets;
};

// Reads the three data sets under `eval_dir` and runs the detector. Returns
// false with `error` naming file and line when data is missing or malformed.
bool ComputeSecretsEval(const std::string& eval_dir, Metrics* out, std::string* error);

}  // namespace leitplanke::eval::secrets
