// PolicyService: the server's policy packs — upload, validate, version,
// activate, roll back — and the compiled snapshot every check runs against.
//
// Packs are stored as versions in the Store (all files of a pack in one
// archive). Activation compiles the version first and swaps the snapshot
// atomically afterwards: requests in flight finish on the snapshot they
// started with, later ones use the new one, none is dropped. Other instances
// pick the change up with Refresh(), which the server calls periodically.
//
// Thread-safety: all methods may be called from any thread. Check() keeps one
// guard::Checker per thread and snapshot.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/policy.h"
#include "leitplanke/store/store.h"

namespace leitplanke::server {

// The files of a pack: "pack.toml" plus the company files it names
// (e.g. "company/terms.txt"), path → content.
using PackFiles = std::map<std::string, std::string>;

// One problem found while validating an upload.
struct PolicyProblem {
  std::string file;
  uint32_t line = 0;
  uint32_t column = 0;
  std::string rule;
  std::string message;
};

struct ValidationReport {
  bool ok = false;
  std::vector<PolicyProblem> problems;
  size_t rules = 0;
  size_t examples_passed = 0;
  uint64_t compile_us = 0;
};

class PolicyService {
 public:
  // `name` is the pack the check endpoint uses by default. `cache` (may be
  // null, not owned) keeps compiled pattern databases between restarts.
  PolicyService(store::Store& store, std::string name, guard::DatabaseCache* cache);

  // Loads and compiles the active stored version of the default pack, or the
  // embedded pack of that name when none is stored yet.
  Status Start();

  // The compiled snapshot for `name` ("" = default pack): its active version,
  // or "name@N" for version N. Compiled versions are kept in a small cache.
  Result<std::shared_ptr<const guard::Policy>> Get(const std::string& name = "");
  // Like Get() without touching the store (for the inline check route): the
  // loaded policy, the error of the last load of that name, or Unavailable
  // when it was never loaded (call Get() off the I/O thread, then retry).
  Result<std::shared_ptr<const guard::Policy>> GetCached(const std::string& name) const;
  // Checks with the calling thread's checker for the default snapshot.
  Result<guard::Verdict> Check(std::string_view text, const guard::CheckOptions& options);

  // Parses, compiles strictly and runs the rule examples; never stores.
  ValidationReport Validate(const PackFiles& files) const;
  // Validates and stores a new version (not yet active). A pack that fails
  // validation is refused with FailedPrecondition and the report.
  Result<store::PolicyVersion> Upload(const std::string& name, const PackFiles& files,
                                      const std::string& comment, const std::string& actor,
                                      ValidationReport* report);
  // Compiles version `id` and makes it the active version of its pack.
  Result<store::PolicyVersion> Activate(int64_t id);
  // Activates the version before the active one of `name`.
  Result<store::PolicyVersion> Rollback(const std::string& name);
  // Re-reads the active version of the default pack from the store and swaps
  // if another instance changed it. Returns true when it swapped.
  Result<bool> Refresh();

  // Information on the default snapshot, for /readyz and metrics.
  struct Active {
    std::string name;
    int32_t version = 0;  // 0 = the embedded pack
    std::string sha256;
    uint64_t generation = 0;
  };
  Active active() const;

  static std::string EncodeFiles(const PackFiles& files);
  static Result<PackFiles> DecodeFiles(std::string_view archive);

 private:
  Result<std::shared_ptr<const guard::Policy>> Load(const std::string& name);
  Result<std::shared_ptr<const guard::Policy>> Compile(const PackFiles& files,
                                                       std::string_view origin) const;
  Result<std::shared_ptr<const guard::Policy>> CompileVersion(const store::PolicyVersion& v);
  void Swap(std::shared_ptr<const guard::Policy> policy, Active info);

  store::Store& store_;
  const std::string name_;
  guard::DatabaseCache* cache_;

  mutable std::mutex mu_;
  std::shared_ptr<const guard::Policy> current_;
  Active active_;
  std::atomic<uint64_t> generation_{0};
  // Compiled versions by id, and by the name they were asked for (bounded;
  // names without a version are dropped whenever an activation happens).
  std::map<int64_t, std::shared_ptr<const guard::Policy>> compiled_;
  std::map<std::string, std::shared_ptr<const guard::Policy>> by_name_;
  std::map<std::string, Status> failed_;  // names whose last load failed
};

}  // namespace leitplanke::server
