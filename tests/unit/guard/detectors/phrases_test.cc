#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::phrases {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

std::unique_ptr<testing::DetectorHarness> Make(DetectorParams p) {
  auto h = testing::DetectorHarness::Make(detectors::phrases::Factory(), p);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? std::move(*h) : nullptr;
}

TEST(PhrasesDetectorTest, WholeWordsWildcardsAndType) {
  DetectorParams p;
  p.Set("phrases",
        std::vector<std::string>{"garantiert", "Aktie*", "*prognose", "Sie haben Anspruch"});
  p.Set("type", std::string("promise"));
  auto h = Make(p);
  auto hits = h->Run("Sie haben Anspruch, garantiert! Aktien und die Umsatzprognose.");
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(hits[0].text, "Sie haben Anspruch");
  EXPECT_EQ(hits[1].text, "garantiert");
  EXPECT_EQ(hits[2].text, "Aktien");  // widened to the whole word
  EXPECT_EQ(hits[3].text, "Umsatzprognose");
  EXPECT_EQ(hits[0].type, "promise");
  EXPECT_TRUE(h->Run("Das ist ungarantiert und die Aktionen laufen.").empty());
}

TEST(PhrasesDetectorTest, ContextInTheSameSentenceOrAnywhere) {
  DetectorParams p;
  p.Set("phrases", std::vector<std::string>{"Umsatz"});
  p.Set("context", std::vector<std::string>{"steigt", "Prozent"});
  auto h = Make(p);
  EXPECT_EQ(h->Run("Der Umsatz steigt um 20 Prozent.").size(), 1u);
  EXPECT_TRUE(h->Run("Der Umsatz ist gut. Die Zahl steigt.").empty());
  EXPECT_TRUE(h->Run("Die Umsatzsteuer steigt.").empty());

  p.Set("context_scope", std::string("text"));
  auto anywhere = Make(p);
  EXPECT_EQ(anywhere->Run("Der Umsatz ist gut. Die Zahl steigt.").size(), 1u);

  p.Set("context_scope", std::string("paragraph"));
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::phrases::Factory(), p).ok());
}

TEST(PhrasesDetectorTest, SentenceBoundsIgnoreAbbreviations) {
  DetectorParams p;
  p.Set("phrases", std::vector<std::string>{"Aktie"});
  p.Set("context", std::vector<std::string>{"kaufen"});
  auto h = Make(p);
  EXPECT_EQ(h->Run("Z.B. diese Aktie jetzt kaufen").size(), 1u);
  EXPECT_TRUE(h->Run("Diese Aktie ist bekannt. Brötchen kaufen wir morgen.").empty());
}

}  // namespace
}  // namespace leitplanke::guard
