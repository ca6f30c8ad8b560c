// Policy packs: the guideline as machine-checkable rules.
//
// A pack is a TOML file (format: docs/POLICY.md) that the loader turns into a
// PolicySpec; Policy::Compile() turns a spec into an immutable snapshot that
// checks texts. A reload compiles a new snapshot and swaps the shared_ptr;
// checks in flight keep the old one alive.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/detector.h"
#include "leitplanke/guard/types.h"

namespace leitplanke::guard {

// Reads a file for the loader. Paths are as written in the pack, resolved by
// the reader (relative to the pack's directory for disk packs).
using FileReader = std::function<Result<std::string>(std::string_view path)>;

struct SourceLocation {
  std::string file;
  uint32_t line = 0;             // 1-based; 0 = unknown
  uint32_t column = 0;           // 1-based
  std::string ToString() const;  // "file:line:column"
};

// A rule example that `leitplanke policy test` runs.
struct RuleExample {
  std::string text;
  bool violating = true;  // true: this rule must fire; false: it must not
  Audience audience = Audience::kPublic;
  std::string channel;
  SourceLocation location;
};

struct RuleSpec {
  std::string id;        // unique in the pack, e.g. "R01.iban"
  std::string detector;  // registered detector name
  DetectorParams params;
  std::string category;  // one of kCategories
  Severity severity = Severity::kMedium;
  std::string clause;                          // guideline clause, e.g. "R01"
  Action action = Action::kWarn;               // default action
  std::map<Audience, Action> audience_action;  // overrides per audience
  std::map<std::string, Action>
      channel_action;  // overrides per channel (strictest wins with audience)
  LocalizedText message;
  LocalizedText fix;
  bool redact = false;  // replace the span in Verdict::redacted
  bool enabled = true;
  // Findings whose excerpt folds to one of these are dropped.
  std::vector<std::string> allow;
  std::vector<RuleExample> examples;
  SourceLocation location;
};

struct PolicySpec {
  std::string id;
  std::string version;
  LocalizedText name;
  std::vector<RuleSpec> rules;
  size_t max_text_bytes = 1 << 20;  // texts above this are rejected
  SourceLocation location;
  // Reads company files named by rules (terms lists, models); set by the loader.
  FileReader file_reader;
};

// Appends `values` to the list parameter `key` of every enabled rule that uses
// `detector` (e.g. --terms adds to the "terms" rules, --internal-domain to the
// "links" rules). With `only_type`, rules whose `types` parameter is set but
// lacks that type are skipped. Error if no rule qualifies.
Status AppendRuleParam(PolicySpec* spec, std::string_view detector, std::string_view key,
                       const std::vector<std::string>& values, std::string_view only_type = {});

// Parses a pack. Errors carry file:line:column and the rule id.
Result<PolicySpec> ParsePolicy(std::string_view toml, std::string_view file_name,
                               const FileReader& reader);
// Loads a pack from disk; company files resolve relative to its directory.
Result<PolicySpec> LoadPolicyFile(const std::string& path);
// The default pack compiled into the binary (policies/default/).
Result<PolicySpec> LoadEmbeddedPolicy(std::string_view name = "default");
std::vector<std::string> EmbeddedPolicyNames();
// A file bundled under policies/ (e.g. "default/demo.jsonl").
Result<std::string> ReadEmbeddedFile(std::string_view path);

struct CheckOptions {
  Audience audience = Audience::kPublic;
  std::string channel;    // "" = unknown: channel rules that need one stay quiet
  Lang lang = Lang::kDe;  // language of messages and fixes
};

struct CompileOptions {
  // true: any rule that fails to build fails the compile (lint, tests).
  // false: such a rule is left out and every verdict carries a warning and at
  // least `degraded_action`, so a broken part never turns into a silent allow.
  bool strict = true;
  Action degraded_action = Action::kWarn;
  // Where compiled Hyperscan databases are kept between runs (keyed by a
  // hash of their patterns and the Hyperscan version); null = compile every
  // time. Not owned; must outlive Compile().
  class DatabaseCache* cache = nullptr;
};

// Storage for serialized pattern databases, supplied by the caller (the
// engine does no file I/O). Implementations must tolerate concurrent use
// from several processes; a corrupt or foreign entry is simply recompiled.
class DatabaseCache {
 public:
  virtual ~DatabaseCache() = default;
  // The bytes stored under `key`, or NotFound.
  virtual Result<std::string> Load(std::string_view key) = 0;
  // Best effort: failures only cost a recompile next time.
  virtual void Store(std::string_view key, std::string_view bytes) = 0;
};

struct PolicyStats {
  size_t rules = 0;
  size_t patterns = 0;
  uint64_t compile_us = 0;
  bool from_cache = false;
  size_t database_bytes = 0;
};

class Policy {
 public:
  static Result<std::shared_ptr<const Policy>> Compile(PolicySpec spec,
                                                       const CompileOptions& options = {});
  virtual ~Policy() = default;
  virtual const PolicySpec& spec() const = 0;
  virtual const PolicyStats& stats() const = 0;
  // Rules left out under non-strict compile, with the reason.
  virtual const std::vector<std::string>& degraded() const = 0;
};

// Checks texts against one policy snapshot. Owns per-thread scratch space:
// use one Checker per thread. Not thread-safe; cheap to create.
class Checker {
 public:
  explicit Checker(std::shared_ptr<const Policy> policy);
  ~Checker();
  Checker(const Checker&) = delete;
  Checker& operator=(const Checker&) = delete;

  // Errors: kResourceExhausted when the text exceeds the policy's limit.
  // Invalid UTF-8 is not an error: it is reported in Verdict::warnings with
  // its byte offset and the rest of the text is checked.
  Result<Verdict> Check(std::string_view text, const CheckOptions& options = {});

  const Policy& policy() const { return *policy_; }

 private:
  struct Impl;
  std::shared_ptr<const Policy> policy_;
  std::unique_ptr<Impl> impl_;
};

// Runs every example of every enabled rule: a "violation" example must make
// its rule fire, a "fine" example must not. Used by `policy test` and by the
// server before it activates an uploaded pack.
struct ExampleFailure {
  std::string rule;
  SourceLocation location;
  std::string text;
  bool expected_violation = true;
  std::string detail;  // what was found instead, or the check error
};
struct ExampleReport {
  size_t passed = 0;
  std::vector<ExampleFailure> failures;
};
ExampleReport TestPolicyExamples(std::shared_ptr<const Policy> policy);

}  // namespace leitplanke::guard
