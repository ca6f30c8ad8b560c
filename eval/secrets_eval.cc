// Placeholder until the secrets evaluation lands in this file.
#include <iostream>

#include "eval/eval.h"

namespace leitplanke::eval {
int RunSecretsEval(const EvalArgs&) {
  std::cerr << "eval secrets: not implemented yet\n";
  return 70;
}
}  // namespace leitplanke::eval
