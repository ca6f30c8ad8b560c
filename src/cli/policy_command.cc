// `leitplanke policy lint|test|rules`: the compliance officer's tools.
//
//   lint   parses and compiles the pack strictly; a broken pack is reported
//          with file:line:column and the rule id (exit 78).
//   test   runs every rule's examples: a "violation" example must make that
//          rule fire, a "pass" example must not (exit 1 on a failure).
//   rules  lists the rules with detector, category and actions.
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/policy_source.h"

namespace leitplanke::cli {

namespace {

int RunLint(const PolicyFlags& flags) {
  auto policy = LoadPolicy(flags, /*strict=*/true);
  if (!policy.ok()) {
    std::cerr << "error: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  const guard::PolicySpec& spec = (*policy)->spec();
  const guard::PolicyStats& st = (*policy)->stats();
  size_t examples = 0;
  for (const auto& r : spec.rules) examples += r.examples.size();
  std::cout << "ok: policy " << spec.id << " " << spec.version << ": " << st.rules << " rules, "
            << st.patterns << " patterns, " << examples << " examples, compiled in "
            << st.compile_us / 1000.0 << " ms (" << st.database_bytes / 1024 << " KiB"
            << (st.from_cache ? ", databases from cache" : "") << ")\n";
  return 0;
}

int RunTest(const PolicyFlags& flags) {
  auto policy = LoadPolicy(flags, /*strict=*/true);
  if (!policy.ok()) {
    std::cerr << "error: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  guard::ExampleReport report = guard::TestPolicyExamples(*policy);
  for (const guard::ExampleFailure& f : report.failures) {
    std::cout << f.location.ToString() << ": FAIL rule " << f.rule << ": expected "
              << (f.expected_violation ? "a violation" : "no finding") << " for: " << f.text
              << "\n";
    if (!f.detail.empty()) std::cout << "    " << f.detail << "\n";
  }
  const size_t passed = report.passed, failed = report.failures.size();
  std::cout << passed << " examples passed, " << failed << " failed\n";
  return failed == 0 ? 0 : 1;
}

int RunRules(const PolicyFlags& flags) {
  auto spec = LoadPolicySpec(flags);
  if (!spec.ok()) {
    std::cerr << "error: " << spec.status().message() << "\n";
    return kExitConfig;
  }
  std::cout << spec->id << " " << spec->version << "\n";
  for (const guard::RuleSpec& r : spec->rules) {
    std::cout << (r.enabled ? "  " : "  (off) ") << r.id << "  " << r.detector << "  " << r.category
              << "  " << guard::ActionName(r.action);
    for (const auto& [aud, act] : r.audience_action) {
      std::cout << "  " << guard::AudienceName(aud) << "=" << guard::ActionName(act);
    }
    for (const auto& [ch, act] : r.channel_action) {
      std::cout << "  " << ch << "=" << guard::ActionName(act);
    }
    std::cout << "  (" << r.clause << ", " << r.examples.size() << " examples)\n";
  }
  return 0;
}

}  // namespace

void AddPolicyCommand(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("policy", "Lint, test and list policy packs");
  cmd->require_subcommand(1);
  auto flags = std::make_shared<PolicyFlags>();

  CLI::App* lint = cmd->add_subcommand("lint", "Check that a pack parses and compiles");
  flags->AddTo(*lint);
  lint->callback([flags, &exit_code] { exit_code = RunLint(*flags); });

  CLI::App* test = cmd->add_subcommand("test", "Run every rule's examples");
  flags->AddTo(*test);
  test->callback([flags, &exit_code] { exit_code = RunTest(*flags); });

  CLI::App* rules = cmd->add_subcommand("rules", "List the rules of a pack");
  flags->AddTo(*rules);
  rules->callback([flags, &exit_code] { exit_code = RunRules(*flags); });
}

}  // namespace leitplanke::cli
