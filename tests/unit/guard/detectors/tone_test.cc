#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::tone {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

using testing::DetectorHarness;
using testing::Hit;

std::unique_ptr<DetectorHarness> Make(const DetectorParams& p = {}) {
  auto h = DetectorHarness::Make(detectors::tone::Factory(), p);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? std::move(*h) : nullptr;
}

std::vector<Hit> Sorted(std::vector<Hit> hits) {
  std::stable_sort(hits.begin(), hits.end(),
                   [](const Hit& a, const Hit& b) { return a.start < b.start; });
  return hits;
}

std::string Join(const std::vector<Hit>& hits, bool types) {
  std::string out;
  for (const Hit& h : hits) {
    if (!out.empty()) out += types ? "," : " | ";
    out += types ? h.type : h.text;
  }
  return out.empty() && types ? "-" : out;
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

TEST(ToneDetectorTest, DataFileCases) {
  const char* root = std::getenv("LP_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/tests/data/tone_cases.tsv";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  auto h = Make();
  ASSERT_NE(h, nullptr);
  std::string line;
  int cases = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const size_t t1 = line.find('\t');
    const size_t t2 = line.find('\t', t1 + 1);
    ASSERT_NE(t2, std::string::npos) << path << ":" << line_no << ": needs 3 columns";
    const std::string types = line.substr(0, t1);
    const std::string excerpts = line.substr(t1 + 1, t2 - t1 - 1);
    const std::string text = Unescape(line.substr(t2 + 1));
    const std::vector<Hit> hits = Sorted(h->Run(text));
    EXPECT_EQ(Join(hits, true), types) << path << ":" << line_no << ": " << text;
    if (excerpts != "*") {
      EXPECT_EQ(Join(hits, false), excerpts) << path << ":" << line_no << ": " << text;
    }
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

TEST(ToneDetectorTest, RatioShoutingEvidence) {
  auto h = Make();
  auto hits = h->Run("WIR HABEN DAS SCHON ERLEDIGT, danke.");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].type, "shouting");
  EXPECT_EQ(hits[0].text, "WIR HABEN DAS SCHON ERLEDIGT, danke");
  EXPECT_NE(hits[0].detection.evidence.find("over 29 letters"), std::string::npos)
      << hits[0].detection.evidence;
}

TEST(ToneDetectorTest, ShortUpperCaseTextBelowLetterMinimumIsNotRatioShouting) {
  auto h = Make();
  EXPECT_TRUE(h->Run("OK, DANKE.").empty());  // one shouted word only, 7 letters
}

TEST(ToneDetectorTest, CompanyAcronymsAreNotShouting) {
  const std::string text = "Mit MAGENTA und TELEKOM surfen Sie schneller.";
  auto plain = Make();
  EXPECT_EQ(plain->Run(text).size(), 2u);
  DetectorParams p;
  p.Set("acronyms", std::vector<std::string>{"magenta", "TELEKOM"});
  auto h = Make(p);
  EXPECT_TRUE(h->Run(text).empty());
}

TEST(ToneDetectorTest, ShortUnknownCapitalsAreAcronymsNotShouting) {
  auto h = Make();
  EXPECT_TRUE(h->Run("Bahn und GDL einigen sich, DHL und UPS streiken nicht.").empty());
  // Common short words are shouting; with caps_short_letters = 0 every
  // capital word of 3+ letters is.
  EXPECT_EQ(h->Run("Das war NIE so, und WIR wissen das.").size(), 2u);
  DetectorParams p;
  p.Set("caps_short_letters", int64_t{0});
  auto strict = Make(p);
  EXPECT_EQ(strict->Run("Bahn und GDL einigen sich, VRS und MRB streiken nicht.").size(), 3u);
}

TEST(ToneDetectorTest, RepeatedCapitalWordCountsOnce) {
  auto h = Make();
  EXPECT_TRUE(h->Run("Die JUTEC-Station und die JUTEC-App.").empty());
  EXPECT_EQ(h->Run("Die JUTEC-Station und die ROUTER-App.").size(), 2u);
}

TEST(ToneDetectorTest, IhrAsInformalPluralPronounIsNotFormal) {
  auto h = Make();
  EXPECT_TRUE(
      h->Run("Mit der App könnt Ihr jetzt live wählen, wir wünschen euch viel Spaß.").empty());
  auto hits = h->Run("Wir haben Ihr Paket verschickt, schau in deine Mails.");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].type, "du_sie_mix");
}

TEST(ToneDetectorTest, DecomposedUmlautStaysInsideTheWord) {
  auto h = Make();
  auto hits = Sorted(h->Run("Das ist aber SCHO\u0308N und GROSS."));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].text, "SCHO\u0308N");
  EXPECT_EQ(hits[1].text, "GROSS");
}

TEST(ToneDetectorTest, CaselessScriptsAndInvalidBytesAreHarmless) {
  auto h = Make();
  EXPECT_TRUE(h->Run("谢谢您的耐心，我们马上处理。").empty());
  EXPECT_TRUE(h->Run(std::string("Danke \xff\xfe f\xc3r alles")).empty());
  EXPECT_TRUE(h->Run("").empty());
  EXPECT_TRUE(h->Run("!").empty());
}

TEST(ToneDetectorTest, TypesSelectChecks) {
  DetectorParams p;
  p.Set("types", std::vector<std::string>{"exclamations"});
  auto h = Make(p);
  auto hits = h->Run("DAS haben wir Ihnen doch schon ZWEIMAL gesagt!!! Hast du das gelesen?");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].type, "exclamations");
}

TEST(ToneDetectorTest, ThresholdsAreParameters) {
  DetectorParams p;
  p.Set("exclamation_run", int64_t{2});
  p.Set("caps_min_words", int64_t{1});
  auto h = Make(p);
  auto hits = Sorted(h->Run("Das ist wirklich WICHTIG!!"));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].text, "WICHTIG");
  EXPECT_EQ(hits[1].text, "!!");
}

TEST(ToneDetectorTest, DuSieEvidenceNamesBothForms) {
  auto h = Make();
  auto hits = h->Run("Wir senden Ihnen den Link, Sie können dich dann anmelden.");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text, "dich");
  EXPECT_NE(hits[0].detection.evidence.find("'dich'"), std::string::npos);
  EXPECT_NE(hits[0].detection.evidence.find("'Ihnen' (2x"), std::string::npos)
      << hits[0].detection.evidence;
}

TEST(ToneDetectorTest, RejectsBadParameters) {
  const std::vector<std::pair<std::string, DetectorParams::Value>> bad = {
      {"types", std::vector<std::string>{"whisper"}},
      {"caps_ratio", 0.1},
      {"caps_ratio", std::string("high")},
      {"caps_min_letters", int64_t{0}},
      {"exclamation_run", int64_t{1}},
      {"acronyms", std::vector<std::string>{"two words"}},
      {"acronyms", std::vector<std::string>{""}},
      {"loudness", int64_t{3}},
  };
  EXPECT_EQ(testing::ParamRejectionProblems(detectors::tone::Factory(), bad), "");
}

TEST(ToneDetectorTest, ArbitraryBytesGiveSpansInsideTheText) {
  // Deterministic pseudo-random texts mixing ASCII, punctuation runs, UTF-8
  // fragments and invalid bytes: no crash, every span inside the text.
  auto h = Make();
  for (const std::string& text : testing::ByteSoupTexts()) {
    for (const char* channel : {""}) {
      for (const Hit& hit : h->Run(text, Audience::kPublic, channel)) {
        EXPECT_LT(hit.start, hit.end) << hit.type;
        EXPECT_LE(hit.end, text.size()) << hit.type;
      }
    }
  }
}

// The pre-pass that skips the word loop must not hide anything the loop
// finds. These texts sit at its edges.
TEST(ToneDetectorTest, RatioCountsLettersOutsideMentionsAndUrls) {
  auto h = Make();
  auto hits = h->Run(
      "BITTE SOFORT MELDEN @kundenservice_hilfe_team https://example.com/abcdefghijklmnopqrstuv");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].type, "shouting");
  EXPECT_EQ(hits[0].text, "BITTE SOFORT MELDEN");
  EXPECT_EQ(hits[0].detection.evidence, "upper-case ratio 1.00 over 17 letters");
}

TEST(ToneDetectorTest, CapitalsAroundNoBreakSpaceAndEmoji) {
  auto h = Make();
  auto hits = Sorted(h->Run("Das ist \U0001F621 NICHT\u00A0SCH\u00D6N \u201Egelaufen\u201C"));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].text, "NICHT");
  EXPECT_EQ(hits[1].text, "SCH\u00D6N");
}

TEST(ToneDetectorTest, FullwidthMarksFormRuns) {
  auto h = Make();
  EXPECT_TRUE(h->Run("Wie bitte\uFF1F\uFF01").empty());
  auto hits = h->Run("Wie bitte\uFF1F\uFF01\uFF01");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].type, "exclamations");
}

TEST(ToneDetectorTest, LongTextGivesTheSameFindings) {
  auto h = Make();
  std::string text;
  for (int k = 0; k < 300; ++k) text += "Danke f\u00FCr Ihre Nachricht. ";
  text += "Wir melden uns bei dir. Wie bitte?!?!";
  ASSERT_GT(text.size(), 5000u);
  auto hits = Sorted(h->Run(text));
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].type, "du_sie_mix");
  EXPECT_EQ(hits[0].text, "dir");
  EXPECT_EQ(hits[1].type, "exclamations");
}

}  // namespace
}  // namespace leitplanke::guard
