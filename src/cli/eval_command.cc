// `leitplanke eval`: precision, recall and false-alarm rates on the public
// data sets in ../shared/eval. `leitplanke eval all --out docs/QUALITY.md`
// regenerates the quality report.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/policy_source.h"
#include "eval/eval.h"

namespace leitplanke::cli {

namespace {

struct EvalCmdArgs {
  std::vector<std::string> areas;
  std::string eval_dir;
  std::string out;
  bool verbose = false;
};

int RunEval(const EvalCmdArgs& a) {
  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!a.out.empty()) {
    file.open(a.out);
    if (!file) {
      std::cerr << "eval: cannot write '" << a.out << "'\n";
      return kExitDataErr;
    }
    out = &file;
  }
  eval::EvalArgs args;
  args.eval_dir = a.eval_dir;
  if (args.eval_dir.empty()) {
    const char* env = std::getenv("LP_EVAL_DIR");
    args.eval_dir = env ? env : "../shared/eval";
  }
  args.out = out;
  args.verbose = a.verbose;
  auto policy = LoadPolicy(PolicyFlags{}, /*strict=*/false);
  if (!policy.ok()) {
    std::cerr << "eval: " << policy.status().message() << "\n";
    return kExitConfig;
  }
  args.policy = *policy;

  std::vector<std::string> areas = a.areas;
  const bool all = areas.empty() || (areas.size() == 1 && areas[0] == "all");
  if (all) {
    areas = {"pii", "secrets", "obfuscation", "offensive", "traffic"};
    *out << "# Quality\n\n"
         << "Measured on the public data sets in `../shared/eval` (read in place, never copied).\n"
         << "Regenerate this file with:\n\n"
         << "    make build && build/release/src/cli/leitplanke eval all --out docs/QUALITY.md\n\n"
         << "Policy: " << (*policy)->spec().id << " " << (*policy)->spec().version << ".\n\n";
  }
  int rc = 0;
  for (const std::string& area : areas) {
    int r;
    if (area == "pii") {
      r = eval::RunPiiEval(args);
    } else if (area == "secrets") {
      r = eval::RunSecretsEval(args);
    } else if (area == "offensive") {
      r = eval::RunOffensiveEval(args);
    } else if (area == "traffic") {
      r = eval::RunTrafficEval(args);
    } else if (area == "obfuscation") {
      r = eval::RunObfuscationEval(args);
    } else {
      std::cerr << "eval: unknown area '" << area
                << "' (pii, secrets, offensive, traffic, obfuscation, all)\n";
      return kExitUsage;
    }
    *out << "\n";
    rc = std::max(rc, r);
  }
  return rc;
}

}  // namespace

void AddEvalCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EvalCmdArgs>();
  CLI::App* cmd = app.add_subcommand("eval", "Measure quality on the public evaluation sets");
  cmd->add_option("area", args->areas, "pii, secrets, offensive, traffic, obfuscation or all");
  cmd->add_option("--eval-dir", args->eval_dir,
                  "Directory of the data sets (default: $LP_EVAL_DIR or ../shared/eval)");
  cmd->add_option("--out", args->out, "Write the Markdown report here instead of stdout");
  cmd->add_flag("-v,--verbose", args->verbose, "List every miss and false alarm");
  cmd->callback([args, &exit_code] { exit_code = RunEval(*args); });
}

}  // namespace leitplanke::cli
