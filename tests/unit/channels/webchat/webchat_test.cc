#include "channels/webchat/webchat.h"

#include <memory>

#include <gtest/gtest.h>

namespace leitplanke::channels::webchat {
namespace {

constexpr char kSession[] = "0123456789abcdef0123456789abcdef";

std::string Post(std::string_view extra) {
  return std::string(R"({"session":")") + kSession + R"(","text":"Hallo, mein Paket fehlt.")" +
         std::string(extra) + "}";
}

TEST(WebchatTest, ParsesAPost) {
  Result<WidgetPost> p =
      ParseWidgetPost(Post(R"(,"client_id":"m-1","name":"Jana","opened_ms":12000)"));
  ASSERT_TRUE(p.ok()) << p.error().ToString();
  EXPECT_EQ(p->session, kSession);
  EXPECT_EQ(p->name, "Jana");
  EXPECT_EQ(p->text, "Hallo, mein Paket fehlt.");
  EXPECT_EQ(SpamReason(*p), "");
  desk::InboundMessage m = ToInbound(*p, 1000);
  EXPECT_EQ(m.external_id, std::string("wc-") + kSession + "-m-1");
  EXPECT_EQ(m.thread_key, kSession);
  EXPECT_FALSE(m.is_public);
  // A retry of the same message has the same id, so the desk stores it once.
  EXPECT_EQ(ToInbound(*p, 2000).external_id, m.external_id);
}

TEST(WebchatTest, BadPostsNameTheProblem) {
  struct Case {
    std::string body;
    std::string want;
  } cases[] = {
      {"{\"session\":", "malformed JSON at byte"},
      {"[1]", "JSON object"},
      {R"({"text":"x"})", "/session is required"},
      {std::string(R"({"session":")") + kSession + R"("})", "/text is required"},
      {std::string(R"({"session":")") + kSession + R"(","text":"   "})", "/text is empty"},
      {R"({"session":"nothex-nothex-nothex","text":"x"})", "/session is not"},
      {std::string(R"({"session":")") + kSession + R"(","text":7})", "/text must be a string"},
      {Post(R"(,"client_id":"a b")"), "/client_id"},
      {Post(R"(,"opened_ms":"soon")"), "/opened_ms"},
      {std::string(R"({"session":")") + kSession + R"(","text":")" + std::string(5000, 'a') + "\"}",
       "longer than 4000"},
      {std::string(R"({"session":")") + kSession + "\",\"text\":\"\xff\xfe\"}", "malformed JSON"},
  };
  for (const Case& c : cases) {
    Result<WidgetPost> p = ParseWidgetPost(c.body);
    ASSERT_FALSE(p.ok()) << c.body;
    EXPECT_NE(p.error().message().find(c.want), std::string::npos)
        << c.body << " -> " << p.error().message();
  }
}

TEST(WebchatTest, SpamSigns) {
  WidgetPost p;
  p.text = "Hallo";
  p.opened_ms = 20000;
  EXPECT_EQ(SpamReason(p), "");
  p.honeypot = "http://spam.example";
  EXPECT_EQ(SpamReason(p), "hidden field filled in");
  p.honeypot.clear();
  p.opened_ms = 300;
  EXPECT_EQ(SpamReason(p), "sent too fast after opening");
  p.opened_ms = 20000;
  p.text = "http://a http://b http://c http://d";
  EXPECT_EQ(SpamReason(p), "more than 3 links");
}

TEST(WebchatTest, Origins) {
  EXPECT_TRUE(OriginAllowed("https://www.example.de", "https://www.example.de"));
  EXPECT_TRUE(
      OriginAllowed("https://shop.example.de", "https://www.example.de, https://shop.example.de/"));
  EXPECT_FALSE(OriginAllowed("https://evil.example", "https://www.example.de"));
  EXPECT_FALSE(OriginAllowed("https://www.example.de.evil.example", "https://www.example.de"));
  EXPECT_FALSE(OriginAllowed("https://www.example.de", ""));
  EXPECT_TRUE(OriginAllowed("https://any.example", "*"));
}

TEST(WebchatTest, SessionsAreFreshAndHex) {
  std::string a = NewSessionId(), b = NewSessionId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(ParseWidgetPost(R"({"session":")" + a + R"(","text":"x"})").ok());
}

TEST(WebchatTest, ConnectorRendersAndConfirms) {
  auto ch = MakeWebchatChannel({});
  ASSERT_TRUE(ch.ok());
  desk::OutboundMessage m;
  m.text = "Danke, wir kümmern uns.";
  m.idempotency_key = "k1";
  EXPECT_EQ(*(*ch)->Render(m), m.text);
  EXPECT_EQ((*ch)->Send(m)->external_id, "wc-out-k1");
  EXPECT_EQ((*ch)->Send(m)->external_id, "wc-out-k1");
  m.text.assign(kMaxTextBytes + 1, 'x');
  EXPECT_FALSE((*ch)->Render(m).ok());
  EXPECT_TRUE((*ch)->Poll("c")->messages.empty());
}

TEST(WebchatTest, ConnectorRefusesFilesInsteadOfDroppingThem) {
  auto ch = MakeWebchatChannel({});
  ASSERT_TRUE(ch.ok());
  desk::OutboundMessage m;
  m.text = "Hier das Formular.";
  desk::OutboundMedia file;
  file.name = "formular.png";
  file.mime_type = "image/png";
  file.bytes = std::make_shared<const std::string>("\x89PNG");
  m.media.push_back(file);
  Result<std::string> r = (*ch)->Render(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.error().message(), "webchat cannot attach files to a message");
  m.media.clear();
  EXPECT_EQ(*(*ch)->Render(m), m.text);
}

}  // namespace
}  // namespace leitplanke::channels::webchat
