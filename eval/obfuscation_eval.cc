// Confidential terms under every obfuscation the normaliser undoes: each
// term of the default pack's company list, spelled every way in
// eval/obfuscate.cc, inside a sentence; the R03.terms rule must find it.
#include <iostream>
#include <sstream>

#include "leitplanke/guard/policy.h"

#include "eval/eval.h"
#include "eval/obfuscate.h"

namespace leitplanke::eval {

int RunObfuscationEval(const EvalArgs& args) {
  std::ostream& out = *args.out;
  auto terms_file = guard::ReadEmbeddedFile("default/company/terms.txt");
  if (!terms_file.ok()) {
    std::cerr << "eval obfuscation: " << terms_file.status().message() << "\n";
    return 65;
  }
  std::vector<std::string> terms;
  std::istringstream lines(*terms_file);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    terms.push_back(line.substr(0, line.find('\t')));
  }
  guard::Checker checker(args.policy);
  out << "## Confidential terms under obfuscation\n\n"
      << "Each term of `policies/default/company/terms.txt` (" << terms.size()
      << " terms), obfuscated and embedded in \"Bald kommt … – freut euch!\"; found = rule\n"
      << "R03.terms reports a span on the obfuscated term.\n\n"
      << "| obfuscation | example | found |\n|---|---|---:|\n";
  size_t total = 0, found_total = 0;
  for (const Obfuscation& ob : AllObfuscations()) {
    size_t n = 0, found = 0;
    std::string example;
    for (const std::string& term : terms) {
      std::string variant = ob.apply(term);
      if (variant.empty()) continue;
      const std::string prefix = "Bald kommt ";
      std::string text = prefix + variant + " – freut euch!";
      ++n;
      if (example.empty()) example = variant;
      auto v = checker.Check(text);
      bool hit = false;
      if (v.ok()) {
        for (const guard::Finding& f : v->findings) {
          hit = hit || (f.rule == "R03.terms" && f.start < prefix.size() + variant.size() &&
                        f.end > prefix.size());
        }
      }
      found += hit;
      if (!hit && args.verbose) out << "<!-- missed: " << text << " -->\n";
    }
    total += n;
    found_total += found;
    std::string shown;
    for (char c : example) shown += (c == '|') ? std::string("\\|") : std::string(1, c);
    out << "| " << ob.name << " | `" << shown << "` | " << found << "/" << n << " |\n";
  }
  out << "| **all** | | **" << found_total << "/" << total << "** |\n";
  return 0;
}

}  // namespace leitplanke::eval
