// The benchmark corpus is deterministic and has the distribution the
// benchmark report claims (docs/PERFORMANCE.md): lengths 20–2,000 code points
// with a median near 250, about 2 % lexicon hits, and planted items that are
// present and valid.
#include "corpus_gen.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include <gtest/gtest.h>

namespace leitplanke::bench {
namespace {

const Corpus& Full() {
  static const Corpus kCorpus = Generate();
  return kCorpus;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

TEST(CorpusGenTest, SameOptionsSameCorpus) {
  CorpusOptions o;
  o.messages = 2000;
  const Corpus a = Generate(o);
  const Corpus b = Generate(o);
  ASSERT_EQ(a.messages.size(), b.messages.size());
  for (size_t i = 0; i < a.messages.size(); ++i) {
    ASSERT_EQ(a.messages[i].text, b.messages[i].text) << "message " << i;
  }
  EXPECT_EQ(a.lexicon, b.lexicon);
  EXPECT_EQ(Fingerprint(a), Fingerprint(b));

  o.seed += 1;
  const Corpus c = Generate(o);
  EXPECT_NE(Fingerprint(a), Fingerprint(c));
}

TEST(CorpusGenTest, FingerprintIsPinned) {
  // The benchmark's figures are only comparable across commits while the
  // corpus stays the same. If you change the generator on purpose, update
  // this value and say so in docs/PERFORMANCE.md.
  EXPECT_EQ(Fingerprint(Full()), 0x514056b2b0a5756dULL) << std::hex << Fingerprint(Full());
}

TEST(CorpusGenTest, LengthDistribution) {
  const Corpus& c = Full();
  ASSERT_EQ(c.messages.size(), 100'000u);
  std::vector<size_t> lens;
  size_t bytes = 0;
  for (const Message& m : c.messages) {
    lens.push_back(CodePoints(m.text));
    bytes += m.text.size();
  }
  EXPECT_EQ(bytes, c.total_bytes);
  std::sort(lens.begin(), lens.end());
  EXPECT_GE(lens.front(), 20u);
  EXPECT_LE(lens.back(), 2000u);
  const size_t median = lens[lens.size() / 2];
  EXPECT_GE(median, 235u);
  EXPECT_LE(median, 265u);
  const size_t tweet =
      static_cast<size_t>(std::upper_bound(lens.begin(), lens.end(), size_t{280}) - lens.begin());
  EXPECT_GT(tweet, 50'000u);  // most messages are tweet-sized
  EXPECT_LT(tweet, 65'000u);
  EXPECT_GT(lens[lens.size() * 99 / 100], 1000u);  // and there is a long tail
}

TEST(CorpusGenTest, LanguagesAreMixed) {
  size_t german = 0;
  for (const Message& m : Full().messages) german += m.german;
  EXPECT_GT(german, 55'000u);
  EXPECT_LT(german, 65'000u);
}

TEST(CorpusGenTest, LexiconIsUniqueAndMostlyMultiWord) {
  const Corpus& c = Full();
  ASSERT_EQ(c.lexicon.size(), 5000u);
  std::set<std::string> unique;
  size_t multi = 0;
  for (const std::string& t : c.lexicon) {
    EXPECT_FALSE(t.empty());
    unique.insert(Lower(t));
    multi += t.find(' ') != std::string::npos;
  }
  EXPECT_EQ(unique.size(), c.lexicon.size());
  EXPECT_GT(multi, 4000u);
  EXPECT_EQ(GenerateLexicon(CorpusOptions{}), c.lexicon);
}

// About 2 % of the messages carry a lexicon term, and the others carry none
// (checked on whole-word n-grams, as the terms detector matches them).
TEST(CorpusGenTest, LexiconHitsAboutTwoPercent) {
  const Corpus& c = Full();
  std::unordered_set<std::string> terms;
  std::unordered_set<std::string> first_words;
  size_t max_words = 1;
  for (const std::string& t : c.lexicon) {
    terms.insert(Lower(t));
    first_words.insert(Lower(t.substr(0, t.find(' '))));
    max_words = std::max<size_t>(max_words, std::count(t.begin(), t.end(), ' ') + 1);
  }
  size_t flagged = 0;
  size_t stray = 0;
  for (const Message& m : c.messages) {
    if (m.Has(PlantKind::kLexicon)) {
      ++flagged;
      for (const Planted& p : m.planted) {
        if (p.kind != PlantKind::kLexicon) continue;
        EXPECT_TRUE(terms.count(Lower(p.value))) << p.value;
        EXPECT_NE(m.text.find(p.value), std::string::npos) << m.text;
      }
      continue;
    }
    std::vector<std::string> words;
    std::string w;
    for (char ch : m.text + " ") {
      const unsigned char u = static_cast<unsigned char>(ch);
      if (std::isalnum(u) || u >= 0x80 || ch == '.') {
        w += static_cast<char>(std::tolower(u));
      } else if (!w.empty()) {
        words.push_back(w);
        w.clear();
      }
    }
    for (size_t i = 0; i < words.size(); ++i) {
      if (!first_words.count(words[i])) continue;
      std::string gram;
      for (size_t n = 0; n < max_words && i + n < words.size(); ++n) {
        gram += (n ? " " : "") + words[i + n];
        if (terms.count(gram)) ++stray;
      }
    }
  }
  EXPECT_GE(flagged, 1750u);
  EXPECT_LE(flagged, 2250u);
  EXPECT_EQ(stray, 0u);
}

TEST(CorpusGenTest, PlantedItemsArePresentAndValid) {
  const Corpus& c = Full();
  size_t count[kPlantKinds] = {};
  for (const Message& m : c.messages) {
    for (const Planted& p : m.planted) {
      ++count[static_cast<int>(p.kind)];
      ASSERT_NE(m.text.find(p.value), std::string::npos) << PlantKindName(p.kind);
      switch (p.kind) {
        case PlantKind::kEmail:
          EXPECT_NE(p.value.find('@'), std::string::npos) << p.value;
          EXPECT_NE(p.value.find('.', p.value.find('@')), std::string::npos) << p.value;
          break;
        case PlantKind::kPhone:
          EXPECT_TRUE(p.value.rfind("+49", 0) == 0 || p.value.rfind("0", 0) == 0) << p.value;
          break;
        case PlantKind::kIban:
          EXPECT_EQ(p.value.rfind("DE", 0), 0u) << p.value;
          EXPECT_TRUE(IbanValid(p.value)) << p.value;
          break;
        case PlantKind::kCard:
          EXPECT_TRUE(LuhnValid(p.value)) << p.value;
          break;
        case PlantKind::kApiKey:
          EXPECT_GE(p.value.size(), 20u) << p.value;
          break;
        case PlantKind::kInsult:
        case PlantKind::kLexicon:
          EXPECT_FALSE(p.value.empty());
          break;
      }
    }
  }
  // Expected per 100k: e-mail 3,000, phone 2,000, IBAN 1,000, card 500,
  // API key 500, insult 2,000, lexicon 2,000 (binomial; ±5 sigma).
  const size_t expected[kPlantKinds] = {3000, 2000, 1000, 500, 500, 2000, 2000};
  for (int k = 0; k < kPlantKinds; ++k) {
    EXPECT_NEAR(static_cast<double>(count[k]), static_cast<double>(expected[k]),
                5 * std::sqrt(static_cast<double>(expected[k])))
        << PlantKindName(static_cast<PlantKind>(k));
  }
}

TEST(CorpusGenTest, ChecksumsRejectCorruption) {
  EXPECT_TRUE(IbanValid("DE89 3704 0044 0532 0130 00"));
  EXPECT_FALSE(IbanValid("DE89 3704 0044 0532 0130 01"));
  EXPECT_FALSE(IbanValid("DE89 3704 0044 0532 0130 0x"));
  EXPECT_TRUE(LuhnValid("4111 1111 1111 1111"));
  EXPECT_FALSE(LuhnValid("4111 1111 1111 1112"));
  EXPECT_TRUE(LuhnValid("3782-822463-10005"));
}

TEST(CorpusGenTest, TextIsValidUtf8) {
  for (const Message& m : Full().messages) {
    const std::string& s = m.text;
    for (size_t i = 0; i < s.size();) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      ASSERT_NE(len, 0u) << s;
      ASSERT_LE(i + len, s.size()) << s;
      for (size_t k = 1; k < len; ++k) {
        ASSERT_EQ(static_cast<unsigned char>(s[i + k]) & 0xC0, 0x80) << s;
      }
      i += len;
    }
  }
}

}  // namespace
}  // namespace leitplanke::bench
