// Webhook verification, signatures and delivery parsing, on payloads shaped
// like the examples of Meta's webhook documentation.
#include <random>

#include <gtest/gtest.h>

#include "channels/meta/meta.h"

namespace leitplanke::channels::meta {
namespace {

constexpr char kSecret[] = "app-secret-123";

TEST(MetaSignature, ValidTamperedPrefixLength) {
  std::string body = R"({"object":"page","entry":[]})";
  std::string sig = Signature(kSecret, body);
  ASSERT_EQ(sig.size(), 7u + 64u);
  EXPECT_TRUE(SignatureValid(kSecret, body, sig));
  std::string upper = sig;
  for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(SignatureValid(kSecret, body, upper));
  std::string tampered = body;
  tampered[2] = 'X';
  EXPECT_FALSE(SignatureValid(kSecret, tampered, sig));
  EXPECT_FALSE(SignatureValid("other-secret", body, sig));
  EXPECT_FALSE(SignatureValid(kSecret, body, "sha1=" + sig.substr(7)));
  EXPECT_FALSE(SignatureValid(kSecret, body, sig.substr(7)));
  EXPECT_FALSE(SignatureValid(kSecret, body, sig.substr(0, sig.size() - 1)));
  EXPECT_FALSE(SignatureValid(kSecret, body, sig + "0"));
  std::string nonhex = sig;
  nonhex.back() = 'g';
  EXPECT_FALSE(SignatureValid(kSecret, body, nonhex));
  EXPECT_FALSE(SignatureValid("", body, sig));
  EXPECT_FALSE(SignatureValid(kSecret, body, ""));
}

TEST(MetaSignature, KnownVector) {
  // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
  EXPECT_EQ(Signature("Jefe", "what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(MetaVerification, ChallengeWrongTokenWrongMode) {
  auto ok = AnswerVerification("subscribe", "tok", "1158201444", "tok");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "1158201444");
  auto wrong = AnswerVerification("subscribe", "tok2", "1158201444", "tok");
  EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  auto mode = AnswerVerification("unsubscribe", "tok", "1158201444", "tok");
  EXPECT_EQ(mode.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(mode.status().message().find("hub.mode"), std::string::npos);
  EXPECT_FALSE(AnswerVerification("subscribe", "", "1", "").ok());
  EXPECT_FALSE(AnswerVerification("subscribe", "tok", "", "tok").ok());
}

TEST(MetaDelivery, MessengerText) {
  auto r = ParseDelivery(R"({"object":"page","entry":[{"id":"111","time":1700000000123,
    "messaging":[{"sender":{"id":"2001"},"recipient":{"id":"111"},"timestamp":1700000000000,
    "message":{"mid":"m_abc","text":"Hallo, wo ist meine Bestellung?",
    "reply_to":{"mid":"m_prev"}}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  const auto& m = (*r)[0];
  EXPECT_EQ(m.external_id, "m_abc");
  EXPECT_EQ(m.thread_key, "fb:2001");
  EXPECT_EQ(m.author_handle, "2001");
  EXPECT_EQ(m.text, "Hallo, wo ist meine Bestellung?");
  EXPECT_EQ(m.in_reply_to, "m_prev");
  EXPECT_FALSE(m.is_public);
  EXPECT_EQ(m.sent_at, 1700000000000);
}

TEST(MetaDelivery, AttachmentsAndEchoSkipped) {
  auto r = ParseDelivery(R"({"object":"page","entry":[{"id":"111","time":1,"messaging":[
    {"sender":{"id":"111"},"recipient":{"id":"2001"},"timestamp":1700000000000,
     "message":{"is_echo":true,"app_id":5,"mid":"m_echo","text":"our answer"}},
    {"sender":{"id":"2001"},"recipient":{"id":"111"},"timestamp":1700000001000,
     "message":{"mid":"m_img","attachments":[{"type":"image",
       "payload":{"url":"https://scontent.example/photo.jpg"}},{"type":"file",
       "payload":{"url":"https://cdn.example/invoice.pdf"}}]}},
    {"sender":{"id":"2001"},"recipient":{"id":"111"},"timestamp":1700000002000,
     "delivery":{"mids":["m_echo"],"watermark":1700000000000}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  const auto& m = (*r)[0];
  EXPECT_EQ(m.external_id, "m_img");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].mime_type, "image/*");
  EXPECT_EQ(m.attachments[0].url, "https://scontent.example/photo.jpg");
  EXPECT_EQ(m.attachments[1].url, "https://cdn.example/invoice.pdf");
}

TEST(MetaDelivery, InstagramDirect) {
  auto r = ParseDelivery(R"({"object":"instagram","entry":[{"id":"1784","time":1700000000,
    "messaging":[{"sender":{"id":"9001"},"recipient":{"id":"1784"},"timestamp":1700000003000,
    "message":{"mid":"aWdfZAG1","text":"Is this in stock?"}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].thread_key, "ig:9001");
  EXPECT_EQ((*r)[0].external_id, "aWdfZAG1");
  EXPECT_FALSE((*r)[0].is_public);
}

TEST(MetaDelivery, FacebookCommentWithParentAndOwnSkipped) {
  auto r = ParseDelivery(R"({"object":"page","entry":[{"id":"111","time":1700000000,
    "changes":[{"field":"feed","value":{"item":"comment","verb":"add","post_id":"111_500",
      "comment_id":"500_700","parent_id":"500_600","from":{"id":"3001","name":"Erika Muster"},
      "message":"Same problem here","created_time":1700000100}},
    {"field":"feed","value":{"item":"comment","verb":"add","post_id":"111_500",
      "comment_id":"500_701","parent_id":"111_500","from":{"id":"3002","name":"Max"},
      "message":"First!","created_time":1700000200}},
    {"field":"feed","value":{"item":"comment","verb":"add","post_id":"111_500",
      "comment_id":"500_702","parent_id":"500_700","from":{"id":"111","name":"Shop"},
      "message":"we answer","created_time":1700000300}},
    {"field":"feed","value":{"item":"reaction","verb":"add","post_id":"111_500",
      "reaction_type":"like","from":{"id":"3003"}}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  const auto& c = (*r)[0];
  EXPECT_EQ(c.external_id, "500_700");
  EXPECT_EQ(c.in_reply_to, "500_600");
  EXPECT_EQ(c.thread_key, "fb-post:111_500");
  EXPECT_EQ(c.author_name, "Erika Muster");
  EXPECT_EQ(c.author_handle, "3001");
  EXPECT_TRUE(c.is_public);
  EXPECT_EQ(c.sent_at, 1700000100000);
  EXPECT_EQ((*r)[1].in_reply_to, "");  // a top-level comment answers the post
}

TEST(MetaDelivery, InstagramComment) {
  auto r = ParseDelivery(R"({"object":"instagram","entry":[{"id":"1784","time":1700000000,
    "changes":[{"field":"comments","value":{"from":{"id":"9002","username":"kunde_k"},
      "media":{"id":"1799","media_product_type":"FEED"},"id":"1800","parent_id":"1795",
      "text":"Preis?"}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  const auto& c = (*r)[0];
  EXPECT_EQ(c.external_id, "1800");
  EXPECT_EQ(c.thread_key, "ig-media:1799");
  EXPECT_EQ(c.in_reply_to, "1795");
  EXPECT_EQ(c.author_name, "kunde_k");
  EXPECT_TRUE(c.is_public);
  EXPECT_EQ(c.sent_at, 1700000000000);
}

TEST(MetaDelivery, VisitorPost) {
  auto r = ParseDelivery(R"({"object":"page","entry":[{"id":"111","time":1700000000,
    "changes":[{"field":"feed","value":{"item":"status","verb":"add","post_id":"111_900",
      "from":{"id":"4001","name":"Visitor"},"message":"Your store was closed today?",
      "photo":"https://scontent.example/p.jpg","created_time":1700000400}}]}]})");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].external_id, "111_900");
  EXPECT_EQ((*r)[0].thread_key, "fb-post:111_900");
  EXPECT_TRUE((*r)[0].is_public);
  ASSERT_EQ((*r)[0].attachments.size(), 1u);
}

void ExpectError(std::string_view body, std::string_view pointer) {
  auto r = ParseDelivery(body);
  ASSERT_FALSE(r.ok()) << body;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(pointer), std::string::npos)
      << r.status().message() << " should name " << pointer;
}

TEST(MetaDelivery, MalformedNamesPointer) {
  ExpectError("{", "not JSON");
  ExpectError("[]", "/");
  ExpectError(R"({"entry":[]})", "/object");
  ExpectError(R"({"object":"whatsapp_business_account","entry":[]})", "/object");
  ExpectError(R"({"object":"page"})", "/entry");
  ExpectError(R"({"object":"page","entry":{}})", "/entry");
  ExpectError(R"({"object":"page","entry":[{"id":"1","messaging":[{"sender":{},
    "message":{"mid":"m"}}]}]})",
              "/entry/0/messaging/0/sender/id");
  ExpectError(R"({"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},
    "message":{"text":"x"}}]}]})",
              "/entry/0/messaging/0/message/mid");
  ExpectError(R"({"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},
    "message":{"mid":"m","text":5}}]}]})",
              "/entry/0/messaging/0/message/text");
  ExpectError(R"({"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"},
    "timestamp":"x","message":{"mid":"m"}}]}]})",
              "/entry/0/messaging/0/timestamp");
  ExpectError(R"({"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"2"}}]}]})",
              "/entry/0/messaging/0");
  ExpectError(R"({"object":"page","entry":[{"id":"1","changes":[{"field":"feed",
    "value":{"item":"comment","verb":"add","post_id":"1_2","from":{"id":"3"}}}]}]})",
              "/entry/0/changes/0/value/comment_id");
  ExpectError(R"({"object":"page","entry":[{"id":"1","changes":[{"field":"ratings",
    "value":{}}]}]})",
              "/entry/0/changes/0/field");
  ExpectError(R"({"object":"instagram","entry":[{"id":"1","changes":[{"field":"comments",
    "value":{"from":{"id":"2"},"id":"3"}}]}]})",
              "/entry/0/changes/0/value/media");
  ExpectError(R"({"object":"page","entry":[{"id":"1"}]})", "/entry/0");
}

TEST(MetaDelivery, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  std::string valid = R"({"object":"page","entry":[{"id":"111","messaging":[{"sender":{"id":"2"},
    "timestamp":1700000000000,"message":{"mid":"m_1","text":"hi"}}]}]})";
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    if (i % 2 == 0) {
      size_t n = rng() % 200;
      for (size_t k = 0; k < n; ++k) s += static_cast<char>(rng() % 256);
    } else {
      s = valid;
      for (int k = 0; k < 3; ++k) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    }
    auto r = ParseDelivery(s);
    if (r.ok()) {
      for (const auto& m : *r) EXPECT_FALSE(m.external_id.empty());
    } else {
      EXPECT_FALSE(r.status().message().empty());
    }
  }
}

TEST(MetaWindow, Boundaries) {
  const desk::Millis t = 1'700'000'000'000;
  const desk::Millis h = 3'600'000;
  EXPECT_EQ(ReplyWindow(t, t), Window::kStandard);
  EXPECT_EQ(ReplyWindow(t, t + 24 * h), Window::kStandard);
  EXPECT_EQ(ReplyWindow(t, t + 24 * h + 1), Window::kHumanAgent);
  EXPECT_EQ(ReplyWindow(t, t + 7 * 24 * h), Window::kHumanAgent);
  EXPECT_EQ(ReplyWindow(t, t + 7 * 24 * h + 1), Window::kClosed);
}

TEST(MetaThreadKey, Parse) {
  auto t = ParseThreadKey("ig-media:1799");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->kind, Thread::Kind::kInstagramMedia);
  EXPECT_EQ(t->id, "1799");
  EXPECT_FALSE(ParseThreadKey("tw:1").ok());
  EXPECT_FALSE(ParseThreadKey("fb:").ok());
  EXPECT_FALSE(ParseThreadKey("fb:1/../x").ok());
}

}  // namespace
}  // namespace leitplanke::channels::meta
