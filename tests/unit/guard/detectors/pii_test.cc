// Tests of the `pii` detector: the case file tests/data/pii_cases.txt (every
// type, positives with exact spans, checksum-invalid and look-alike
// negatives), parameters, and adversarial input.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "guard/detectors/pii/checks.h"
#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::pii {
const DetectorFactory& Factory();
}  // namespace leitplanke::guard::detectors::pii

namespace leitplanke::guard {
namespace {

using detectors::pii::Factory;
using testing::DetectorHarness;
using testing::Hit;

std::string SourceDir() {
  const char* d = std::getenv("LP_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

struct Case {
  int line = 0;
  bool positive = false;
  std::string type;  // "*" = any
  std::string value;
  std::string text;
};

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(' ');
  size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
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

std::vector<Case> LoadCases() {
  std::ifstream in(SourceDir() + "/tests/data/pii_cases.txt");
  EXPECT_TRUE(in.good()) << "cannot open tests/data/pii_cases.txt";
  std::vector<Case> cases;
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty() || line[0] == '#') continue;
    Case c;
    c.line = no;
    c.positive = line[0] == '+';
    std::vector<std::string> parts;
    std::stringstream ss(line.substr(1));
    std::string part;
    while (std::getline(ss, part, '|')) parts.push_back(Trim(part));
    if (c.positive && parts.size() == 3) {
      c.type = parts[0];
      c.value = Unescape(parts[1]);
      c.text = Unescape(parts[2]);
    } else if (!c.positive && (parts.size() == 2 || parts.size() == 3)) {  // 3rd: a note
      c.type = parts[0];
      c.text = Unescape(parts[1]);
    } else {
      ADD_FAILURE() << "pii_cases.txt:" << no << ": malformed line";
      continue;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string Describe(const std::vector<Hit>& hits) {
  std::string s;
  for (const Hit& h : hits) s += " [" + h.type + " '" + h.text + "']";
  return s.empty() ? " (none)" : s;
}

TEST(PiiDetector, CaseFile) {
  auto h = DetectorHarness::Make(Factory());
  ASSERT_TRUE(h.ok()) << h.error().ToString();
  std::vector<Case> cases = LoadCases();
  EXPECT_GT(cases.size(), 100u);
  for (const Case& c : cases) {
    std::vector<Hit> hits = (*h)->Run(c.text);
    if (c.positive) {
      bool found = false;
      for (const Hit& hit : hits) found = found || (hit.type == c.type && hit.text == c.value);
      EXPECT_TRUE(found) << "pii_cases.txt:" << c.line << ": expected " << c.type << " '" << c.value
                         << "' in '" << c.text << "', got" << Describe(hits);
    } else {
      for (const Hit& hit : hits) {
        EXPECT_TRUE(c.type != "*" && hit.type != c.type)
            << "pii_cases.txt:" << c.line << ": unexpected " << hit.type << " '" << hit.text
            << "' in '" << c.text << "'";
      }
    }
  }
}

TEST(PiiDetector, ReportsRawViewSpans) {
  auto h = DetectorHarness::Make(Factory());
  ASSERT_TRUE(h.ok());
  const std::string text = "Grüße! Kundennr. 4711-22, IBAN DE89370400440532013000";
  for (const Hit& hit : (*h)->Run(text)) {
    EXPECT_EQ(hit.detection.view, View::kRaw);
    EXPECT_EQ(text.substr(hit.start, hit.end - hit.start), hit.text);
  }
}

TEST(PiiDetector, TypesParameterRestrictsOutput) {
  DetectorParams p;
  p.Set("types", std::vector<std::string>{"iban"});
  auto h = DetectorHarness::Make(Factory(), p);
  ASSERT_TRUE(h.ok());
  auto hits = (*h)->Run("mail a@example.com, IBAN DE89370400440532013000, Tel +49 30 1234567");
  ASSERT_EQ(hits.size(), 1u) << Describe(hits);
  EXPECT_EQ(hits[0].type, "iban");
}

TEST(PiiDetector, RegionsParameterEnablesUsNationalFormat) {
  const std::string text = "call (415) 555-2671 today";
  auto de = DetectorHarness::Make(Factory());
  ASSERT_TRUE(de.ok());
  EXPECT_TRUE((*de)->Run(text).empty());
  DetectorParams p;
  p.Set("regions", std::vector<std::string>{"DE", "US"});
  auto us = DetectorHarness::Make(Factory(), p);
  ASSERT_TRUE(us.ok());
  auto hits = (*us)->Run(text);
  ASSERT_EQ(hits.size(), 1u) << Describe(hits);
  EXPECT_EQ(hits[0].text, "(415) 555-2671");
}

TEST(PiiDetector, RejectsUnknownParamsTypesAndRegions) {
  DetectorParams unknown_key;
  unknown_key.Set("colour", std::string("red"));
  EXPECT_FALSE(Factory().Create(unknown_key, {}).ok());
  DetectorParams bad_type;
  bad_type.Set("types", std::vector<std::string>{"iban", "shoe_size"});
  auto r = Factory().Create(bad_type, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().ToString().find("shoe_size"), std::string::npos);
  DetectorParams bad_region;
  bad_region.Set("regions", std::vector<std::string>{"XX"});
  EXPECT_FALSE(Factory().Create(bad_region, {}).ok());
  DetectorParams wrong_kind;
  wrong_kind.Set("types", int64_t{3});
  EXPECT_FALSE(Factory().Create(wrong_kind, {}).ok());
}

TEST(PiiDetector, NameAndVersion) {
  EXPECT_EQ(Factory().name(), "pii");
  EXPECT_EQ(Factory().version(), "1");
}

TEST(PiiChecks, Checksums) {
  using namespace detectors::pii;
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_FALSE(LuhnValid("79927398710"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_TRUE(IbanValid("DE89370400440532013000"));
  EXPECT_FALSE(IbanValid("DE8937040044053201300"));  // German IBANs have 22 characters
  EXPECT_EQ(IbanLength("NO"), 15);
  EXPECT_EQ(Mod1110CheckDigit("13669597"), 6);
  EXPECT_TRUE(DeVatIdValid("DE136695976"));
  EXPECT_TRUE(DeDocumentNumberValid("L01X00T44"));
  EXPECT_FALSE(DeDocumentNumberValid("L01X00T4"));
  EXPECT_TRUE(DeSocialSecurityValid("65070803A019"));
  EXPECT_FALSE(DeSocialSecurityValid("65070803a01"));
  EXPECT_TRUE(Ipv6Valid("::"));
  EXPECT_TRUE(Ipv6Valid("1:2:3:4:5:6:7:8"));
  EXPECT_FALSE(Ipv6Valid("1:2:3:4:5:6:7:8:9"));
  EXPECT_FALSE(Ipv6Valid("12345::1"));
  EXPECT_TRUE(Ipv4Valid("0.0.0.0"));
  EXPECT_FALSE(Ipv4Valid("1.2.3"));
  EXPECT_FALSE(Ipv4Valid("1.2.3.4."));
}

// Adversarial input: no crash, bounded output, and linear behaviour (checked
// indirectly: these would take minutes if any step were quadratic).
TEST(PiiDetector, AdversarialInput) {
  auto h = DetectorHarness::Make(Factory());
  ASSERT_TRUE(h.ok());
  const size_t kMiB = 1 << 20;
  std::string digits(kMiB, '7');
  EXPECT_TRUE((*h)->Run(digits).empty());
  std::string grouped;
  while (grouped.size() < kMiB) grouped += "0171 ";
  (*h)->Run(grouped);
  std::string colons(kMiB, ':');
  EXPECT_TRUE((*h)->Run(colons).empty());
  std::string ats(kMiB, '@');
  EXPECT_TRUE((*h)->Run(ats).empty());
  std::string mixed;
  while (mixed.size() < kMiB) mixed += "a@b.de 1.2.3.4 DE89 ::1 Kundennr. 4711 geb. 1.1.1990 ";
  auto hits = (*h)->Run(mixed);
  EXPECT_LE(hits.size(), 256u);
  EXPECT_FALSE(hits.empty());
  std::string binary;
  for (size_t i = 0; i < kMiB; ++i) binary += static_cast<char>((i * 131) & 0xFF);
  (*h)->Run(binary);
  std::string many_cards;
  while (many_cards.size() < kMiB) many_cards += "4111 1111 1111 1111 ";
  EXPECT_LE((*h)->Run(many_cards).size(), 256u);
}

// Scan() is const and shared by all threads of the engine: the same
// detector object, scanned from four threads at once, gives the same
// findings as a single thread (libphonenumber included).
TEST(PiiDetector, ConcurrentScansAgree) {
  DetectorEnv env;
  env.normalizer = &testing::TestNormalizer();
  auto det = Factory().Create({}, env);
  ASSERT_TRUE(det.ok());
  const std::vector<std::string> texts = {
      "Tel +49 30 1234567, mobil 0171 2345678", "IBAN DE89 3704 0044 0532 0130 00",
      "Karte 4111 1111 1111 1111, mail a@example.de", "Server 192.168.1.1 und 2001:db8::1",
      "USt-IdNr. DE136695976, RV 65070803A019"};
  struct Sink : DetectionSink {
    void Add(Detection d) override { spans.push_back(d.type + std::to_string(d.start)); }
    std::vector<std::string> spans;
  };
  auto scan_all = [&](std::vector<std::vector<std::string>>* out) {
    NormalizedText folded;
    for (int round = 0; round < 200; ++round) {
      out->clear();
      for (const std::string& t : texts) {
        testing::TestNormalizer().Normalize(t, &folded);
        ScanContext ctx;
        ctx.raw = t;
        ctx.folded = &folded;
        Sink sink;
        (*det)->Scan(ctx, sink);
        out->push_back(sink.spans);
      }
    }
  };
  std::vector<std::vector<std::string>> expected;
  scan_all(&expected);
  EXPECT_EQ(expected[0].size(), 2u);
  std::vector<std::vector<std::vector<std::string>>> got(4);
  std::vector<std::thread> threads;
  for (auto& g : got) threads.emplace_back(scan_all, &g);
  for (std::thread& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, expected);
}

// Pseudo-random soups of the characters the token pass reacts to: every
// detection stays inside the text and covers a non-empty span.
TEST(PiiDetector, ByteSoupSpansStayInsideText) {
  auto h = DetectorHarness::Make(Factory());
  ASSERT_TRUE(h.ok());
  const std::string alphabet = "0123456789 .-/:()+@[]DEde fxXKLTabc\n\xC2\xA0\xC3\xA4";
  uint64_t state = 0x9E3779B97F4A7C15ULL;
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const size_t len = 1 + (state >> 59);
    for (size_t k = 0; k < len * 4; ++k) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      text += alphabet[state % alphabet.size()];
    }
    for (const Hit& hit : (*h)->Run(text)) {
      ASSERT_LT(hit.start, hit.end) << text;
      ASSERT_LE(hit.end, text.size()) << text;
    }
  }
}

}  // namespace
}  // namespace leitplanke::guard
