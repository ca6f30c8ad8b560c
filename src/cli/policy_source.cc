#include "cli/policy_source.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <CLI/CLI.hpp>

#include "server/disk_cache.h"

namespace leitplanke::cli {

void PolicyFlags::AddTo(CLI::App& cmd) {
  cmd.add_option("--policy", policy,
                 "Policy pack: a pack.toml file, a directory with pack.toml, or an embedded pack "
                 "name (default: the embedded 'default')");
  cmd.add_option("--terms", terms_files,
                 "File of confidential terms (one per line) added to the pack's terms rules")
      ->check(CLI::ExistingFile)
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("--internal-domain", internal_domains,
                 "Internal domain added to the pack's link rules (repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("--cache-dir", cache_dir,
                 "Where compiled pattern databases are kept ('none' to always compile; default "
                 "$LEITPLANKE_CACHE_DIR, $XDG_CACHE_HOME/leitplanke or ~/.cache/leitplanke)");
}

Result<std::string> ReadInputFile(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open '" + path + "'");
  ss << in.rdbuf();
  if (in.bad()) return Status::DataLoss("error reading '" + path + "'");
  return ss.str();
}

Result<guard::PolicySpec> LoadPolicySpec(const PolicyFlags& flags) {
  namespace fs = std::filesystem;
  const std::string& p = flags.policy;
  Result<guard::PolicySpec> spec = Status::Internal("unset");
  std::error_code ec;
  if (p.empty()) {
    spec = guard::LoadEmbeddedPolicy("default");
  } else if (fs::is_directory(p, ec)) {
    spec = guard::LoadPolicyFile((fs::path(p) / "pack.toml").string());
  } else if (fs::exists(p, ec) || p.find('/') != std::string::npos || p.ends_with(".toml")) {
    spec = guard::LoadPolicyFile(p);
  } else {
    spec = guard::LoadEmbeddedPolicy(p);
  }
  if (!spec.ok()) return spec;

  if (!flags.terms_files.empty()) {
    std::vector<std::string> terms;
    for (const std::string& f : flags.terms_files) {
      LP_ASSIGN_OR_RETURN(std::string content, ReadInputFile(f));
      std::istringstream lines(content);
      std::string line;
      while (std::getline(lines, line)) {
        if (size_t tab = line.find('\t'); tab != std::string::npos) line.resize(tab);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        if (!line.empty() && line[0] != '#') terms.push_back(line);
      }
    }
    LP_RETURN_IF_ERROR(guard::AppendRuleParam(&*spec, "terms", "terms", terms));
  }
  if (!flags.internal_domains.empty()) {
    LP_RETURN_IF_ERROR(guard::AppendRuleParam(&*spec, "links", "internal_domains",
                                              flags.internal_domains, "internal_host"));
  }
  return spec;
}

Result<std::shared_ptr<const guard::Policy>> LoadPolicy(const PolicyFlags& flags, bool strict) {
  LP_ASSIGN_OR_RETURN(guard::PolicySpec spec, LoadPolicySpec(flags));
  guard::CompileOptions o;
  o.strict = strict;
  std::string dir =
      flags.cache_dir == "auto" ? server::DiskDatabaseCache::DefaultDir() : flags.cache_dir;
  std::optional<server::DiskDatabaseCache> cache;
  if (!dir.empty() && dir != "none") {
    cache.emplace(dir);
    o.cache = &*cache;
  }
  return guard::Policy::Compile(std::move(spec), o);
}

}  // namespace leitplanke::cli
