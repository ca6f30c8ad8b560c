#include "channels/email/compose.h"

#include <memory>
#include <random>

#include <gtest/gtest.h>

#include "channels/email/email.h"
#include "channels/email/mime.h"

namespace leitplanke::channels::email {
namespace {

const MailAddress kFrom{"Kundenservice Müller & Söhne", "service@shop.example"};

desk::OutboundMessage Reply(std::string text) {
  desk::OutboundMessage m;
  m.idempotency_key = "out-1";
  m.to_handle = "jana@kunde.example";
  m.in_reply_to = "c2@kunde.example";
  m.references = {"c1@kunde.example", "c2@kunde.example"};
  m.subject = "Reklamation: Grüße aus Köln";
  m.text = std::move(text);
  return m;
}

TEST(ComposeTest, RoundTripThroughTheParser) {
  Result<std::string> body = RenderBody(
      "Sehr geehrte Frau Roth,\r\n\r\nwir senden Ihnen Ersatz. = Gleichheitszeichen, "
      "Umlaute äöü, Euro €, ein sehr langer Satz der auf jeden Fall über die Grenze von "
      "sechsundsiebzig Zeichen hinausgeht und umbrochen werden muss.\n.\nEnde  ",
      "Ihr Team\nShop GmbH");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->find('\r'), std::string::npos);
  EXPECT_NE(body->find("Ende  \n\n-- \nIhr Team\nShop GmbH"), std::string::npos);
  desk::OutboundMessage msg = Reply(*body);
  std::string id = NewMessageId(kFrom.address, "support-mail", msg.idempotency_key);
  Result<std::string> raw = ComposeMessage(msg, kFrom, 1772543100000, id);
  ASSERT_TRUE(raw.ok()) << raw.error().ToString();
  // Every line is CRLF-terminated and at most 78 bytes (RFC 5322 SHOULD).
  size_t start = 0;
  while (start < raw->size()) {
    size_t end = raw->find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 78u) << raw->substr(start, end - start);
    start = end + 2;
  }
  Result<desk::InboundMessage> back = ParseMessage(*raw);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->text, *body);
  EXPECT_EQ(back->subject, "Re: Reklamation: Grüße aus Köln");
  EXPECT_EQ(back->external_id, id);
  EXPECT_EQ(back->in_reply_to, "c2@kunde.example");
  EXPECT_EQ(back->references, (std::vector<std::string>{"c1@kunde.example", "c2@kunde.example"}));
  EXPECT_EQ(back->author_handle, "service@shop.example");
  EXPECT_EQ(back->author_name, "Kundenservice Müller & Söhne");
  EXPECT_EQ(back->sent_at, 1772543100000);
}

TEST(ComposeTest, RandomTextsSurviveTheRoundTrip) {
  std::mt19937 rng(1128);
  const std::vector<std::string> atoms = {
      "Hallo", " ", "  ", "\t", "\n",  "\r\n",          "\r",    ".", "..",
      "=",     "ä", "€",  "😀",  "-- ", "=?utf-8?Q?x?=", "From ", ">", "x",
      "\n.\n"};
  for (int n = 0; n < 400; ++n) {
    std::string text;
    int len = static_cast<int>(rng() % 120);
    for (int i = 0; i < len; ++i) text += atoms[rng() % atoms.size()];
    std::string subject;
    for (int i = 0; i < static_cast<int>(rng() % 30); ++i) subject += atoms[rng() % 13];
    Result<std::string> body = RenderBody(text, n % 2 ? "Sig" : "");
    ASSERT_TRUE(body.ok());
    desk::OutboundMessage msg = Reply(*body);
    msg.subject = subject;
    Result<std::string> raw = ComposeMessage(msg, kFrom, 0, "id@shop.example");
    ASSERT_TRUE(raw.ok()) << raw.error().ToString();
    Result<desk::InboundMessage> back = ParseMessage(*raw);
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    ASSERT_EQ(back->text, *body) << "case " << n;
    // Header values are single-line and trimmed; white space inside is kept.
    EXPECT_EQ(back->subject, ReplySubject(subject, true)) << "case " << n;
  }
}

TEST(ComposeTest, ReferencesEndWithTheParentOnce) {
  desk::OutboundMessage msg = Reply("x");
  msg.references = {"c2@kunde.example", "c1@kunde.example", "c1@kunde.example", "bad id"};
  Result<std::string> raw = ComposeMessage(msg, kFrom, 0, "id@shop.example");
  ASSERT_TRUE(raw.ok());
  EXPECT_NE(raw->find("References: <c1@kunde.example>\r\n <c2@kunde.example>\r\n"),
            std::string::npos)
      << *raw;
  EXPECT_NE(raw->find("In-Reply-To: <c2@kunde.example>\r\n"), std::string::npos);
}

TEST(ComposeTest, NewMailHasNoThreadingHeaders) {
  desk::OutboundMessage msg;
  msg.to_handle = "jana@kunde.example";
  msg.subject = "Ihre Anfrage";
  msg.text = "Hallo";
  Result<std::string> raw = ComposeMessage(msg, MailAddress{"", "s@shop.example"}, 0, "i@d");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->find("In-Reply-To"), std::string::npos);
  EXPECT_EQ(raw->find("References"), std::string::npos);
  EXPECT_NE(raw->find("Subject: Ihre Anfrage\r\n"), std::string::npos);
  EXPECT_NE(raw->find("From: <s@shop.example>\r\n"), std::string::npos);
  EXPECT_NE(raw->find("\r\n\r\nHallo=\r\n"), std::string::npos);
  EXPECT_EQ(ParseMessage(*raw)->text, "Hallo");
}

TEST(ComposeTest, ReplySubjectPrefixOnce) {
  EXPECT_EQ(ReplySubject("Lieferung", true), "Re: Lieferung");
  EXPECT_EQ(ReplySubject("Re: Lieferung", true), "Re: Lieferung");
  EXPECT_EQ(ReplySubject("RE: Lieferung", true), "RE: Lieferung");
  EXPECT_EQ(ReplySubject("AW: Lieferung", true), "AW: Lieferung");
  EXPECT_EQ(ReplySubject("Lieferung", false), "Lieferung");
  EXPECT_EQ(ReplySubject(" a\r\nBcc: x@y ", true), "Re: a  Bcc: x@y");
}

TEST(ComposeTest, HeaderInjectionIsImpossible) {
  desk::OutboundMessage msg = Reply("x");
  msg.to_handle = "jana@kunde.example\r\nBcc: all@world.example";
  EXPECT_FALSE(ComposeMessage(msg, kFrom, 0, "i@d").ok());
  msg.to_handle = "Jana <jana@kunde.example>";
  EXPECT_FALSE(ComposeMessage(msg, kFrom, 0, "i@d").ok());
  msg.to_handle = "jana@kunde.example";
  msg.subject = "Hallo\r\nBcc: all@world.example";
  Result<std::string> raw = ComposeMessage(msg, kFrom, 0, "i@d");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->find("\r\nBcc:"), std::string::npos);
  msg.in_reply_to = "a@b>\r\nBcc: x@y";
  raw = ComposeMessage(msg, kFrom, 0, "i@d");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->find("\r\nBcc:"), std::string::npos);
}

TEST(ComposeTest, RenderRejectsInvalidUtf8AndOversizedText) {
  Result<std::string> bad = RenderBody("ok \xFF", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("byte 3"), std::string::npos);
  EXPECT_FALSE(RenderBody(std::string(kMaxBodyBytes + 1, 'a'), "").ok());
  EXPECT_EQ(*RenderBody("a\rb\r\nc", ""), "a\nb\nc");
  EXPECT_EQ(*RenderBody("Text", ""), "Text");
}

TEST(ComposeTest, MessageIds) {
  std::string a = NewMessageId("s@shop.example", "mail", "key-1");
  EXPECT_EQ(a, NewMessageId("s@shop.example", "mail", "key-1"));  // retries: same id
  EXPECT_NE(a, NewMessageId("s@shop.example", "mail", "key-2"));
  EXPECT_NE(a, NewMessageId("s@shop.example", "other", "key-1"));
  EXPECT_NE(NewMessageId("s@shop.example", "mail", ""), NewMessageId("s@shop.example", "mail", ""));
  EXPECT_EQ(a.size(), 32u + 1 + std::string("shop.example").size());
  EXPECT_EQ(a.substr(32), "@shop.example");
}

desk::ChannelConfig Config() {
  desk::ChannelConfig c;
  c.name = "support-mail";
  c.kind = "email";
  c.settings = {{"imap_url", "imap://127.0.0.1:1/INBOX"},
                {"smtp_url", "smtp://127.0.0.1:1"},
                {"from", "Support <support@shop.example>"},
                {"username", "support"},
                {"tls", "none"},
                {"signature", "Ihr Shop"}};
  c.secrets = {{"password", "s3cret-pw"}};
  return c;
}

TEST(FactoryTest, ValidatesSettingsByName) {
  ASSERT_TRUE(MakeEmailChannel(Config()).ok());
  struct Case {
    const char* key;
    const char* value;
    const char* expect;
  };
  for (const Case& c : std::vector<Case>{
           {"imap_url", "", "'imap_url' is required"},
           {"imap_url", "http://x/", "'imap_url' must start with imap://"},
           {"imap_url", "imap://user:pw@host/INBOX", "'imap_url' must not carry credentials"},
           {"smtp_url", "smtp:/x", "'smtp_url' must start with smtp://"},
           {"from", "not an address", "'from' must be an e-mail address"},
           {"tls", "maybe", "'tls' must be none, starttls or tls"},
           {"tls", "tls", "'imap_url' must use imaps://"},
           {"verify_tls", "perhaps", "'verify_tls' must be true or false"},
           {"max_per_poll", "0", "'max_per_poll' must be an integer from 1 to 1000"},
           {"timeout_ms", "12x", "'timeout_ms' must be an integer"},
           {"colour", "blue", "unknown setting 'colour'"},
           {"username", "", "'username' is required"},
       }) {
    desk::ChannelConfig cfg = Config();
    cfg.settings[c.key] = c.value;
    Result<std::unique_ptr<desk::Channel>> r = MakeEmailChannel(cfg);
    ASSERT_FALSE(r.ok()) << c.key << "=" << c.value;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.expect), std::string::npos) << r.error().message();
  }
  desk::ChannelConfig no_pw = Config();
  no_pw.secrets.clear();
  EXPECT_NE(MakeEmailChannel(no_pw).error().message().find("secret 'password'"), std::string::npos);
  desk::ChannelConfig wrong_kind = Config();
  wrong_kind.kind = "mastodon";
  EXPECT_FALSE(MakeEmailChannel(wrong_kind).ok());
}

TEST(FactoryTest, RenderAppendsTheSignature) {
  Result<std::unique_ptr<desk::Channel>> ch = MakeEmailChannel(Config());
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ((*ch)->kind(), "email");
  desk::OutboundMessage msg = Reply("Danke für Ihre Geduld.");
  EXPECT_EQ(*(*ch)->Render(msg), "Danke für Ihre Geduld.\n\n-- \nIhr Shop");
  msg.to_handle = "two@x.example, three@y.example";
  EXPECT_FALSE((*ch)->Render(msg).ok());
}

TEST(FactoryTest, RenderRefusesFilesInsteadOfDroppingThem) {
  Result<std::unique_ptr<desk::Channel>> ch = MakeEmailChannel(Config());
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ((*ch)->media_limits().max_images, 0);
  EXPECT_EQ((*ch)->media_limits().max_videos, 0);
  desk::OutboundMessage msg = Reply("Anbei das Foto.");
  desk::OutboundMedia photo;
  photo.name = "team.jpg";
  photo.mime_type = "image/jpeg";
  photo.bytes = std::make_shared<const std::string>("\xff\xd8\xff\xe0");
  msg.media.push_back(photo);
  Result<std::string> r = (*ch)->Render(msg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "email cannot attach files to a message");
  msg.media.clear();
  EXPECT_TRUE((*ch)->Render(msg).ok());
}

TEST(FactoryTest, ConnectionRefusedIsUnavailableAndHidesThePassword) {
  Result<std::unique_ptr<desk::Channel>> ch = MakeEmailChannel(Config());
  ASSERT_TRUE(ch.ok());
  Result<desk::PollResult> poll = (*ch)->Poll("");
  ASSERT_FALSE(poll.ok());
  EXPECT_EQ(poll.error().code(), StatusCode::kUnavailable) << poll.error().ToString();
  EXPECT_EQ(poll.error().message().find("s3cret-pw"), std::string::npos);
  Result<desk::SendReceipt> sent = (*ch)->Send(Reply("x"));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code(), StatusCode::kUnavailable) << sent.error().ToString();
  Result<desk::PollResult> bad_cursor = (*ch)->Poll("garbage");
  ASSERT_FALSE(bad_cursor.ok());
  EXPECT_EQ(bad_cursor.error().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace leitplanke::channels::email
