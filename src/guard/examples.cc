// Rule examples as tests: the pack documents each rule with texts that must
// and must not trigger it, and this runs them.
#include "leitplanke/guard/policy.h"

namespace leitplanke::guard {

ExampleReport TestPolicyExamples(std::shared_ptr<const Policy> policy) {
  ExampleReport report;
  Checker checker(policy);
  for (const RuleSpec& rule : policy->spec().rules) {
    if (!rule.enabled) continue;
    for (const RuleExample& ex : rule.examples) {
      CheckOptions o;
      o.audience = ex.audience;
      o.channel = ex.channel;
      Result<Verdict> v = checker.Check(ex.text, o);
      ExampleFailure failure{rule.id, ex.location, ex.text, ex.violating, ""};
      if (!v.ok()) {
        failure.detail = v.status().message();
        report.failures.push_back(std::move(failure));
        continue;
      }
      bool fired = false;
      for (const Finding& f : v->findings) fired = fired || f.rule == rule.id;
      if (fired == ex.violating) {
        ++report.passed;
        continue;
      }
      for (const Finding& f : v->findings) {
        failure.detail += (failure.detail.empty() ? "found " : "; ") + f.rule + " " + f.type +
                          " \"" + f.excerpt + "\"";
      }
      report.failures.push_back(std::move(failure));
    }
  }
  return report;
}

}  // namespace leitplanke::guard
