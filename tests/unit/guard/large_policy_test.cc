// A policy with 100,000 confidential terms compiles and finds them (slow).
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "leitplanke/guard/policy.h"

namespace leitplanke::guard {
namespace {

TEST(LargePolicyTest, HundredThousandTerms) {
  std::mt19937 rng(20261128);
  const char* syllables[] = {"ka",  "lo",  "mi",  "ne",  "ra",  "tu", "fel", "dor", "bin",
                             "wer", "sta", "gru", "plo", "xen", "vi", "zu",  "har", "mon"};
  auto word = [&](int n) {
    std::string w;
    for (int i = 0; i < n; ++i) w += syllables[rng() % std::size(syllables)];
    return w;
  };
  std::vector<std::string> terms;
  std::set<std::string> seen;
  while (terms.size() < 100000) {
    std::string t = word(2 + rng() % 3);
    if (rng() % 10 < 6) {
      t.push_back(' ');
      t.append(word(2 + rng() % 2));
    }
    t[0] = static_cast<char>(t[0] - 32);
    if (seen.insert(t).second) terms.push_back(t);
  }
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(AppendRuleParam(&*spec, "terms", "terms", terms).ok());
  auto policy = Policy::Compile(*spec);
  ASSERT_TRUE(policy.ok()) << policy.status();
  Checker checker(*policy);
  size_t found = 0;
  for (size_t i = 0; i < terms.size(); i += 997) {
    std::string text = "Neu bei uns: ";
    text.append(terms[i]).append(", bald mehr.");
    auto v = checker.Check(text);
    ASSERT_TRUE(v.ok());
    for (const Finding& f : v->findings) found += f.rule == "R03.terms";
  }
  EXPECT_GE(found, terms.size() / 997);
  auto clean = checker.Check("Danke für Ihre Nachricht, wir melden uns.");
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->action, Action::kAllow);
}

}  // namespace
}  // namespace leitplanke::guard
