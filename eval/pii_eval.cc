// Placeholder until the pii evaluation lands in this file.
#include <iostream>

#include "eval/eval.h"

namespace leitplanke::eval {
int RunPiiEval(const EvalArgs&) {
  std::cerr << "eval pii: not implemented yet\n";
  return 70;
}
}  // namespace leitplanke::eval
