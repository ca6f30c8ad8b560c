// Settings, Render, Send, Publish, Poll and error mapping against
// FakeLinkedIn on loopback. Request and response shapes follow LinkedIn's
// Posts API and Comments API (socialActions) documentation.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/linkedin/linkedin.h"
#include "fake_linkedin.h"

namespace leitplanke::channels::linkedin {
namespace {

using nlohmann::json;
using testing::FakeLinkedIn;

constexpr char kOrg[] = "urn:li:organization:5515715";
constexpr char kPost[] = "urn:li:activity:7094637247890620418";
constexpr char kComment[] =
    "urn:li:comment:(urn:li:activity:7094637247890620418,7094977717598625792)";
constexpr char kCommentPath[] =
    "/rest/socialActions/"
    "urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7094637247890620418%2C7094977717598625792%29/"
    "comments";
constexpr char kPostCommentsPath[] =
    "/rest/socialActions/urn%3Ali%3Aactivity%3A7094637247890620418/comments";

desk::ChannelConfig Config(const std::string& url) {
  desk::ChannelConfig c;
  c.name = "shop-linkedin";
  c.kind = "linkedin";
  c.settings = {{"organization_id", "5515715"}, {"api_url", url}, {"api_version", "202411"}};
  c.secrets = {{"access_token", "AQVtoken"}, {"client_secret", "sec"}};
  return c;
}

class LinkedInChannelTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(Config(server_.base_url())); }

  void Make(const desk::ChannelConfig& c) {
    auto ch = MakeLinkedIn(c, &clock_);
    ASSERT_TRUE(ch.ok()) << ch.status();
    channel_ = std::move(*ch);
  }

  desk::OutboundMessage Reply(std::string text = "Thanks, we are on it (ticket 42).") {
    desk::OutboundMessage m;
    m.thread_key = std::string("li-post:") + kPost;
    m.in_reply_to = kComment;
    m.to_handle = "urn:li:person:eNgRWY2Tg-";
    m.is_public = true;
    m.text = std::move(text);
    m.idempotency_key = "reply-1";
    return m;
  }

  void RouteCommentCreated(const std::string& path = kCommentPath) {
    server_.Route(
        "POST", path,
        {201, "x-restli-id: 7100000000000000042\r\n",
         json{{"actor", kOrg},
              {"commentUrn",
               "urn:li:comment:(urn:li:activity:7094637247890620418,7100000000000000042)"},
              {"id", "7100000000000000042"},
              {"object", kPost}}
             .dump()});
  }

  FakeLinkedIn server_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<LinkedInChannel> channel_;
};

// --- settings -------------------------------------------------------------------

TEST(LinkedInSettings, ErrorsNameTheSetting) {
  struct Case {
    std::string key, value, want;
  };
  const std::vector<Case> cases = {
      {"organization_id", "", "'organization_id' is required"},
      {"organization_id", "acme", "'organization_id' must be the numeric"},
      {"api_url", "http://api.linkedin.com", "'api_url' must use https://"},
      {"api_url", "ftp://x", "'api_url' must start with https://"},
      {"api_version", "2024-11", "'api_version' must be a LinkedIn version"},
      {"api_version", "202413", "'api_version' must be a LinkedIn version"},
      {"token_expires_at", "tomorrow", "'token_expires_at' must be"},
      {"token_expires_at", "1700000000", "'token_expires_at' must be milliseconds"},
      {"poll_posts", "500", "'poll_posts' must be between 0 and 100"},
  };
  for (const auto& c : cases) {
    desk::ChannelConfig cfg = Config("https://api.linkedin.com");
    cfg.settings[c.key] = c.value;
    auto r = MakeLinkedInChannel(cfg);
    ASSERT_FALSE(r.ok()) << c.key << "=" << c.value;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status();
  }
  desk::ChannelConfig cfg = Config("https://api.linkedin.com");
  cfg.secrets.erase("client_secret");
  EXPECT_NE(MakeLinkedInChannel(cfg).status().message().find("'client_secret' is required"),
            std::string::npos);
  cfg = Config("https://api.linkedin.com");
  cfg.kind = "meta";
  EXPECT_FALSE(MakeLinkedInChannel(cfg).ok());
  cfg = Config("https://api.linkedin.com");
  cfg.settings["organization_id"] = "urn:li:organization:5515715";
  EXPECT_TRUE(MakeLinkedInChannel(cfg).ok());
}

TEST(LinkedInSettings, TokenExpiry) {
  desk::ChannelConfig cfg = Config("https://api.linkedin.com");
  auto ch = MakeLinkedInChannel(cfg);
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ((*ch)->credentials_expire_at(), 0);
  EXPECT_EQ((*ch)->kind(), "linkedin");
  EXPECT_NE((*ch)->webhook(), nullptr);

  cfg.settings["token_expires_at"] = "1800000000000";
  EXPECT_EQ((*MakeLinkedInChannel(cfg))->credentials_expire_at(), 1'800'000'000'000);
  cfg.settings["token_expires_at"] = "2027-01-28";
  EXPECT_EQ((*MakeLinkedInChannel(cfg))->credentials_expire_at(), 1'801'094'400'000);
  cfg.settings["token_expires_at"] = "2027-01-28T10:00:00Z";
  EXPECT_EQ((*MakeLinkedInChannel(cfg))->credentials_expire_at(), 1'801'130'400'000);
}

// --- Render -----------------------------------------------------------------------

TEST_F(LinkedInChannelTest, RenderEscapesPostsNotComments) {
  desk::OutboundMessage post;
  post.text = "New: returns within 30 days (free) #service @all";
  auto r = channel_->Render(post);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "New: returns within 30 days \\(free\\) \\#service \\@all");

  auto c = channel_->Render(Reply("Sorry (really) #1"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c, "Sorry (really) #1");
}

TEST_F(LinkedInChannelTest, CommentEscapingCanBeSwitchedOn) {
  desk::ChannelConfig c = Config(server_.base_url());
  c.settings["escape_comments"] = "true";
  Make(c);
  auto r = channel_->Render(Reply("Sorry (really) #1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "Sorry \\(really\\) \\#1");
  c.settings["escape_comments"] = "yes";
  EXPECT_FALSE(MakeLinkedInChannel(c).ok());
}

TEST_F(LinkedInChannelTest, PostLimitCountsEscapedText) {
  desk::OutboundMessage post;
  post.text = std::string(3000, 'a');
  EXPECT_TRUE(channel_->Render(post).ok());
  post.text = std::string(2999, 'a') + "(";
  auto r = channel_->Render(post);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("3001 characters after escaping (3000 before)"),
            std::string::npos)
      << r.status();
  EXPECT_NE(r.status().message().find("allows 3000"), std::string::npos);
}

TEST_F(LinkedInChannelTest, CommentLimitInCodePoints) {
  std::string umlauts;
  for (int i = 0; i < 1250; ++i) umlauts += "ü";
  EXPECT_TRUE(channel_->Render(Reply(umlauts)).ok());
  auto r = channel_->Render(Reply(umlauts + "!"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1251 characters"), std::string::npos) << r.status();
  EXPECT_NE(r.status().message().find("comment allows 1250"), std::string::npos);
  EXPECT_EQ(channel_->Render(Reply("")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(channel_->Render(Reply("bad \xC3")).status().code(), StatusCode::kInvalidArgument);
}

// --- Send -------------------------------------------------------------------------

TEST_F(LinkedInChannelTest, ReplyToCommentHeadersAndBody) {
  RouteCommentCreated();
  auto r = channel_->Send(Reply());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id,
            "urn:li:comment:(urn:li:activity:7094637247890620418,7100000000000000042)");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, kCommentPath);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer AQVtoken");
  EXPECT_EQ(reqs[0].headers["linkedin-version"], "202411");
  EXPECT_EQ(reqs[0].headers["x-restli-protocol-version"], "2.0.0");
  EXPECT_EQ(reqs[0].headers["content-type"], "application/json");
  json b = json::parse(reqs[0].body);
  EXPECT_EQ(b["actor"], kOrg);
  EXPECT_EQ(b["object"], kPost);
  EXPECT_EQ(b["message"]["text"], "Thanks, we are on it (ticket 42).");
  EXPECT_EQ(b["parentComment"], kComment);
  EXPECT_EQ(reqs[0].body.find("reply-1"), std::string::npos);  // LinkedIn has no idempotency key
}

TEST_F(LinkedInChannelTest, ReceiptFromRestliIdWhenBodyIsEmpty) {
  server_.Route("POST", kCommentPath, {201, "x-restli-id: 7100000000000000043\r\n", ""});
  auto r = channel_->Send(Reply());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id,
            "urn:li:comment:(urn:li:activity:7094637247890620418,7100000000000000043)");
}

TEST_F(LinkedInChannelTest, ReplyToNestedCommentGoesToTopLevelParent) {
  // A nested comment arrives by webhook; the reply must name its parent.
  const std::string nested =
      "urn:li:comment:(urn:li:activity:7094637247890620418,7100000000000000001)";
  json n = {{"action", "COMMENT"},
            {"notificationId", 1},
            {"organizationalEntity", kOrg},
            {"sourcePost", kPost},
            {"decoratedGeneratedActivity",
             {{"comment",
               {{"owner", "urn:li:person:b"},
                {"text", "Me too"},
                {"entity", nested},
                {"object", kComment}}}}}};
  std::string body =
      json{{"type", "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS"}, {"notifications", {n}}}.dump();
  desk::WebhookRequest req;
  req.method = "POST";
  req.body = body;
  req.headers["x-li-signature"] = HmacSha256Hex("sec", body);
  auto d = channel_->webhook()->Receive(req, 0);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ(d->messages.size(), 1u);

  RouteCommentCreated();
  desk::OutboundMessage m = Reply();
  m.in_reply_to = nested;
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, kCommentPath);
  EXPECT_EQ(json::parse(reqs[0].body)["parentComment"], kComment);
}

TEST_F(LinkedInChannelTest, AnswerToOwnReplyGoesToTopLevelParent) {
  RouteCommentCreated();
  auto first = channel_->Send(Reply());
  ASSERT_TRUE(first.ok()) << first.status();
  desk::OutboundMessage m = Reply("One more thing");
  m.in_reply_to = first->external_id;  // our own nested reply
  ASSERT_TRUE(channel_->Send(m).ok());
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].target, kCommentPath);
  EXPECT_EQ(json::parse(reqs[1].body)["parentComment"], kComment);
}

TEST_F(LinkedInChannelTest, NewCommentOnPostFromThreadKey) {
  RouteCommentCreated(kPostCommentsPath);
  desk::OutboundMessage m = Reply("Happy to help!");
  m.in_reply_to.clear();
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, kPostCommentsPath);
  json b = json::parse(reqs[0].body);
  EXPECT_EQ(b["object"], kPost);
  EXPECT_FALSE(b.contains("parentComment"));
}

TEST_F(LinkedInChannelTest, BadTargetsFailWithoutRequest) {
  desk::OutboundMessage m = Reply();
  m.in_reply_to = "urn:li:share:1";
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  m.in_reply_to.clear();
  m.thread_key = "fb-post:1";
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  m.thread_key = "li-post:nonsense";
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(LinkedInChannelTest, PublishPostReadsRestliId) {
  server_.Route("POST", "/rest/posts",
                {201, "x-restli-id: urn:li:share:6844785523593134080\r\n", ""});
  auto r = channel_->Publish("Winter sale (today only) #deals");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "urn:li:share:6844785523593134080");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/rest/posts");
  EXPECT_EQ(reqs[0].headers["linkedin-version"], "202411");
  EXPECT_EQ(reqs[0].headers["x-restli-protocol-version"], "2.0.0");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer AQVtoken");
  json b = json::parse(reqs[0].body);
  EXPECT_EQ(b["author"], kOrg);
  EXPECT_EQ(b["commentary"], "Winter sale \\(today only\\) \\#deals");
  EXPECT_EQ(b["visibility"], "PUBLIC");
  EXPECT_EQ(b["distribution"]["feedDistribution"], "MAIN_FEED");
  EXPECT_EQ(b["lifecycleState"], "PUBLISHED");
}

TEST_F(LinkedInChannelTest, SendWithoutTargetPublishesTheRenderedText) {
  server_.Route("POST", "/rest/posts", {201, "x-restli-id: urn:li:share:1\r\n", ""});
  desk::OutboundMessage m;
  m.text = "A \\(b\\)";  // already rendered: sent as is
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(json::parse(server_.requests()[0].body)["commentary"], "A \\(b\\)");
}

TEST_F(LinkedInChannelTest, PublishWithoutRestliIdIsInternal) {
  server_.Route("POST", "/rest/posts", {201, "", ""});
  EXPECT_EQ(channel_->Publish("x").status().code(), StatusCode::kInternal);
  EXPECT_EQ(channel_->Publish(std::string(3001, 'x')).status().code(),
            StatusCode::kInvalidArgument);
}

// --- errors -----------------------------------------------------------------------

TEST_F(LinkedInChannelTest, ErrorMapping) {
  struct Case {
    int status;
    std::string headers, body;
    StatusCode want;
  };
  const std::vector<Case> cases = {
      {401, "", R"({"status":401,"serviceErrorCode":65601,"code":"REVOKED_ACCESS_TOKEN",
                   "message":"The token used in the request has been revoked by the user"})",
       StatusCode::kPermissionDenied},
      {403, "", R"({"status":403,"message":"Not enough permissions"})",
       StatusCode::kPermissionDenied},
      {400, "", R"({"status":400,"message":"Comment text is too long"})",
       StatusCode::kInvalidArgument},
      {422, "", "", StatusCode::kInvalidArgument},
      {500, "", R"({"status":500,"message":"Internal Server Error"})", StatusCode::kUnavailable},
      {503, "", "", StatusCode::kUnavailable},
  };
  for (const auto& c : cases) {
    server_.Route("POST", kCommentPath, {c.status, c.headers, c.body});
    auto r = channel_->Send(Reply());
    ASSERT_FALSE(r.ok()) << c.status;
    EXPECT_EQ(r.status().code(), c.want) << c.status << " " << r.status();
    EXPECT_NE(r.status().message().find("HTTP " + std::to_string(c.status)), std::string::npos);
  }
  server_.Route("POST", kCommentPath, {400, "", R"({"status":400,"message":"Comment too long"})"});
  EXPECT_NE(channel_->Send(Reply()).status().message().find("Comment too long"), std::string::npos);
}

TEST_F(LinkedInChannelTest, RateLimitedWithRetryAfter) {
  server_.Route("POST", kCommentPath, {429, "Retry-After: 30\r\n", R"({"status":429})"});
  auto r = channel_->Send(Reply());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 30'000);
  // Blocked locally until then: no second request.
  clock_.AdvanceSeconds(10);
  r = channel_->Send(Reply());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 20'000);
  EXPECT_EQ(server_.requests().size(), 1u);
  clock_.AdvanceSeconds(21);
  RouteCommentCreated();
  EXPECT_TRUE(channel_->Send(Reply()).ok());
  EXPECT_EQ(channel_->retry_after_ms(), 0);
}

TEST_F(LinkedInChannelTest, RateLimitedWithoutHeaderUsesBackoff) {
  server_.Route("POST", kCommentPath, {429, "", ""});
  EXPECT_EQ(channel_->Send(Reply()).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 900'000);
}

TEST(LinkedInTransport, ClosedPortIsUnavailable) {
  desk::ChannelConfig c = Config("http://127.0.0.1:1");
  c.settings["connect_timeout_ms"] = "2000";
  FakeClock clock;
  auto ch = MakeLinkedIn(c, &clock);
  ASSERT_TRUE(ch.ok());
  desk::OutboundMessage m;
  m.thread_key = std::string("li-post:") + kPost;
  m.in_reply_to = kComment;
  m.text = "hi";
  EXPECT_EQ((*ch)->Send(m).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ((*ch)->Poll("1").status().code(), StatusCode::kUnavailable);
}

// --- Poll -------------------------------------------------------------------------

TEST_F(LinkedInChannelTest, FirstPollStartsNowWithoutRequests) {
  auto r = channel_->Poll("");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(r->cursor, std::to_string(clock_.NowMillis()));
  EXPECT_TRUE(server_.requests().empty());
  EXPECT_EQ(channel_->Poll("abc").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LinkedInChannelTest, PollCatchesUpNewerComments) {
  server_.Route("GET", "/rest/posts",
                {200, "",
                 json{{"elements",
                       {{{"id", kPost}, {"author", kOrg}, {"lastModifiedAt", 1700000000000}},
                        {{"id", "urn:li:share:6844785523593134080"}, {"author", kOrg}}}},
                      {"paging", {{"count", 10}, {"start", 0}}}}
                     .dump()});
  auto comment = [](const std::string& post, const std::string& id, const std::string& actor,
                    int64_t time, const std::string& text) {
    return json{{"actor", actor},
                {"commentUrn", "urn:li:comment:(" + post + "," + id + ")"},
                {"created", {{"actor", actor}, {"time", time}}},
                {"id", id},
                {"message", {{"text", text}}},
                {"object", post}};
  };
  server_.Route("GET", kPostCommentsPath,
                {200, "",
                 json{{"elements",
                       {comment(kPost, "1", "urn:li:person:old", 1000, "old"),
                        comment(kPost, "3", "urn:li:person:c", 3000, "third"),
                        comment(kPost, "4", kOrg, 4000, "our own answer")}},
                      {"paging", {{"count", 10}, {"start", 0}, {"total", 3}}}}
                     .dump()});
  server_.Route(
      "GET", "/rest/socialActions/urn%3Ali%3Ashare%3A6844785523593134080/comments",
      {200, "",
       json{{"elements",
             {comment("urn:li:share:6844785523593134080", "2", "urn:li:person:b", 2000, "second")}}}
           .dump()});
  auto r = channel_->Poll("1500");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[0].text, "second");
  EXPECT_EQ(r->messages[0].thread_key, "li-post:urn:li:share:6844785523593134080");
  EXPECT_EQ(r->messages[0].external_id, "urn:li:comment:(urn:li:share:6844785523593134080,2)");
  EXPECT_EQ(r->messages[1].text, "third");
  EXPECT_EQ(r->messages[1].author_handle, "urn:li:person:c");
  EXPECT_EQ(r->messages[1].sent_at, 3000);
  EXPECT_TRUE(r->messages[1].is_public);
  EXPECT_EQ(r->cursor, "3000");
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].target,
            "/rest/posts?author=urn%3Ali%3Aorganization%3A5515715&q=author&count=10"
            "&sortBy=LAST_MODIFIED");
  EXPECT_EQ(reqs[0].headers["linkedin-version"], "202411");

  // Nothing newer: the cursor stays.
  r = channel_->Poll("3000");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(r->cursor, "3000");
}

TEST_F(LinkedInChannelTest, PollErrorsMap) {
  server_.Route("GET", "/rest/posts", {401, "", R"({"status":401,"code":"EXPIRED_ACCESS_TOKEN"})"});
  EXPECT_EQ(channel_->Poll("1").status().code(), StatusCode::kPermissionDenied);
  server_.Route("GET", "/rest/posts", {200, "", "not json"});
  EXPECT_EQ(channel_->Poll("1").status().code(), StatusCode::kUnavailable);
}

TEST_F(LinkedInChannelTest, PollingCanBeSwitchedOff) {
  desk::ChannelConfig c = Config(server_.base_url());
  c.settings["poll_posts"] = "0";
  Make(c);
  auto r = channel_->Poll("5");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cursor, "5");
  EXPECT_TRUE(server_.requests().empty());
}

}  // namespace
}  // namespace leitplanke::channels::linkedin
