// Graphemes, facet spans (byte offsets), RFC 3339 and the JWT expiry claim.
#include <gtest/gtest.h>

#include "channels/bluesky/bluesky.h"
#include "fake_pds.h"

namespace leitplanke::channels::bluesky {
namespace {

TEST(GraphemeCountTest, AsciiAndEmpty) {
  EXPECT_EQ(GraphemeCount(""), 0u);
  EXPECT_EQ(GraphemeCount("hello"), 5u);
}

TEST(GraphemeCountTest, FamilyEmojiWithZwjIsOne) {
  // MAN, ZWJ, WOMAN, ZWJ, GIRL, ZWJ, BOY: 7 code points, 25 bytes.
  std::string family =
      "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7"
      "\xE2\x80\x8D\xF0\x9F\x91\xA6";
  EXPECT_EQ(family.size(), 25u);
  EXPECT_EQ(GraphemeCount(family), 1u);
  EXPECT_EQ(GraphemeCount("hi " + family), 4u);
}

TEST(GraphemeCountTest, DecomposedUmlautIsOne) {
  EXPECT_EQ(GraphemeCount("a\xCC\x88"), 1u);  // a + COMBINING DIAERESIS
  EXPECT_EQ(GraphemeCount("\xC3\xA4"), 1u);   // precomposed ä
  EXPECT_EQ(GraphemeCount("Gru\xCC\x88\xC3\x9F"
                          "e"),
            5u);  // Grüße with a decomposed ü
}

TEST(GraphemeCountTest, FlagsAndSkinTone) {
  EXPECT_EQ(GraphemeCount("\xF0\x9F\x87\xA9\xF0\x9F\x87\xAA"), 1u);  // DE flag
  EXPECT_EQ(GraphemeCount("\xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD"), 1u);  // waving hand, tone
}

TEST(GraphemeCountTest, InvalidBytesDoNotCrash) {
  EXPECT_EQ(GraphemeCount("\xff\xfe"), 2u);
  EXPECT_GE(GraphemeCount(std::string("a\0b", 3)), 3u);
}

TEST(FacetSpanTest, LinkAfterUmlautsAndEmojiUsesByteOffsets) {
  // "Grüße 👋 " is 6 + 4 + 1... count: G r ü(2) ß(2) e = 7 bytes, space, 4-byte emoji, space.
  std::string text =
      "Gr\xC3\xBC\xC3\x9F"
      "e \xF0\x9F\x91\x8B https://example.com/track?id=1 danke";
  auto spans = FindFacetSpans(text);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].kind, FacetSpan::Kind::kLink);
  EXPECT_EQ(spans[0].byte_start, 13u);  // 7 + 1 + 4 + 1
  EXPECT_EQ(spans[0].byte_end, 13u + 30u);
  EXPECT_EQ(spans[0].value, "https://example.com/track?id=1");
  EXPECT_EQ(text.substr(spans[0].byte_start, spans[0].byte_end - spans[0].byte_start),
            spans[0].value);
}

TEST(FacetSpanTest, MentionAndLinkInOrder) {
  std::string text = "Hallo @Alice.bsky.social, siehe https://status.example.com.";
  auto spans = FindFacetSpans(text);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].kind, FacetSpan::Kind::kMention);
  EXPECT_EQ(spans[0].value, "alice.bsky.social");
  EXPECT_EQ(text.substr(spans[0].byte_start, spans[0].byte_end - spans[0].byte_start),
            "@Alice.bsky.social");
  EXPECT_EQ(spans[1].kind, FacetSpan::Kind::kLink);
  EXPECT_EQ(spans[1].value, "https://status.example.com");  // trailing '.' excluded
}

TEST(FacetSpanTest, MentionAfterEmojiHasByteOffsets) {
  std::string text = "\xF0\x9F\x98\x80 @bob.example.org";
  auto spans = FindFacetSpans(text);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].byte_start, 5u);
  EXPECT_EQ(spans[0].byte_end, text.size());
}

TEST(FacetSpanTest, NotFacets) {
  EXPECT_TRUE(FindFacetSpans("mail me at info@example.com").empty());  // e-mail, not a mention
  EXPECT_TRUE(FindFacetSpans("@alice without a dot").empty());
  EXPECT_TRUE(FindFacetSpans("xhttps://example.com").empty());
  EXPECT_TRUE(FindFacetSpans("https:// alone").empty());
  EXPECT_TRUE(FindFacetSpans("@").empty());
  EXPECT_TRUE(FindFacetSpans("@a.1").empty());  // TLD must start with a letter
}

TEST(FacetSpanTest, LinkInBracketsAndBalancedParens) {
  std::string text = "(see https://en.wikipedia.org/wiki/Foo_(bar))";
  auto spans = FindFacetSpans(text);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].value, "https://en.wikipedia.org/wiki/Foo_(bar)");
}

TEST(Rfc3339Test, Parses) {
  EXPECT_EQ(ParseRfc3339Micros("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-06T07:08:09.123Z"), 1714979289123000);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-06T07:08:09.123456Z"), 1714979289123456);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-06T09:08:09.123+02:00"), 1714979289123000);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-06T07:08:09.1234567Z"), 1714979289123456);
}

TEST(Rfc3339Test, Rejects) {
  for (const char* bad : {"", "2024", "2024-05-06", "2024-05-06T07:08:09", "2024-13-06T07:08:09Z",
                          "2024-05-06T07:08:09.Z", "2024-05-06T07:08:09Zjunk",
                          "2024-05-06T07:08:09+0200", "yyyy-05-06T07:08:09Z"}) {
    EXPECT_FALSE(ParseRfc3339Micros(bad).has_value()) << bad;
  }
}

TEST(JwtExpiryTest, ReadsExpClaim) {
  EXPECT_EQ(JwtExpiry(testing::FakePds::Jwt(1700003600)), 1700003600000);
}

TEST(JwtExpiryTest, UnreadableIsZero) {
  EXPECT_EQ(JwtExpiry(""), 0);
  EXPECT_EQ(JwtExpiry("abc"), 0);
  EXPECT_EQ(JwtExpiry("a.b.c"), 0);
  EXPECT_EQ(JwtExpiry("a.!!!.c"), 0);
  EXPECT_EQ(JwtExpiry("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig"), 0);  // {"sub":"x"}: no exp
}

}  // namespace
}  // namespace leitplanke::channels::bluesky
