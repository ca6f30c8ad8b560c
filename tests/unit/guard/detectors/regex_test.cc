#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::regex {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

TEST(RegexDetectorTest, OneFindingPerMatchWithTheWholeSpan) {
  DetectorParams p;
  p.Set("patterns", std::vector<std::string>{R"(\bINC-\d{4,8}\b)"});
  p.Set("type", std::string("ticket"));
  auto h = testing::DetectorHarness::Make(detectors::regex::Factory(), p);
  ASSERT_TRUE(h.ok()) << h.status();
  auto hits = (*h)->Run("Siehe INC-204811 und INC-1234, nicht INC-12.");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].text, "INC-204811");
  EXPECT_EQ(hits[1].text, "INC-1234");
  EXPECT_EQ(hits[0].type, "ticket");
}

TEST(RegexDetectorTest, FoldedViewAndCaseless) {
  DetectorParams p;
  p.Set("patterns", std::vector<std::string>{"geheim[a-z]*"});
  p.Set("view", std::string("folded"));
  auto h = testing::DetectorHarness::Make(detectors::regex::Factory(), p);
  ASSERT_TRUE(h.ok()) << h.status();
  auto hits = (*h)->Run("Das ist G3HEIMSACHE!");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text, "G3HEIMSACHE");
}

TEST(RegexDetectorTest, BadParametersAreErrors) {
  DetectorParams none;
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::regex::Factory(), none).ok());
  DetectorParams bad;
  bad.Set("patterns", std::vector<std::string>{"(unclosed"});
  auto r = testing::DetectorHarness::Make(detectors::regex::Factory(), bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("patterns[0]"), std::string::npos);
  DetectorParams view;
  view.Set("patterns", std::vector<std::string>{"a"});
  view.Set("view", std::string("sideways"));
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::regex::Factory(), view).ok());
}

}  // namespace
}  // namespace leitplanke::guard
