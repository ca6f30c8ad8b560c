// Fuzz target for the policy pack loader: arbitrary bytes as pack.toml.
// Parsing must never crash or throw; a pack that parses is compiled strictly
// (small packs only, to keep the fuzzer fast) and, when it compiles, one text
// is checked. Any crash or sanitizer report is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "leitplanke/guard/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace leitplanke;
  if (size > 65536) return 0;  // bigger packs add nothing but time
  const std::string_view toml(reinterpret_cast<const char*>(data), size);
  auto reader = [](std::string_view path) -> Result<std::string> {
    if (path == "terms.txt") return std::string("Projekt Falke\nNordlicht\n");
    return Status::NotFound(std::string(path));
  };
  auto spec = guard::ParsePolicy(toml, "fuzz.toml", reader);
  if (!spec.ok()) return 0;
  if (spec->rules.size() > 8) return 0;
  auto policy = guard::Policy::Compile(*spec);
  if (!policy.ok()) return 0;
  guard::Checker checker(*policy);
  auto v = checker.Check("Projekt Falke, IBAN DE89 3704 0044 0532 0130 00, DAS!!!");
  (void)v;
  return 0;
}
