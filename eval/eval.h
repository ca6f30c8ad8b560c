// Quality evaluation on the public data sets in ../shared/eval.
//
// Each area prints a Markdown section (tables of precision, recall, F1 or
// false-alarm rates) to `out`; `leitplanke eval all` concatenates them into
// docs/QUALITY.md. The data sets are read in place, never copied.
#pragma once

#include <memory>
#include <ostream>
#include <string>

namespace leitplanke::guard {
class Policy;
}

namespace leitplanke::eval {

struct EvalArgs {
  std::string eval_dir;  // ../shared/eval
  std::ostream* out = nullptr;
  bool verbose = false;  // also list every miss and false alarm
  // The compiled default policy (for areas that judge whole verdicts).
  std::shared_ptr<const guard::Policy> policy;
};

// Each returns 0 on success, 65 when a data file is missing or malformed
// (the message on stderr names the file and line).
int RunPiiEval(const EvalArgs& args);
int RunSecretsEval(const EvalArgs& args);
int RunOffensiveEval(const EvalArgs& args);
int RunTrafficEval(const EvalArgs& args);      // false alarms on real customer care
int RunObfuscationEval(const EvalArgs& args);  // terms under every obfuscation

}  // namespace leitplanke::eval
