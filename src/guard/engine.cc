// The scan pipeline: compile a PolicySpec into an immutable snapshot, then
// check texts against it.
//
// Per text the work is: size check, UTF-8 repair (offsets preserved), one
// normalisation, one Hyperscan pass per view over the shared databases, then
// each rule's detector confirms its own candidates. Rules are resolved into
// actions here (audience, channel), so detectors stay ignorant of policy.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_set>
#include <variant>

#include "leitplanke/base/utf8.h"

#include "leitplanke/guard/policy.h"

#include "guard/internal/pattern_set.h"

namespace leitplanke::guard {

std::string SourceLocation::ToString() const {
  std::string s = file.empty() ? "<policy>" : file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

Status AppendRuleParam(PolicySpec* spec, std::string_view detector, std::string_view key,
                       const std::vector<std::string>& values, std::string_view only_type) {
  bool found = false;
  for (RuleSpec& r : spec->rules) {
    if (!r.enabled || r.detector != detector) continue;
    if (!only_type.empty()) {
      auto types = r.params.GetStrings("types");
      if (!types.ok()) return types.status().WithContext("rule " + r.id);
      if (!types->empty() && std::find(types->begin(), types->end(), only_type) == types->end()) {
        continue;
      }
    }
    found = true;
    auto existing = r.params.GetStrings(key);
    if (!existing.ok()) return existing.status().WithContext("rule " + r.id);
    std::vector<std::string> merged = std::move(*existing);
    merged.insert(merged.end(), values.begin(), values.end());
    r.params.Set(std::string(key), std::move(merged));
  }
  if (!found) {
    return Status::NotFound("policy '" + spec->id + "' has no enabled rule using detector '" +
                            std::string(detector) + "'" +
                            (only_type.empty() ? "" : " for " + std::string(only_type)));
  }
  return Status::Ok();
}

namespace {

struct CompiledRule {
  const RuleSpec* spec = nullptr;
  uint32_t group = 0;  // index of the DetectorGroup that scans for this rule
  // For rules sharing a detector: the detection types this rule reports
  // (its own `types` parameter); empty = every detection of its group.
  std::vector<std::string> types;
  Action by_audience[3] = {};  // the rule's action per Audience value
  // Allowlist, compared case-insensitively with the finding's original text.
  std::unordered_set<std::string> allow;
  std::vector<std::string> allow_globs;  // entries with '*'
};

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Glob match with '*' (any run); both sides ASCII-lower-cased.
bool GlobMatch(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == s[i]) {
      ++p, ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool Allowed(const CompiledRule& rule, const std::string& lower) {
  if (rule.allow.count(lower)) return true;
  for (const std::string& g : rule.allow_globs) {
    if (GlobMatch(g, lower)) return true;
  }
  return false;
}

// One detector instance serving one or more rules. Rules that use the same
// detector with the same parameters except `types` (e.g. R01.pii and
// R01.network) share one instance built for the union of their types, so the
// text is scanned once and each detection goes to the rules that asked for
// its type.
struct DetectorGroup {
  const DetectorFactory* factory = nullptr;
  std::unique_ptr<Detector> detector;
  std::vector<uint32_t> rules;    // indices into CompiledPolicy::rules_
  bool needs_candidates = false;  // Detector::NeedsCandidates(): skip texts without any
};

// The parameters of a rule without `types`, as a comparable key.
std::string ShareKey(const RuleSpec& r) {
  std::string key = r.detector;
  for (const auto& [name, value] : r.params.values()) {
    if (name == "types") continue;
    key += '\x1f';
    key += name;
    key += '=';
    key += std::to_string(value.index());
    std::visit(
        [&key](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            key += v;
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            for (const std::string& e : v) key += e + '\x1e';
          } else {
            key += std::to_string(v);
          }
        },
        value);
  }
  return key;
}

class CompiledPolicy final : public Policy {
 public:
  const PolicySpec& spec() const override { return spec_; }
  const PolicyStats& stats() const override { return stats_; }
  const std::vector<std::string>& degraded() const override { return degraded_; }

  PolicySpec spec_;
  PolicyStats stats_;
  std::vector<std::string> degraded_;
  CompileOptions options_;
  std::shared_ptr<const Normalizer> normalizer_;
  std::vector<CompiledRule> rules_;
  std::vector<DetectorGroup> groups_;
  std::unique_ptr<internal::PatternSet> patterns_;
};

std::string RuleWhere(const RuleSpec& r) {
  return "rule " + (r.id.empty() ? std::string("<no id>") : r.id) + " (" + r.location.ToString() +
         ")";
}

// The action for this audience and channel; a channel entry wins over the
// audience entry. The audience part is resolved at compile time.
Action ResolveAction(const CompiledRule& rule, const CheckOptions& o) {
  const RuleSpec& r = *rule.spec;
  if (!o.channel.empty() && !r.channel_action.empty()) {
    auto it = r.channel_action.find(o.channel);
    if (it != r.channel_action.end()) return it->second;
  }
  return rule.by_audience[static_cast<int>(o.audience)];
}

std::string Mask(std::string_view s) {
  // Keep a short prefix so the author recognises what is meant (e.g. "ghp_"),
  // never enough of the secret to be useful.
  size_t keep = s.size() >= 12 ? 4 : 0;
  std::string out(s.substr(0, keep));
  out.append(std::min<size_t>(s.size() - keep, 12), '*');
  return out;
}

std::string ReplacePlaceholders(std::string text, const Finding& f) {
  size_t pos;
  while ((pos = text.find("{type}")) != std::string::npos) text.replace(pos, 6, f.type);
  return text;
}

}  // namespace

Result<std::shared_ptr<const Policy>> Policy::Compile(PolicySpec spec,
                                                      const CompileOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  auto policy = std::make_shared<CompiledPolicy>();
  policy->options_ = options;
  policy->spec_ = std::move(spec);
  // The normaliser is immutable and costs tens of milliseconds to build: one
  // per process serves every policy snapshot.
  static const Result<std::shared_ptr<const Normalizer>> kNormalizer = Normalizer::Create();
  if (!kNormalizer.ok()) return kNormalizer.status();
  policy->normalizer_ = *kNormalizer;

  DetectorEnv env;
  env.normalizer = policy->normalizer_.get();
  env.read_file = policy->spec_.file_reader;
  if (!env.read_file) {
    env.read_file = [](std::string_view path) -> Result<std::string> {
      return Status::NotFound("no file reader configured for '" + std::string(path) + "'");
    };
  }

  std::set<std::string> ids;
  for (const RuleSpec& r : policy->spec_.rules) {
    if (!ids.insert(r.id).second) {
      return Status::InvalidArgument(RuleWhere(r) + ": duplicate rule id");
    }
    if (!r.enabled) continue;
    Status problem;
    const DetectorFactory* factory = FindDetector(r.detector);
    if (factory == nullptr) {
      std::string known;
      for (const DetectorFactory* f : RegisteredDetectors()) {
        known += known.empty() ? "" : ", ";
        known += f->name();
      }
      problem = Status::InvalidArgument(RuleWhere(r) + ": unknown detector '" + r.detector +
                                        "' (known: " + known + ")");
    } else if (!IsKnownCategory(r.category)) {
      problem = Status::InvalidArgument(RuleWhere(r) + ": unknown category '" + r.category + "'");
    }
    if (!problem.ok()) {
      if (options.strict) return problem;
      policy->degraded_.push_back(problem.message());
      continue;
    }
    CompiledRule cr;
    cr.spec = &r;
    for (Audience a : {Audience::kPublic, Audience::kPrivate, Audience::kInternal}) {
      auto it = r.audience_action.find(a);
      cr.by_audience[static_cast<int>(a)] = it != r.audience_action.end() ? it->second : r.action;
    }
    for (const std::string& a : r.allow) {
      if (a.find('*') == std::string::npos) {
        cr.allow.insert(AsciiLower(a));
      } else {
        cr.allow_globs.push_back(AsciiLower(a));
      }
    }
    policy->rules_.push_back(std::move(cr));
  }

  // Group rules that can share one detector instance (see DetectorGroup).
  std::vector<std::vector<uint32_t>> candidates_groups;
  {
    std::map<std::string, size_t> by_key;
    for (uint32_t i = 0; i < policy->rules_.size(); ++i) {
      const RuleSpec& r = *policy->rules_[i].spec;
      auto types = r.params.GetStrings("types");
      if (!types.ok() || types->empty()) {
        candidates_groups.push_back({i});
        continue;
      }
      auto [it, inserted] = by_key.emplace(ShareKey(r), candidates_groups.size());
      if (inserted) candidates_groups.push_back({});
      candidates_groups[it->second].push_back(i);
    }
  }
  std::vector<bool> dropped(policy->rules_.size(), false);
  auto build = [&](const std::vector<uint32_t>& members) -> Status {
    const RuleSpec& lead = *policy->rules_[members[0]].spec;
    const DetectorFactory* factory = FindDetector(lead.detector);
    DetectorParams params = lead.params;
    if (members.size() > 1) {
      std::vector<std::string> all;
      for (uint32_t m : members) {
        std::vector<std::string> t = *policy->rules_[m].spec->params.GetStrings("types");
        for (const std::string& x : t) {
          if (std::find(all.begin(), all.end(), x) == all.end()) all.push_back(x);
        }
        policy->rules_[m].types = std::move(t);
      }
      params.Set("types", std::move(all));
    }
    auto det = factory->Create(params, env);
    if (!det.ok()) {
      return det.status().WithContext(RuleWhere(lead) + ": detector '" + lead.detector + "'");
    }
    DetectorGroup g;
    g.factory = factory;
    g.detector = std::move(*det);
    g.needs_candidates = g.detector->NeedsCandidates();
    g.rules = members;
    for (uint32_t m : members)
      policy->rules_[m].group = static_cast<uint32_t>(policy->groups_.size());
    policy->groups_.push_back(std::move(g));
    return Status::Ok();
  };
  for (const std::vector<uint32_t>& members : candidates_groups) {
    Status s = build(members);
    if (s.ok()) continue;
    // Build the members one by one so the error names the right rule.
    for (uint32_t m : members) {
      policy->rules_[m].types.clear();
      Status single = members.size() > 1 ? build({m}) : s;
      if (single.ok()) continue;
      if (options.strict) return single;
      policy->degraded_.push_back(single.message());
      dropped[m] = true;
    }
  }

  // One pattern set for all detector groups. A group whose patterns
  // Hyperscan rejects is reported by its first rule; under non-strict compile
  // its rules are dropped and we retry.
  for (;;) {
    std::vector<internal::OwnedPattern> patterns;
    for (uint32_t g = 0; g < policy->groups_.size(); ++g) {
      if (!policy->groups_[g].detector) continue;
      for (PatternSpec& p : policy->groups_[g].detector->Patterns()) {
        patterns.push_back({std::move(p), g});
      }
    }
    uint32_t failed_owner = UINT32_MAX;
    auto set = internal::PatternSet::Compile(
        std::move(patterns), policy->groups_.size(),
        [&](uint32_t owner) {
          failed_owner = owner;
          return RuleWhere(*policy->rules_[policy->groups_[owner].rules[0]].spec);
        },
        options.cache);
    if (set.ok()) {
      policy->patterns_ = std::move(*set);
      break;
    }
    if (options.strict || failed_owner == UINT32_MAX) return set.status();
    policy->degraded_.push_back(set.status().message());
    policy->groups_[failed_owner].detector.reset();
    for (uint32_t m : policy->groups_[failed_owner].rules) dropped[m] = true;
  }

  // Drop the rules that could not be built; renumber the group members.
  {
    std::vector<CompiledRule> kept;
    for (auto& g : policy->groups_) g.rules.clear();
    for (uint32_t i = 0; i < policy->rules_.size(); ++i) {
      if (dropped[i]) continue;
      policy->groups_[policy->rules_[i].group].rules.push_back(static_cast<uint32_t>(kept.size()));
      kept.push_back(std::move(policy->rules_[i]));
    }
    policy->rules_ = std::move(kept);
  }

  policy->stats_.rules = policy->rules_.size();
  policy->stats_.patterns = policy->patterns_->pattern_count();
  policy->stats_.database_bytes = policy->patterns_->database_bytes();
  policy->stats_.from_cache = policy->patterns_->cache_hits() > 0;
  policy->stats_.compile_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return std::shared_ptr<const Policy>(std::move(policy));
}

struct Checker::Impl {
  const CompiledPolicy* policy;
  std::unique_ptr<internal::PatternScratch> scratch;
  Status scratch_status;
  NormalizedText folded;
  std::string repaired;
  std::vector<std::vector<Candidate>> candidates;  // per detector group
  std::vector<std::vector<Detection>> detections;  // per detector group
  std::vector<uint8_t> scanned;                    // per group, this check
};

namespace {
class CollectingSink final : public DetectionSink {
 public:
  explicit CollectingSink(std::vector<Detection>* out) : out_(out) {}
  void Add(Detection d) override { out_->push_back(std::move(d)); }

 private:
  std::vector<Detection>* out_;
};
}  // namespace

Checker::Checker(std::shared_ptr<const Policy> policy)
    : policy_(std::move(policy)), impl_(std::make_unique<Impl>()) {
  impl_->policy = static_cast<const CompiledPolicy*>(policy_.get());
  auto scratch = impl_->policy->patterns_->NewScratch();
  if (scratch.ok()) {
    impl_->scratch = std::move(*scratch);
  } else {
    impl_->scratch_status = scratch.status();
  }
  impl_->candidates.resize(impl_->policy->groups_.size());
  impl_->detections.resize(impl_->policy->groups_.size());
  impl_->scanned.resize(impl_->policy->groups_.size());
}

Checker::~Checker() = default;

Result<Verdict> Checker::Check(std::string_view text, const CheckOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  Impl& im = *impl_;
  const CompiledPolicy& pol = *im.policy;
  if (!im.scratch_status.ok()) return im.scratch_status;
  if (text.size() > pol.spec_.max_text_bytes) {
    return Status::ResourceExhausted("text is " + std::to_string(text.size()) +
                                     " bytes; the policy allows at most " +
                                     std::to_string(pol.spec_.max_text_bytes));
  }

  Verdict v;
  v.policy_id = pol.spec_.id;
  v.policy_version = pol.spec_.version;
  for (const std::string& d : pol.degraded_) {
    v.warnings.push_back("rule not active: " + d);
  }

  // Invalid bytes become '?' one for one, so every offset stays an offset
  // into the caller's text and detectors always see valid UTF-8.
  std::string_view raw = text;
  if (size_t bad = utf8::FirstInvalid(text); bad != std::string_view::npos) {
    std::vector<size_t> offsets = utf8::InvalidOffsets(text, 1000);
    std::string msg = "invalid UTF-8 at byte " + std::to_string(bad);
    if (offsets.size() > 1) msg += " (and " + std::to_string(offsets.size() - 1) + " more)";
    v.warnings.push_back(msg + "; the rest of the text was checked");
    im.repaired.assign(text);
    for (size_t i = 0; i < im.repaired.size();) {
      int len;
      bool valid;
      utf8::Decode(im.repaired, i, &len, &valid);
      if (!valid) im.repaired[i] = '?';
      i += len;
    }
    raw = im.repaired;
  }

  pol.normalizer_->Normalize(raw, &im.folded);
  for (auto& c : im.candidates) c.clear();
  LP_RETURN_IF_ERROR(pol.patterns_->Scan(View::kRaw, raw, *im.scratch, &im.candidates));
  LP_RETURN_IF_ERROR(
      pol.patterns_->Scan(View::kFolded, im.folded.text, *im.scratch, &im.candidates));

  ScanContext ctx;
  ctx.raw = raw;
  ctx.folded = &im.folded;
  ctx.audience = options.audience;
  ctx.channel = options.channel;

  struct Redaction {
    size_t start, end;
    std::string label;
  };
  std::vector<Redaction> redactions;

  std::fill(im.scanned.begin(), im.scanned.end(), 0);
  for (size_t ri = 0; ri < pol.rules_.size(); ++ri) {
    const CompiledRule& rule = pol.rules_[ri];
    const RuleSpec& rs = *rule.spec;
    const Action action = ResolveAction(rule, options);
    if (action == Action::kAllow) continue;  // this audience/channel may say it
    const DetectorGroup& group = pol.groups_[rule.group];
    std::vector<Detection>& detections = im.detections[rule.group];
    if (!im.scanned[rule.group]) {
      im.scanned[rule.group] = 1;
      auto& cands = im.candidates[rule.group];
      if (cands.empty() && group.needs_candidates) {
        detections.clear();  // the detector promised to report nothing
        continue;
      }
      // Hyperscan reports in end-offset order per database, so a group fed by
      // one database is already sorted; only a mix needs the sort.
      auto by_end = [](const Candidate& a, const Candidate& b) { return a.to < b.to; };
      if (!std::is_sorted(cands.begin(), cands.end(), by_end)) {
        std::sort(cands.begin(), cands.end(), by_end);
      }
      ctx.candidates = cands;
      detections.clear();
      CollectingSink sink(&detections);
      group.detector->Scan(ctx, sink);
    }

    size_t first_of_rule = v.findings.size();
    for (const Detection& d : detections) {
      if (!rule.types.empty() &&
          std::find(rule.types.begin(), rule.types.end(), d.type) == rule.types.end()) {
        continue;
      }
      size_t s = d.start, e = d.end;
      if (d.view == View::kFolded) {
        if (e <= s || e > im.folded.text.size()) continue;
        std::tie(s, e) = im.folded.ToOriginal(s, e);
      }
      if (e > text.size() || s > e) continue;  // a detector bug; never trust it
      std::string_view excerpt = text.substr(s, e - s);
      if ((!rule.allow.empty() || !rule.allow_globs.empty()) &&
          Allowed(rule, AsciiLower(excerpt))) {
        continue;
      }
      bool dup = false;
      for (size_t k = first_of_rule; k < v.findings.size(); ++k) {
        if (v.findings[k].start == s && v.findings[k].end == e) dup = true;
      }
      if (dup) continue;
      Finding f;
      f.rule = rs.id;
      f.detector = std::string(group.factory->name());
      f.detector_version = std::string(group.factory->version());
      f.category = rs.category;
      f.type = d.type;
      f.severity = d.severity.value_or(rs.severity);
      f.action = action;
      f.start = s;
      f.end = e;
      f.cp_start = utf8::CodePointCount(text, s);
      f.cp_end = f.cp_start + utf8::CodePointCount(excerpt, excerpt.size());
      f.excerpt = d.mask ? Mask(excerpt) : std::string(excerpt);
      f.clause = rs.clause;
      f.message = ReplacePlaceholders(rs.message.Get(options.lang), f);
      f.fix = ReplacePlaceholders(rs.fix.Get(options.lang), f);
      f.score = d.score;
      f.evidence = d.evidence;
      if (rs.redact || d.mask) redactions.push_back({s, e, "[" + f.type + "]"});
      v.action = std::max(v.action, action);
      v.findings.push_back(std::move(f));
    }
  }
  if (!pol.degraded_.empty()) v.action = std::max(v.action, pol.options_.degraded_action);

  // Usually none or one finding, or already in order: std::stable_sort would
  // still allocate a buffer and move a finding through it.
  auto by_span = [](const Finding& a, const Finding& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  };
  if (!std::is_sorted(v.findings.begin(), v.findings.end(), by_span)) {
    std::stable_sort(v.findings.begin(), v.findings.end(), by_span);
  }

  // Redacted text: overlapping spans merge; the first label wins.
  std::sort(redactions.begin(), redactions.end(),
            [](const Redaction& a, const Redaction& b) { return a.start < b.start; });
  size_t pos = 0;
  for (const Redaction& r : redactions) {
    if (r.end <= pos) continue;
    if (r.start >= pos) {
      v.redacted.append(text.substr(pos, r.start - pos));
      v.redacted += r.label;
    }
    pos = r.end;
  }
  v.redacted.append(text.substr(std::min(pos, text.size())));
  if (raw.data() != text.data()) v.redacted = utf8::Sanitize(v.redacted);

  v.elapsed_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return v;
}

}  // namespace leitplanke::guard
