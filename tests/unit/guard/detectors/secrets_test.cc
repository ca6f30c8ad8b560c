// Tests of the `secrets` detector: the readable case file
// tests/data/secrets_cases.tsv, parameters, and adversarial input.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::secrets {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

using testing::DetectorHarness;
using testing::Hit;

std::unique_ptr<DetectorHarness> MakeHarness(const DetectorParams& p = {}) {
  auto h = DetectorHarness::Make(detectors::secrets::Factory(), p);
  if (!h.ok()) {
    ADD_FAILURE() << h.status();
    return nullptr;
  }
  return std::move(*h);
}

std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && (s[i + 1] == 'n' || s[i + 1] == 't')) {
      out += s[i + 1] == 'n' ? '\n' : '\t';
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct CaseLine {
  int line = 0;
  std::string type;  // "-" for no finding
  std::string text;
  std::string span;  // optional
};

std::vector<CaseLine> LoadCases() {
  const char* src = std::getenv("LP_SOURCE_DIR");
  const std::string path =
      std::string(src != nullptr ? src : ".") + "/tests/data/secrets_cases.tsv";
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<CaseLine> cases;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    CaseLine c;
    c.line = n;
    const size_t t1 = line.find('\t');
    if (t1 == std::string::npos) {
      ADD_FAILURE() << path << ":" << n << ": missing tab";
      continue;
    }
    c.type = line.substr(0, t1);
    const size_t t2 = line.find('\t', t1 + 1);
    c.text =
        Unescape(line.substr(t1 + 1, t2 == std::string::npos ? std::string::npos : t2 - t1 - 1));
    if (t2 != std::string::npos) c.span = Unescape(line.substr(t2 + 1));
    cases.push_back(std::move(c));
  }
  return cases;
}

std::string Describe(const std::vector<Hit>& hits) {
  std::string s;
  for (const Hit& h : hits) s += " [" + h.type + ": '" + h.text + "']";
  return s.empty() ? " none" : s;
}

TEST(SecretsDetectorTest, CaseFile) {
  auto h = MakeHarness();
  ASSERT_NE(h, nullptr);
  const auto cases = LoadCases();
  ASSERT_GT(cases.size(), 80u);
  for (const CaseLine& c : cases) {
    SCOPED_TRACE("secrets_cases.tsv:" + std::to_string(c.line) + ": " + c.text);
    const auto hits = h->Run(c.text);
    if (c.type == "-") {
      EXPECT_TRUE(hits.empty()) << "unexpected:" << Describe(hits);
      continue;
    }
    bool found = false;
    for (const Hit& hit : hits) {
      if (hit.type != c.type) continue;
      if (!c.span.empty() && hit.text != c.span) continue;
      found = true;
      EXPECT_TRUE(hit.detection.mask);
      EXPECT_EQ(hit.detection.view, View::kRaw);
    }
    EXPECT_TRUE(found) << "want " << c.type << (c.span.empty() ? "" : " '" + c.span + "'")
                       << ", got" << Describe(hits);
  }
}

TEST(SecretsDetectorTest, GithubChecksumRaisesScore) {
  auto h = MakeHarness();
  ASSERT_NE(h, nullptr);
  // The first token carries a valid CRC32 checksum, the second does not.
  const auto ok = h->Run("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");
  const auto bad = h->Run("ghp_ChHO4paaanVKyFqV9nOMbBJL2Y4Y5QTo2OsO");
  ASSERT_EQ(ok.size(), 1u);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(ok[0].detection.evidence, "github, checksum ok");
  EXPECT_GT(ok[0].detection.score, bad[0].detection.score);
}

TEST(SecretsDetectorTest, ExampleKeysGetLowScore) {
  auto h = MakeHarness();
  ASSERT_NE(h, nullptr);
  const auto hits = h->Run("AKIAIOSFODNN7EXAMPLE");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_LT(hits[0].detection.score, 0.6);
  EXPECT_EQ(hits[0].detection.evidence, "documentation example key");
}

TEST(SecretsDetectorTest, TypesParameterSelectsSubset) {
  DetectorParams p;
  p.Set("types", std::vector<std::string>{"github_token"});
  auto h = MakeHarness(p);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->Run("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").size(), 1u);
  EXPECT_TRUE(h->Run("Passwort: Kl4ppt!Nicht sk_live_imQwWrGMaOiITLzghvTiGi2R").empty());
}

TEST(SecretsDetectorTest, RejectsBadParameters) {
  {
    DetectorParams p;
    p.Set("types", std::vector<std::string>{"github_token", "crystal_ball"});
    auto h = DetectorHarness::Make(detectors::secrets::Factory(), p);
    ASSERT_FALSE(h.ok());
    EXPECT_NE(h.status().message().find("crystal_ball"), std::string::npos);
  }
  {
    DetectorParams p;
    p.Set("min_entrop", 3.5);
    auto h = DetectorHarness::Make(detectors::secrets::Factory(), p);
    ASSERT_FALSE(h.ok());
    EXPECT_NE(h.status().message().find("min_entrop"), std::string::npos);
  }
  {
    DetectorParams p;
    p.Set("min_entropy", 9.0);
    EXPECT_FALSE(DetectorHarness::Make(detectors::secrets::Factory(), p).ok());
  }
}

TEST(SecretsDetectorTest, MinEntropyParameterIsApplied) {
  DetectorParams strict;
  strict.Set("min_entropy", 5.5);  // above what 32 characters can reach
  auto h = MakeHarness(strict);
  ASSERT_NE(h, nullptr);
  EXPECT_TRUE(h->Run("Our API token: qziN5qIvst2qwO643aE94dLzoOysVLrY please").empty());
}

// Adversarial input: huge base64 runs, long keyword floods, many prefixes.
// Must finish (the run is bounded) and report a bounded number of findings.
TEST(SecretsDetectorTest, AdversarialInputIsBounded) {
  auto h = MakeHarness();
  ASSERT_NE(h, nullptr);
  std::string b64;
  b64.reserve(1 << 20);
  uint32_t x = 12345;
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  while (b64.size() < (1u << 20)) {
    x = x * 1103515245u + 12345u;
    b64 += kB64[(x >> 16) & 63];
  }
  EXPECT_TRUE(h->Run("api_key=" + b64).size() <= 32);
  EXPECT_TRUE(h->Run(b64).empty());

  std::string flood;
  while (flood.size() < (1u << 20)) flood += "password=Ab1! token: ghp_ AKIA -----BEGIN ://@ ";
  EXPECT_LE(h->Run(flood).size(), 32u);

  std::string tokens;
  while (tokens.size() < (1u << 20)) tokens += "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 ";
  EXPECT_EQ(h->Run(tokens).size(), 32u);  // capped per text

  // Repeated headers and context words must stay linear (no search to the
  // end of the text per candidate).
  std::string headers;
  while (headers.size() < (1u << 20)) headers += "-----BEGIN RSA PRIVATE KEY-----\n";
  EXPECT_TRUE(h->Run(headers).empty());
  std::string twilio;
  while (twilio.size() < (1u << 20)) twilio += "twilio ";
  EXPECT_TRUE(h->Run(twilio).empty());

  EXPECT_TRUE(h->Run(std::string(1 << 20, 'A')).empty());
  EXPECT_TRUE(h->Run(std::string(1 << 20, '=')).empty());
  EXPECT_TRUE(h->Run("-----BEGIN " + std::string(1 << 16, '-')).empty());
  EXPECT_TRUE(h->Run("eyJ" + std::string(1 << 16, '.')).empty());
}

TEST(SecretsDetectorTest, SpansAreInsideTheText) {
  auto h = MakeHarness();
  ASSERT_NE(h, nullptr);
  for (const CaseLine& c : LoadCases()) {
    for (const Hit& hit : h->Run(c.text)) {
      EXPECT_LT(hit.start, hit.end);
      EXPECT_LE(hit.end, c.text.size());
    }
  }
}

}  // namespace
}  // namespace leitplanke::guard
