// Weighted length (twitter-text v3 rules) and the post cost estimate.
#include <string>

#include <gtest/gtest.h>

#include "channels/x/x.h"

namespace leitplanke::channels::x {
namespace {

TEST(WeightedLengthTest, AsciiCountsOnePerCharacter) {
  EXPECT_EQ(WeightedLength(""), 0);
  EXPECT_EQ(WeightedLength("Hello"), 5);
  EXPECT_EQ(WeightedLength(std::string(280, 'a')), 280);
}

TEST(WeightedLengthTest, GermanUmlautsWeighOne) {
  EXPECT_EQ(WeightedLength("Grüße aus Köln, Straße"), 22);
  EXPECT_EQ(WeightedLength("ÄÖÜäöüß"), 7);
}

TEST(WeightedLengthTest, CjkWeighsTwo) {
  EXPECT_EQ(WeightedLength("日本語"), 6);
  EXPECT_EQ(WeightedLength("한국어"), 6);  // Hangul syllables lie above U+10FF
  EXPECT_EQ(WeightedLength(std::string("你好") + "ab"), 6);
}

TEST(WeightedLengthTest, RangeBoundaries) {
  EXPECT_EQ(WeightedLength("\u10FF"), 1);  // 4351
  EXPECT_EQ(WeightedLength("\u1100"), 2);  // 4352
  EXPECT_EQ(WeightedLength("\u2000"), 1);  // 8192
  EXPECT_EQ(WeightedLength("\u200D"), 1);  // 8205 alone
  EXPECT_EQ(WeightedLength("\u200E"), 2);  // 8206
  EXPECT_EQ(WeightedLength("\u2010"), 1);  // 8208
  EXPECT_EQ(WeightedLength("\u201F"), 1);  // 8223
  EXPECT_EQ(WeightedLength("\u2020"), 2);  // 8224
  EXPECT_EQ(WeightedLength("\u2032"), 1);  // 8242
  EXPECT_EQ(WeightedLength("\u2037"), 1);  // 8247
  EXPECT_EQ(WeightedLength("\u2038"), 2);  // 8248
  EXPECT_EQ(WeightedLength("\u20AC"), 2);  // euro sign
  EXPECT_EQ(WeightedLength("\u201Equoted\u201C"), 8);
}

TEST(WeightedLengthTest, EmojiWeighTwo) {
  EXPECT_EQ(WeightedLength("\U0001F600"), 2);                                // grinning face
  EXPECT_EQ(WeightedLength("Thanks \U0001F44D"), 9);                         // thumbs up
  EXPECT_EQ(WeightedLength("\U0001F44D\U0001F3FD"), 2);                      // with skin tone
  EXPECT_EQ(WeightedLength("\u2764\uFE0F"), 2);                              // red heart
  EXPECT_EQ(WeightedLength("\U0001F1E9\U0001F1EA"), 2);                      // flag DE
  EXPECT_EQ(WeightedLength("\U0001F1E9\U0001F1EA\U0001F1EB\U0001F1F7"), 4);  // two flags
  EXPECT_EQ(WeightedLength("1\uFE0F\u20E3"), 2);                             // keycap one
  // family: man, ZWJ, woman, ZWJ, girl
  EXPECT_EQ(WeightedLength("\U0001F468\u200D\U0001F469\u200D\U0001F467"), 2);
  EXPECT_EQ(WeightedLength("\U0001F600\U0001F600\U0001F600"), 6);
}

TEST(WeightedLengthTest, UrlsCountTwentyThree) {
  EXPECT_EQ(WeightedLength("https://example.com"), 23);
  EXPECT_EQ(WeightedLength("http://a.co"), 23);
  std::string long_url = "https://example.com/" + std::string(200, 'x');
  EXPECT_EQ(WeightedLength(long_url), 23);
  EXPECT_EQ(WeightedLength("See " + long_url + " now"), 4 + 23 + 4);
  EXPECT_EQ(WeightedLength("Two: https://a.example.org/x and http://b.example.net"),
            5 + 23 + 5 + 23);
  EXPECT_EQ(WeightedLength("HTTPS://EXAMPLE.COM/A"), 23);
}

TEST(WeightedLengthTest, TrailingPunctuationIsNotPartOfTheUrl) {
  EXPECT_EQ(WeightedLength("Go to https://example.com/help."), 6 + 23 + 1);
  EXPECT_EQ(WeightedLength("(https://example.com/a)"), 1 + 23 + 1);
  EXPECT_EQ(WeightedLength("https://example.com/a?b=c!"), 23 + 1);
}

TEST(WeightedLengthTest, BareDomainsCountAsUrls) {
  EXPECT_EQ(WeightedLength("example.com"), 23);
  EXPECT_EQ(WeightedLength("Visit shop.example.de/returns today"), 6 + 23 + 6);
  EXPECT_EQ(WeightedLength("www.example.org."), 24);
}

TEST(WeightedLengthTest, NotUrls) {
  EXPECT_EQ(WeightedLength("e.g. this"), 9);
  EXPECT_EQ(WeightedLength("alice@example.com"), 17);  // e-mail address, not a link
  EXPECT_EQ(WeightedLength("version 1.2.3"), 13);
  EXPECT_EQ(WeightedLength("end.Next"), 8);  // "next" is no TLD in our list
  EXPECT_EQ(WeightedLength("https://"), 8);
  EXPECT_FALSE(ContainsUrl("no link here"));
  EXPECT_TRUE(ContainsUrl("see https://x.com/help"));
}

TEST(WeightedLengthTest, UrlNextToCjkAndEmoji) {
  EXPECT_EQ(WeightedLength("詳細はhttps://example.com/jaを見て"), 6 + 23 + 6);
  EXPECT_EQ(WeightedLength("\U0001F449 https://example.com"), 2 + 1 + 23);
}

TEST(WeightedLengthTest, InvalidBytesWeighTwoAndNeverCrash) {
  EXPECT_EQ(WeightedLength(std::string("\xff\xfe", 2)), 4);
  std::string s;
  unsigned v = 12345;
  for (int i = 0; i < 20000; ++i) {
    v = v * 1103515245u + 12345u;
    s += static_cast<char>(v >> 16);
    (void)WeightedLength(s.substr(s.size() > 300 ? s.size() - 300 : 0));
  }
  SUCCEED();
}

TEST(PostCostTest, UrlMakesThePostDearer) {
  Costs c;
  EXPECT_DOUBLE_EQ(PostCost("Thanks for waiting!", c), 0.015);
  EXPECT_DOUBLE_EQ(PostCost("See https://example.com/help", c), 0.200);
  c.post_usd = 0.02;
  c.post_with_url_usd = 0.5;
  EXPECT_DOUBLE_EQ(PostCost("plain", c), 0.02);
  EXPECT_DOUBLE_EQ(PostCost("example.com", c), 0.5);
}

}  // namespace
}  // namespace leitplanke::channels::x
