#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::requests {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

struct Case {
  const char* text;
  const char* type;  // expected first finding type, "" = none
  const char* span;
};

TEST(RequestsDetectorTest, RequestsNeedACueAndNoNegation) {
  auto h = testing::DetectorHarness::Make(detectors::requests::Factory());
  ASSERT_TRUE(h.ok()) << h.status();
  const Case cases[] = {
      {"Nennen Sie uns bitte Ihre PIN.", "secret_request", "PIN"},
      {"Please send us your password so we can check.", "secret_request", "password"},
      {"Schick uns deine Online-Banking-PIN", "secret_request", "Online-Banking-PIN"},
      {"Can you share your account number with us?", "data_request", "account number"},
      {"Senden Sie uns Ihre Kundennummer.", "data_request", "Kundennummer"},
      {"Wie lautet Ihr Geburtsdatum?", "data_request", "Geburtsdatum"},
      {"Eine PIN brauchen wir nie.", "", ""},
      {"We will never ask you for your password.", "", ""},
      {"Bitte schreiben Sie uns per DM, Ihre Vertragsnummer fragen wir dort ab.", "", ""},
      {"Ihre PIN finden Sie im Brief.", "", ""},
      {"Die Kundennummer steht auf der Rechnung.", "", ""},
      {"Die Pinnwand ist voll, schreiben Sie uns.", "", ""},
  };
  for (const Case& c : cases) {
    auto hits = (*h)->Run(c.text);
    if (*c.type == '\0') {
      EXPECT_TRUE(hits.empty()) << c.text << " -> " << (hits.empty() ? "" : hits[0].text);
      continue;
    }
    ASSERT_FALSE(hits.empty()) << c.text;
    EXPECT_EQ(hits[0].type, c.type) << c.text;
    EXPECT_EQ(hits[0].text, c.span) << c.text;
  }
}

TEST(RequestsDetectorTest, TypesSelectAndExtraWordsExtend) {
  DetectorParams p;
  p.Set("types", std::vector<std::string>{"data_request"});
  p.Set("extra_data_objects", std::vector<std::string>{"Zählernummer"});
  auto h = testing::DetectorHarness::Make(detectors::requests::Factory(), p);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_TRUE((*h)->Run("Nennen Sie uns Ihre PIN.").empty());
  EXPECT_EQ((*h)->Run("Nennen Sie uns Ihre Zählernummer.").size(), 1u);
  DetectorParams bad;
  bad.Set("types", std::vector<std::string>{"gossip"});
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::requests::Factory(), bad).ok());
}

}  // namespace
}  // namespace leitplanke::guard
