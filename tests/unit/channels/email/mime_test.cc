#include "channels/email/mime.h"

#include <string>

#include <gtest/gtest.h>

namespace leitplanke::channels::email {
namespace {

// Test messages are written with "\n"; CRLF turns them into wire format.
std::string Crlf(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out.push_back('\r');
    out.push_back(c);
  }
  return out;
}

desk::InboundMessage MustParse(std::string_view raw) {
  Result<desk::InboundMessage> r = ParseMessage(raw);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  return r.ok() ? *r : desk::InboundMessage{};
}

constexpr char kGermanLatin1[] =
    "Return-Path: <jana@kunde.example>\n"
    "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <Juergen.Mueller@Kunde.Example>\n"
    "To: support@shop.example\n"
    "Subject: =?ISO-8859-1?Q?Reklamation:_Gr=FC=DFe_aus_K=F6ln?=\n"
    "Date: Tue, 3 Mar 2026 14:05:00 +0100\n"
    "Message-ID: <m1.4711@kunde.example>\n"
    "Content-Language: de-DE\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=\"iso-8859-1\"\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Sehr geehrte Damen und Herren,=0A\n"
    "meine Bestellung ist besch=E4digt angekommen. Das ist =\n"
    "=E4rgerlich.\n"
    "\n"
    "Mit freundlichen Gr=FC=DFen\n"
    "J=FCrgen M=FCller\n";

TEST(MimeTest, GermanLatin1QuotedPrintable) {
  for (const std::string& raw : {std::string(kGermanLatin1), Crlf(kGermanLatin1)}) {
    desk::InboundMessage m = MustParse(raw);
    EXPECT_EQ(m.external_id, "m1.4711@kunde.example");
    EXPECT_EQ(m.author_handle, "juergen.mueller@kunde.example");
    EXPECT_EQ(m.author_name, "Jürgen Müller");
    EXPECT_EQ(m.subject, "Reklamation: Grüße aus Köln");
    EXPECT_EQ(m.sent_at, 1772543100000);
    EXPECT_EQ(m.language, "de-DE");
    EXPECT_FALSE(m.is_public);
    EXPECT_EQ(m.text,
              "Sehr geehrte Damen und Herren,\n\nmeine Bestellung ist beschädigt angekommen. Das "
              "ist ärgerlich.\n\nMit freundlichen Grüßen\nJürgen Müller\n");
    EXPECT_TRUE(m.html.empty());
    EXPECT_TRUE(m.in_reply_to.empty());
    EXPECT_TRUE(m.references.empty());
  }
}

TEST(MimeTest, Base64Utf8SubjectAndBody) {
  desk::InboundMessage m =
      MustParse(Crlf("From: \"Roth, Jana\" <jana@kunde.example>\n"
                     "Subject: =?utf-8?B?UsO8Y2tzZW5kdW5n?= =?utf-8?B?IE5yLiAxMg==?=\n"
                     "Message-ID: <b64@kunde.example>\n"
                     "Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: base64\n"
                     "\n"
                     "SGFsbG8sIGljaCBtw7ZjaHRlIG1laW5lIFLDvGNrc2VuZHVuZyBhbm1lbGRlbi4K\n"));
  EXPECT_EQ(m.author_name, "Roth, Jana");
  EXPECT_EQ(m.subject, "Rücksendung Nr. 12");
  EXPECT_EQ(m.text, "Hallo, ich möchte meine Rücksendung anmelden.\n");
}

TEST(MimeTest, AlternativePrefersPlainAndKeepsHtml) {
  desk::InboundMessage m =
      MustParse(Crlf("From: a@b.example\n"
                     "Message-ID: <alt@b.example>\n"
                     "Content-Type: multipart/alternative; boundary=\"XX\"\n"
                     "\n"
                     "preamble\n"
                     "--XX\n"
                     "Content-Type: text/plain; charset=utf-8\n"
                     "\n"
                     "Plain version\n"
                     "--XX\n"
                     "Content-Type: text/html; charset=utf-8\n"
                     "\n"
                     "<p>HTML version</p>\n"
                     "--XX--\n"
                     "epilogue\n"));
  EXPECT_EQ(m.text, "Plain version");
  EXPECT_EQ(m.html, "<p>HTML version</p>");
  EXPECT_TRUE(m.attachments.empty());
}

TEST(MimeTest, HtmlOnlyIsConvertedToText) {
  desk::InboundMessage m = MustParse(
      Crlf("From: a@b.example\n"
           "Message-ID: <html@b.example>\n"
           "Content-Type: multipart/alternative; boundary=b1\n"
           "\n"
           "--b1\n"
           "Content-Type: text/html; charset=iso-8859-1\n"
           "Content-Transfer-Encoding: quoted-printable\n"
           "\n"
           "<html><body><p>Guten Tag,</p><p>wo bleibt mein Paket? Gr=FC&szlig;e<br>Anna</p>=\n"
           "<style>x{}</style></body></html>\n"
           "--b1--\n"));
  EXPECT_EQ(m.text, "Guten Tag,\n\nwo bleibt mein Paket? Grüße\nAnna");
  EXPECT_NE(m.html.find("Gr\xC3\xBC&szlig;e"), std::string::npos);
}

TEST(MimeTest, NestedMultipartWithAttachments) {
  desk::InboundMessage m =
      MustParse(Crlf("From: Kunde <k@x.example>\n"
                     "Message-ID: <nested@x.example>\n"
                     "Content-Type: multipart/mixed; boundary=\"outer\"\n"
                     "\n"
                     "--outer\n"
                     "Content-Type: multipart/related; boundary=\"rel\"\n"
                     "\n"
                     "--rel\n"
                     "Content-Type: multipart/alternative; boundary=\"alt\"\n"
                     "\n"
                     "--alt\n"
                     "Content-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: 8bit\n"
                     "\n"
                     "Siehe Foto und Rechnung.\n"
                     "--alt\n"
                     "Content-Type: text/html; charset=utf-8\n"
                     "\n"
                     "<p>Siehe <img src=\"cid:foto\"> und Rechnung.</p>\n"
                     "--alt--\n"
                     "--rel\n"
                     "Content-Type: image/png; name=\"foto.png\"\n"
                     "Content-Transfer-Encoding: base64\n"
                     "Content-ID: <foto>\n"
                     "\n"
                     "iVBORw0KGgo=\n"
                     "--rel--\n"
                     "--outer\n"
                     "Content-Type: application/pdf\n"
                     "Content-Disposition: attachment;\n"
                     " filename*=utf-8''Rechnung%20M%C3%A4rz.pdf\n"
                     "Content-Transfer-Encoding: base64\n"
                     "\n"
                     "JVBERi0xLjQK\n"
                     "--outer\n"
                     "Content-Type: text/plain; name=log.txt\n"
                     "Content-Disposition: attachment; filename*0*=utf-8''%C3%BC;\n"
                     " filename*1=ber.txt\n"
                     "\n"
                     "abc\n"
                     "--outer--\n"));
  EXPECT_EQ(m.text, "Siehe Foto und Rechnung.");
  EXPECT_EQ(m.html, "<p>Siehe <img src=\"cid:foto\"> und Rechnung.</p>");
  ASSERT_EQ(m.attachments.size(), 3u);
  EXPECT_EQ(m.attachments[0].name, "foto.png");
  EXPECT_EQ(m.attachments[0].mime_type, "image/png");
  EXPECT_EQ(m.attachments[0].size, 8);
  EXPECT_EQ(m.attachments[1].name, "Rechnung März.pdf");
  EXPECT_EQ(m.attachments[1].mime_type, "application/pdf");
  EXPECT_EQ(m.attachments[1].size, 9);
  EXPECT_EQ(m.attachments[2].name, "über.txt");
  EXPECT_EQ(m.attachments[2].size, 3);
}

TEST(MimeTest, ThreadingHeaders) {
  desk::InboundMessage m = MustParse(
      "From: k@x.example\n"
      "Message-ID: <c3@x.example>\n"
      "In-Reply-To: <c2@shop.example> (Support's message)\n"
      "References: <c1@x.example>\n"
      "  <c2@shop.example> <c1@x.example>\n"
      "Subject: Re: Lieferung\n"
      "\n"
      "Danke\n");
  EXPECT_EQ(m.external_id, "c3@x.example");
  EXPECT_EQ(m.in_reply_to, "c2@shop.example");
  EXPECT_EQ(m.references, (std::vector<std::string>{"c1@x.example", "c2@shop.example"}));
  EXPECT_EQ(m.subject, "Re: Lieferung");
}

TEST(MimeTest, MissingMessageIdGetsAStableHash) {
  std::string raw = "From: k@x.example\nSubject: ohne ID\n\nText\n";
  desk::InboundMessage a = MustParse(raw);
  desk::InboundMessage b = MustParse(raw);
  EXPECT_EQ(a.external_id.rfind("sha256-", 0), 0u) << a.external_id;
  EXPECT_EQ(a.external_id.size(), 7u + 32u);
  EXPECT_EQ(a.external_id, b.external_id);
  EXPECT_NE(MustParse(raw + "x").external_id, a.external_id);
  // A Message-ID without brackets is taken as it is.
  EXPECT_EQ(MustParse("Message-ID: bare@x.example\n\nx").external_id, "bare@x.example");
}

TEST(MimeTest, AddressForms) {
  EXPECT_EQ(ParseAddress("Jana Roth <Jana@X.example>").address, "jana@x.example");
  EXPECT_EQ(ParseAddress("Jana Roth <Jana@X.example>").name, "Jana Roth");
  EXPECT_EQ(ParseAddress("jana@x.example (Jana Roth)").name, "Jana Roth");
  EXPECT_EQ(ParseAddress("jana@x.example").address, "jana@x.example");
  EXPECT_EQ(ParseAddress("\"Roth, \\\"J\\\"\" <j@x.example>, other@y.example").name, "Roth, \"J\"");
  EXPECT_EQ(ParseAddress("=?utf-8?Q?J=C3=BCrgen?= <j@x.example>").name, "Jürgen");
  EXPECT_EQ(ParseAddress("undisclosed-recipients:;").address, "");
}

TEST(MimeTest, BrokenBase64NamesThePart) {
  std::string raw = Crlf(
      "From: k@x.example\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "SGFsbG8*\n");
  Result<desk::InboundMessage> r = ParseMessage(raw);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  const std::string& msg = r.error().message();
  EXPECT_NE(msg.find("broken base64"), std::string::npos) << msg;
  EXPECT_NE(msg.find("at byte " + std::to_string(raw.find("SGFs"))), std::string::npos) << msg;
  EXPECT_NE(msg.find("byte offset 7"), std::string::npos) << msg;
}

TEST(MimeTest, BrokenBase64InAnAttachmentKeepsTheMessage) {
  desk::InboundMessage m = MustParse(
      "From: k@x.example\n"
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "\n"
      "Text\n"
      "--b\n"
      "Content-Type: application/octet-stream; name=x.bin\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "AAAA*!\n"
      "--b--\n");
  EXPECT_EQ(m.text, "Text");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].size, 3);
}

TEST(MimeTest, TruncatedHeadersAreAnError) {
  Result<desk::InboundMessage> r = ParseMessage("From: k@x.example\r\nSubject: Hal");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("truncated header line at byte 19"), std::string::npos)
      << r.error().message();
  // Headers that end with a line break but no body are a valid (empty) mail.
  EXPECT_TRUE(ParseMessage("From: k@x.example\r\nSubject: Hallo\r\n").ok());
}

TEST(MimeTest, MalformedHeaderLinesAreAnError) {
  Result<desk::InboundMessage> r = ParseMessage("From: k@x.example\nno colon here\n\nbody");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no colon) at byte 18"), std::string::npos)
      << r.error().message();
  EXPECT_FALSE(ParseMessage(" folded first\n\nbody").ok());
  EXPECT_FALSE(ParseMessage("").ok());
  EXPECT_FALSE(ParseMessage("\n\nbody only").ok());
  // An mbox "From " line before the headers is skipped.
  EXPECT_TRUE(ParseMessage("From k@x.example Tue Mar  3 14:05:00 2026\nSubject: x\n\nb").ok());
}

TEST(MimeTest, MultipartWithoutBoundaryIsAnError) {
  Result<desk::InboundMessage> r =
      ParseMessage("Content-Type: multipart/mixed\n\n--x\n\nText\n--x--\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("no valid boundary"), std::string::npos);
}

TEST(MimeTest, MissingCloseDelimiterKeepsWhatArrived) {
  desk::InboundMessage m = MustParse(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nErster "
      "Teil\n--b\n\nZweiter Teil (abgeschnitten");
  EXPECT_EQ(m.text, "Erster Teil\n\nZweiter Teil (abgeschnitten");
}

TEST(MimeTest, NestingLimit) {
  std::string raw = "Content-Type: multipart/mixed; boundary=b0\n\n";
  for (int i = 0; i < 40; ++i) {
    raw += "--b" + std::to_string(i) + "\nContent-Type: multipart/mixed; boundary=b" +
           std::to_string(i + 1) + "\n\n";
  }
  raw += "--b40\n\ndeep\n";
  Result<desk::InboundMessage> r = ParseMessage(raw);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("nested deeper than 16"), std::string::npos);
  MimeLimits generous;
  generous.max_depth = 64;
  Result<desk::InboundMessage> ok = ParseMessage(raw, generous);
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ok->text, "deep\n");
}

TEST(MimeTest, SizeLimit) {
  MimeLimits small;
  small.max_bytes = 10;
  Result<desk::InboundMessage> r = ParseMessage("Subject: more than ten bytes\n\n", small);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("exceeds the limit of 10"), std::string::npos);
}

TEST(MimeTest, ForwardedMessageIsAnAttachment) {
  desk::InboundMessage m = MustParse(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n\nSiehe unten\n--b\n"
      "Content-Type: message/rfc822\n\nFrom: x@y.example\nSubject: alt\n\nalter Text\n--b--\n");
  EXPECT_EQ(m.text, "Siehe unten");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].name, "message.eml");
  EXPECT_EQ(m.attachments[0].mime_type, "message/rfc822");
}

TEST(MimeTest, EncodedWordFilenameAndUnknownCharset) {
  desk::InboundMessage m = MustParse(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
      "Content-Type: text/plain; charset=x-unknown-thing\n\nStra\xDF"
      "e\n--b\n"
      "Content-Type: image/jpeg; name=\"=?utf-8?Q?B=C3=BCro.jpg?=\"\n\nxyz\n--b--\n");
  EXPECT_EQ(m.text, "Straße");
  ASSERT_EQ(m.attachments.size(), 1u);
  EXPECT_EQ(m.attachments[0].name, "Büro.jpg");
}

}  // namespace
}  // namespace leitplanke::channels::email
