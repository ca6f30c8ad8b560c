#include "leitplanke/base/utf8.h"

#include <gtest/gtest.h>

namespace leitplanke::utf8 {
namespace {

TEST(Utf8Test, DecodesAllLengths) {
  std::string s = "a\xC3\xA4\xE2\x82\xAC\xF0\x9F\x98\x80";  // a ä € 😀
  int len;
  bool valid;
  EXPECT_EQ(Decode(s, 0, &len, &valid), U'a');
  EXPECT_EQ(len, 1);
  EXPECT_EQ(Decode(s, 1, &len, &valid), U'ä');
  EXPECT_EQ(len, 2);
  EXPECT_EQ(Decode(s, 3, &len, &valid), U'€');
  EXPECT_EQ(len, 3);
  EXPECT_EQ(Decode(s, 6, &len, &valid), char32_t{0x1F600});
  EXPECT_EQ(len, 4);
  EXPECT_TRUE(valid);
  EXPECT_EQ(CodePointCount(s, s.size()), 4u);
  EXPECT_EQ(FirstInvalid(s), std::string_view::npos);
}

TEST(Utf8Test, ReportsInvalidSequencesWithOffsets) {
  // stray continuation at 2, overlong at 4, surrogate at 7, truncated at 11
  std::string s = "ok\x80x\xC0\xAFy\xED\xA0\x80z\xE2\x82";
  EXPECT_EQ(FirstInvalid(s), 2u);
  std::vector<size_t> bad = InvalidOffsets(s);
  ASSERT_GE(bad.size(), 4u);
  EXPECT_EQ(bad[0], 2u);
  EXPECT_EQ(bad[1], 4u);
  std::string clean = Sanitize(s);
  EXPECT_EQ(FirstInvalid(clean), std::string_view::npos);
  EXPECT_EQ(clean.substr(0, 2), "ok");
}

TEST(Utf8Test, AppendRoundTrips) {
  for (char32_t cp : {U'A', U'ß', U'€', char32_t{0x10FFFF}}) {
    std::string s;
    Append(cp, &s);
    int len;
    bool valid;
    EXPECT_EQ(Decode(s, 0, &len, &valid), cp);
    EXPECT_TRUE(valid);
    EXPECT_EQ(static_cast<size_t>(len), s.size());
  }
}

TEST(Utf8Test, AsciiFastPathKeepsExactOffsetsAtEveryPosition) {
  for (size_t pos = 0; pos < 40; ++pos) {
    std::string s(40, 'a');
    s[pos] = '\xFF';
    EXPECT_EQ(FirstInvalid(s), pos);
    std::string u(40, 'b');
    u.replace(pos, 1, "\xC3\xA4");  // ä: one code point, two bytes
    EXPECT_EQ(FirstInvalid(u), std::string_view::npos);
    EXPECT_EQ(CodePointCount(u, u.size()), 40u);
    EXPECT_EQ(CodePointCount(u, pos), pos);
    EXPECT_EQ(CodePointCount(u, pos + 2), pos + 1);
  }
}

// FirstInvalid skips ASCII by words and checks two-byte sequences inline; it
// must agree with the plain decoder (InvalidOffsets) on every input. Texts
// are built from a fixed pseudo-random mix of ASCII, valid sequences of every
// length and broken ones, at every alignment.
TEST(Utf8Test, FirstInvalidAgreesWithTheDecoderOnMixedTexts) {
  const std::vector<std::string> pieces = {"a",
                                           "bcdefghij",
                                           " ",
                                           "\xC3\xA4",
                                           "\xC2\x80",
                                           "\xDF\xBF",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80",
                                           "\xC3",
                                           "\xC0\xAF",
                                           "\xC1\xBF",
                                           "\x80",
                                           "\xC3\x41",
                                           "\xED\xA0\x80",
                                           "\xE2\x82",
                                           "\xFF",
                                           "\xF4\x90\x80\x80"};
  uint32_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 16;
  };
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    const size_t parts = next() % 12;
    for (size_t k = 0; k < parts; ++k) {
      // Mostly valid pieces, so that some texts are valid throughout.
      const size_t pick = next() % 100 < 90 ? next() % 8 : next() % pieces.size();
      s += pieces[pick];
    }
    const std::vector<size_t> bad = InvalidOffsets(s, 1);
    const size_t want = bad.empty() ? std::string_view::npos : bad[0];
    ASSERT_EQ(FirstInvalid(s), want) << "round " << round;
  }
}

}  // namespace
}  // namespace leitplanke::utf8
