// Policy packs: parsing, linting errors with positions, compile failures
// that name the rule, and the default pack's own examples.
#include "leitplanke/guard/policy.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

namespace leitplanke::guard {
namespace {

Result<PolicySpec> Parse(const std::string& toml) {
  return ParsePolicy(toml, "test.toml", [](std::string_view p) -> Result<std::string> {
    if (p == "terms.txt") return std::string("Projekt Falke\n# comment\nNordlicht\tnote\n");
    return Status::NotFound(std::string(p));
  });
}

const char* kHeader = "[policy]\nid = \"t\"\nversion = \"1\"\n";

TEST(PolicyParseTest, ReportsTomlSyntaxErrorsWithLineAndColumn) {
  auto spec = Parse(std::string(kHeader) + "[[rule]]\nid = \"A\"\ndetector = \"terms\" x\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("test.toml:6:"), std::string::npos)
      << spec.status().message();
}

TEST(PolicyParseTest, ReportsUnknownKeysAndBadValuesWithRuleId) {
  auto unknown = Parse(std::string(kHeader) +
                       "[[rule]]\nid = \"R9\"\ndetector = \"terms\"\ncategory = \"pii\"\nsevrity = "
                       "\"high\"\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("rule R9"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("sevrity"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("test.toml:8:"), std::string::npos)
      << unknown.status().message();

  auto action = Parse(std::string(kHeader) +
                      "[[rule]]\nid = \"R9\"\ndetector = \"terms\"\ncategory = \"pii\"\naction = "
                      "\"explode\"\n");
  ASSERT_FALSE(action.ok());
  EXPECT_NE(action.status().message().find("explode"), std::string::npos);

  auto category = Parse(std::string(kHeader) +
                        "[[rule]]\nid = \"R9\"\ndetector = \"terms\"\ncategory = \"gossip\"\n");
  ASSERT_FALSE(category.ok());
  EXPECT_NE(category.status().message().find("gossip"), std::string::npos);
}

// Regression (found by fuzz/policy): toml++ 3.3 hits __builtin_unreachable on
// some non-ASCII characters where it expects whitespace.
TEST(PolicyParseTest, NonAsciiOutsideStringsIsRejectedWithPosition) {
  auto spec = Parse(std::string(kHeader) + "[[rule]]\nid = \"A\"\u00e9\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("test.toml:5:9"), std::string::npos)
      << spec.status().message();
  // Inside strings, comments and multi-line strings it is fine.
  auto ok = Parse(std::string(kHeader) +
                  "# Grüße\n[[rule]]\nid = \"Ä\"\ndetector = 'ö'\ncategory = \"pii\"\n"
                  "message.de = \"\"\"\nÜber \\\" \"\"\"\nfix.de = '''\nß'''\n");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST(PolicyParseTest, MissingPolicyTableIsAnError) {
  auto spec = Parse("[[rule]]\nid = \"A\"\n");
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("[policy]"), std::string::npos);
}

TEST(PolicyCompileTest, UnknownDetectorNamesRuleAndKnownDetectors) {
  auto spec = Parse(std::string(kHeader) +
                    "[[rule]]\nid = \"R1\"\ndetector = \"telepathy\"\ncategory = \"pii\"\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto policy = Policy::Compile(*spec);
  ASSERT_FALSE(policy.ok());
  const std::string m = policy.status().message();
  EXPECT_NE(m.find("rule R1 (test.toml:4:1)"), std::string::npos) << m;
  EXPECT_NE(m.find("telepathy"), std::string::npos);
  EXPECT_NE(m.find("terms"), std::string::npos);
}

// Table-driven: patterns Hyperscan or RE2 must reject, each named by rule id.
TEST(PolicyCompileTest, RejectsPathologicalRegexesWithRuleId) {
  const char* kBad[] = {
      "(a|b)\\\\1",                     // back-reference
      "(?=foo)bar",                     // look-ahead
      "a*",                             // matches the empty string
      "((a{1,1000}){1,1000}){1,1000}",  // too large
      "[z-a]",                          // bad range
      "(unclosed",
  };
  for (const char* pattern : kBad) {
    auto spec = Parse(std::string(kHeader) +
                      "[[rule]]\nid = \"R77\"\ndetector = \"regex\"\ncategory = \"confidential\"\n"
                      "params = { patterns = [\"" +
                      pattern + "\"] }\n");
    ASSERT_TRUE(spec.ok()) << pattern << ": " << spec.status();
    auto policy = Policy::Compile(*spec);
    ASSERT_FALSE(policy.ok()) << pattern;
    EXPECT_NE(policy.status().message().find("rule R77"), std::string::npos)
        << pattern << ": " << policy.status().message();
  }
}

TEST(PolicyCompileTest, NonStrictCompileKeepsOtherRulesAndWarnsInEveryVerdict) {
  auto spec = Parse(std::string(kHeader) +
                    "[[rule]]\nid = \"broken\"\ndetector = \"regex\"\ncategory = \"pii\"\n"
                    "params = { patterns = [\"(?=x)y\"] }\n"
                    "[[rule]]\nid = \"terms\"\ndetector = \"terms\"\ncategory = \"confidential\"\n"
                    "action = \"hold\"\nparams = { files = [\"terms.txt\"] }\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  CompileOptions o;
  o.strict = false;
  auto policy = Policy::Compile(*spec, o);
  ASSERT_TRUE(policy.ok()) << policy.status();
  ASSERT_EQ((*policy)->degraded().size(), 1u);
  Checker checker(*policy);
  auto clean = checker.Check("Guten Morgen");
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->action, Action::kWarn) << "a broken rule must never turn into a silent allow";
  ASSERT_FALSE(clean->warnings.empty());
  EXPECT_NE(clean->warnings[0].find("broken"), std::string::npos);
  auto hit = checker.Check("Nordlicht kommt");
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->action, Action::kHold);
}

TEST(PolicyCompileTest, DuplicateRuleIdsAreRejected) {
  auto spec = Parse(std::string(kHeader) +
                    "[[rule]]\nid = \"A\"\ndetector = \"terms\"\ncategory = \"pii\"\n"
                    "[[rule]]\nid = \"A\"\ndetector = \"terms\"\ncategory = \"pii\"\n");
  ASSERT_TRUE(spec.ok());
  auto policy = Policy::Compile(*spec);
  ASSERT_FALSE(policy.ok());
  EXPECT_NE(policy.status().message().find("duplicate"), std::string::npos);
}

TEST(DefaultPackTest, LintsAndEveryExamplePasses) {
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto policy = Policy::Compile(*spec);
  ASSERT_TRUE(policy.ok()) << policy.status();
  Checker checker(*policy);
  size_t examples = 0;
  for (const RuleSpec& rule : (*policy)->spec().rules) {
    EXPECT_FALSE(rule.examples.empty()) << rule.id << " has no examples";
    bool has_violation = false, has_pass = false;
    for (const RuleExample& ex : rule.examples) {
      has_violation |= ex.violating;
      has_pass |= !ex.violating;
      CheckOptions o;
      o.audience = ex.audience;
      o.channel = ex.channel;
      auto v = checker.Check(ex.text, o);
      ASSERT_TRUE(v.ok()) << v.status();
      bool fired = false;
      for (const Finding& f : v->findings) fired |= f.rule == rule.id;
      EXPECT_EQ(fired, ex.violating)
          << rule.id << " at " << ex.location.ToString() << ": " << ex.text;
      ++examples;
    }
    EXPECT_TRUE(has_violation && has_pass) << rule.id << " needs both kinds of example";
  }
  EXPECT_GT(examples, 40u);
}

TEST(DefaultPackTest, CoversTheMachineCheckableClauses) {
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  std::set<std::string> clauses;
  for (const RuleSpec& r : spec->rules) clauses.insert(r.clause);
  for (const char* c :
       {"R01", "R02", "R03", "R04", "R05", "R07", "R08", "R10", "R12", "R13", "R16", "R17"}) {
    EXPECT_TRUE(clauses.count(c)) << c;
  }
}

TEST(AppendRuleParamTest, AddsTermsAndDomainsToTheRightRules) {
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(AppendRuleParam(&*spec, "terms", "terms", {"Geheimsache Adler"}).ok());
  ASSERT_TRUE(
      AppendRuleParam(&*spec, "links", "internal_domains", {"corp.example"}, "internal_host").ok());
  EXPECT_FALSE(AppendRuleParam(&*spec, "telepathy", "x", {"y"}).ok());
  auto policy = Policy::Compile(*spec);
  ASSERT_TRUE(policy.ok()) << policy.status();
  Checker checker(*policy);
  auto v = checker.Check("Die Geheimsache Adler steht auf https://jira.corp.example/X-1");
  ASSERT_TRUE(v.ok());
  std::set<std::string> rules;
  for (const Finding& f : v->findings) rules.insert(f.rule);
  EXPECT_TRUE(rules.count("R03.terms"));
  EXPECT_TRUE(rules.count("R03.internal_links"));
  EXPECT_FALSE(rules.count("R17.private_urls"));
}

// Rules that differ only in `types` share one detector scan; each still gets
// only its own types, with its own action per audience.
TEST(PolicyCompileTest, RulesSharingADetectorGetOnlyTheirTypes) {
  auto spec = Parse(std::string(kHeader) +
                    "[[rule]]\nid = \"mail\"\ndetector = \"pii\"\ncategory = \"pii\"\n"
                    "action = \"block\"\nactions = { private = \"allow\" }\n"
                    "params = { types = [\"email\"] }\n"
                    "[[rule]]\nid = \"iban\"\ndetector = \"pii\"\ncategory = \"pii\"\n"
                    "action = \"warn\"\nparams = { types = [\"iban\"] }\n");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto policy = Policy::Compile(*spec);
  ASSERT_TRUE(policy.ok()) << policy.status();
  Checker checker(*policy);
  const char* text = "a.b@gmail.com und DE89 3704 0044 0532 0130 00";
  auto pub = checker.Check(text);
  ASSERT_TRUE(pub.ok());
  ASSERT_EQ(pub->findings.size(), 2u);
  EXPECT_EQ(pub->findings[0].rule, "mail");
  EXPECT_EQ(pub->findings[0].type, "email");
  EXPECT_EQ(pub->findings[1].rule, "iban");
  EXPECT_EQ(pub->findings[1].type, "iban");
  EXPECT_EQ(pub->action, Action::kBlock);
  CheckOptions priv;
  priv.audience = Audience::kPrivate;
  auto p = checker.Check(text, priv);
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->findings.size(), 1u);
  EXPECT_EQ(p->findings[0].rule, "iban");
  EXPECT_EQ(p->action, Action::kWarn);
}

class MemoryCache final : public DatabaseCache {
 public:
  Result<std::string> Load(std::string_view key) override {
    ++loads;
    auto it = entries.find(std::string(key));
    if (it == entries.end()) return Status::NotFound("miss");
    return it->second;
  }
  void Store(std::string_view key, std::string_view bytes) override {
    entries[std::string(key)] = std::string(bytes);
  }
  std::map<std::string, std::string> entries;
  int loads = 0;
};

TEST(DatabaseCacheTest, SecondCompileLoadsDatabasesAndChecksAlike) {
  MemoryCache cache;
  CompileOptions o;
  o.cache = &cache;
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  auto first = Policy::Compile(*spec, o);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE((*first)->stats().from_cache);
  EXPECT_FALSE(cache.entries.empty());
  auto second = Policy::Compile(*spec, o);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE((*second)->stats().from_cache);
  const char* text = "Projekt Falke, IBAN DE89 3704 0044 0532 0130 00, siehe https://bit.ly/x1";
  Checker a(*first), b(*second);
  auto va = a.Check(text);
  auto vb = b.Check(text);
  ASSERT_TRUE(va.ok() && vb.ok());
  ASSERT_EQ(va->findings.size(), vb->findings.size());
  for (size_t i = 0; i < va->findings.size(); ++i) {
    EXPECT_EQ(va->findings[i].rule, vb->findings[i].rule);
    EXPECT_EQ(va->findings[i].start, vb->findings[i].start);
  }
  EXPECT_GE(va->findings.size(), 3u);
}

TEST(DatabaseCacheTest, CorruptEntriesAreRecompiled) {
  MemoryCache cache;
  CompileOptions o;
  o.cache = &cache;
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(Policy::Compile(*spec, o).ok());
  for (auto& [key, bytes] : cache.entries) bytes = "garbage";
  auto again = Policy::Compile(*spec, o);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE((*again)->stats().from_cache);
  Checker c(*again);
  auto v = c.Check("Projekt Falke kommt");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->action, Action::kHold);
}

TEST(DatabaseCacheTest, DifferentPatternsUseDifferentKeys) {
  MemoryCache cache;
  CompileOptions o;
  o.cache = &cache;
  auto spec = LoadEmbeddedPolicy("default");
  ASSERT_TRUE(spec.ok());
  ASSERT_TRUE(Policy::Compile(*spec, o).ok());
  const size_t before = cache.entries.size();
  ASSERT_TRUE(AppendRuleParam(&*spec, "terms", "terms", {"Zaunkönig"}).ok());
  auto changed = Policy::Compile(*spec, o);
  ASSERT_TRUE(changed.ok());
  EXPECT_GT(cache.entries.size(), before);
  Checker c(*changed);
  auto v = c.Check("Der Zaunkönig kommt");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->action, Action::kHold);
}

}  // namespace
}  // namespace leitplanke::guard
