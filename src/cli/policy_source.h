// Picks the policy pack for a command: --policy (a pack file, a directory
// holding pack.toml, or the name of an embedded pack; default "default"),
// plus --terms files and --internal-domain values merged into the pack.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/policy.h"

namespace CLI {
class App;
}

namespace leitplanke::cli {

struct PolicyFlags {
  std::string policy;
  std::vector<std::string> terms_files;
  std::vector<std::string> internal_domains;
  std::string cache_dir = "auto";  // "auto": DiskDatabaseCache::DefaultDir(); "none": off

  // Registers --policy, --terms, --internal-domain, --cache-dir on `cmd`.
  void AddTo(CLI::App& cmd);
};

Result<guard::PolicySpec> LoadPolicySpec(const PolicyFlags& flags);

// LoadPolicySpec + compile. Strict: a broken rule is an error.
Result<std::shared_ptr<const guard::Policy>> LoadPolicy(const PolicyFlags& flags, bool strict);

// Reads a whole file ("-" = stdin).
Result<std::string> ReadInputFile(const std::string& path);

}  // namespace leitplanke::cli
