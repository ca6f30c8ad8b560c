#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::terms {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

std::unique_ptr<testing::DetectorHarness> Make(std::vector<std::string> terms,
                                               int64_t min_compound = 5) {
  DetectorParams p;
  p.Set("terms", std::move(terms));
  p.Set("min_compound_length", min_compound);
  auto h = testing::DetectorHarness::Make(detectors::terms::Factory(), p);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? std::move(*h) : nullptr;
}

struct Case {
  const char* text;
  const char* want;  // the original text the finding must cover; "" = no finding
};

TEST(TermsDetectorTest, FindsTermsUnderObfuscationAndInCompounds) {
  auto h = Make({"Projekt Falke", "Nordlicht", "Möwe Plus", "Q7"});
  const Case cases[] = {
      {"Projekt Falke startet", "Projekt Falke"},
      {"PROJEKT FALKE startet", "PROJEKT FALKE"},
      {"Pr0jekt F4lke startet", "Pr0jekt F4lke"},
      {"#ProjektFalke", "ProjektFalke"},
      {"Projekt-Falke-Launch", "Projekt-Falke"},
      {"P r o j e k t  F a l k e", "P r o j e k t  F a l k e"},
      {"Projekt\u200BFalke", "Projekt\u200BFalke"},
      {"Die Nordlicht-Pläne", "Nordlicht"},
      {"Unser Nordlichtprojekt", "Nordlicht"},  // long enough to count at a word start
      {"Das Moewe Plus Programm", "Moewe Plus"},
      {"Das MÖWE PLUS Programm", "MÖWE PLUS"},
      {"Q7 kommt", "Q7"},
      {"Q7x kommt", ""},                       // short terms only as whole words
      {"Der Falkenhof", ""},                   // different word
      {"Nordlichter über Kiel", "Nordlicht"},  // plural of a long term
      {"Die Möwenplus-Karte", ""},             // "moewenpius": not the term
      {"Projekt Adler startet", ""},
  };
  for (const Case& c : cases) {
    auto hits = h->Run(c.text);
    if (*c.want == '\0') {
      EXPECT_TRUE(hits.empty()) << c.text << " -> " << (hits.empty() ? "" : hits[0].text);
      continue;
    }
    ASSERT_EQ(hits.size(), 1u) << c.text;
    EXPECT_EQ(hits[0].text, c.want) << c.text;
    EXPECT_EQ(hits[0].type, "term");
  }
}

TEST(TermsDetectorTest, LongestOverlappingTermWins) {
  auto h = Make({"Falke", "Projekt Falke"});
  auto hits = h->Run("Projekt Falke und Falke");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].text, "Projekt Falke");
  EXPECT_EQ(hits[1].text, "Falke");
  EXPECT_EQ(hits[0].detection.evidence, "Projekt Falke");
}

TEST(TermsDetectorTest, ReadsFilesAndRejectsBadParameters) {
  DetectorParams p;
  p.Set("files", std::vector<std::string>{"terms.txt"});
  DetectorEnv env;
  env.read_file = [](std::string_view path) -> Result<std::string> {
    if (path == "terms.txt") return std::string("# comment\n  Kranich 2\t note\n\nOrion\n");
    return Status::NotFound(std::string(path));
  };
  auto h = testing::DetectorHarness::Make(detectors::terms::Factory(), p, env);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ((*h)->Run("Kranich 2 und Orion").size(), 2u);
  EXPECT_TRUE((*h)->Run("comment note").empty());

  DetectorParams missing;
  missing.Set("files", std::vector<std::string>{"nope.txt"});
  auto bad = testing::DetectorHarness::Make(detectors::terms::Factory(), missing, env);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("nope.txt"), std::string::npos);

  DetectorParams unknown;
  unknown.Set("term", std::string("x"));
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::terms::Factory(), unknown).ok());
  DetectorParams wrong_type;
  wrong_type.Set("min_compound_length", std::string("five"));
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::terms::Factory(), wrong_type).ok());
}

TEST(TermsDetectorTest, HostileInputStaysBounded) {
  auto h = Make({"aa", "aaa aaa"});
  std::string text(1 << 20, 'a');
  for (size_t i = 3; i < text.size(); i += 4) text[i] = ' ';
  auto hits = h->Run(text);
  EXPECT_LE(hits.size(), 64u);
}

}  // namespace
}  // namespace leitplanke::guard
