// The Account Activity side: CRC answers, signatures and delivery parsing,
// with payloads in the shapes of X's Account Activity documentation.
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channels/x/x.h"

namespace leitplanke::channels::x {
namespace {

constexpr const char* kAccount = "3001";  // the company account (@shop)
constexpr const char* kSecret = "consumer-secret-123";

// base64(HMAC-SHA256(key, msg)) computed here with OpenSSL directly, so the
// channel's own helpers are not checked against themselves.
std::string ReferenceSignature(const std::string& key, const std::string& msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  unsigned char b64[128];
  int n = EVP_EncodeBlock(b64, mac, static_cast<int>(len));
  return "sha256=" + std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

desk::ChannelConfig Config() {
  desk::ChannelConfig c;
  c.name = "shop-x";
  c.kind = "x";
  c.settings = {{"account_id", kAccount}, {"api_url", "http://127.0.0.1:9"}};
  c.secrets = {{"consumer_secret", kSecret}, {"oauth2_access_token", "tok"}};
  return c;
}

// A mention (a reply to the company's post) and the company's own post.
constexpr const char* kTweetDelivery = R"({
  "for_user_id": "3001",
  "tweet_create_events": [
    {
      "created_at": "Wed Oct 10 20:19:24 +0000 2018",
      "id": 1050118621198921728,
      "id_str": "1050118621198921728",
      "text": "@shop my order &amp; invoice are missing https://t.co/abc",
      "truncated": false,
      "in_reply_to_status_id": 1050118600000000000,
      "in_reply_to_status_id_str": "1050118600000000000",
      "in_reply_to_user_id_str": "3001",
      "in_reply_to_screen_name": "shop",
      "user": {"id": 4001, "id_str": "4001", "name": "Alice Example", "screen_name": "alice"},
      "entities": {"hashtags": [], "urls": [{"url": "https://t.co/abc",
        "expanded_url": "https://example.com/order/77", "display_url": "example.com/order/77"}],
        "user_mentions": [{"screen_name": "shop", "id_str": "3001"}]},
      "lang": "en",
      "timestamp_ms": "1539202764000"
    },
    {
      "created_at": "Wed Oct 10 20:20:00 +0000 2018",
      "id_str": "1050118800000000000",
      "text": "We are on it!",
      "user": {"id_str": "3001", "name": "Shop", "screen_name": "shop"},
      "timestamp_ms": "1539202800000"
    }
  ]
})";

constexpr const char* kDmDelivery = R"({
  "for_user_id": "3001",
  "direct_message_events": [
    {
      "type": "message_create",
      "id": "954491830116155396",
      "created_timestamp": "1516403560557",
      "message_create": {
        "target": {"recipient_id": "3001"},
        "sender_id": "4002",
        "source_app_id": "268278",
        "message_data": {"text": "Hallo, wo bleibt mein Paket?",
          "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []}}
      }
    },
    {
      "type": "message_create",
      "id": "954491830116155397",
      "created_timestamp": "1516403570000",
      "message_create": {
        "target": {"recipient_id": "4002"},
        "sender_id": "3001",
        "message_data": {"text": "Wir schauen nach."}
      }
    }
  ],
  "apps": {"268278": {"id": "268278", "name": "Twitter Web Client", "url": "http://twitter.com"}},
  "users": {
    "4002": {"id": "4002", "created_timestamp": "1422556069340", "name": "Bernd Kunde",
             "screen_name": "bernd_k", "protected": false, "verified": false},
    "3001": {"id": "3001", "name": "Shop", "screen_name": "shop"}
  }
})";

TEST(CrcTest, ChallengeAnswersWithHmacOfTheToken) {
  auto ch = MakeX(Config());
  ASSERT_TRUE(ch.ok()) << ch.status();
  desk::WebhookReceiver* rx = (*ch)->webhook();
  ASSERT_NE(rx, nullptr);
  desk::WebhookRequest req;
  req.method = "GET";
  req.query = {{"crc_token", "challenge-from-x"}};
  auto a = rx->Challenge(req);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->content_type, "application/json");
  EXPECT_EQ(a->body,
            "{\"response_token\":\"" + ReferenceSignature(kSecret, "challenge-from-x") + "\"}");
  EXPECT_EQ(Sha256Signature(kSecret, "challenge-from-x"),
            ReferenceSignature(kSecret, "challenge-from-x"));
}

TEST(CrcTest, KnownVector) {
  // RFC 4231 test case 2 (key "Jefe"), base64 of its documented digest
  // 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
  EXPECT_EQ(Sha256Signature("Jefe", "what do ya want for nothing?"),
            "sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(CrcTest, MissingTokenIsInvalidArgument) {
  auto ch = MakeX(Config());
  ASSERT_TRUE(ch.ok());
  desk::WebhookRequest req;
  req.method = "GET";
  auto a = (*ch)->webhook()->Challenge(req);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
}

TEST(SignatureTest, ValidTamperedMissing) {
  auto ch = MakeX(Config());
  ASSERT_TRUE(ch.ok());
  desk::WebhookReceiver* rx = (*ch)->webhook();
  desk::WebhookRequest req;
  req.method = "POST";
  req.body = kTweetDelivery;
  req.headers["x-twitter-webhooks-signature"] = ReferenceSignature(kSecret, req.body);
  auto ok = rx->Receive(req, 0);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->messages.size(), 1u);

  desk::WebhookRequest tampered = req;
  tampered.body[tampered.body.find("missing")] = 'M';
  auto t = rx->Receive(tampered, 0);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kPermissionDenied);

  desk::WebhookRequest wrong_key = req;
  wrong_key.headers["x-twitter-webhooks-signature"] = ReferenceSignature("other", req.body);
  EXPECT_EQ(rx->Receive(wrong_key, 0).status().code(), StatusCode::kPermissionDenied);

  desk::WebhookRequest hex = req;  // Meta-style hex is not X's format
  hex.headers["x-twitter-webhooks-signature"] = "sha256=00ff";
  EXPECT_EQ(rx->Receive(hex, 0).status().code(), StatusCode::kPermissionDenied);

  desk::WebhookRequest missing = req;
  missing.headers.clear();
  auto m = rx->Receive(missing, 0);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(m.status().message().find("x-twitter-webhooks-signature"), std::string::npos);

  EXPECT_FALSE(SignatureValid("", req.body, req.headers["x-twitter-webhooks-signature"]));
  EXPECT_TRUE(SignatureValid(kSecret, req.body, req.headers["x-twitter-webhooks-signature"]));
}

TEST(SignatureTest, DeadLetterReplayParsesWithoutSignature) {
  auto ch = MakeX(Config());
  ASSERT_TRUE(ch.ok());
  desk::WebhookReceiver* rx = (*ch)->webhook();
  auto msgs = rx->ParseVerified(kDmDelivery);
  ASSERT_TRUE(msgs.ok()) << msgs.status();
  ASSERT_EQ(msgs->size(), 1u);
  EXPECT_EQ((*msgs)[0].external_id, "954491830116155396");
  auto bad = rx->ParseVerified(R"({"for_user_id":"3001","tweet_create_events":[{}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST(DeliveryTest, MentionReply) {
  auto d = ParseDelivery(kTweetDelivery, kAccount);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->event_ids.size(), 2u);
  EXPECT_EQ(d->event_ids[0], "1050118621198921728");
  EXPECT_EQ(d->event_ids[1], "1050118800000000000");
  ASSERT_EQ(d->messages.size(), 1u);  // the account's own post is skipped
  const desk::InboundMessage& m = d->messages[0];
  EXPECT_EQ(m.external_id, "1050118621198921728");
  EXPECT_EQ(m.thread_key, "tweet:1050118600000000000");
  EXPECT_EQ(m.in_reply_to, "1050118600000000000");
  EXPECT_EQ(m.author_handle, "@alice");
  EXPECT_EQ(m.author_name, "Alice Example");
  EXPECT_EQ(m.text, "@shop my order & invoice are missing https://example.com/order/77");
  EXPECT_TRUE(m.is_public);
  EXPECT_EQ(m.language, "en");
  EXPECT_EQ(m.sent_at, 1539202764000);
}

TEST(DeliveryTest, RootMentionExtendedTweetAndConversationId) {
  std::string body = R"({"for_user_id":"3001","tweet_create_events":[
    {"id_str":"9001","text":"@shop long text truncated…","truncated":true,
     "extended_tweet":{"full_text":"@shop long text in full with a photo","entities":{"urls":[]},
       "extended_entities":{"media":[{"type":"photo","media_url_https":"https://pbs.twimg.com/media/a.jpg"}]}},
     "user":{"id_str":"4001","screen_name":"alice","name":"Alice"},
     "created_at":"Wed Oct 10 20:19:24 +0000 2018"},
    {"id_str":"9002","text":"@shop reply","in_reply_to_status_id_str":"9001",
     "conversation_id_str":"8000","user":{"id_str":"4003"}},
    {"id_str":"9003","text":"RT @shop: news","retweeted_status":{"id_str":"7000"},
     "user":{"id_str":"4004","screen_name":"carol"}}]})";
  auto d = ParseDelivery(body, kAccount);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->event_ids.size(), 3u);
  ASSERT_EQ(d->messages.size(), 2u);                   // the retweet is skipped
  EXPECT_EQ(d->messages[0].thread_key, "tweet:9001");  // a root: its own id
  EXPECT_EQ(d->messages[0].text, "@shop long text in full with a photo");
  EXPECT_EQ(d->messages[0].sent_at, 1539202764000);  // from created_at
  ASSERT_EQ(d->messages[0].attachments.size(), 1u);
  EXPECT_EQ(d->messages[0].attachments[0].url, "https://pbs.twimg.com/media/a.jpg");
  EXPECT_EQ(d->messages[0].attachments[0].mime_type, "image/jpeg");
  EXPECT_EQ(d->messages[1].thread_key, "tweet:8000");  // conversation id wins
  EXPECT_EQ(d->messages[1].author_handle, "4003");     // no screen name: the id
}

TEST(DeliveryTest, DirectMessages) {
  auto d = ParseDelivery(kDmDelivery, kAccount);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->event_ids.size(), 2u);
  EXPECT_EQ(d->event_ids[0], "954491830116155396");
  ASSERT_EQ(d->messages.size(), 1u);  // the account's own DM is skipped
  const desk::InboundMessage& m = d->messages[0];
  EXPECT_EQ(m.external_id, "954491830116155396");
  EXPECT_EQ(m.thread_key, "dm:4002");
  EXPECT_EQ(m.author_handle, "@bernd_k");
  EXPECT_EQ(m.author_name, "Bernd Kunde");
  EXPECT_EQ(m.text, "Hallo, wo bleibt mein Paket?");
  EXPECT_FALSE(m.is_public);
  EXPECT_EQ(m.sent_at, 1516403560557);
  EXPECT_TRUE(m.in_reply_to.empty());
}

TEST(DeliveryTest, MentionByBlockedUserIsSkipped) {
  // The documented mention envelope: user_has_blocked at the top level.
  std::string body = R"({"for_user_id":"2244994945","user_has_blocked":"true",
    "tweet_create_events":[{"id_str":"77","text":"@TwitterDev spam",
      "user":{"id_str":"5","screen_name":"spammer"}}]})";
  auto d = ParseDelivery(body, "2244994945");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->event_ids, std::vector<std::string>{"77"});
  EXPECT_TRUE(d->messages.empty());
  std::string fine = body;
  fine.replace(fine.find("\"true\""), 6, "\"false\"");
  auto f = ParseDelivery(fine, "2244994945");
  ASSERT_TRUE(f.ok()) << f.status();
  ASSERT_EQ(f->messages.size(), 1u);
  EXPECT_EQ(f->messages[0].author_handle, "@spammer");
}

TEST(DeliveryTest, OtherEventsAndOtherAccountsGiveNoMessages) {
  auto fav = ParseDelivery(
      R"({"for_user_id":"3001","favorite_events":[{"id":"a1","favorited_status":{}}]})", kAccount);
  ASSERT_TRUE(fav.ok()) << fav.status();
  EXPECT_TRUE(fav->messages.empty());
  auto typing = ParseDelivery(
      R"({"for_user_id":"3001","direct_message_indicate_typing_events":[{"created_timestamp":"1"}],
          "direct_message_events":[{"type":"message_read","id":"55"}]})",
      kAccount);
  ASSERT_TRUE(typing.ok()) << typing.status();
  EXPECT_TRUE(typing->messages.empty());
  auto other = ParseDelivery(kDmDelivery, "9999");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->messages.empty());
}

TEST(DeliveryTest, MalformedNamesThePointer) {
  struct Case {
    const char* body;
    const char* pointer;
  };
  const Case cases[] = {
      {R"({"tweet_create_events":[]})", "/for_user_id is missing"},
      {R"({"for_user_id":3001})", "/for_user_id is not a string"},
      {R"({"for_user_id":"3001","tweet_create_events":{}})",
       "/tweet_create_events is not an array"},
      {R"({"for_user_id":"3001","tweet_create_events":[{"text":"x","user":{"id_str":"1"}}]})",
       "/tweet_create_events/0/id_str is missing"},
      {R"({"for_user_id":"3001","tweet_create_events":[{"id_str":"1","text":"x"}]})",
       "/tweet_create_events/0/user is missing"},
      {R"({"for_user_id":"3001","tweet_create_events":[{"id_str":"1","user":{"id_str":"2"}}]})",
       "/tweet_create_events/0/text is missing"},
      {R"({"for_user_id":"3001","tweet_create_events":[{"id_str":"abc","text":"x","user":{"id_str":"2"}}]})",
       "/tweet_create_events/0/id_str is not a numeric X id"},
      {R"({"for_user_id":"3001","direct_message_events":[{"type":"message_create","id":"5"}]})",
       "/direct_message_events/0/message_create is missing"},
      {R"({"for_user_id":"3001","direct_message_events":[{"type":"message_create","id":"5",
          "message_create":{"sender_id":"7","message_data":{}}}]})",
       "/direct_message_events/0/message_create/message_data/text is missing"},
      {R"({"for_user_id":"3001","direct_message_events":[1]})",
       "/direct_message_events/0 is not an object"},
  };
  for (const Case& c : cases) {
    auto d = ParseDelivery(c.body, kAccount);
    ASSERT_FALSE(d.ok()) << c.body;
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(d.status().message().find(c.pointer), std::string::npos)
        << d.status().message() << " / expected " << c.pointer;
  }
  EXPECT_EQ(ParseDelivery("not json", kAccount).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDelivery("[1,2]", kAccount).status().code(), StatusCode::kInvalidArgument);
}

TEST(DeliveryTest, RandomBytesNeverCrash) {
  std::string base = kTweetDelivery;
  std::string dm = kDmDelivery;
  unsigned v = 7;
  auto next = [&v] {
    v = v * 1664525u + 1013904223u;
    return v >> 8;
  };
  for (int i = 0; i < 3000; ++i) {
    std::string s = (i % 2 == 0) ? base : dm;
    int edits = 1 + static_cast<int>(next() % 8);
    for (int k = 0; k < edits; ++k) s[next() % s.size()] = static_cast<char>(next());
    (void)ParseDelivery(s, kAccount);
    std::string noise(next() % 200, '\0');
    for (char& c : noise) c = static_cast<char>(next());
    (void)ParseDelivery(noise, kAccount);
    (void)ParseDelivery(s.substr(0, next() % s.size()), kAccount);
  }
  SUCCEED();
}

}  // namespace
}  // namespace leitplanke::channels::x
