#include "channels/email/codec.h"

#include <random>

#include <gtest/gtest.h>

#include "channels/email/html_text.h"
#include "channels/email/transport.h"

namespace leitplanke::channels::email {
namespace {

TEST(QuotedPrintableTest, DecodesEscapesAndSoftBreaks) {
  EXPECT_EQ(DecodeQuotedPrintable("Gr=C3=BC=C3=9Fe"), "Grüße");
  EXPECT_EQ(DecodeQuotedPrintable("lang=\r\ne Zeile"), "lange Zeile");
  EXPECT_EQ(DecodeQuotedPrintable("lang=\ne Zeile"), "lange Zeile");
  EXPECT_EQ(DecodeQuotedPrintable("soft with blanks=  \r\nnext"), "soft with blanksnext");
  EXPECT_EQ(DecodeQuotedPrintable("a=3Db"), "a=b");
  EXPECT_EQ(DecodeQuotedPrintable("lower=c3=a4"), "lowerä");  // lower-case hex is accepted
}

TEST(QuotedPrintableTest, KeepsMalformedSequencesLiterally) {
  EXPECT_EQ(DecodeQuotedPrintable("100=%"), "100=%");
  EXPECT_EQ(DecodeQuotedPrintable("=ZZ"), "=ZZ");
  EXPECT_EQ(DecodeQuotedPrintable("end="), "end");  // soft break at the very end
  EXPECT_EQ(DecodeQuotedPrintable("x=4"), "x=4");
}

TEST(QuotedPrintableTest, DropsTransportWhitespaceAtLineEnds) {
  EXPECT_EQ(DecodeQuotedPrintable("trailing   \r\nnext"), "trailing\r\nnext");
  EXPECT_EQ(DecodeQuotedPrintable("in between ok"), "in between ok");
}

TEST(QuotedPrintableTest, EncodedLinesStayWithin76Bytes) {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "Sehr geehrte Frau Müller, = ist ein Gleichheitszeichen. ";
  text += "\nZweite Zeile mit Leerzeichen am Ende   \n\n.\n.Punkt am Anfang\nEnde";
  std::string qp = EncodeQuotedPrintable(text);
  size_t start = 0;
  while (start < qp.size()) {
    size_t end = qp.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "encoded body must end with CRLF";
    std::string_view line(qp.data() + start, end - start);
    EXPECT_LE(line.size(), 76u) << line;
    EXPECT_TRUE(line.empty() || (line.back() != ' ' && line.back() != '\t')) << line;
    EXPECT_NE(line, ".");
    for (char c : line) EXPECT_TRUE(c >= 0x20 && c <= 0x7E) << line;
    start = end + 2;
  }
  std::string decoded = DecodeQuotedPrintable(qp);
  // Hard breaks come back as CRLF.
  std::string lf;
  for (size_t i = 0; i < decoded.size(); ++i) {
    if (decoded[i] == '\r' && i + 1 < decoded.size() && decoded[i + 1] == '\n') continue;
    lf.push_back(decoded[i]);
  }
  EXPECT_EQ(lf, text);
}

TEST(QuotedPrintableTest, RoundTripsRandomUtf8) {
  std::mt19937 rng(42);
  const std::vector<std::string> atoms = {"a", " ", "\t", "=",  "\n",  ".", "ä",
                                          "€", "😀", "x",  "  ", "=\n", "Z"};
  for (int n = 0; n < 500; ++n) {
    std::string text;
    int len = static_cast<int>(rng() % 200);
    for (int i = 0; i < len; ++i) text += atoms[rng() % atoms.size()];
    std::string decoded = DecodeQuotedPrintable(EncodeQuotedPrintable(text));
    std::string lf;
    for (size_t i = 0; i < decoded.size(); ++i) {
      if (decoded[i] == '\r' && i + 1 < decoded.size() && decoded[i + 1] == '\n') continue;
      lf.push_back(decoded[i]);
    }
    ASSERT_EQ(lf, text) << "case " << n;
  }
}

TEST(QuotedPrintableTest, TextWithoutFinalNewlineEndsInSoftBreak) {
  EXPECT_EQ(EncodeQuotedPrintable("Hallo"), "Hallo=\r\n");
  EXPECT_EQ(EncodeQuotedPrintable("Hallo\n"), "Hallo\r\n");
  EXPECT_EQ(EncodeQuotedPrintable(""), "=\r\n");
  EXPECT_EQ(EncodeQuotedPrintable("-- \nSig"), "--=20\r\nSig=\r\n");
}

TEST(Base64Test, DecodesWithLineBreaksAndPadding) {
  EXPECT_EQ(*DecodeBase64("SGFsbG8g\r\nV2VsdA=="), "Hallo Welt");
  EXPECT_EQ(*DecodeBase64("w6TDtsO8"), "äöü");
  EXPECT_EQ(*DecodeBase64("YQ"), "a");  // missing padding is tolerated
  EXPECT_EQ(*DecodeBase64(""), "");
  EXPECT_EQ(*DecodeBase64("YQ==\r\nYg=="), "ab");  // every line padded on its own
}

TEST(Base64Test, BrokenInputNamesTheOffset) {
  Result<std::string> r = DecodeBase64("SGFs*bG8=");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("0x2A at byte offset 4"), std::string::npos)
      << r.error().message();
  Result<std::string> t = DecodeBase64("SGFsb");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message().find("truncated"), std::string::npos);
  Result<std::string> p = DecodeBase64("YWJj\nY=");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("cut off by padding at byte offset 6"), std::string::npos)
      << p.error().message();
}

TEST(Base64Test, RoundTrip) {
  std::mt19937 rng(7);
  for (int n = 0; n < 200; ++n) {
    std::string bytes(rng() % 100, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    Result<std::string> back = DecodeBase64(EncodeBase64(bytes));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, bytes);
  }
}

TEST(CharsetTest, ConvertsLegacyCharsetsToUtf8) {
  EXPECT_EQ(ToUtf8("Gr\xFC\xDF"
                   "e",
                   "ISO-8859-1"),
            "Grüße");
  EXPECT_EQ(ToUtf8("\xA4 5", "iso-8859-15"), "€ 5");
  EXPECT_EQ(ToUtf8("\x80 5", "windows-1252"), "€ 5");
  EXPECT_EQ(ToUtf8("\x80 5", "iso-8859-1"), "€ 5");  // labelled Latin-1, written as cp1252
  EXPECT_EQ(ToUtf8("Stra\xDF"
                   "e",
                   ""),
            "Straße");                                // unlabelled 8-bit
  EXPECT_EQ(ToUtf8("Straße", "us-ascii"), "Straße");  // mislabelled UTF-8 stays
  EXPECT_EQ(ToUtf8("plain", "x-no-such-charset"), "plain");
  EXPECT_EQ(ToUtf8("\xE4", "x-no-such-charset"), "ä");
  EXPECT_EQ(ToUtf8("bad \xFF", "utf-8"), "bad \xEF\xBF\xBD");
  EXPECT_EQ(ToUtf8("\xE4", "utf-8,swaplfnl"), "ä");  // ICU options are not passed on
}

TEST(HeaderTextTest, DecodesEncodedWords) {
  EXPECT_EQ(DecodeHeaderText(" =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="), "Grüße aus Köln");
  EXPECT_EQ(DecodeHeaderText("=?ISO-8859-1?Q?Beschwerde_=FCber_Lieferung?="),
            "Beschwerde über Lieferung");
  EXPECT_EQ(DecodeHeaderText("=?utf-8?B?UsO8Y2tzZW5kdW5n?="), "Rücksendung");
  EXPECT_EQ(DecodeHeaderText("=?iso-8859-15?b?pA==?= 10"), "€ 10");
  EXPECT_EQ(DecodeHeaderText("=?windows-1252?Q?=80?="), "€");
  // White space between adjacent encoded words disappears; around text it stays.
  EXPECT_EQ(DecodeHeaderText("=?utf-8?Q?a?= =?utf-8?Q?b?= c =?utf-8?Q?d?="), "ab c d");
  // Folded header.
  EXPECT_EQ(DecodeHeaderText("Ihre\r\n Bestellung"), "Ihre Bestellung");
  // A UTF-8 character split across two words.
  EXPECT_EQ(DecodeHeaderText("=?utf-8?B?ww==?= =?utf-8?B?pA==?="), "ä");
  // Language suffix (RFC 2231).
  EXPECT_EQ(DecodeHeaderText("=?utf-8*de?Q?Stra=C3=9Fe?="), "Straße");
  // Malformed words stay as they are.
  EXPECT_EQ(DecodeHeaderText("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  EXPECT_EQ(DecodeHeaderText("=?utf-8?B?@@@?="), "=?utf-8?B?@@@?=");
  EXPECT_EQ(DecodeHeaderText("=?utf-8?Q?open"), "=?utf-8?Q?open");
  // Raw 8-bit bytes in a header.
  EXPECT_EQ(DecodeHeaderText("Gr\xFC\xDF"
                             "e"),
            "Grüße");
}

TEST(HeaderTextTest, EncodesNonAsciiAsFoldedWords) {
  EXPECT_EQ(EncodeHeaderText("Your order"), "Your order");
  std::string long_subject =
      "Ihre Rücksendung Nr. 4711 – wir haben Ihr Paket erhalten und erstatten den Betrag 😀";
  std::string enc = EncodeHeaderText(long_subject);
  EXPECT_NE(enc.find("\r\n "), std::string::npos);
  size_t start = 0;
  while (start < enc.size()) {
    size_t end = enc.find("\r\n", start);
    if (end == std::string::npos) end = enc.size();
    EXPECT_LE(end - start, 76u);
    start = end + 2;
  }
  EXPECT_EQ(DecodeHeaderText(enc), long_subject);
  // "=?" in ASCII text would be read as an encoded word: it is encoded.
  EXPECT_EQ(DecodeHeaderText(EncodeHeaderText("a =?b?Q?c?= d")), "a =?b?Q?c?= d");
}

TEST(Rfc2231Test, DecodesCharsetAndPercentEscapes) {
  EXPECT_EQ(DecodeRfc2231Value("utf-8''Rechnung%20M%C3%A4rz.pdf"), "Rechnung März.pdf");
  EXPECT_EQ(DecodeRfc2231Value("iso-8859-1'de'%FCbersicht.txt"), "übersicht.txt");
  EXPECT_EQ(DecodeRfc2231Value("plain.txt"), "plain.txt");
}

TEST(MailDateTest, ParsesRfc5322Dates) {
  // 2026-03-03 13:05:00 UTC = 1772543100.
  EXPECT_EQ(*ParseMailDate("Tue, 3 Mar 2026 14:05:00 +0100"), 1772543100000);
  EXPECT_EQ(*ParseMailDate("3 Mar 2026 13:05:00 GMT"), 1772543100000);
  EXPECT_EQ(*ParseMailDate("Tue, 03 Mar 2026 08:05:00 EST"), 1772543100000);
  EXPECT_EQ(*ParseMailDate("Tue, 3 Mar 2026 14:05 +0100 (CET)"), 1772543100000);
  EXPECT_EQ(*ParseMailDate("Tue, 3 Mar 26 13:05:00 +0000"), 1772543100000);
  EXPECT_EQ(*ParseMailDate("Thu, 1 Jan 1970 00:00:00 +0000"), 0);
  EXPECT_EQ(*ParseMailDate("Sat, 29 Feb 2020 23:59:59 -0000"), 1583020799000);
}

TEST(MailDateTest, RejectsBrokenDates) {
  EXPECT_FALSE(ParseMailDate("").ok());
  EXPECT_FALSE(ParseMailDate("yesterday").ok());
  EXPECT_FALSE(ParseMailDate("Tue, 3 Foo 2026 14:05:00 +0100").ok());
  EXPECT_FALSE(ParseMailDate("Tue, 3 Mar 2026 25:05:00 +0100").ok());
  EXPECT_FALSE(ParseMailDate("Tue, 99 Mar 2026 14:05:00 +0100").ok());
}

TEST(MailDateTest, FormatsAndParsesBack) {
  EXPECT_EQ(FormatMailDate(1772543100000), "Tue, 3 Mar 2026 13:05:00 +0000");
  EXPECT_EQ(FormatMailDate(0), "Thu, 1 Jan 1970 00:00:00 +0000");
  for (int64_t t : {int64_t{951782400000}, int64_t{1700000000000}, int64_t{4102444799000}}) {
    EXPECT_EQ(*ParseMailDate(FormatMailDate(t)), t);
  }
}

TEST(HtmlToTextTest, ConvertsBlocksEntitiesAndDropsScripts) {
  std::string html =
      "<html><head><title>x</title><style>p{color:red}</style></head><body>"
      "<p>Sehr geehrte Frau M&uuml;ller,</p>\n<p>vielen   Dank f&#252;r Ihre\nNachricht.<br>"
      "Zweite&nbsp;Zeile &amp; mehr &#x20AC; 5</p><script>alert('x')</script>"
      "<ul><li>eins</li><li>zwei</li></ul><!-- <p>hidden</p> --><div>Gr&uuml;&szlig;e</div>"
      "</body></html>";
  EXPECT_EQ(HtmlToText(html),
            "Sehr geehrte Frau Müller,\n\nvielen Dank für Ihre Nachricht.\nZweite Zeile & mehr "
            "€ 5\n\n- eins\n- zwei\n\nGrüße");
}

TEST(HtmlToTextTest, SurvivesBrokenMarkup) {
  EXPECT_EQ(HtmlToText("a <b>bold</b> &unknown; &#xZZ; <"), "a bold &unknown; &#xZZ;");
  EXPECT_EQ(HtmlToText("<script>never closed"), "");
  EXPECT_EQ(HtmlToText("x<br><br>y"), "x\n\ny");
  EXPECT_EQ(HtmlToText("<pre>  keep\n  this</pre>"), "  keep\n  this");
  EXPECT_EQ(HtmlToText("&#0; &#xD800; &#99999999;"), "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD");
  EXPECT_EQ(HtmlToText("<img src=x alt=\"Logo\"> Shop"), "[Logo] Shop");
}

TEST(StripQuotedReplyTest, CutsHistory) {
  EXPECT_EQ(StripQuotedReply("Danke!\n\nAm 03.03.2026 um 10:00 schrieb Support "
                             "<s@x.de>:\n> Ihre Bestellung\n> ist unterwegs"),
            "Danke!");
  EXPECT_EQ(StripQuotedReply("Thanks\nOn Tue, 3 Mar 2026, Support <s@x.de>\nwrote:\n> old"),
            "Thanks");
  EXPECT_EQ(StripQuotedReply("Hi\n-----Original Message-----\nFrom: a\nold"), "Hi");
  EXPECT_EQ(StripQuotedReply("Hallo\n\nVon: Support\nGesendet: Montag\nBetreff: x\n\nalt"),
            "Hallo");
  EXPECT_EQ(StripQuotedReply("Top\n\n> quoted\n> more\n"), "Top");
}

TEST(StripQuotedReplyTest, KeepsTextWithoutHistory) {
  EXPECT_EQ(StripQuotedReply("Just text\nwith lines"), "Just text\nwith lines");
  // Inline quotes followed by own text are not history.
  EXPECT_EQ(StripQuotedReply("> your question\nmy answer"), "> your question\nmy answer");
  // Nothing but a quote: keep it rather than show nothing.
  EXPECT_EQ(StripQuotedReply("> only a quote"), "> only a quote");
}

TEST(ImapResponseTest, ParsesCurlOutput) {
  Result<MailboxStatus> st = ParseStatusResponse("* STATUS INBOX (UIDNEXT 7 UIDVALIDITY 1795)\r\n");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->uid_validity, 1795u);
  EXPECT_EQ(st->uid_next, 7u);
  EXPECT_FALSE(ParseStatusResponse("* STATUS INBOX (UIDNEXT 7)\r\n").ok());
  EXPECT_EQ(ParseSearchResponse("* SEARCH 5 3 9\r\n"), (std::vector<uint32_t>{3, 5, 9}));
  EXPECT_TRUE(ParseSearchResponse("* SEARCH\r\n").empty());
  EXPECT_EQ(ParseSeenResponse("* 1 FETCH (UID 4 FLAGS (\\Seen))\r\n* 2 FETCH (UID 6 FLAGS ())\r\n"
                              "* 3 FETCH (FLAGS (\\Answered \\Seen) UID 8)\r\n"),
            (std::set<uint32_t>{4, 8}));
}

}  // namespace
}  // namespace leitplanke::channels::email
