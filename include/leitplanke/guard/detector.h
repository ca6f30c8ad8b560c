// The detector SDK: one interface for every check the guard runs.
//
// Life cycle (Envoy-style extension, Hyperscan-style two phases):
//   1. A DetectorFactory (stable `name`, `version`, `status`) validates a
//      rule's parameters once and Create()s an immutable Detector.
//   2. The engine collects every detector's Patterns() into the policy's
//      shared Hyperscan databases (one per view) and compiles them once.
//   3. Per text, the engine scans each view once and hands every detector the
//      candidates its patterns produced, then calls Scan(). Detectors confirm
//      candidates (RE2, checksums, libphonenumber) and report findings.
//
// Detectors that need no patterns (tone, channel, classifier) simply return
// none and do their own pass in Scan().
//
// Thread-safety: Scan() is const and must be safe to call concurrently; all
// per-call state lives in the ScanContext or on the stack. Scan() must not
// throw and must not allocate unboundedly (its input is already size-limited).
// Registration is one explicit list in src/guard/registry.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/guard/normalizer.h"
#include "leitplanke/guard/types.h"

namespace leitplanke::guard {

// Which view of the text a pattern or finding refers to (see normalizer.h).
enum class View : uint8_t { kRaw = 0, kFolded = 1 };

// Pattern flags (mapped onto HS_FLAG_* by the engine).
enum PatternFlag : uint32_t {
  kPatCaseless = 1u << 0,
  kPatDotAll = 1u << 1,
  kPatMultiline = 1u << 2,
  kPatUtf8 = 1u << 3,
  kPatSom = 1u << 4,          // report the leftmost start (costly; literals get it free)
  kPatLiteral = 1u << 5,      // `expression` is a literal string, not a regex
  kPatSingleMatch = 1u << 6,  // report only the first match per text
};

struct PatternSpec {
  std::string expression;  // PCRE-subset regex (Hyperscan syntax) or a literal
  uint32_t flags = 0;      // PatternFlag bits
  View view = View::kRaw;
  uint32_t id = 0;  // detector-local id, echoed in Candidate
};

// A pattern match. `from` is exact for literals and kPatSom patterns;
// otherwise it is 0 and the detector re-anchors with RE2 around `to`.
struct Candidate {
  uint32_t id;
  uint32_t from;
  uint32_t to;
  View view;
};

// What a detector reports. Offsets are in the coordinates of `view`.
struct Detection {
  View view = View::kRaw;
  size_t start = 0;
  size_t end = 0;
  std::string type;                  // e.g. "iban"
  std::optional<Severity> severity;  // overrides the rule's severity when set
  double score = 1.0;
  bool mask = false;     // mask the excerpt (secrets)
  std::string evidence;  // short, safe-to-show detail
};

class DetectionSink {
 public:
  virtual ~DetectionSink() = default;
  virtual void Add(Detection d) = 0;
};

enum class ScanControl { kContinue, kStop };

struct ScanContext {
  std::string_view raw;          // the original text (invalid UTF-8 replaced)
  const NormalizedText* folded;  // the folded view with its offset map
  Audience audience = Audience::kPublic;
  std::string_view channel;               // "x", "linkedin", ... or empty
  std::span<const Candidate> candidates;  // this detector's matches, ordered by `to`
};

class Detector {
 public:
  virtual ~Detector() = default;
  // Patterns for the shared databases. Called once, at policy compile time.
  virtual std::vector<PatternSpec> Patterns() const { return {}; }
  // Checks one text. Hot path: no exceptions, no I/O.
  virtual ScanControl Scan(const ScanContext& ctx, DetectionSink& sink) const = 0;
  // Optional. True promises that Scan() reports nothing when
  // `ctx.candidates` is empty (it only confirms candidates), so the engine
  // skips the call for texts that gave this detector none. The default,
  // false, has Scan() run on every text. The test harness checks the promise
  // on every text it runs (src/guard/testing/detector_harness.h).
  virtual bool NeedsCandidates() const { return false; }
};

// A rule's `params` table, with typed getters that report the offending key.
class DetectorParams {
 public:
  using Value = std::variant<bool, int64_t, double, std::string, std::vector<std::string>>;

  void Set(std::string key, Value v) { values_[std::move(key)] = std::move(v); }
  bool Has(std::string_view key) const { return values_.find(std::string(key)) != values_.end(); }
  const std::map<std::string, Value>& values() const { return values_; }

  Result<std::string> GetString(std::string_view key, std::string_view def) const;
  Result<std::vector<std::string>> GetStrings(std::string_view key) const;  // missing: empty
  Result<int64_t> GetInt(std::string_view key, int64_t def) const;
  Result<double> GetDouble(std::string_view key, double def) const;
  Result<bool> GetBool(std::string_view key, bool def) const;
  // Error naming the first key not in `known`.
  Status CheckKnown(std::initializer_list<std::string_view> known) const;

 private:
  std::map<std::string, Value> values_;
};

// What a factory may use while building a detector.
struct DetectorEnv {
  const Normalizer* normalizer = nullptr;
  // Reads a company file referenced by a rule (terms list, model), resolved
  // relative to the policy pack. Errors name the path.
  std::function<Result<std::string>(std::string_view path)> read_file;
};

class DetectorFactory {
 public:
  virtual ~DetectorFactory() = default;
  virtual std::string_view name() const = 0;                    // stable: policy packs refer to it
  virtual std::string_view version() const = 0;                 // recorded in every finding
  virtual std::string_view status() const { return "stable"; }  // stable | alpha | wip
  virtual Result<std::unique_ptr<Detector>> Create(const DetectorParams& params,
                                                   const DetectorEnv& env) const = 0;
};

// The explicit registry (src/guard/registry.cc). Never null entries.
std::span<const DetectorFactory* const> RegisteredDetectors();
const DetectorFactory* FindDetector(std::string_view name);

}  // namespace leitplanke::guard
