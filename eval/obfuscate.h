// Generated obfuscations of a term, for the "found under every obfuscation"
// measurement (eval area `obfuscation` and tests/unit/guard/engine_test.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace leitplanke::eval {

struct Obfuscation {
  const char* name;
  // Returns the obfuscated spelling of `term`, or "" when the trick does not
  // apply to it (e.g. umlaut spelling for a term without umlauts).
  std::string (*apply)(std::string_view term);
};

// Every obfuscation the normaliser promises to undo.
const std::vector<Obfuscation>& AllObfuscations();

}  // namespace leitplanke::eval
