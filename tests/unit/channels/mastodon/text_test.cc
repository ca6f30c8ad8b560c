// The pure text rules of the Mastodon connector: HTML to text, length
// counting, mentions, timestamps, ids, Link headers.
#include "channels/mastodon/text.h"

#include <random>

#include <gtest/gtest.h>

#include "leitplanke/base/utf8.h"

#include "channels/mastodon/notifications.h"

namespace leitplanke::channels::mastodon {
namespace {

TEST(HtmlToText, MentionSpansKeepTheirText) {
  EXPECT_EQ(HtmlToText("<p><span class=\"h-card\"><a href=\"https://mastodon.social/@trwnh\" "
                       "class=\"u-url mention\">@<span>trwnh</span></a></span> sup!</p>"),
            "@trwnh sup!");
}

TEST(HtmlToText, ParagraphsAndLineBreaks) {
  EXPECT_EQ(HtmlToText("<p>Erster Absatz</p><p>Zweiter<br>Zeile zwei<br />Zeile drei</p>"),
            "Erster Absatz\n\nZweiter\nZeile zwei\nZeile drei");
}

TEST(HtmlToText, EntitiesNamedAndNumeric) {
  EXPECT_EQ(HtmlToText("<p>Gr&uuml;&szlig;e &amp; &quot;Dank&quot; &#8211; 5&#x20AC; &lt;3 "
                       "it&#39;s &apos;ok&apos;</p>"),
            "Grüße & \"Dank\" – 5€ <3 it's 'ok'");
}

TEST(HtmlToText, UnknownOrBrokenEntitiesStayLiteral) {
  EXPECT_EQ(HtmlToText("AT&T &bogus; &#xZZ; & done"), "AT&T &bogus; &#xZZ; & done");
  // A reference to a surrogate or NUL is not a character.
  EXPECT_EQ(HtmlToText("a&#xD800;b&#0;c"), "a\uFFFDb\uFFFDc");
}

TEST(HtmlToText, UmlautsPassThroughAsUtf8) {
  EXPECT_EQ(HtmlToText("<p>Könnt ihr mir helfen? Größe M, Farbe grün.</p>"),
            "Könnt ihr mir helfen? Größe M, Farbe grün.");
}

TEST(HtmlToText, InvisibleLinkSpansGiveTheFullUrl) {
  EXPECT_EQ(HtmlToText("<p>Siehe <a href=\"https://example.com/hilfe/versand/dhl\" "
                       "rel=\"nofollow noopener\" target=\"_blank\"><span "
                       "class=\"invisible\">https://</span><span "
                       "class=\"ellipsis\">example.com/hilfe/vers</span><span "
                       "class=\"invisible\">and/dhl</span></a> <a "
                       "href=\"https://social.example/tags/Versand\" class=\"mention hashtag\" "
                       "rel=\"tag\">#<span>Versand</span></a></p>"),
            "Siehe https://example.com/hilfe/versand/dhl #Versand");
}

TEST(HtmlToText, WhitespaceCollapsesAndCommentsScriptsVanish) {
  EXPECT_EQ(HtmlToText("  <p>a \n\t b</p>\n<!-- note --><script>alert(1)</script><p>c</p>  "),
            "a b\n\nc");
}

TEST(HtmlToText, StrayAngleBracketsAndUnclosedTags) {
  EXPECT_EQ(HtmlToText("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
  EXPECT_EQ(HtmlToText("text <a href=\"x"), "text");
  EXPECT_EQ(HtmlToText(""), "");
}

TEST(HtmlToText, AttributesWithAngleBracketsInQuotes) {
  EXPECT_EQ(HtmlToText("<a title=\"a > b\">link</a>"), "link");
}

TEST(HtmlToText, InvalidUtf8IsReplaced) { EXPECT_EQ(HtmlToText("ok \xff done"), "ok \uFFFD done"); }

TEST(StatusLength, CountsCodePoints) {
  EXPECT_EQ(StatusLength("Grüße"), 5u);
  EXPECT_EQ(StatusLength("😀 ok"), 4u);
  EXPECT_EQ(StatusLength(""), 0u);
}

TEST(StatusLength, UrlsCountAsTwentyThree) {
  std::string url = "https://example.com/" + std::string(100, 'a');
  EXPECT_EQ(StatusLength(url), 23u);
  EXPECT_EQ(StatusLength("see " + url + "."), 4u + 23u + 1u);  // the period is not the URL's
  EXPECT_EQ(StatusLength("http://x.de"), 23u);
  EXPECT_EQ(StatusLength("see http://x.de", 30), 34u);
  // Not URLs: no host, or glued to a word.
  EXPECT_EQ(StatusLength("https://"), 8u);
  EXPECT_EQ(StatusLength("xhttps://a.de"), 13u);
}

TEST(StatusLength, RemoteMentionsCountWithoutDomain) {
  EXPECT_EQ(StatusLength("@alice@very.long.example.org hi"), 6u + 3u);
  EXPECT_EQ(StatusLength("@bob hi"), 7u);
  // Not a mention: an e-mail address counts in full.
  EXPECT_EQ(StatusLength("mail a@b.de"), 11u);
}

TEST(ParseHandle, Forms) {
  auto a = ParseHandle("@alice@social.example");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->user, "alice");
  EXPECT_EQ(a->domain, "social.example");
  auto b = ParseHandle("bob");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->user, "bob");
  EXPECT_EQ(b->domain, "");
  EXPECT_FALSE(ParseHandle("").ok());
  EXPECT_FALSE(ParseHandle("@").ok());
  EXPECT_FALSE(ParseHandle("@al ice@x.de").ok());
  EXPECT_FALSE(ParseHandle("@alice@").ok());
  EXPECT_EQ(ParseHandle("@a@b@c").status().code(), StatusCode::kInvalidArgument);
}

TEST(WithMention, PrefixesLocalShortAndRemoteFull) {
  Handle local{"anna", "social.example"};
  Handle remote{"jonas", "chaos.example"};
  EXPECT_EQ(WithMention("Danke!", local, "social.example"), "@anna Danke!");
  EXPECT_EQ(WithMention("Danke!", remote, "social.example"), "@jonas@chaos.example Danke!");
  EXPECT_EQ(WithMention("Danke!", Handle{"anna", ""}, "social.example"), "@anna Danke!");
}

TEST(WithMention, KeepsAnExistingLeadingMention) {
  Handle local{"anna", "social.example"};
  Handle remote{"jonas", "chaos.example"};
  EXPECT_EQ(WithMention("@anna danke", local, "social.example"), "@anna danke");
  EXPECT_EQ(WithMention("@Anna@Social.Example danke", local, "social.example"),
            "@Anna@Social.Example danke");
  EXPECT_EQ(WithMention("@jonas@chaos.example, gern!", remote, "social.example"),
            "@jonas@chaos.example, gern!");
  // A different, longer name is not the mention.
  EXPECT_EQ(WithMention("@annabell hi", local, "social.example"), "@anna @annabell hi");
  // The short form of a remote account is someone else on our instance.
  EXPECT_EQ(WithMention("@jonas hi", remote, "social.example"), "@jonas@chaos.example @jonas hi");
}

TEST(Iso8601, Parses) {
  EXPECT_EQ(*ParseIso8601Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseIso8601Millis("2019-11-23T07:49:02.064Z"), 1574495342064);
  EXPECT_EQ(*ParseIso8601Millis("2026-11-28T10:04:30.000000Z"), 1795860270000);
  EXPECT_EQ(*ParseIso8601Millis("2019-11-23T08:49:02.064+01:00"), 1574495342064);
  EXPECT_EQ(*ParseIso8601Millis("2024-02-29T00:00:00Z"), 1709164800000);
}

TEST(Iso8601, Rejects) {
  for (const char* bad :
       {"", "2019-11-23", "2019-11-23T07:49:02", "2019-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2019-11-23T07:49:02.Z", "yesterday", "2019-11-23T07:49:02Zjunk"}) {
    EXPECT_EQ(ParseIso8601Millis(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(HttpDate, Parses) {
  EXPECT_EQ(*ParseHttpDateMillis("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(*ParseHttpDateMillis("Sat, 28 Nov 2026 10:00:00 GMT"), 1795860000000);
  EXPECT_FALSE(ParseHttpDateMillis("120").ok());
  EXPECT_FALSE(ParseHttpDateMillis("Sun, 06 Foo 1994 08:49:37 GMT").ok());
}

TEST(IdNewer, NumericOrder) {
  EXPECT_TRUE(IdNewer("110", "99"));
  EXPECT_FALSE(IdNewer("99", "110"));
  EXPECT_TRUE(IdNewer("103186126728896492", "103186046267791694"));
  EXPECT_FALSE(IdNewer("5", "5"));
  EXPECT_TRUE(IdNewer("1", ""));
}

TEST(LinkHeader, DocumentedShape) {
  auto links = ParseLinkHeader(
      "<https://mastodon.example/api/v1/notifications?max_id=34975535>; rel=\"next\", "
      "<https://mastodon.example/api/v1/notifications?types%5B%5D=mention&min_id=34975861>; "
      "rel=\"prev\"");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(QueryParam(links["next"], "max_id"), "34975535");
  EXPECT_EQ(QueryParam(links["prev"], "min_id"), "34975861");
  EXPECT_EQ(QueryParam(links["prev"], "types[]"), "");
  EXPECT_EQ(QueryParam(links["prev"], "types%5B%5D"), "mention");
  EXPECT_TRUE(ParseLinkHeader("").empty());
}

TEST(ErrorText, DocumentedBodyOrExcerpt) {
  EXPECT_EQ(ErrorText(R"({"error":"The access token is invalid"})"), "The access token is invalid");
  EXPECT_EQ(ErrorText(R"({"error":"invalid_grant","error_description":"expired"})"),
            "invalid_grant: expired");
  EXPECT_EQ(ErrorText("<html>\nBad Gateway</html>"), "<html> Bad Gateway</html>");
}

TEST(ParseInstance, ReadsConfiguration) {
  auto info = ParseInstance(
      R"({"domain":"social.example","configuration":{"statuses":{"max_characters":5000,)"
      R"("characters_reserved_per_url":23}}})");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->domain, "social.example");
  EXPECT_EQ(info->max_characters, 5000);
  EXPECT_EQ(info->url_characters, 23);
  auto bad = ParseInstance(R"({"configuration":{"statuses":{"max_characters":"many"}}})");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("/configuration/statuses/max_characters"),
            std::string::npos);
}

TEST(SseParser, EventsAcrossChunksAndLineEndings) {
  SseParser p;
  EXPECT_TRUE(p.Feed(":thump\n\n").empty());  // a heartbeat comment is no event
  EXPECT_TRUE(p.Feed("event: notifi").empty());
  auto events = p.Feed("cation\ndata: {\"a\":\ndata: 1}\n\nevent: update\r\ndata: x\r\n\r\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, "notification");
  EXPECT_EQ(events[0].data, "{\"a\":\n1}");
  EXPECT_EQ(events[1].type, "update");
  EXPECT_EQ(events[1].data, "x");
  // CR alone ends a line too; the type resets after each event.
  events = p.Feed("data:y\r\r");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");
  EXPECT_EQ(events[0].data, "y");
  // No data, no event.
  EXPECT_TRUE(p.Feed("event: delete\n\n").empty());
}

TEST(SseParser, OverlongLineDropsItsEvent) {
  SseParser p;
  std::string huge = "data: " + std::string(SseParser::kMaxLine + 10, 'x') + "\n\n";
  EXPECT_TRUE(p.Feed(huge).empty());
  auto events = p.Feed("data: ok\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "ok");
}

// Arbitrary bytes, biased towards the characters the parsers care about,
// never crash a parser, and the text that comes out is valid UTF-8.
TEST(Robustness, RandomInputNeverBreaksTheParsers) {
  std::mt19937 rng(20261128);
  const std::string alphabet = "<>/&;#x\"'=p br a span @ . : h t s \n\xc3\xa4\xff{}[],0123456789";
  for (int round = 0; round < 3000; ++round) {
    std::string s;
    size_t len = rng() % 120;
    for (size_t i = 0; i < len; ++i) {
      s += (rng() % 4 == 0) ? static_cast<char>(rng() % 256) : alphabet[rng() % alphabet.size()];
    }
    std::string text = HtmlToText(s);
    EXPECT_EQ(utf8::FirstInvalid(text), std::string::npos) << s;
    (void)StatusLength(s);
    (void)ParseIso8601Millis(s);
    (void)ParseHttpDateMillis(s);
    (void)ParseHandle(s);
    (void)ParseLinkHeader(s);
    (void)QueryParam(s, "min_id");
    (void)ErrorText(s);
    auto page = ParseNotificationPage(s, "social.example");
    if (page.ok()) {
      for (const auto& m : page->mentions) {
        EXPECT_EQ(utf8::FirstInvalid(m.message.text), std::string::npos);
      }
    }
  }
}

}  // namespace
}  // namespace leitplanke::channels::mastodon
