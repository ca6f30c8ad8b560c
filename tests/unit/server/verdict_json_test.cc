#include "server/verdict_json.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace leitplanke::server {
namespace {

TEST(VerdictJson, EveryFieldSurvivesAJsonParser) {
  guard::Verdict v;
  v.action = guard::Action::kHold;
  v.policy_id = "default";
  v.policy_version = "2026.11.1";
  v.redacted = "quote \" backslash \\ newline \n tab \t ctrl \x01 bad \xff end";
  v.warnings = {"w1", "ümlaut"};
  v.elapsed_us = 42;
  guard::Finding f;
  f.rule = "R03.terms";
  f.detector = "terms";
  f.category = "confidential";
  f.type = "term";
  f.action = guard::Action::kHold;
  f.severity = guard::Severity::kHigh;
  f.start = 3;
  f.end = 9;
  f.cp_start = 2;
  f.cp_end = 8;
  f.excerpt = "Falke";
  f.score = 0.875;
  f.evidence = "lexicon";
  v.findings = {f, f};

  nlohmann::json j = nlohmann::json::parse(VerdictToJson(v, "id-7", false));
  EXPECT_EQ(j["action"], "hold");
  EXPECT_EQ(j["id"], "id-7");
  EXPECT_EQ(j["elapsed_us"], 42);
  EXPECT_EQ(j["policy"]["version"], "2026.11.1");
  EXPECT_EQ(j["warnings"][1], "ümlaut");
  EXPECT_EQ(j["redacted"],
            "quote \" backslash \\ newline \n tab \t ctrl \x01 bad \xEF\xBF\xBD end");
  ASSERT_EQ(j["findings"].size(), 2u);
  EXPECT_EQ(j["findings"][1]["rule"], "R03.terms");
  EXPECT_EQ(j["findings"][1]["severity"], "high");
  EXPECT_EQ(j["findings"][1]["cp_end"], 8);
  EXPECT_DOUBLE_EQ(j["findings"][1]["score"].get<double>(), 0.875);
  EXPECT_EQ(j["findings"][1]["evidence"], "lexicon");
  // Without an id, no id key; the pretty form holds the same document.
  EXPECT_FALSE(nlohmann::json::parse(VerdictToJson(v, "", false)).contains("id"));
  EXPECT_EQ(nlohmann::json::parse(VerdictToJson(v, "x", true)),
            nlohmann::json::parse(VerdictToJson(v, "x", false)));
}

}  // namespace
}  // namespace leitplanke::server
