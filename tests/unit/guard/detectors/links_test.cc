#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::links {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

struct Case {
  const char* text;
  const char* type;  // "" = no finding
  const char* span;
};

TEST(LinksDetectorTest, InternalHostsPrivateAddressesAndShorteners) {
  DetectorParams p;
  p.Set("internal_domains", std::vector<std::string>{"intern.beispiel.de", ".corp"});
  auto h = testing::DetectorHarness::Make(detectors::links::Factory(), p);
  ASSERT_TRUE(h.ok()) << h.status();
  const Case cases[] = {
      {"siehe https://wiki.intern.beispiel.de/a/b.", "internal_host",
       "https://wiki.intern.beispiel.de/a/b"},
      {"Server jira.corp ist down", "internal_host", "jira.corp"},
      {"WIKI.INTERN.BEISPIEL.DE/x", "internal_host", "WIKI.INTERN.BEISPIEL.DE/x"},
      {"http://192.168.10.5:8080/admin", "private_ip_url", "http://192.168.10.5:8080/admin"},
      {"http://10.0.0.12/", "private_ip_url", "http://10.0.0.12/"},
      {"http://localhost:3000/x", "private_ip_url", "http://localhost:3000/x"},
      {"https://[fd00::1]/x", "private_ip_url", "https://[fd00::1]/x"},
      {"http://93.184.216.34/x", "ip_literal_url", "http://93.184.216.34/x"},
      {"Mehr: https://bit.ly/3xYz12", "shortener", "https://bit.ly/3xYz12"},
      {"https://www.beispiel.de/hilfe", "", ""},
      {"intern.beispiel.de.evil.org/x", "", ""},
      {"notintern.beispiel.de", "", ""},
      {"mail an max@intern.beispiel.de", "", ""},  // e-mail: the pii detector's business
      {"bit.ly ist ein Dienst", "", ""},
      {"Version 10.0.0.1 ist da", "", ""},
      {"http://localhost.example.com/", "", ""},
  };
  for (const Case& c : cases) {
    auto hits = (*h)->Run(c.text);
    if (*c.type == '\0') {
      EXPECT_TRUE(hits.empty()) << c.text << " -> " << (hits.empty() ? "" : hits[0].text);
      continue;
    }
    ASSERT_EQ(hits.size(), 1u) << c.text;
    EXPECT_EQ(hits[0].type, c.type) << c.text;
    EXPECT_EQ(hits[0].text, c.span) << c.text;
  }
}

TEST(LinksDetectorTest, RejectsBadDomainsAndTypes) {
  DetectorParams p;
  p.Set("internal_domains", std::vector<std::string>{"not a domain"});
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::links::Factory(), p).ok());
  DetectorParams t;
  t.Set("types", std::vector<std::string>{"ftp"});
  EXPECT_FALSE(testing::DetectorHarness::Make(detectors::links::Factory(), t).ok());
}

}  // namespace
}  // namespace leitplanke::guard
