// Webhook side of the LinkedIn connector: escaping, the endpoint challenge,
// X-LI-Signature, the notification parser and Receive (with the comment
// fetch against FakeLinkedIn). Notification shapes follow LinkedIn's
// organization social action notifications as delivered.
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "channels/linkedin/linkedin.h"
#include "fake_linkedin.h"

namespace leitplanke::channels::linkedin {
namespace {

using nlohmann::json;
using testing::FakeLinkedIn;

constexpr char kSecret[] = "li-client-secret";
constexpr char kOrg[] = "urn:li:organization:5515715";
constexpr char kPost[] = "urn:li:activity:7094637247890620418";
constexpr char kComment[] =
    "urn:li:comment:(urn:li:activity:7094637247890620418,7094977717598625792)";

// Independent of the connector: OpenSSL's one-shot HMAC, hex-encoded here.
std::string OpenSslHmacHex(const std::string& key, const std::string& msg) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), mac, &len);
  std::string out;
  char b[3];
  for (unsigned int i = 0; i < len; ++i) {
    snprintf(b, sizeof(b), "%02x", mac[i]);
    out += b;
  }
  return out;
}

json CommentNotificationJson(const std::string& owner, const std::string& text, int64_t id) {
  return {
      {"subscriber", "urn:li:person:zLqTygBP8S"},
      {"lastModifiedAt", 1691574506310},
      {"decoratedSourcePost",
       {{"owner", kOrg},
        {"mediaCategory", "NONE"},
        {"text", "Our autumn collection is here"},
        {"entity", "urn:li:share:7094637247487995904"}}},
      {"sourcePost", kPost},
      {"decoratedGeneratedActivity",
       {{"comment", {{"owner", owner}, {"text", text}, {"entity", kComment}, {"object", kPost}}}}},
      {"action", "COMMENT"},
      {"notificationId", id},
      {"organizationalEntity", kOrg},
      {"generatedActivity", "urn:li:comment:(activity:7094637247890620418,7094977717598625792)"}};
}

json Envelope(std::vector<json> notifications) {
  return {{"type", "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}, {"notifications", notifications}};
}

json LikeNotification(int64_t id) {
  return {{"subscriber", "urn:li:person:zLqTygBP8S"},
          {"lastModifiedAt", 1691574529219},
          {"sourcePost", kPost},
          {"action", "LIKE"},
          {"notificationId", id},
          {"organizationalEntity", kOrg}};
}

// --- escaping -------------------------------------------------------------------

TEST(LinkedInEscape, EveryReservedCharacterGetsABackslash) {
  const std::string reserved = "|{}@[]()<>#\\*_~";
  for (char c : reserved) {
    EXPECT_EQ(EscapeLittleText(std::string(1, c)), std::string("\\") + c) << "char " << c;
  }
  EXPECT_EQ(EscapeLittleText(reserved), "\\|\\{\\}\\@\\[\\]\\(\\)\\<\\>\\#\\\\\\*\\_\\~");
}

TEST(LinkedInEscape, OtherAsciiUnchanged) {
  const std::string reserved = "|{}@[]()<>#\\*_~";
  for (int c = 0x01; c < 0x80; ++c) {
    if (reserved.find(static_cast<char>(c)) != std::string::npos) continue;
    std::string s(1, static_cast<char>(c));
    EXPECT_EQ(EscapeLittleText(s), s) << "char " << c;
  }
}

TEST(LinkedInEscape, Utf8PassesThrough) {
  const std::string s = "Grüße aus Köln — 😀 ＃hashtag 日本語 \xF0\x9F\x91\x8D";
  EXPECT_EQ(EscapeLittleText(s), s);
  EXPECT_EQ(EscapeLittleText("Call us (24/7) at #support_team!"),
            "Call us \\(24/7\\) at \\#support\\_team!");
  EXPECT_EQ(EscapeLittleText(""), "");
}

// --- challenge and signature ----------------------------------------------------

TEST(LinkedInChallenge, AnswerMatchesIndependentHmac) {
  const std::string code = "890e4665-4dfe-4ab1-b689-ed553bceeed0";
  // Computed outside the connector (openssl dgst -sha256 -hmac).
  const std::string expected = "313e20a5110164b82333ba6cb7cdad9e864a8e809bb93b22935d24b57f42823f";
  EXPECT_EQ(OpenSslHmacHex(kSecret, code), expected);
  json body = json::parse(ChallengeAnswer(kSecret, code));
  EXPECT_EQ(body["challengeCode"], code);
  EXPECT_EQ(body["challengeResponse"], expected);
}

TEST(LinkedInSignature, AcceptsDocumentedForms) {
  const std::string body = Envelope({LikeNotification(1)}).dump();
  const std::string hex = OpenSslHmacHex(kSecret, body);
  EXPECT_TRUE(SignatureValid(kSecret, body, hex));
  std::string upper = hex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(SignatureValid(kSecret, body, upper));
  EXPECT_TRUE(SignatureValid(kSecret, body, "hmacsha256=" + hex));
  EXPECT_TRUE(SignatureValid(kSecret, body, OpenSslHmacHex(kSecret, "hmacsha256=" + body)));
}

TEST(LinkedInSignature, RejectsTamperedWrongAndMalformed) {
  const std::string body = Envelope({LikeNotification(1)}).dump();
  const std::string hex = OpenSslHmacHex(kSecret, body);
  std::string tampered = body;
  tampered[tampered.size() / 2] ^= 1;
  EXPECT_FALSE(SignatureValid(kSecret, tampered, hex));
  EXPECT_FALSE(SignatureValid("other-secret", body, hex));
  EXPECT_FALSE(SignatureValid("", body, hex));
  EXPECT_FALSE(SignatureValid(kSecret, body, ""));
  EXPECT_FALSE(SignatureValid(kSecret, body, hex.substr(0, 63)));
  EXPECT_FALSE(SignatureValid(kSecret, body, hex + "0"));
  EXPECT_FALSE(SignatureValid(kSecret, body, "sha256=" + hex));
  std::string non_hex = hex;
  non_hex[0] = 'g';
  EXPECT_FALSE(SignatureValid(kSecret, body, non_hex));
}

// --- comment URNs ----------------------------------------------------------------

TEST(LinkedInUrn, ParsesAndNormalisesCommentUrns) {
  auto a = ParseCommentUrn(kComment);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->post_urn, kPost);
  EXPECT_EQ(a->id, "7094977717598625792");
  EXPECT_EQ(a->Canonical(), kComment);
  auto b = ParseCommentUrn("urn:li:comment:(activity:7094637247890620418,7094977717598625792)");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->Canonical(), kComment);
  for (const char* bad : {"", "urn:li:comment:5", "urn:li:comment:(urn:li:activity:1)",
                          "urn:li:comment:(urn:li:activity:1,)", "urn:li:share:1",
                          "urn:li:comment:(urn:li:activity:1,2 3)", "urn:li:comment:(x,1)"}) {
    EXPECT_FALSE(ParseCommentUrn(bad).ok()) << bad;
  }
  EXPECT_EQ(UrlEncode(kComment),
            "urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7094637247890620418%2C"
            "7094977717598625792%29");
}

// --- ParseNotifications -------------------------------------------------------------

TEST(LinkedInNotifications, CommentBecomesMessage) {
  auto r = ParseNotifications(Envelope({CommentNotificationJson("urn:li:person:eNgRWY2Tg-",
                                                                "Is this in stock?", 5603453321)})
                                  .dump(),
                              kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->event_ids, std::vector<std::string>{"5603453321"});
  ASSERT_EQ(r->comments.size(), 1u);
  const auto& c = r->comments[0];
  EXPECT_FALSE(c.needs_fetch);
  EXPECT_EQ(c.message.external_id, kComment);
  EXPECT_EQ(c.message.thread_key, std::string("li-post:") + kPost);
  EXPECT_EQ(c.message.in_reply_to, "");
  EXPECT_EQ(c.message.author_handle, "urn:li:person:eNgRWY2Tg-");
  EXPECT_EQ(c.message.text, "Is this in stock?");
  EXPECT_TRUE(c.message.is_public);
  EXPECT_EQ(c.message.sent_at, 1691574506310);
}

TEST(LinkedInNotifications, SkipsLikesSharesAdminAndOwnComments) {
  json share = LikeNotification(5603453449);
  share["action"] = "SHARE";
  json admin = CommentNotificationJson(kOrg, "Thanks!", 5603453217);
  admin["action"] = "ADMIN_COMMENT";
  json own = CommentNotificationJson(kOrg, "Commenting as the page", 77);
  json other_org = CommentNotificationJson("urn:li:person:x", "hi", 78);
  other_org["organizationalEntity"] = "urn:li:organization:1";
  auto r = ParseNotifications(
      Envelope({LikeNotification(-1266172823), share, admin, own, other_org}).dump(), kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->comments.empty());
  EXPECT_EQ(r->event_ids,
            (std::vector<std::string>{"-1266172823", "5603453449", "5603453217", "77", "78"}));
}

TEST(LinkedInNotifications, NestedCommentNamesItsParent) {
  json n = CommentNotificationJson("urn:li:person:abc", "Me too", 9);
  const std::string nested =
      "urn:li:comment:(urn:li:activity:7094637247890620418,7100000000000000001)";
  n["decoratedGeneratedActivity"]["comment"]["entity"] = nested;
  n["decoratedGeneratedActivity"]["comment"]["object"] = kComment;
  auto r = ParseNotifications(Envelope({n}).dump(), kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->comments.size(), 1u);
  EXPECT_EQ(r->comments[0].message.external_id, nested);
  EXPECT_EQ(r->comments[0].message.in_reply_to, kComment);

  n["decoratedGeneratedActivity"]["comment"]["object"] = kPost;
  n["decoratedGeneratedActivity"]["comment"]["parentComment"] = kComment;
  r = ParseNotifications(Envelope({n}).dump(), kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->comments[0].message.in_reply_to, kComment);
}

TEST(LinkedInNotifications, UrnOnlyNotificationNeedsFetch) {
  json n = {
      {"action", "COMMENT"},
      {"notificationId", 4406004},
      {"organizationalEntity", kOrg},
      {"sourcePost", kPost},
      {"lastModifiedAt", 1691574506310},
      {"generatedActivity", "urn:li:comment:(activity:7094637247890620418,7094977717598625792)"}};
  auto r = ParseNotifications(Envelope({n}).dump(), kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->comments.size(), 1u);
  EXPECT_TRUE(r->comments[0].needs_fetch);
  EXPECT_EQ(r->comments[0].message.external_id, kComment);
  EXPECT_EQ(r->comments[0].comment.id, "7094977717598625792");

  // commentId + sourcePost also identify the comment.
  n.erase("generatedActivity");
  n["commentId"] = "7094977717598625792";
  r = ParseNotifications(Envelope({n}).dump(), kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->comments[0].message.external_id, kComment);
}

TEST(LinkedInNotifications, OtherDeliveryTypesAreIgnored) {
  auto r = ParseNotifications(R"({"type":"LEAD_ACTION","leadGenFormResponse":"urn:li:x:1"})", kOrg);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->event_ids.empty());
  EXPECT_TRUE(r->comments.empty());
}

TEST(LinkedInNotifications, MalformedNamesThePointer) {
  struct Case {
    std::string body;
    std::string want;
  };
  json no_id = CommentNotificationJson("urn:li:person:a", "x", 1);
  no_id.erase("notificationId");
  json bad_entity = CommentNotificationJson("urn:li:person:a", "x", 1);
  bad_entity["decoratedGeneratedActivity"]["comment"]["entity"] = "urn:li:share:1";
  json bad_text = CommentNotificationJson("urn:li:person:a", "x", 1);
  bad_text["decoratedGeneratedActivity"]["comment"]["text"] = 5;
  json no_urn = CommentNotificationJson("urn:li:person:a", "x", 1);
  no_urn["decoratedGeneratedActivity"]["comment"].erase("entity");
  no_urn.erase("generatedActivity");
  json no_action = LikeNotification(3);
  no_action.erase("action");
  json bad_time = CommentNotificationJson("urn:li:person:a", "x", 1);
  bad_time["lastModifiedAt"] = "yesterday";
  const std::vector<Case> cases = {
      {"{", "/ is not JSON"},
      {"[]", "/ must be an object"},
      {R"({"type":"ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"})", "/notifications is missing"},
      {R"({"notifications":{}})", "/notifications must be an array"},
      {R"({"notifications":[7]})", "/notifications/0 must be an object"},
      {Envelope({LikeNotification(1), no_id}).dump(), "/notifications/1/notificationId is missing"},
      {Envelope({bad_entity}).dump(),
       "/notifications/0/decoratedGeneratedActivity/comment/entity is not a comment URN"},
      {Envelope({bad_text}).dump(),
       "/notifications/0/decoratedGeneratedActivity/comment/text must be a string"},
      {Envelope({no_urn}).dump(),
       "/notifications/0/decoratedGeneratedActivity/comment/entity is missing"},
      {Envelope({no_action}).dump(), "/notifications/0/action is missing"},
      {Envelope({bad_time}).dump(), "/notifications/0/lastModifiedAt must be a whole number (ms)"},
  };
  for (const auto& c : cases) {
    auto r = ParseNotifications(c.body, kOrg);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.body;
    EXPECT_EQ(r.status().message(), c.want) << c.body;
  }
}

TEST(LinkedInNotifications, RandomBytesNeverCrash) {
  std::mt19937 rng(20261129);
  const std::string valid =
      Envelope(
          {CommentNotificationJson("urn:li:person:a", "Hallo (Frage)", 1), LikeNotification(2)})
          .dump();
  for (int i = 0; i < 3000; ++i) {
    std::string junk(rng() % 300, '\0');
    for (char& c : junk) c = static_cast<char>(rng() & 0xff);
    (void)ParseNotifications(junk, kOrg);
    std::string mutated = valid;
    for (int k = 0; k < 4; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng() & 0xff);
    auto r = ParseNotifications(mutated, kOrg);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

// --- the channel's receiver -----------------------------------------------------------

class LinkedInReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    desk::ChannelConfig c;
    c.name = "shop-linkedin";
    c.kind = "linkedin";
    c.settings = {{"organization_id", "5515715"}, {"api_url", server_.base_url()}};
    c.secrets = {{"access_token", "AQVtoken"}, {"client_secret", kSecret}};
    auto ch = MakeLinkedIn(c, &clock_);
    ASSERT_TRUE(ch.ok()) << ch.status();
    channel_ = std::move(*ch);
    receiver_ = channel_->webhook();
    ASSERT_NE(receiver_, nullptr);
  }

  desk::WebhookRequest Signed(const std::string& body) {
    desk::WebhookRequest r;
    r.method = "POST";
    r.body = body;
    r.headers["x-li-signature"] = OpenSslHmacHex(kSecret, body);
    return r;
  }

  std::string FetchPath(const std::string& id = "7094977717598625792") {
    return "/rest/socialActions/urn%3Ali%3Aactivity%3A7094637247890620418/comments/" + id;
  }

  json UrnOnly(int64_t id) {
    return {
        {"action", "COMMENT"},
        {"notificationId", id},
        {"organizationalEntity", kOrg},
        {"sourcePost", kPost},
        {"lastModifiedAt", 1691574506310},
        {"generatedActivity", "urn:li:comment:(activity:7094637247890620418,7094977717598625792)"}};
  }

  FakeLinkedIn server_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<LinkedInChannel> channel_;
  desk::WebhookReceiver* receiver_ = nullptr;
};

TEST_F(LinkedInReceiverTest, ChallengeAnswersJson) {
  desk::WebhookRequest r;
  r.method = "GET";
  r.query["challengeCode"] = "890e4665-4dfe-4ab1-b689-ed553bceeed0";
  auto a = receiver_->Challenge(r);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(a->content_type, "application/json");
  json body = json::parse(a->body);
  EXPECT_EQ(body["challengeCode"], "890e4665-4dfe-4ab1-b689-ed553bceeed0");
  EXPECT_EQ(body["challengeResponse"],
            OpenSslHmacHex(kSecret, "890e4665-4dfe-4ab1-b689-ed553bceeed0"));

  r.query.clear();
  EXPECT_EQ(receiver_->Challenge(r).status().code(), StatusCode::kInvalidArgument);
  r.query["challengeCode"] = "x";
  r.method = "POST";
  EXPECT_EQ(receiver_->Challenge(r).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LinkedInReceiverTest, UnsignedOrForgedIsPermissionDenied) {
  std::string body = Envelope({CommentNotificationJson("urn:li:person:a", "hi", 1)}).dump();
  desk::WebhookRequest r = Signed(body);
  r.headers.clear();
  EXPECT_EQ(receiver_->Receive(r, 0).status().code(), StatusCode::kPermissionDenied);
  r = Signed(body);
  r.body[10] ^= 1;
  EXPECT_EQ(receiver_->Receive(r, 0).status().code(), StatusCode::kPermissionDenied);
  r = Signed(body);
  r.headers["x-li-signature"] = OpenSslHmacHex("wrong", body);
  EXPECT_EQ(receiver_->Receive(r, 0).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(LinkedInReceiverTest, SignedDeliveryWithTextNeedsNoFetch) {
  std::string body = Envelope({CommentNotificationJson("urn:li:person:a", "Where is my order?", 11),
                               LikeNotification(12)})
                         .dump();
  auto d = receiver_->Receive(Signed(body), clock_.NowMillis());
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->event_ids, (std::vector<std::string>{"11", "12"}));
  ASSERT_EQ(d->messages.size(), 1u);
  EXPECT_EQ(d->messages[0].text, "Where is my order?");
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(LinkedInReceiverTest, FetchesMissingCommentText) {
  server_.Route("GET", FetchPath(),
                {200, "",
                 json{{"actor", "urn:li:person:eNgRWY2Tg-"},
                      {"commentUrn", kComment},
                      {"created", {{"actor", "urn:li:person:eNgRWY2Tg-"}, {"time", 1691574506000}}},
                      {"id", "7094977717598625792"},
                      {"message", {{"attributes", json::array()}, {"text", "Can I return it?"}}},
                      {"object", kPost}}
                     .dump()});
  auto d = receiver_->Receive(Signed(Envelope({UrnOnly(4406004)}).dump()), 0);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->messages.size(), 1u);
  EXPECT_EQ(d->messages[0].text, "Can I return it?");
  EXPECT_EQ(d->messages[0].author_handle, "urn:li:person:eNgRWY2Tg-");
  EXPECT_EQ(d->messages[0].external_id, kComment);
  EXPECT_EQ(d->messages[0].sent_at, 1691574506310);
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer AQVtoken");
  EXPECT_EQ(reqs[0].headers["linkedin-version"], "202411");
  EXPECT_EQ(reqs[0].headers["x-restli-protocol-version"], "2.0.0");
}

TEST_F(LinkedInReceiverTest, DeletedCommentIsDroppedOwnCommentToo) {
  // No route: 404 (deleted).
  auto d = receiver_->Receive(Signed(Envelope({UrnOnly(1)}).dump()), 0);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->event_ids, std::vector<std::string>{"1"});
  EXPECT_TRUE(d->messages.empty());

  server_.Route(
      "GET", FetchPath(),
      {200, "",
       json{{"actor", kOrg}, {"id", "7094977717598625792"}, {"message", {{"text", "x"}}}}.dump()});
  d = receiver_->Receive(Signed(Envelope({UrnOnly(2)}).dump()), 0);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->messages.empty());
}

TEST_F(LinkedInReceiverTest, FailedFetchIsUnavailable) {
  server_.Route("GET", FetchPath(), {500, "", R"({"status":500,"message":"Internal"})"});
  auto d = receiver_->Receive(Signed(Envelope({UrnOnly(1)}).dump()), 0);
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable);
  server_.Route("GET", FetchPath(), {401, "", R"({"status":401,"code":"EXPIRED_ACCESS_TOKEN"})"});
  d = receiver_->Receive(Signed(Envelope({UrnOnly(1)}).dump()), 0);
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable);  // never "forged"
}

TEST_F(LinkedInReceiverTest, MalformedSignedBodyIsInvalidArgument) {
  auto d = receiver_->Receive(Signed(R"({"notifications":[{"action":"COMMENT"}]})"), 0);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(d.status().message(), "/notifications/0/notificationId is missing");
}

TEST_F(LinkedInReceiverTest, RandomSignedBodiesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) c = static_cast<char>(rng() & 0xff);
    auto d = receiver_->Receive(Signed(junk), 0);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace leitplanke::channels::linkedin
