// Placeholder until the offensive evaluation lands in this file.
#include <iostream>

#include "eval/eval.h"

namespace leitplanke::eval {
int RunOffensiveEval(const EvalArgs&) {
  std::cerr << "eval offensive: not implemented yet\n";
  return 70;
}
}  // namespace leitplanke::eval
