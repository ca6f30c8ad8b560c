// Tests of the guard's text normaliser against the contract in
// leitplanke/guard/normalizer.h: every fold, the offset map, the events with
// original offsets, Fold() == Normalize().text, and hostile inputs.
#include "leitplanke/guard/normalizer.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace leitplanke::guard {
namespace {

const Normalizer& N() {
  static const std::shared_ptr<const Normalizer> kNormalizer = [] {
    auto n = Normalizer::Create();
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return *n;
  }();
  return *kNormalizer;
}

NormalizedText Norm(std::string_view s) {
  NormalizedText t;
  N().Normalize(s, &t);
  return t;
}

// The offset-map invariants of the contract, for any input.
void ExpectOffsetMapValid(std::string_view original, const NormalizedText& t) {
  ASSERT_EQ(t.src_begin.size(), t.text.size());
  ASSERT_EQ(t.src_end.size(), t.text.size());
  for (size_t i = 0; i < t.text.size(); ++i) {
    ASSERT_LT(t.src_begin[i], t.src_end[i]) << "byte " << i;
    ASSERT_LE(t.src_end[i], original.size()) << "byte " << i;
    if (i > 0) {
      ASSERT_LE(t.src_begin[i - 1], t.src_begin[i]) << "byte " << i;
      ASSERT_LE(t.src_end[i - 1], t.src_end[i]) << "byte " << i;
    }
  }
  for (const ObfuscationEvent& e : t.events) {
    ASSERT_LT(e.start, e.end);
    ASSERT_LE(e.end, original.size());
    ASSERT_TRUE(t.obfuscation & e.kind);
  }
}

struct FoldCase {
  const char* input;
  const char* folded;
};

// input -> folded view. Note that 'l' folds to 'i' everywhere (header, step 4).
const FoldCase kFoldCases[] = {
    // 1. NFKC + case folding, diacritics, umlauts, sharp s.
    {"PROJEKT FALKE", "projekt faike"},
    {"Müller", "mueiier"},
    {"Mueller", "mueiier"},
    {"MÜLLER", "mueiier"},
    {"Ärger Öl Übel", "aerger oei uebei"},
    {"Mu\u0308ller", "mueiier"},  // decomposed umlaut
    {"A\u0308rger", "aerger"},
    {"Straße STRASSE", "strasse strasse"},
    {"\u1E9E", "ss"},  // capital sharp s
    {"Café naïve élan", "cafe naive eian"},
    {"Cafe\u0301", "cafe"},  // decomposed acute
    {"Ǟ", "ae"},
    {"ﬁne", "fine"},  // ligature
    {"Ｆａｌｋｅ", "faike"},
    {"𝐅𝐚𝐥𝐤𝐞 𝔉𝔞𝔩𝔨𝔢", "faike faike"},  // mathematical alphanumerics
    {"①", "1"},
    // 2. Confusables.
    {"ΡrojеktFаlke", "projektfaike"},  // Greek Rho, Cyrillic ie and a
    {"аеорсхуіјѕԁɡ", "aeopcxyijsdg"},
    {"οανρτικ", "oavptik"},
    {"РROJEKT", "projekt"},  // Cyrillic capital Er
    {"ΑΒΕ", "abe"},
    // 3. Invisible characters.
    {"Fal\u200Bke", "faike"},
    {"Fal\u200Cke\u200D", "faike"},
    {"Pro\u2060jekt\uFEFF", "projekt"},
    {"Pro\u00ADjekt", "projekt"},
    {"\u202Eabc\u202C", "abc"},
    {"a\u200Eb\u200Fc\u2066d\u2069", "abcd"},
    {"x\u180Ey", "xy"},
    // 4. Leet.
    {"Pr0jekt F4lke", "projekt faike"},
    {"h3ll0 w0rld", "heiio worid"},
    {"b@nk", "bank"},
    {"pa$$w0rd", "password"},
    {"@anna", "@anna"},
    {"4711", "4711"},
    {"100 %", "100 %"},
    {"2024", "2024"},
    {"2024er Falke2026", "2024er faike2026"},
    {"Falke-Launch", "faike-iaunch"},
    {"anna@", "anna@"},
    {"$5", "$5"},
    // 5. Spaced letters.
    {"P r o j e k t", "projekt"},
    {"F.a.l.k.e", "faike"},
    {"F-a-l-k-e", "faike"},
    {"P r o j e k t  F.a.l.k.e", "projekt faike"},
    {"F.a.l.k.e F-a-l-k-e", "faike faike"},
    {"P r 0 j e k t", "projekt"},
    {"M ü l l e r", "mueiier"},
    {"z. B. das", "z. b. das"},
    {"u. a. I am a b", "u. a. i am a b"},
    {"a b", "a b"},
    {"x  y  z", "x y z"},  // double spaces do not join
    {"1 2 3", "1 2 3"},
    // 6. Whitespace.
    {"a  \t\n b", "a b"},
    {"a\u00A0\u00A0b\u3000c", "a b c"},
    {"  lead", " iead"},
    // Kept as they are.
    {"", ""},
    {"100 € / 50%", "100 € / 50%"},
    {"Привет", "пpиbet"},
    {"日本語", "日本語"},
    {"👍 ok", "👍 ok"},
};

TEST(NormalizerTest, Folds) {
  for (const FoldCase& c : kFoldCases) {
    NormalizedText t = Norm(c.input);
    EXPECT_EQ(t.text, c.folded) << "input: " << c.input;
    ExpectOffsetMapValid(c.input, t);
  }
}

TEST(NormalizerTest, FoldEqualsNormalizeText) {
  for (const FoldCase& c : kFoldCases) {
    EXPECT_EQ(N().Fold(c.input), Norm(c.input).text) << c.input;
  }
}

TEST(NormalizerTest, FoldIsIdempotentOnFoldedText) {
  // Collapsing whitespace can create a run of single-spaced letters, which
  // then joins on the second fold; elsewhere folding is idempotent.
  const std::string_view not_idempotent[] = {"x  y  z", "a\u00A0\u00A0b\u3000c"};
  for (const FoldCase& c : kFoldCases) {
    if (std::find(std::begin(not_idempotent), std::end(not_idempotent), c.input) !=
        std::end(not_idempotent)) {
      EXPECT_NE(N().Fold(N().Fold(c.input)), N().Fold(c.input));
      continue;
    }
    const std::string once = N().Fold(c.input);
    EXPECT_EQ(N().Fold(once), once) << c.input;
  }
}

TEST(NormalizerTest, ControlAndNulBytesAreKept) {
  const std::string in("a\0b\x01", 4);
  NormalizedText t = Norm(in);
  EXPECT_EQ(t.text, std::string("a\0b\x01", 4));
  ExpectOffsetMapValid(in, t);
}

TEST(NormalizerTest, InvalidUtf8FoldsToSpace) {
  const struct {
    std::string in;
    std::string out;
  } cases[] = {
      {"a\xFF"
       "b",
       "a b"},
      {"a\xC3", "a "},            // truncated
      {"\xC0\xAF", " "},          // overlong: two invalid bytes, one space
      {"x\xED\xA0\x80y", "x y"},  // surrogate
      {"\xF4\x90\x80\x80", " "},  // above U+10FFFF
      {"a \xFF b", "a b"},        // joins the surrounding spaces
  };
  for (const auto& c : cases) {
    NormalizedText t = Norm(c.in);
    EXPECT_EQ(t.text, c.out);
    EXPECT_EQ(t.obfuscation, 0u);
    ExpectOffsetMapValid(c.in, t);
  }
  NormalizedText t = Norm("x\xED\xA0\x80y");
  ASSERT_EQ(t.text.size(), 3u);
  EXPECT_EQ(t.src_begin[1], 1u);
  EXPECT_EQ(t.src_end[1], 4u);
}

TEST(NormalizerTest, OffsetsMapMatchesBackToTheOriginal) {
  const struct {
    std::string in;
    std::string needle;  // in the folded view
    std::string original;
  } cases[] = {
      {"Bitte Projekt Falke nicht erwähnen", "projekt faike", "Projekt Falke"},
      {"Das ΡrojеktFаlke-Team", "faike", "Fаlke"},
      {"Herr MÜLLER sagt", "mueiier", "MÜLLER"},
      {"Herr Mu\u0308ller sagt", "mueiier", "Mu\u0308ller"},
      {"Nur P r o j e k t heute", "projekt", "P r o j e k t"},
      {"Die Pr0jekt-Idee", "projekt", "Pr0jekt"},
      {"Fal\u200Bke!", "faike", "Fal\u200Bke"},
      {"x Ｆａｌｋｅ y", "faike", "Ｆａｌｋｅ"},
      {"Straße", "ss", "ß"},
      {"Cafe\u0301 au lait", "cafe", "Cafe\u0301"},
      {"a   b", " ", "   "},
  };
  for (const auto& c : cases) {
    NormalizedText t = Norm(c.in);
    const size_t s = t.text.find(c.needle);
    ASSERT_NE(s, std::string::npos) << c.in << " -> " << t.text;
    auto [b, e] = t.ToOriginal(s, s + c.needle.size());
    EXPECT_EQ(c.in.substr(b, e - b), c.original) << c.in;
  }
}

TEST(NormalizerTest, EventsCarryOriginalOffsets) {
  const struct {
    std::string in;
    std::vector<ObfuscationEvent> events;
  } cases[] = {
      {"Fal\u200Bke", {{kObfZeroWidth, 3, 6}}},
      {"a\u200B\u200Bb", {{kObfZeroWidth, 1, 4}, {kObfZeroWidth, 4, 7}}},
      {"Pro\u00ADjekt", {{kObfSoftHyphen, 3, 5}}},
      {"\u202Eabc", {{kObfBidi, 0, 3}}},
      {"x\u2066y\u2069", {{kObfBidi, 1, 4}, {kObfBidi, 5, 8}}},
      // Greek capital Rho (2 bytes) and Cyrillic a (2 bytes) inside Latin words.
      {"ΡrojеktFаlke", {{kObfHomoglyph, 0, 2}, {kObfHomoglyph, 5, 7}, {kObfHomoglyph, 10, 12}}},
      {"Pr0jekt F4lke", {{kObfLeet, 2, 3}, {kObfLeet, 9, 10}}},
      {"ok b@nk", {{kObfLeet, 4, 5}}},
      {"Nur P r o j e k t", {{kObfSpacedLetters, 4, 17}}},
      {"ＦＡＬＫＥ x", {{kObfFullwidth, 0, 15}}},
      {"Fal\u200Dke", {{kObfZeroWidth, 3, 6}}},
      {"tag\U000E0041\U000E0042", {{kObfZeroWidth, 3, 11}}},
  };
  for (const auto& c : cases) {
    NormalizedText t = Norm(c.in);
    ASSERT_EQ(t.events.size(), c.events.size()) << c.in;
    uint32_t kinds = 0;
    for (size_t i = 0; i < c.events.size(); ++i) {
      EXPECT_EQ(t.events[i].kind, c.events[i].kind) << c.in << " #" << i;
      EXPECT_EQ(t.events[i].start, c.events[i].start) << c.in << " #" << i;
      EXPECT_EQ(t.events[i].end, c.events[i].end) << c.in << " #" << i;
      kinds |= c.events[i].kind;
    }
    EXPECT_EQ(t.obfuscation, kinds) << c.in;
  }
}

TEST(NormalizerTest, NoEventsForOrdinaryText) {
  const char* inputs[] = {
      "Hallo Frau Müller, vielen Dank für Ihre Nachricht! Wir melden uns bis 17 Uhr.",
      "z. B. 100 % und 4711 @anna #launch https://example.com/a-b",
      "Family 👨\u200D👩\u200D👧 and flags "
      "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067"
      "\U000E007F",
      "Привет мир",  // all-Cyrillic words are not mixed-script
      "Ein\u00A0geschütztes Leerzeichen",
  };
  for (const char* in : inputs) {
    NormalizedText t = Norm(in);
    EXPECT_EQ(t.obfuscation, 0u) << in;
    EXPECT_TRUE(t.events.empty()) << in;
  }
}

TEST(NormalizerTest, EventsAreBounded) {
  std::string in;
  for (int i = 0; i < 10000; ++i) in += "a\u200B";
  NormalizedText t = Norm(in);
  EXPECT_EQ(t.text, std::string(10000, 'a'));
  EXPECT_LE(t.events.size(), 1000u);
  EXPECT_FALSE(t.events.empty());
  EXPECT_EQ(t.obfuscation, static_cast<uint32_t>(kObfZeroWidth));
}

TEST(NormalizerTest, SupplementaryPlanes) {
  // U+20000 (CJK extension B) is folded on demand and kept.
  NormalizedText t = Norm("a\U00020000b");
  EXPECT_EQ(t.text, "a\U00020000b");
  ExpectOffsetMapValid("a\U00020000b", t);
  EXPECT_EQ(Norm("\U0001D41D\U0001D428").text, "do");  // mathematical bold
}

TEST(NormalizerTest, ReusedBufferGivesTheSameResult) {
  NormalizedText t;
  const std::string big(5000, 'X');
  N().Normalize(big, &t);
  EXPECT_EQ(t.text, std::string(5000, 'x'));
  t.events.push_back({kObfLeet, 0, 1});
  t.obfuscation = kObfLeet;
  N().Normalize("Fal\u200Bke", &t);
  EXPECT_EQ(t.text, "faike");
  ASSERT_EQ(t.events.size(), 1u);
  EXPECT_EQ(t.obfuscation, static_cast<uint32_t>(kObfZeroWidth));
  EXPECT_EQ(t.src_begin.size(), 5u);
}

TEST(NormalizerTest, OffsetMapHoldsOnRandomBytes) {
  std::mt19937 rng(12345);
  // Byte pool biased towards UTF-8 lead/continuation bytes and separators.
  const std::string pool = std::string("aAlL01345@$ .-\t\n") +
                           "\xC3\xA4\xCC\x88\xE2\x80\x8B\xF0\x9F\x91\x8D\xFF\x80\xED";
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    const size_t len = rng() % 64;
    for (size_t i = 0; i < len; ++i) {
      in.push_back(rng() % 4 == 0 ? static_cast<char>(rng() % 256) : pool[rng() % pool.size()]);
    }
    NormalizedText t = Norm(in);
    ExpectOffsetMapValid(in, t);
    EXPECT_EQ(N().Fold(in), t.text);
  }
}

TEST(NormalizerTest, OffsetMapHoldsOnRandomCodePoints) {
  std::mt19937 rng(777);
  const char32_t ranges[][2] = {{0x20, 0x7E},       {0xA0, 0x24F},      {0x300, 0x36F},
                                {0x370, 0x52F},     {0x2000, 0x206F},   {0xFE00, 0xFFFF},
                                {0x1D400, 0x1D7FF}, {0xE0000, 0xE007F}, {0x1F300, 0x1F6FF}};
  for (int round = 0; round < 2000; ++round) {
    std::string in;
    const size_t len = rng() % 24;
    for (size_t i = 0; i < len; ++i) {
      const auto& r = ranges[rng() % std::size(ranges)];
      char32_t cp = r[0] + rng() % (r[1] - r[0] + 1);
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
      if (cp < 0x80) {
        in.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        in.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        in.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        in.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        in.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        in.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        in.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        in.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        in.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        in.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    NormalizedText t = Norm(in);
    ExpectOffsetMapValid(in, t);
  }
}

// ASCII words of 2+ letters separated by whitespace runs: the folded view is
// the lower-cased words ('l' -> 'i') joined by single spaces, wherever the
// runs fall relative to the 16-byte blocks of the fast path.
TEST(NormalizerTest, AsciiWhitespaceCollapseAtAnyPosition) {
  std::mt19937 rng(99);
  const char kWs[] = {' ', ' ', ' ', '\t', '\n', '\r'};
  for (int round = 0; round < 2000; ++round) {
    std::string in;
    std::string expected;
    const int words = 1 + static_cast<int>(rng() % 30);
    for (int k = 0; k < words; ++k) {
      const int ws = static_cast<int>(rng() % 4);
      for (int j = 0; j < ws; ++j) in.push_back(kWs[rng() % std::size(kWs)]);
      if (ws > 0) expected.push_back(' ');
      const int len = 2 + static_cast<int>(rng() % 7);
      for (int j = 0; j < len; ++j) {
        const char c = static_cast<char>((rng() % 2 ? 'a' : 'A') + rng() % 26);
        in.push_back(c);
        char f = static_cast<char>(c | 0x20);
        if (f == 'l') f = 'i';
        expected.push_back(f);
      }
    }
    NormalizedText t = Norm(in);
    ASSERT_EQ(t.text, expected) << in;
    ExpectOffsetMapValid(in, t);
  }
}

// Reference for letters and the separators ' ', '.', '-': runs of 3 or more
// one-letter tokens with the same single separator are joined, scanning left
// to right; a run's last letter does not start the next run.
std::string ReferenceSpacedFold(const std::string& in) {
  std::string f;  // folded, whitespace collapsed; multi-space runs marked '_'
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == ' ') {
      if (!f.empty() && (f.back() == ' ' || f.back() == '_')) {
        f.back() = '_';
        continue;
      }
      f.push_back(' ');
      continue;
    }
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c == 'l') c = 'i';
    f.push_back(c);
  }
  auto is_letter = [&](size_t k) { return k < f.size() && f[k] >= 'a' && f[k] <= 'z'; };
  auto single = [&](size_t k) {
    return is_letter(k) && (k == 0 || !is_letter(k - 1)) && !is_letter(k + 1);
  };
  std::vector<bool> drop(f.size(), false);
  size_t k = 0;
  while (k < f.size()) {
    if (!single(k)) {
      ++k;
      continue;
    }
    size_t last = k;
    int members = 1;
    char sep = 0;
    while (last + 2 < f.size() && single(last + 2) &&
           (f[last + 1] == ' ' || f[last + 1] == '.' || f[last + 1] == '-') &&
           (sep == 0 || f[last + 1] == sep)) {
      sep = f[last + 1];
      last += 2;
      ++members;
    }
    if (members >= 3) {
      for (size_t j = k + 1; j < last; j += 2) drop[j] = true;
      k = last + 1;
    } else {
      // A run too short to join may be followed by one that qualifies and
      // starts at its last member ("a f.u.c.k").
      k = last > k ? last : k + 1;
    }
  }
  std::string out;
  for (size_t j = 0; j < f.size(); ++j) {
    if (!drop[j]) out.push_back(f[j] == '_' ? ' ' : f[j]);
  }
  return out;
}

TEST(NormalizerTest, SpacedLettersMatchReferenceAtAnyPosition) {
  std::mt19937 rng(2024);
  const char kSeps[] = {' ', ' ', ' ', '.', '-'};
  for (int round = 0; round < 3000; ++round) {
    std::string in;
    const int items = 1 + static_cast<int>(rng() % 60);
    for (int k = 0; k < items; ++k) {
      const int len = rng() % 3 == 0 ? 2 + static_cast<int>(rng() % 5) : 1;
      for (int j = 0; j < len; ++j) in.push_back(static_cast<char>('a' + rng() % 26));
      const int seps = rng() % 6 == 0 ? 2 : 1;
      for (int j = 0; j < seps; ++j) in.push_back(kSeps[rng() % std::size(kSeps)]);
    }
    NormalizedText t = Norm(in);
    ASSERT_EQ(t.text, ReferenceSpacedFold(in)) << in;
    ExpectOffsetMapValid(in, t);
  }
}

TEST(NormalizerTest, OneMebibyteInput) {
  std::string in;
  const std::string chunk = "Grüße von P r o j e k t Fаlke\u200B, Pr0jekt 2024! ";
  while (in.size() < (1u << 20)) in += chunk;
  NormalizedText t = Norm(in);
  ExpectOffsetMapValid(in, t);
  EXPECT_EQ(t.text.find("gruesse von projekt faike, projekt 2024! "), 0u) << t.text.substr(0, 80);
  EXPECT_EQ(t.obfuscation,
            static_cast<uint32_t>(kObfZeroWidth | kObfHomoglyph | kObfLeet | kObfSpacedLetters));
}

}  // namespace
}  // namespace leitplanke::guard

namespace leitplanke::guard {
namespace {

// Spaced runs may start with leet digits and may follow a shorter run with a
// different separator.
TEST(NormalizerSpacedTest, LeetMembersAndRestartedRuns) {
  auto n = Normalizer::Create();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)->Fold("7 4 r 1 f  0 r 1 0 n"), "tarif orion");
  EXPECT_EQ((*n)->Fold("What a f.u.c.k mess"), "what a fuck mess");
  EXPECT_EQ((*n)->Fold("Gleis 3 a"), "gieis 3 a");  // two members stay apart
  EXPECT_EQ((*n)->Fold("1 2 3 4"), "1 2 3 4");      // no letters, no word
}

}  // namespace
}  // namespace leitplanke::guard
