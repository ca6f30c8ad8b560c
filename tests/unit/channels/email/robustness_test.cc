// Mail is written by strangers: random and mutated messages must give a
// message or an error, never a crash, a hang or invalid UTF-8.
#include <random>

#include <gtest/gtest.h>

#include "leitplanke/base/utf8.h"

#include "channels/email/codec.h"
#include "channels/email/html_text.h"
#include "channels/email/mime.h"

namespace leitplanke::channels::email {
namespace {

const char* const kSeeds[] = {
    "From: =?ISO-8859-1?Q?J=FCrgen?= <j@x.example>\r\nSubject: =?utf-8?B?w6TDtsO8?=\r\n"
    "Message-ID: <a@b>\r\nReferences: <x@y> <z@w>\r\nDate: Tue, 3 Mar 2026 14:05:00 +0100\r\n"
    "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\n"
    "Content-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
    "quoted-printable\r\n\r\nGr=FC=DFe=\r\n\r\n--a\r\nContent-Type: text/html\r\n\r\n"
    "<p>Gr&uuml;&#223;e<br>x</p>\r\n--a--\r\n--o\r\nContent-Type: application/pdf\r\n"
    "Content-Disposition: attachment; filename*0*=utf-8''%C3%A4; filename*1=b.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--o--\r\n",
    "Subject: x\n\nplain body\n",
    "Content-Type: text/html; charset=windows-1252\nContent-Transfer-Encoding: base64\n\n"
    "PHNjcmlwdD54PC9zY3JpcHQ+PHA+gCAxMDwvcD4=\n",
};

std::string Mutate(std::string s, std::mt19937& rng) {
  static const std::vector<std::string> kTokens = {
      "\r\n", "\n",   "--o", "--a--", "=?",        "?=",   "=?utf-8?B?",   "=?x?Q?=FF",
      "<",    ">",    ";",   "\"",    "boundary=", "*0*=", "base64",       "=\r\n",
      "&#",   "<br>", ":",   " ",     "\t",        "%",    "multipart/x;", "\xFF\xFE"};
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t pos = rng() % (s.size() + 1);
    switch (rng() % 5) {
      case 0:
        s.erase(pos, rng() % 16);
        break;
      case 1:
        s.insert(pos, kTokens[rng() % kTokens.size()]);
        break;
      case 2:
        if (pos < s.size()) s[pos] = static_cast<char>(rng());
        break;
      case 3:
        s.resize(pos);  // truncation
        break;
      default: {
        size_t from = rng() % s.size();
        size_t len = rng() % 64;
        s.insert(pos, s.substr(from, len));  // duplication
        break;
      }
    }
  }
  return s;
}

void CheckOutput(const Result<desk::InboundMessage>& r) {
  if (!r.ok()) {
    EXPECT_FALSE(r.error().message().empty());
    return;
  }
  EXPECT_FALSE(r->external_id.empty());
  EXPECT_EQ(utf8::FirstInvalid(r->text), std::string_view::npos);
  EXPECT_EQ(utf8::FirstInvalid(r->subject), std::string_view::npos);
  EXPECT_EQ(utf8::FirstInvalid(r->author_name), std::string_view::npos);
  EXPECT_EQ(utf8::FirstInvalid(r->html), std::string_view::npos);
  for (const desk::Attachment& a : r->attachments) {
    EXPECT_GE(a.size, 0);
    EXPECT_EQ(utf8::FirstInvalid(a.name), std::string_view::npos);
  }
}

TEST(RobustnessTest, MutatedMessages) {
  std::mt19937 rng(20261128);
  int parsed = 0;
  for (int n = 0; n < 6000; ++n) {
    std::string input = Mutate(kSeeds[n % 3], rng);
    Result<desk::InboundMessage> r = ParseMessage(input);
    CheckOutput(r);
    parsed += r.ok() ? 1 : 0;
  }
  // Both outcomes occur, so the mutations reach past the first check.
  EXPECT_GT(parsed, 100);
  EXPECT_LT(parsed, 6000);
}

TEST(RobustnessTest, RandomBytes) {
  std::mt19937 rng(4711);
  for (int n = 0; n < 4000; ++n) {
    std::string input(rng() % 400, '\0');
    // Bias towards the bytes mail syntax cares about.
    static const char kAlphabet[] = "ab:; \r\n\t=?<>\"-/*%&#QB";
    for (char& c : input) {
      c = rng() % 2 ? kAlphabet[rng() % (sizeof(kAlphabet) - 1)] : static_cast<char>(rng());
    }
    CheckOutput(ParseMessage(input));
    std::string decoded = DecodeHeaderText(input);
    EXPECT_EQ(utf8::FirstInvalid(decoded), std::string_view::npos);
    EXPECT_EQ(utf8::FirstInvalid(HtmlToText(input)), std::string_view::npos);
    (void)DecodeQuotedPrintable(input);
    (void)DecodeBase64(input);
    (void)ParseMailDate(input);
    (void)StripQuotedReply(input);
    (void)ParseAddress(input);
  }
}

TEST(RobustnessTest, DeepAndWideInputsStayWithinLimits) {
  // Many parts: the part limit stops the walk with an error.
  std::string wide = "Content-Type: multipart/mixed; boundary=b\n\n";
  for (int i = 0; i < 3000; ++i) wide += "--b\n\nx\n";
  Result<desk::InboundMessage> r = ParseMessage(wide);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("more than 1000 MIME parts"), std::string::npos);
  // Many header lines.
  std::string tall;
  for (int i = 0; i < 5000; ++i) tall += "X-H: v\n";
  EXPECT_FALSE(ParseMessage(tall + "\nbody").ok());
  // Inputs that would take quadratic time in a naive scanner finish (and
  // decode what they can).
  std::string opens;
  for (int i = 0; i < 50000; ++i) opens += "=?a?B?QQ";
  // (EXPECT_TRUE: a failure must not print 400 KB.)
  EXPECT_TRUE(DecodeHeaderText(opens + "?=") == opens.substr(0, opens.size() - 8) + "A");
  EXPECT_TRUE(HtmlToText(std::string(200000, '&')) == std::string(200000, '&'));
  std::string tags;
  for (int i = 0; i < 20000; ++i) tags += "<style>x";
  EXPECT_EQ(HtmlToText(tags + "</style>visible"), "visible");
  // Long lines and huge encoded words.
  std::string longword = "Subject: =?utf-8?B?" + std::string(200000, 'A') + "?=\n\n";
  EXPECT_TRUE(ParseMessage(longword).ok());
}

}  // namespace
}  // namespace leitplanke::channels::email
