#include "server/policy_service.h"

#include <atomic>
#include <charconv>

#include <nlohmann/json.hpp>

#include "leitplanke/trust/tokens.h"

namespace leitplanke::server {
namespace {

constexpr size_t kMaxCompiledVersions = 8;
constexpr const char* kPackFile = "pack.toml";

// "file:line:column: message" (the loader's error format) → a problem.
PolicyProblem ProblemFromMessage(const std::string& message) {
  PolicyProblem p;
  p.message = message;
  size_t c1 = message.find(':');
  size_t c2 = c1 == std::string::npos ? c1 : message.find(':', c1 + 1);
  size_t c3 = c2 == std::string::npos ? c2 : message.find(':', c2 + 1);
  if (c3 == std::string::npos) return p;
  uint32_t line = 0, column = 0;
  auto parse = [](std::string_view s, uint32_t& out) {
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
  };
  if (!parse(std::string_view(message).substr(c1 + 1, c2 - c1 - 1), line) ||
      !parse(std::string_view(message).substr(c2 + 1, c3 - c2 - 1), column)) {
    return p;
  }
  p.file = message.substr(0, c1);
  p.line = line;
  p.column = column;
  p.message = message.substr(c3 + 1);
  while (!p.message.empty() && p.message.front() == ' ') p.message.erase(0, 1);
  if (size_t r = p.message.find("rule "); r != std::string::npos) {
    size_t end = p.message.find_first_of(" :", r + 5);
    p.rule = p.message.substr(r + 5, end == std::string::npos ? end : end - r - 5);
  }
  return p;
}

struct ThreadChecker {
  uint64_t generation = 0;
  std::unique_ptr<guard::Checker> checker;
};
thread_local ThreadChecker t_checker;

// Snapshot generations are unique across services, so a thread's checker
// can never be mistaken for one of another (or a destroyed) service.
std::atomic<uint64_t> g_generation{0};

}  // namespace

PolicyService::PolicyService(store::Store& store, std::string name, guard::DatabaseCache* cache)
    : store_(store), name_(std::move(name)), cache_(cache) {}

std::string PolicyService::EncodeFiles(const PackFiles& files) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [path, content] : files) j[path] = content;
  return j.dump();
}

Result<PackFiles> PolicyService::DecodeFiles(std::string_view archive) {
  nlohmann::json j = nlohmann::json::parse(archive, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::DataLoss("stored policy archive is not a JSON object");
  PackFiles files;
  for (const auto& [path, content] : j.items()) {
    if (!content.is_string()) {
      return Status::DataLoss("stored policy archive: '" + path + "' is not text");
    }
    files[path] = content.get<std::string>();
  }
  return files;
}

Result<std::shared_ptr<const guard::Policy>> PolicyService::Compile(const PackFiles& files,
                                                                    std::string_view origin) const {
  auto pack = files.find(kPackFile);
  if (pack == files.end()) {
    return Status::InvalidArgument(std::string(origin) + ": the pack has no pack.toml");
  }
  // Company files come from the upload; a file the upload lacks falls back
  // to the embedded default pack, so an edited copy of pack.toml alone works.
  guard::FileReader reader = [&files](std::string_view path) -> Result<std::string> {
    if (auto it = files.find(std::string(path)); it != files.end()) return it->second;
    Result<std::string> embedded = guard::ReadEmbeddedFile("default/" + std::string(path));
    if (embedded.ok()) return embedded;
    return Status::NotFound("the pack names '" + std::string(path) +
                            "', which is neither uploaded nor part of the default pack");
  };
  LP_ASSIGN_OR_RETURN(guard::PolicySpec spec, guard::ParsePolicy(pack->second, kPackFile, reader));
  guard::CompileOptions options;
  options.strict = true;
  options.cache = cache_;
  return guard::Policy::Compile(std::move(spec), options);
}

ValidationReport PolicyService::Validate(const PackFiles& files) const {
  ValidationReport report;
  Result<std::shared_ptr<const guard::Policy>> policy = Compile(files, "upload");
  if (!policy.ok()) {
    report.problems.push_back(ProblemFromMessage(policy.status().message()));
    return report;
  }
  report.rules = (*policy)->spec().rules.size();
  report.compile_us = (*policy)->stats().compile_us;
  guard::ExampleReport examples = guard::TestPolicyExamples(*policy);
  report.examples_passed = examples.passed;
  for (const guard::ExampleFailure& f : examples.failures) {
    PolicyProblem p;
    p.file = f.location.file;
    p.line = f.location.line;
    p.column = f.location.column;
    p.rule = f.rule;
    p.message = std::string("example expected ") +
                (f.expected_violation ? "a violation" : "no finding") + ": \"" + f.text + "\"" +
                (f.detail.empty() ? "" : " (" + f.detail + ")");
    report.problems.push_back(std::move(p));
  }
  report.ok = report.problems.empty();
  return report;
}

Result<store::PolicyVersion> PolicyService::Upload(const std::string& name, const PackFiles& files,
                                                   const std::string& comment,
                                                   const std::string& actor,
                                                   ValidationReport* report) {
  ValidationReport local = Validate(files);
  const bool ok = local.ok;
  const std::string first = ok ? "" : local.problems.front().message;
  if (report != nullptr) *report = std::move(local);
  if (!ok) return Status::FailedPrecondition("the pack does not validate: " + first);
  store::PolicyVersion v;
  v.name = name;
  v.files = EncodeFiles(files);
  v.sha256 = trust::Sha256Hex(v.files);  // what was uploaded, byte for byte
  v.comment = comment;
  v.created_by = actor;
  LP_ASSIGN_OR_RETURN(store::PolicyVersion stored, store_.AddPolicyVersion(std::move(v)));
  std::lock_guard lock(mu_);
  failed_.clear();  // "name@N" may exist now
  return stored;
}

Result<std::shared_ptr<const guard::Policy>> PolicyService::CompileVersion(
    const store::PolicyVersion& v) {
  {
    std::lock_guard lock(mu_);
    if (auto it = compiled_.find(v.id); it != compiled_.end()) return it->second;
  }
  LP_ASSIGN_OR_RETURN(PackFiles files, DecodeFiles(v.files));
  LP_ASSIGN_OR_RETURN(std::shared_ptr<const guard::Policy> policy,
                      Compile(files, v.name + "@" + std::to_string(v.version)));
  std::lock_guard lock(mu_);
  if (compiled_.size() >= kMaxCompiledVersions) compiled_.erase(compiled_.begin());
  compiled_[v.id] = policy;
  return policy;
}

void PolicyService::Swap(std::shared_ptr<const guard::Policy> policy, Active info) {
  std::lock_guard lock(mu_);
  // "name" (without @N) means the active version, which may have changed.
  std::erase_if(by_name_, [](const auto& e) { return e.first.find('@') == std::string::npos; });
  failed_.clear();
  current_ = std::move(policy);
  info.generation = g_generation.fetch_add(1, std::memory_order_acq_rel) + 1;
  generation_.store(info.generation, std::memory_order_release);
  active_ = std::move(info);
}

Status PolicyService::Start() {
  LP_ASSIGN_OR_RETURN(std::optional<store::PolicyVersion> stored,
                      store_.ActivePolicyVersion(name_));
  if (stored) {
    LP_ASSIGN_OR_RETURN(auto policy, CompileVersion(*stored));
    Swap(std::move(policy), {stored->name, stored->version, stored->sha256, 0});
    return Status::Ok();
  }
  LP_ASSIGN_OR_RETURN(guard::PolicySpec spec, guard::LoadEmbeddedPolicy(name_));
  guard::CompileOptions options;
  options.strict = true;
  options.cache = cache_;
  LP_ASSIGN_OR_RETURN(auto policy, guard::Policy::Compile(std::move(spec), options));
  Swap(std::move(policy), {name_, 0, "", 0});
  return Status::Ok();
}

Result<std::shared_ptr<const guard::Policy>> PolicyService::Get(const std::string& name) {
  Result<std::shared_ptr<const guard::Policy>> policy = Load(name);
  std::lock_guard lock(mu_);
  if (policy.ok()) {
    failed_.erase(name);
  } else if (policy.status().code() == StatusCode::kNotFound ||
             policy.status().code() == StatusCode::kInvalidArgument) {
    if (failed_.size() >= kMaxCompiledVersions) failed_.clear();
    failed_[name] = policy.status();
  }
  return policy;
}

Result<std::shared_ptr<const guard::Policy>> PolicyService::Load(const std::string& name) {
  if (name.empty() || name == name_) {
    std::lock_guard lock(mu_);
    if (current_ == nullptr) return Status::Unavailable("no policy loaded yet");
    return current_;
  }
  std::string pack = name;
  int32_t version = 0;
  if (size_t at = name.find('@'); at != std::string::npos) {
    pack = name.substr(0, at);
    auto [p, ec] = std::from_chars(name.data() + at + 1, name.data() + name.size(), version);
    if (ec != std::errc() || p != name.data() + name.size() || version < 1) {
      return Status::InvalidArgument("policy '" + name +
                                     "': the version after @ must be 1 or more");
    }
  }
  store::PolicyVersion chosen;
  if (version == 0) {
    LP_ASSIGN_OR_RETURN(std::optional<store::PolicyVersion> active,
                        store_.ActivePolicyVersion(pack));
    if (!active) return Status::NotFound("policy '" + pack + "' has no active version");
    chosen = std::move(*active);
  } else {
    LP_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions,
                        store_.ListPolicyVersions(pack));
    bool found = false;
    for (store::PolicyVersion& v : versions) {
      if (v.version == version) {
        chosen = std::move(v);
        found = true;
      }
    }
    if (!found) return Status::NotFound("policy '" + name + "' does not exist");
  }
  LP_ASSIGN_OR_RETURN(auto policy, CompileVersion(chosen));
  std::lock_guard lock(mu_);
  if (by_name_.size() >= kMaxCompiledVersions) by_name_.clear();
  by_name_[name] = policy;
  return policy;
}

Result<std::shared_ptr<const guard::Policy>> PolicyService::GetCached(
    const std::string& name) const {
  std::lock_guard lock(mu_);
  if (name.empty() || name == name_) {
    if (current_ == nullptr) return Status::Unavailable("no policy loaded yet");
    return current_;
  }
  if (auto it = by_name_.find(name); it != by_name_.end()) return it->second;
  if (auto it = failed_.find(name); it != failed_.end()) return it->second;
  return Status::Unavailable("policy '" + name + "' is being loaded; retry in a moment");
}

Result<guard::Verdict> PolicyService::Check(std::string_view text,
                                            const guard::CheckOptions& options) {
  ThreadChecker& tc = t_checker;
  if (tc.generation != generation_.load(std::memory_order_acquire) || tc.checker == nullptr) {
    std::shared_ptr<const guard::Policy> policy;
    uint64_t seen = 0;
    {
      std::lock_guard lock(mu_);
      policy = current_;
      seen = active_.generation;
    }
    if (policy == nullptr) return Status::Unavailable("no policy loaded yet");
    tc.checker = std::make_unique<guard::Checker>(std::move(policy));
    tc.generation = seen;
  }
  return tc.checker->Check(text, options);
}

Result<store::PolicyVersion> PolicyService::Activate(int64_t id) {
  LP_ASSIGN_OR_RETURN(store::PolicyVersion v, store_.GetPolicyVersion(id));
  // Compile before the switch: a version that does not compile on this
  // binary never becomes active.
  LP_ASSIGN_OR_RETURN(auto policy, CompileVersion(v));
  LP_RETURN_IF_ERROR(store_.ActivatePolicyVersion(id));
  v.active = true;
  if (v.name == name_) Swap(std::move(policy), {v.name, v.version, v.sha256, 0});
  return v;
}

Result<store::PolicyVersion> PolicyService::Rollback(const std::string& name) {
  LP_ASSIGN_OR_RETURN(std::vector<store::PolicyVersion> versions, store_.ListPolicyVersions(name));
  const store::PolicyVersion* active = nullptr;
  for (const store::PolicyVersion& v : versions) {
    if (v.active) active = &v;
  }
  if (active == nullptr) {
    return Status::FailedPrecondition("policy '" + name + "' has no active version to roll back");
  }
  const store::PolicyVersion* previous = nullptr;
  for (const store::PolicyVersion& v : versions) {
    if (v.version < active->version && (previous == nullptr || v.version > previous->version)) {
      previous = &v;
    }
  }
  if (previous == nullptr) {
    return Status::FailedPrecondition("policy '" + name + "' version " +
                                      std::to_string(active->version) +
                                      " is the first; there is nothing to roll back to");
  }
  return Activate(previous->id);
}

Result<bool> PolicyService::Refresh() {
  LP_ASSIGN_OR_RETURN(std::optional<store::PolicyVersion> stored,
                      store_.ActivePolicyVersion(name_));
  if (!stored) return false;
  {
    std::lock_guard lock(mu_);
    if (active_.version == stored->version && active_.name == stored->name) return false;
  }
  LP_ASSIGN_OR_RETURN(auto policy, CompileVersion(*stored));
  Swap(std::move(policy), {stored->name, stored->version, stored->sha256, 0});
  return true;
}

PolicyService::Active PolicyService::active() const {
  std::lock_guard lock(mu_);
  return active_;
}

}  // namespace leitplanke::server
