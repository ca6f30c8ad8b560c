#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "leitplanke/base/utf8.h"

#include "guard/testing/detector_harness.h"

namespace leitplanke::guard::detectors::channel {
const DetectorFactory& Factory();
}

namespace leitplanke::guard {
namespace {

using testing::DetectorHarness;
using testing::Hit;

std::unique_ptr<DetectorHarness> Make(const DetectorParams& p = {}) {
  auto h = DetectorHarness::Make(detectors::channel::Factory(), p);
  EXPECT_TRUE(h.ok()) << h.status();
  return h.ok() ? std::move(*h) : nullptr;
}

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// Decodes \uXXXX, \UXXXXXXXX and \n escapes of the data file.
std::string Unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char k = s[i + 1];
      const size_t digits = k == 'u' ? 4 : k == 'U' ? 8 : 0;
      if (digits > 0 && i + 2 + digits <= s.size()) {
        utf8::Append(static_cast<char32_t>(std::stoul(s.substr(i + 2, digits), nullptr, 16)), &out);
        i += 1 + digits;
        continue;
      }
      if (k == 'n') {
        out += '\n';
        ++i;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<Hit> OfType(const std::vector<Hit>& hits, std::string_view type) {
  std::vector<Hit> out;
  for (const Hit& h : hits) {
    if (h.type == type) out.push_back(h);
  }
  return out;
}

// The weight X gives `text`, read from the evidence with a limit of 1.
long XWeight(DetectorHarness& h, const std::string& text) {
  const std::string probe = "ab " + text;  // weight >= 3 > 1: always reported
  auto hits = h.Run(probe, Audience::kPublic, "x");
  if (hits.size() != 1) return -1;
  const std::string& ev = hits[0].detection.evidence;
  const std::string prefix = "weighted length ";
  if (ev.rfind(prefix, 0) != 0) return -1;
  return std::stol(ev.substr(prefix.size())) - 3;
}

TEST(ChannelDetectorTest, XWeightsFromDataFile) {
  DetectorParams p;
  p.Set("x", int64_t{1});
  auto h = Make(p);
  ASSERT_NE(h, nullptr);
  const char* root = std::getenv("LP_SOURCE_DIR");
  const std::string path = std::string(root ? root : ".") + "/tests/data/channel_x_weights.tsv";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot open " << path;
  std::string line;
  int cases = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << path << ":" << line_no;
    const long want = std::stol(line.substr(0, tab));
    const std::string text = Unescape(line.substr(tab + 1));
    EXPECT_EQ(XWeight(*h, text), want) << path << ":" << line_no << ": " << text;
    ++cases;
  }
  EXPECT_GE(cases, 20);
}

TEST(ChannelDetectorTest, XBoundary280) {
  auto h = Make();
  EXPECT_TRUE(h->Run(Repeat("a", 280), Audience::kPublic, "x").empty());
  auto hits = h->Run(Repeat("a", 281), Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].type, "too_long");
  EXPECT_EQ(hits[0].start, 280u);
  EXPECT_EQ(hits[0].end, 281u);
  EXPECT_EQ(hits[0].detection.evidence, "weighted length 281 / 280");
}

TEST(ChannelDetectorTest, XCjkAndEmojiCountTwo) {
  auto h = Make();
  EXPECT_TRUE(h->Run(Repeat("語", 140), Audience::kPublic, "x").empty());
  auto hits = h->Run(Repeat("語", 141), Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text, "語");
  EXPECT_EQ(hits[0].detection.evidence, "weighted length 282 / 280");
  // 279 + one emoji = 281: the cut is before the emoji.
  const std::string family = "👨\u200D👩\u200D👧\u200D👦";
  hits = h->Run(Repeat("a", 279) + family, Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text, family);
  EXPECT_TRUE(h->Run(Repeat("a", 278) + family, Audience::kPublic, "x").empty());
}

TEST(ChannelDetectorTest, XUrlsCount23WhateverTheirLength) {
  auto h = Make();
  const std::string url = "https://example.com/" + Repeat("x", 200);
  // 257 + 23 = 280.
  EXPECT_TRUE(h->Run(Repeat("a", 256) + " " + url, Audience::kPublic, "x").empty());
  auto hits = h->Run(Repeat("a", 257) + " " + url, Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].text, url);  // the cut falls before the URL
}

TEST(ChannelDetectorTest, XCountsTheNfcFormAndCutsInTheOriginal) {
  auto h = Make();
  const std::string decomposed = "e\u0301";  // NFC: one code point, weight 1
  EXPECT_TRUE(h->Run(Repeat(decomposed, 280), Audience::kPublic, "x").empty());
  auto hits = h->Run(Repeat(decomposed, 281), Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].start, 280u * 3);
  EXPECT_EQ(hits[0].text, decomposed);
}

TEST(ChannelDetectorTest, XDecomposingCharactersTakeTheExactPath) {
  // U+1D160 (4 bytes) has NFC_QC=No: NFC turns it into three code points of
  // weight 2 each, so 47 of them (188 bytes) weigh 282.
  auto h = Make();
  auto hits = h->Run(Repeat("\U0001D160", 47), Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].detection.evidence, "weighted length 282 / 280");
  EXPECT_EQ(hits[0].start, 46u * 4);
}

class CollectingSink : public DetectionSink {
 public:
  void Add(Detection d) override { detections.push_back(std::move(d)); }
  std::vector<Detection> detections;
};

TEST(ChannelDetectorTest, ConcurrentScansAgree) {
  auto made = detectors::channel::Factory().Create({}, {});
  ASSERT_TRUE(made.ok()) << made.status();
  const Detector& detector = **made;
  const std::string text = Repeat("e\u0301", 301) + Repeat("👍🏽", 10);
  NormalizedText folded;
  std::vector<size_t> starts(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < starts.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        CollectingSink sink;
        ScanContext ctx;
        ctx.raw = text;
        ctx.folded = &folded;
        ctx.channel = (round % 2) ? "bluesky" : "mastodon";
        detector.Scan(ctx, sink);
        if (round % 2 == 1 && sink.detections.size() == 1) starts[t] = sink.detections[0].start;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (size_t s : starts) EXPECT_EQ(s, 300u * 3);  // the 301st grapheme
}

TEST(ChannelDetectorTest, ChannelNameIsCaseInsensitiveAndTwitterMeansX) {
  auto h = Make();
  EXPECT_EQ(h->Run(Repeat("a", 281), Audience::kPublic, "X").size(), 1u);
  EXPECT_EQ(h->Run(Repeat("a", 281), Audience::kPublic, "twitter").size(), 1u);
}

TEST(ChannelDetectorTest, EmptyOrUnknownChannelStaysQuiet) {
  auto h = Make();
  const std::string text = Repeat("(a) ", 20000);
  EXPECT_TRUE(h->Run(text, Audience::kPublic, "").empty());
  EXPECT_TRUE(h->Run(text, Audience::kPublic, "fax").empty());
  EXPECT_TRUE(h->Run(text, Audience::kPublic, "a-channel-name-longer-than-sixteen").empty());
}

TEST(ChannelDetectorTest, MastodonBoundaryWithUrlsAndRemoteMentions) {
  auto h = Make();
  EXPECT_TRUE(h->Run(Repeat("a", 500), Audience::kPublic, "mastodon").empty());
  auto hits = h->Run(Repeat("a", 501), Audience::kPublic, "mastodon");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].detection.evidence, "length 501 / 500");
  const std::string url = "https://example.com/" + Repeat("p", 100);
  EXPECT_TRUE(h->Run(Repeat("a", 476) + " " + url, Audience::kPublic, "mastodon").empty());
  EXPECT_EQ(h->Run(Repeat("a", 477) + " " + url, Audience::kPublic, "mastodon").size(), 1u);
  // Mastodon needs the scheme: a bare domain counts as its characters.
  EXPECT_EQ(
      h->Run(Repeat("a", 476) + " example.com/" + Repeat("p", 20), Audience::kPublic, "mastodon")
          .size(),
      1u);
  // "@anna@social.example.org" counts as "@anna" (5).
  EXPECT_TRUE(h->Run(Repeat("a", 494) + " @anna@social.example.org", Audience::kPublic, "mastodon")
                  .empty());
  EXPECT_EQ(
      h->Run(Repeat("a", 495) + " @anna@social.example.org", Audience::kPublic, "mastodon").size(),
      1u);
}

TEST(ChannelDetectorTest, MastodonAndBlueskyCountGraphemes) {
  auto h = Make();
  const std::string family = "👨\u200D👩\u200D👧\u200D👦";  // 7 code points, 25 bytes
  EXPECT_TRUE(h->Run(Repeat(family, 500), Audience::kPublic, "mastodon").empty());
  auto hits = h->Run(Repeat(family, 501), Audience::kPublic, "mastodon");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].start, 500u * 25);
  EXPECT_EQ(hits[0].text, family);

  EXPECT_TRUE(h->Run(Repeat("e\u0301", 300), Audience::kPublic, "bluesky").empty());
  hits = h->Run(Repeat("e\u0301", 301), Audience::kPublic, "bluesky");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].detection.evidence, "graphemes 301 / 300");
  EXPECT_EQ(hits[0].start, 300u * 3);
  EXPECT_TRUE(h->Run(Repeat("🇩🇪", 300), Audience::kPublic, "bluesky").empty());
  EXPECT_EQ(h->Run(Repeat("🇩🇪", 301), Audience::kPublic, "bluesky").size(), 1u);
  EXPECT_TRUE(h->Run(Repeat("a", 300), Audience::kPublic, "bluesky").empty());
  EXPECT_EQ(h->Run(Repeat("a", 301), Audience::kPublic, "bluesky").size(), 1u);
}

TEST(ChannelDetectorTest, LinkedinLengthInstagramFacebook) {
  auto h = Make();
  EXPECT_TRUE(OfType(h->Run(Repeat("ä", 3000), Audience::kPublic, "linkedin"), "too_long").empty());
  auto hits = OfType(h->Run(Repeat("ä", 3001), Audience::kPublic, "linkedin"), "too_long");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].detection.evidence, "characters 3001 / 3000");
  EXPECT_TRUE(h->Run(Repeat("a", 2200), Audience::kPublic, "instagram").empty());
  EXPECT_EQ(h->Run(Repeat("a", 2201), Audience::kPublic, "instagram").size(), 1u);
  EXPECT_TRUE(h->Run(Repeat("a", 63206), Audience::kPublic, "facebook").empty());
  EXPECT_EQ(h->Run(Repeat("a", 63207), Audience::kPublic, "facebook").size(), 1u);
}

TEST(ChannelDetectorTest, LimitsAreParameters) {
  DetectorParams p;
  p.Set("bluesky", int64_t{10});
  p.Set("x", int64_t{25000});
  auto h = Make(p);
  EXPECT_EQ(h->Run(Repeat("a", 11), Audience::kPublic, "bluesky").size(), 1u);
  EXPECT_TRUE(h->Run(Repeat("a", 1000), Audience::kPublic, "x").empty());
}

TEST(ChannelDetectorTest, LinkedinReservedCharactersMustBeEscaped) {
  auto h = Make();
  auto hits =
      h->Run("Mehr dazu (siehe FAQ) unter #service, Datei a_b.pdf", Audience::kPublic, "linkedin");
  std::string got;
  for (const Hit& hit : hits) {
    EXPECT_EQ(hit.type, "linkedin_reserved");
    got += hit.text;
  }
  EXPECT_EQ(got, "()_");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].detection.evidence, "escape '(' as '\\('");
}

TEST(ChannelDetectorTest, LinkedinEscapedAndMarkupAreFine) {
  auto h = Make();
  EXPECT_TRUE(h->Run("Mehr dazu \\(siehe FAQ\\) unter \\#service, Pfad C:\\\\temp",
                     Audience::kPublic, "linkedin")
                  .empty());
  EXPECT_TRUE(h->Run("Danke an @[Leitplanke GmbH](urn:li:organization:123) und {hashtag|\\#|Care}",
                     Audience::kPublic, "linkedin")
                  .empty());
  // Hashtag elements and URLs (auto-linked as written) stay; a '#' that starts
  // no hashtag does not.
  EXPECT_TRUE(
      h->Run("#Kundenservice: https://example.com/a_b?x=(1)#teil", Audience::kPublic, "linkedin")
          .empty());
  auto lone = h->Run("Punkt # 3 und a#b", Audience::kPublic, "linkedin");
  ASSERT_EQ(lone.size(), 2u);
  EXPECT_EQ(lone[0].start, 6u);
  // A lone backslash is itself reserved; a broken mention template is not markup.
  auto hits = h->Run("C:\\Users @[Anna](https://example.com)", Audience::kPublic, "linkedin");
  std::string got;
  for (const Hit& hit : hits) got += hit.text;
  EXPECT_EQ(got, "\\@[]()");
}

TEST(ChannelDetectorTest, ReservedOnlyForLinkedinAndSelectableTypes) {
  auto h = Make();
  EXPECT_TRUE(h->Run("Mehr dazu (siehe FAQ) #service", Audience::kPublic, "x").empty());
  DetectorParams p;
  p.Set("types", std::vector<std::string>{"too_long"});
  auto only_length = Make(p);
  EXPECT_TRUE(only_length->Run("Mehr dazu (siehe FAQ)", Audience::kPublic, "linkedin").empty());
}

TEST(ChannelDetectorTest, InvalidUtf8IsCountedNotTrusted) {
  auto h = Make();
  const std::string bad = Repeat("\xff", 281);  // each invalid byte: U+FFFD, weight 2
  auto hits = h->Run(bad, Audience::kPublic, "x");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_NE(hits[0].detection.evidence.find("/ 280"), std::string::npos);
  EXPECT_TRUE(h->Run(bad, Audience::kPublic, "bluesky").empty());
}

TEST(ChannelDetectorTest, RejectsBadParameters) {
  const std::vector<std::pair<std::string, DetectorParams::Value>> bad = {
      {"types", std::vector<std::string>{"too_short"}},
      {"x", int64_t{0}},
      {"mastodon", std::string("500")},
      {"url_length", int64_t{-1}},
      {"tiktok", int64_t{2200}},
  };
  EXPECT_EQ(testing::ParamRejectionProblems(detectors::channel::Factory(), bad), "");
}

TEST(ChannelDetectorTest, ArbitraryBytesGiveSpansInsideTheText) {
  // Deterministic pseudo-random texts mixing ASCII, punctuation runs, UTF-8
  // fragments and invalid bytes: no crash, every span inside the text.
  auto h = Make();
  for (const std::string& text : testing::ByteSoupTexts()) {
    for (const char* channel : {"x", "mastodon", "bluesky", "linkedin", "facebook"}) {
      for (const Hit& hit : h->Run(text, Audience::kPublic, channel)) {
        EXPECT_LT(hit.start, hit.end) << hit.type;
        EXPECT_LE(hit.end, text.size()) << hit.type;
      }
    }
  }
}

}  // namespace
}  // namespace leitplanke::guard
