// Settings, Render, Send, token refresh, rate limits, Poll and the budget,
// against FakeX on loopback.
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/x/x.h"
#include "fake_x.h"

namespace leitplanke::channels::x {
namespace {

using nlohmann::json;
using testing::FakeX;

constexpr desk::Millis kStart = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC

constexpr const char* kTweetCreated =
    R"({"data":{"id":"1445880548472328192","text":"Sorry to hear that, we are on it."}})";
constexpr const char* kDmCreated =
    R"({"data":{"dm_conversation_id":"3001-4002","dm_event_id":"1582838499983564806"}})";

// GET /2/users/:id/mentions, newest first, with the author expansion.
constexpr const char* kMentions = R"({
  "data": [
    {"id": "1600000000000000003", "text": "@shop still waiting &amp; annoyed",
     "author_id": "4001", "conversation_id": "1600000000000000001",
     "created_at": "2023-11-14T21:00:00.000Z", "in_reply_to_user_id": "3001",
     "referenced_tweets": [{"type": "replied_to", "id": "1600000000000000002"}]},
    {"id": "1600000000000000002", "text": "@alice we will check", "author_id": "3001",
     "conversation_id": "1600000000000000001", "created_at": "2023-11-14T20:30:00.000Z"},
    {"id": "1600000000000000001", "text": "@shop where is my parcel?", "author_id": "4001",
     "conversation_id": "1600000000000000001", "created_at": "2023-11-14T20:00:00.000Z"}
  ],
  "includes": {"users": [{"id": "4001", "name": "Alice Example", "username": "alice"},
                         {"id": "3001", "name": "Shop", "username": "shop"}]},
  "meta": {"newest_id": "1600000000000000003", "oldest_id": "1600000000000000001",
           "result_count": 3}
})";

// GET /2/dm_events, newest first.
constexpr const char* kDmEvents = R"({
  "data": [
    {"id": "1582838499983564810", "text": "Danke!", "event_type": "MessageCreate",
     "sender_id": "3001", "dm_conversation_id": "3001-4002",
     "created_at": "2023-11-14T21:30:00.000Z"},
    {"id": "1582838499983564808", "text": "group chatter", "event_type": "MessageCreate",
     "sender_id": "4005", "dm_conversation_id": "1578398451921985538",
     "created_at": "2023-11-14T21:10:00.000Z"},
    {"id": "1582838499983564806", "text": "Hi, my code does not work", "event_type": "MessageCreate",
     "sender_id": "4002", "dm_conversation_id": "3001-4002",
     "created_at": "2023-11-14T20:58:00.000Z"}
  ],
  "includes": {"users": [{"id": "4002", "name": "Bernd Kunde", "username": "bernd_k"}]},
  "meta": {"result_count": 2}
})";

class XChannelTest : public ::testing::Test {
 protected:
  desk::ChannelConfig BaseConfig() {
    desk::ChannelConfig c;
    c.name = "shop-x";
    c.kind = std::string(1, 'x');  // not = "x": GCC 12 -Wrestrict false positive
    c.settings = {{"account_id", "3001"}, {"api_url", x_.base_url()}, {"client_id", "cid"}};
    c.secrets = {{"consumer_secret", "csecret"},
                 {"oauth2_access_token", "old-access"},
                 {"oauth2_refresh_token", "old-refresh"}};
    return c;
  }

  std::unique_ptr<XChannel> Make(const desk::ChannelConfig& c) {
    auto ch = MakeX(c, &clock_);
    EXPECT_TRUE(ch.ok()) << ch.status();
    return ch.ok() ? std::move(*ch) : nullptr;
  }

  std::unique_ptr<XChannel> Polling(const std::map<std::string, std::string>& extra = {}) {
    desk::ChannelConfig c = BaseConfig();
    c.settings["mode"] = "polling";
    c.settings["poll_interval_ms"] = "60000";
    for (const auto& [k, v] : extra) c.settings[k] = v;
    return Make(c);
  }

  static desk::OutboundMessage Reply(std::string text = "Sorry to hear that, we are on it.") {
    desk::OutboundMessage m;
    m.thread_key = "tweet:1600000000000000001";
    m.in_reply_to = "1600000000000000003";
    m.to_handle = "@alice";
    m.is_public = true;
    m.text = std::move(text);
    return m;
  }

  static desk::OutboundMessage Dm(std::string text = "Here is a new code.") {
    desk::OutboundMessage m;
    m.thread_key = "dm:4002";
    m.to_handle = "@bernd_k";
    m.text = std::move(text);
    return m;
  }

  std::string RateHeaders(int remaining, desk::Millis reset_in_ms) {
    return "x-rate-limit-limit: 200\r\nx-rate-limit-remaining: " + std::to_string(remaining) +
           "\r\nx-rate-limit-reset: " + std::to_string((clock_.NowMillis() + reset_in_ms) / 1000) +
           "\r\n";
  }

  FakeX x_;
  FakeClock clock_{kStart};
};

TEST_F(XChannelTest, ConfigurationErrorsNameTheSetting) {
  auto err = [&](const desk::ChannelConfig& c) {
    auto r = MakeX(c, &clock_);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  desk::ChannelConfig c = BaseConfig();
  c.settings.erase("account_id");
  EXPECT_NE(err(c).find("account_id"), std::string::npos);
  c = BaseConfig();
  c.settings["account_id"] = "@shop";
  EXPECT_NE(err(c).find("account_id"), std::string::npos);
  c = BaseConfig();
  c.settings["mode"] = "stream";
  EXPECT_NE(err(c).find("mode"), std::string::npos);
  c = BaseConfig();
  c.settings["api_url"] = "http://api.x.com";
  EXPECT_NE(err(c).find("api_url"), std::string::npos);
  c = BaseConfig();
  c.secrets = {{"consumer_secret", "s"}};
  EXPECT_NE(err(c).find("oauth2_access_token"), std::string::npos);
  c = BaseConfig();
  c.secrets.erase("consumer_secret");
  EXPECT_NE(err(c).find("consumer_secret"), std::string::npos);
  c = BaseConfig();
  c.settings.erase("client_id");
  EXPECT_NE(err(c).find("client_id"), std::string::npos);
  c = BaseConfig();
  c.settings["monthly_budget_usd"] = "lots";
  EXPECT_NE(err(c).find("monthly_budget_usd"), std::string::npos);
  c = BaseConfig();
  c.settings["max_results"] = "500";
  EXPECT_NE(err(c).find("max_results"), std::string::npos);
  c = BaseConfig();
  c.kind = "meta";
  EXPECT_FALSE(MakeX(c, &clock_).ok());
  // Polling needs no consumer secret (and then has no webhook receiver).
  c = BaseConfig();
  c.secrets.erase("consumer_secret");
  c.settings["mode"] = "polling";
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->webhook(), nullptr);
  EXPECT_TRUE(MakeXChannel(BaseConfig()).ok());
}

TEST_F(XChannelTest, RenderLimits) {
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  EXPECT_TRUE(ch->Render(Reply(std::string(280, 'a'))).ok());
  auto over = ch->Render(Reply(std::string(281, 'a')));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("281"), std::string::npos);
  std::string cjk;
  for (int i = 0; i < 141; ++i) cjk += "\u3042";  // 141 x weight 2
  auto c = ch->Render(Reply(cjk));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("282"), std::string::npos);
  // A long URL counts 23.
  auto url =
      ch->Render(Reply(std::string(250, 'a') + " https://example.com/" + std::string(300, 'p')));
  EXPECT_TRUE(url.ok()) << url.status();
  // DMs allow 10,000 characters.
  EXPECT_TRUE(ch->Render(Dm(std::string(10'000, 'a'))).ok());
  auto dm = ch->Render(Dm(std::string(10'001, 'a')));
  ASSERT_FALSE(dm.ok());
  EXPECT_NE(dm.status().message().find("10001"), std::string::npos);
  EXPECT_FALSE(ch->Render(Reply("")).ok());
  EXPECT_FALSE(ch->Render(Reply(std::string("\xff", 1))).ok());
  auto same = ch->Render(Reply("Grüße \U0001F600"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, "Grüße \U0001F600");
}

TEST_F(XChannelTest, RateLimitIsDeclared) {
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->rate_limit().max_sends, 200);
  EXPECT_EQ(ch->rate_limit().window_ms, 15 * 60 * 1000);
  EXPECT_EQ(ch->kind(), "x");
}

TEST_F(XChannelTest, SendReply) {
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  auto r = ch->Send(Reply());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "1445880548472328192");
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/2/tweets");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer old-access");
  EXPECT_EQ(reqs[0].headers["content-type"], "application/json");
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["text"], "Sorry to hear that, we are on it.");
  EXPECT_EQ(body["reply"]["in_reply_to_tweet_id"], "1600000000000000003");
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.015, 1e-9);
}

// Publish: a message with neither thread nor post to answer is a new post of
// the account.
TEST_F(XChannelTest, SendNewPost) {
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Reply();
  m.thread_key.clear();
  m.in_reply_to.clear();
  m.to_handle.clear();
  m.text = "Neue Tarife ab Montag.";
  auto r = ch->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "1445880548472328192");
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/2/tweets");
  EXPECT_EQ(json::parse(reqs[0].body), json({{"text", "Neue Tarife ab Montag."}}));
}

TEST_F(XChannelTest, SendDm) {
  x_.Script("POST /2/dm_conversations/with/4002/messages", {201, "", kDmCreated});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  auto r = ch->Send(Dm());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "1582838499983564806");
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/2/dm_conversations/with/4002/messages");
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body, json({{"text", "Here is a new code."}}));
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer old-access");
}

// Issue 7: a public mention answered privately is a direct message to the
// mention's author (looked up from the post answered, once), never a post.
TEST_F(XChannelTest, PrivateAnswerToAMentionIsADmToItsAuthor) {
  x_.Script("GET /2/tweets/1600000000000000003", {200, "", R"({"data":{
      "id":"1600000000000000003","text":"@shop still waiting","author_id":"4001"}})"});
  x_.Script("POST /2/dm_conversations/with/4001/messages", {201, "", kDmCreated});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Reply("Your IBAN DE89 3704 0044 0532 0130 00 is noted.");
  EXPECT_TRUE(ch->CanReplyPrivately(m));
  m.is_public = false;
  // Priced and limited as a direct message.
  EXPECT_NEAR(ch->EstimateCost(m), 0.015, 1e-12);
  EXPECT_EQ(ch->Estimate(m).limit, static_cast<int64_t>(kMaxDmLength));
  auto r = ch->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].method, "GET");
  EXPECT_EQ(reqs[0].target.rfind("/2/tweets/1600000000000000003?", 0), 0u) << reqs[0].target;
  EXPECT_NE(reqs[0].target.find("author_id"), std::string::npos) << reqs[0].target;
  EXPECT_EQ(reqs[1].target, "/2/dm_conversations/with/4001/messages");
  EXPECT_EQ(json::parse(reqs[1].body), json({{"text", m.text}}));
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.005 + 0.015, 1e-9);  // the read and the DM
  // The author is remembered: a second private answer needs no lookup.
  ASSERT_TRUE(ch->Send(m).ok());
  ASSERT_EQ(x_.requests().size(), 3u);
  EXPECT_EQ(x_.requests()[2].target, "/2/dm_conversations/with/4001/messages");
  EXPECT_TRUE(ch->CanReplyPrivately(Dm()));
  desk::OutboundMessage other = Reply();
  other.thread_key = "fb:1";
  EXPECT_FALSE(ch->CanReplyPrivately(other));
  other = Reply();
  other.in_reply_to = "";
  EXPECT_FALSE(ch->CanReplyPrivately(other));
}

// The composer's price of a private answer is what Send charges: the DM
// plus the author lookup while the post's author is unknown, the DM alone
// once it is remembered (and for a DM thread, which needs no lookup).
TEST_F(XChannelTest, EstimateOfAPrivateAnswerIsWhatSendCharges) {
  x_.Script("GET /2/tweets/1600000000000000003", {200, "", R"({"data":{
      "id":"1600000000000000003","text":"@shop still waiting","author_id":"4001"}})"});
  x_.Script("POST /2/dm_conversations/with/4001/messages", {201, "", kDmCreated});
  x_.Script("POST /2/dm_conversations/with/4002/messages", {201, "", kDmCreated});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Reply("Please send us your order number.");
  m.is_public = false;
  auto charged = [&](const desk::OutboundMessage& msg) {
    const double before = ch->SpentThisMonthUsd();
    auto r = ch->Send(msg);
    EXPECT_TRUE(r.ok()) << r.status();
    return ch->SpentThisMonthUsd() - before;
  };
  // First answer to the post: the lookup is made and counted.
  const double first = ch->Estimate(m).cost;
  EXPECT_NEAR(first, 0.015 + 0.005, 1e-12);
  EXPECT_NEAR(charged(m), first, 1e-9);
  ASSERT_EQ(x_.requests().size(), 2u);
  EXPECT_EQ(x_.requests()[0].method, "GET");
  // The author is known now: no lookup, and the estimate says so.
  const double second = ch->Estimate(m).cost;
  EXPECT_NEAR(second, 0.015, 1e-12);
  EXPECT_NEAR(charged(m), second, 1e-9);
  ASSERT_EQ(x_.requests().size(), 3u);
  // A DM thread names its participant: no lookup either.
  EXPECT_NEAR(ch->Estimate(Dm()).cost, 0.015, 1e-12);
  EXPECT_NEAR(charged(Dm()), 0.015, 1e-9);
  // Another post's author is unknown again.
  desk::OutboundMessage other = m;
  other.in_reply_to = "1600000000000000005";
  EXPECT_NEAR(ch->Estimate(other).cost, 0.015 + 0.005, 1e-12);
  // A public reply never looks anyone up.
  EXPECT_NEAR(ch->Estimate(Reply()).cost, 0.015, 1e-12);
}

// The budget check of Send counts the lookup as Estimate does: a budget
// that pays for the DM but not also for the lookup refuses without a
// request.
TEST_F(XChannelTest, BudgetCheckOfAPrivateAnswerCountsTheLookupLikeEstimate) {
  desk::ChannelConfig c = BaseConfig();
  c.settings["monthly_budget_usd"] = "0.018";
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Reply();
  m.is_public = false;
  EXPECT_GT(ch->Estimate(m).cost, 0.018);
  auto r = ch->Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status();
  EXPECT_NE(r.status().message().find("$0.020"), std::string::npos) << r.status();
  EXPECT_TRUE(x_.requests().empty());
  EXPECT_LT(ch->Estimate(Dm()).cost, 0.018);
}

TEST_F(XChannelTest, PrivateAnswerToTheAccountsOwnPostIsRefused) {
  x_.Script("GET /2/tweets/1600000000000000003",
            {200, "", R"({"data":{"id":"1600000000000000003","author_id":"3001"}})"});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Reply();
  m.is_public = false;
  auto r = ch->Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  x_.ClearRequests();
  x_.Script("GET /2/tweets/1600000000000000004", {200, "", R"({"data":{"id":"1"}})"});
  m.in_reply_to = "1600000000000000004";
  r = ch->Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/data/author_id is missing"), std::string::npos)
      << r.status();
  for (const auto& q : x_.requests()) EXPECT_EQ(q.method, "GET");  // nothing was sent
}

TEST_F(XChannelTest, SendNeedsTargets) {
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Reply();
  m.in_reply_to = "";
  EXPECT_EQ(ch->Send(m).status().code(), StatusCode::kInvalidArgument);
  m = Reply();
  m.in_reply_to = "../../2/users";
  EXPECT_EQ(ch->Send(m).status().code(), StatusCode::kInvalidArgument);
  m = Dm();
  m.thread_key = "dm:abc";
  EXPECT_EQ(ch->Send(m).status().code(), StatusCode::kInvalidArgument);
  m = Reply();
  m.thread_key = "fb:1";
  EXPECT_EQ(ch->Send(m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(x_.requests().empty());
}

TEST_F(XChannelTest, TokenRefreshOn401) {
  x_.Script("POST /2/tweets", {401, "", R"({"title":"Unauthorized","status":401})"});
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  x_.Script("POST /2/oauth2/token",
            {200, "",
             R"({"token_type":"bearer","expires_in":7200,"access_token":"new-access",)"
             R"("scope":"tweet.read tweet.write users.read dm.read dm.write offline.access",)"
             R"("refresh_token":"new-refresh"})"});
  desk::ChannelConfig c = BaseConfig();
  c.secrets["client_secret"] = "csec";
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  std::vector<TokenUpdate> updates;
  ch->SetTokenListener([&](const TokenUpdate& u) { updates.push_back(u); });
  auto r = ch->Send(Reply());
  ASSERT_TRUE(r.ok()) << r.status();
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer old-access");
  EXPECT_EQ(reqs[1].target, "/2/oauth2/token");
  EXPECT_EQ(reqs[1].headers["content-type"], "application/x-www-form-urlencoded");
  EXPECT_EQ(reqs[1].body, "grant_type=refresh_token&refresh_token=old-refresh&client_id=cid");
  EXPECT_EQ(reqs[1].headers["authorization"], "Basic Y2lkOmNzZWM=");  // cid:csec
  EXPECT_EQ(reqs[2].headers["authorization"], "Bearer new-access");
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].access_token, "new-access");
  EXPECT_EQ(updates[0].refresh_token, "new-refresh");
  EXPECT_EQ(updates[0].expires_at_ms, kStart + 7'200'000);
  EXPECT_EQ(ch->CurrentTokens().expires_at_ms, kStart + 7'200'000);
  // The channel renews the access token itself: nothing for an admin to do.
  EXPECT_EQ(ch->credentials_expire_at(), 0);
  EXPECT_EQ(ch->CurrentTokens().refresh_token, "new-refresh");
}

TEST_F(XChannelTest, ExpiredTokenIsRefreshedFirst) {
  x_.Script("POST /2/oauth2/token",
            {200, "", R"({"access_token":"fresh","refresh_token":"r2","expires_in":7200})"});
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  desk::ChannelConfig c = BaseConfig();
  c.settings["oauth2_expires_at_ms"] = std::to_string(kStart + 30'000);  // within the margin
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->CurrentTokens().expires_at_ms, kStart + 30'000);
  // Stored back in the vault next to the tokens, it is read from there too.
  desk::ChannelConfig from_vault = BaseConfig();
  from_vault.secrets["oauth2_expires_at_ms"] = std::to_string(kStart + 7'200'000);
  auto stored = Make(from_vault);
  ASSERT_NE(stored, nullptr);
  EXPECT_EQ(stored->CurrentTokens().expires_at_ms, kStart + 7'200'000);
  ASSERT_TRUE(ch->Send(Reply()).ok());
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/2/oauth2/token");
  EXPECT_EQ(reqs[0].headers.count("authorization"), 0u);  // public client: no secret
  EXPECT_EQ(reqs[1].headers["authorization"], "Bearer fresh");
}

TEST_F(XChannelTest, RefusedRefreshIsPermissionDenied) {
  x_.Script("POST /2/tweets", {401, "", R"({"title":"Unauthorized","status":401})"});
  x_.Script(
      "POST /2/oauth2/token",
      {400, "",
       R"({"error":"invalid_request","error_description":"Value passed for the token was invalid."})"});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  auto r = ch->Send(Reply());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("authorised again"), std::string::npos);
}

TEST_F(XChannelTest, UnauthorizedWithoutRefreshTokenIsPermissionDenied) {
  x_.Script("POST /2/tweets", {401, "", R"({"title":"Unauthorized","status":401})"});
  desk::ChannelConfig c = BaseConfig();
  c.secrets.erase("oauth2_refresh_token");
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->Send(Reply()).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(x_.requests().size(), 1u);
}

TEST_F(XChannelTest, OAuth1SignedSend) {
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  desk::ChannelConfig c = BaseConfig();
  c.secrets = {{"consumer_key", "ckey"},
               {"consumer_secret", "csecret"},
               {"access_token", "3001-atoken"},
               {"access_token_secret", "asecret"}};
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  ASSERT_TRUE(ch->Send(Reply()).ok());
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  std::string auth = reqs[0].headers["authorization"];
  ASSERT_EQ(auth.rfind("OAuth ", 0), 0u) << auth;
  auto field = [&](const std::string& name) {
    size_t p = auth.find(name + "=\"");
    EXPECT_NE(p, std::string::npos) << name;
    if (p == std::string::npos) return std::string();
    p += name.size() + 2;
    return auth.substr(p, auth.find('"', p) - p);
  };
  EXPECT_EQ(field("oauth_consumer_key"), "ckey");
  EXPECT_EQ(field("oauth_token"), "3001-atoken");
  EXPECT_EQ(field("oauth_signature_method"), "HMAC-SHA1");
  EXPECT_EQ(field("oauth_timestamp"), std::to_string(kStart / 1000));
  std::string nonce = field("oauth_nonce");
  EXPECT_EQ(nonce.size(), 32u);
  // Recompute: the JSON body is not part of the signature.
  std::string base = OAuth1BaseString("POST", x_.base_url() + "/2/tweets",
                                      {{"oauth_consumer_key", "ckey"},
                                       {"oauth_nonce", nonce},
                                       {"oauth_signature_method", "HMAC-SHA1"},
                                       {"oauth_timestamp", std::to_string(kStart / 1000)},
                                       {"oauth_token", "3001-atoken"},
                                       {"oauth_version", "1.0"}});
  EXPECT_EQ(field("oauth_signature"), PercentEncode(OAuth1Signature(base, "csecret", "asecret")));
}

TEST_F(XChannelTest, RateLimitHeadersBlockTheEndpoint) {
  x_.Script("POST /2/tweets", {201, RateHeaders(0, 90'000), kTweetCreated});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  ASSERT_TRUE(ch->Send(Reply()).ok());
  auto r = ch->Send(Reply());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch->retry_after_ms(), 90'000);
  EXPECT_EQ(x_.requests().size(), 1u);  // refused locally
  // DMs are another endpoint.
  x_.Script("POST /2/dm_conversations/with/4002/messages", {201, "", kDmCreated});
  EXPECT_TRUE(ch->Send(Dm()).ok());
  clock_.Advance(91'000);
  EXPECT_TRUE(ch->Send(Reply()).ok());
}

TEST_F(XChannelTest, TooManyRequests) {
  x_.Script("POST /2/tweets",
            {429, RateHeaders(0, 600'000), R"({"title":"Too Many Requests","status":429})"});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  auto r = ch->Send(Reply());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch->retry_after_ms(), 600'000);
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.0, 1e-12);
  // Without a reset header: the default 15 minutes.
  FakeX other;
  other.Script("POST /2/tweets", {429, "", "{}"});
  desk::ChannelConfig c = BaseConfig();
  c.settings["api_url"] = other.base_url();
  auto ch2 = Make(c);
  ASSERT_NE(ch2, nullptr);
  EXPECT_EQ(ch2->Send(Reply()).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch2->retry_after_ms(), 15 * 60 * 1000);
}

TEST_F(XChannelTest, DailyUserLimitOn429) {
  // X answers a post over the user's 24-hour limit with 429 and the
  // x-user-limit-24hour-* headers; the 15-minute window is not used up.
  desk::Millis day_reset = (clock_.NowMillis() + 5 * 3'600'000) / 1000;
  x_.Script("POST /2/tweets", {429,
                               RateHeaders(150, 600'000) +
                                   "x-user-limit-24hour-limit: 100\r\n"
                                   "x-user-limit-24hour-remaining: 0\r\n"
                                   "x-user-limit-24hour-reset: " +
                                   std::to_string(day_reset) + "\r\n",
                               R"({"title":"Too Many Requests","status":429})"});
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  auto r = ch->Send(Reply());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch->retry_after_ms(), day_reset * 1000 - clock_.NowMillis());
  clock_.Advance(3'600'000);
  EXPECT_EQ(ch->Send(Reply()).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(x_.requests().size(), 1u);  // still blocked: refused locally
}

TEST_F(XChannelTest, ErrorMapping) {
  x_.Script("POST /2/tweets", {503, "", R"({"title":"Service Unavailable"})"});
  x_.Script(
      "POST /2/tweets",
      {403, "",
       R"({"title":"Forbidden","detail":"You are not allowed to create a Tweet with duplicate content.","status":403})"});
  x_.Script("POST /2/tweets", {400, "", R"({"errors":[{"message":"Invalid reply id"}]})"});
  x_.Script("POST /2/tweets", {201, "", R"({"data":{}})"});
  desk::ChannelConfig c = BaseConfig();
  c.secrets.erase("oauth2_refresh_token");
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->Send(Reply()).status().code(), StatusCode::kUnavailable);
  auto forbidden = ch->Send(Reply());
  EXPECT_EQ(forbidden.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(forbidden.status().message().find("duplicate content"), std::string::npos);
  auto bad = ch->Send(Reply());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Invalid reply id"), std::string::npos);
  EXPECT_EQ(ch->Send(Reply()).status().code(), StatusCode::kInternal);
  // Transport failure.
  c.settings["api_url"] = "http://127.0.0.1:1";
  auto dead = Make(c);
  ASSERT_NE(dead, nullptr);
  EXPECT_EQ(dead->Send(Reply()).status().code(), StatusCode::kUnavailable);
}

TEST_F(XChannelTest, CostsAndBudgetRefuseSends) {
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  desk::ChannelConfig c = BaseConfig();
  c.settings["monthly_budget_usd"] = "0.25";
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_NEAR(ch->EstimateCost(Reply()), 0.015, 1e-12);
  EXPECT_NEAR(ch->EstimateCost(Reply("see https://example.com/faq")), 0.2, 1e-12);
  EXPECT_NEAR(ch->EstimateCost(Dm("see https://example.com/faq")), 0.015, 1e-12);
  ASSERT_TRUE(ch->Send(Reply("see https://example.com/faq")).ok());
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.2, 1e-9);
  EXPECT_NE(ch->BudgetWarning().find("monthly_budget_usd"), std::string::npos);
  auto refused = ch->Send(Reply("and https://example.com/more"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("monthly_budget_usd"), std::string::npos);
  EXPECT_NE(refused.status().message().find("2023-12-01"), std::string::npos);
  EXPECT_EQ(x_.requests().size(), 1u);
  // A cheap post still fits.
  EXPECT_TRUE(ch->Send(Reply()).ok());
  // A new month starts from zero.
  clock_.Set(1'701'388'800'000);  // 2023-12-01 00:00 UTC
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.0, 1e-12);
  EXPECT_EQ(ch->BudgetWarning(), "");
  EXPECT_TRUE(ch->Send(Reply("and https://example.com/more")).ok());
}

TEST_F(XChannelTest, SpendTravelsThroughTheConnectorState) {
  desk::ChannelConfig c = BaseConfig();
  c.settings["monthly_budget_usd"] = "10";
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->state(), "");
  ch->RestoreSpend(clock_.NowMillis(), 4.25);
  const std::string state = ch->state();
  EXPECT_FALSE(state.empty());
  auto again = Make(c);  // as after a restart
  ASSERT_NE(again, nullptr);
  again->RestoreState(state);
  EXPECT_NEAR(again->SpentThisMonthUsd(), 4.25, 1e-9);
  again->RestoreState("nonsense");
  EXPECT_NEAR(again->SpentThisMonthUsd(), 4.25, 1e-9);
}

TEST_F(XChannelTest, AnAccessTokenWithoutRefreshTokenShowsItsExpiry) {
  desk::ChannelConfig c = BaseConfig();
  c.secrets.erase("oauth2_refresh_token");
  c.settings["oauth2_expires_at_ms"] = std::to_string(kStart + 3'600'000);
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->credentials_expire_at(), kStart + 3'600'000);
}

TEST_F(XChannelTest, RestoredSpendCountsTowardsTheBudget) {
  desk::ChannelConfig c = BaseConfig();
  c.settings["monthly_budget_usd"] = "10";
  auto ch = Make(c);
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->credentials_expire_at(), 0);          // no expiry configured
  ch->RestoreSpend(kStart - 86'400'000LL * 30, 9.0);  // last month: ignored
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.0, 1e-12);
  ch->RestoreSpend(kStart - 3'600'000, -1);  // nonsense: ignored
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.0, 1e-12);
  ch->RestoreSpend(kStart - 3'600'000, 9.995);
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 9.995, 1e-12);
  EXPECT_NE(ch->BudgetWarning().find("$9.99"), std::string::npos) << ch->BudgetWarning();
  auto r = ch->Send(Reply());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(x_.requests().empty());
}

TEST_F(XChannelTest, WebhookModeDoesNotPoll) {
  auto ch = Make(BaseConfig());
  ASSERT_NE(ch, nullptr);
  auto r = ch->Poll("m=1;d=2");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->messages.empty());
  EXPECT_EQ(r->cursor, "m=1;d=2");
  EXPECT_TRUE(x_.requests().empty());
  EXPECT_NE(ch->webhook(), nullptr);
}

TEST_F(XChannelTest, PollMentionsAndDms) {
  x_.Script("GET /2/users/3001/mentions", {200, "", kMentions});
  x_.Script("GET /2/dm_events", {200, "", kDmEvents});
  auto ch = Polling();
  ASSERT_NE(ch, nullptr);
  auto r = ch->Poll("");
  ASSERT_TRUE(r.ok()) << r.status();
  // The account's own post and DM and the group DM are skipped.
  ASSERT_EQ(r->messages.size(), 3u);
  // Oldest first.
  EXPECT_EQ(r->messages[0].external_id, "1600000000000000001");
  EXPECT_EQ(r->messages[0].thread_key, "tweet:1600000000000000001");
  EXPECT_EQ(r->messages[0].author_handle, "@alice");
  EXPECT_EQ(r->messages[0].author_name, "Alice Example");
  EXPECT_TRUE(r->messages[0].is_public);
  EXPECT_TRUE(r->messages[0].in_reply_to.empty());
  EXPECT_EQ(r->messages[1].external_id, "1582838499983564806");
  EXPECT_EQ(r->messages[1].thread_key, "dm:4002");
  EXPECT_EQ(r->messages[1].author_handle, "@bernd_k");
  EXPECT_FALSE(r->messages[1].is_public);
  EXPECT_EQ(r->messages[1].sent_at, 1'699'995'480'000);  // 2023-11-14T20:58:00Z
  EXPECT_EQ(r->messages[2].external_id, "1600000000000000003");
  EXPECT_EQ(r->messages[2].in_reply_to, "1600000000000000002");
  EXPECT_EQ(r->messages[2].thread_key, "tweet:1600000000000000001");
  EXPECT_EQ(r->messages[2].text, "@shop still waiting & annoyed");
  EXPECT_EQ(r->cursor, "m=1600000000000000003;d=1582838499983564810");

  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].path, "/2/users/3001/mentions");
  EXPECT_EQ(reqs[0].query["expansions"], "author_id");
  EXPECT_EQ(reqs[0].query["tweet.fields"],
            "conversation_id,created_at,in_reply_to_user_id,referenced_tweets");
  EXPECT_EQ(reqs[0].query["user.fields"], "username,name");
  EXPECT_EQ(reqs[0].query["max_results"], "20");
  EXPECT_EQ(reqs[0].query.count("since_id"), 0u);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer old-access");
  EXPECT_EQ(reqs[1].path, "/2/dm_events");
  EXPECT_EQ(reqs[1].query["event_types"], "MessageCreate");
  EXPECT_NE(reqs[1].query["dm_event.fields"].find("sender_id"), std::string::npos);
  EXPECT_EQ(reqs[1].query["expansions"], "sender_id");

  // Reads cost: 3 posts, 2 users, 3 DM events, 1 user.
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 3 * 0.005 + 2 * 0.010 + 3 * 0.010 + 1 * 0.010, 1e-9);

  // Within the interval: nothing is requested.
  x_.ClearRequests();
  auto again = ch->Poll(r->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->messages.empty());
  EXPECT_EQ(again->cursor, r->cursor);
  EXPECT_TRUE(x_.requests().empty());

  // After it: since_id, and DM events up to the known one.
  clock_.Advance(60'000);
  x_.Script("GET /2/users/3001/mentions", {200, "", R"({"meta":{"result_count":0}})"});
  x_.Script("GET /2/dm_events", {200, "", kDmEvents});
  auto next = ch->Poll(r->cursor);
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE(next->messages.empty());
  EXPECT_EQ(next->cursor, r->cursor);
  reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].query["since_id"], "1600000000000000003");
}

TEST_F(XChannelTest, PollFollowsPagesBackToSinceId) {
  x_.Script("GET /2/users/3001/mentions",
            {200, "", R"({"data":[{"id":"20","text":"b","author_id":"4001"}],
              "meta":{"result_count":1,"next_token":"page2"}})"});
  x_.Script("GET /2/users/3001/mentions",
            {200, "",
             R"({"data":[{"id":"15","text":"a","author_id":"4001"}],"meta":{"result_count":1}})"});
  auto ch = Polling({{"poll_dms", "false"}});
  ASSERT_NE(ch, nullptr);
  auto r = ch->Poll("m=10;d=");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->cursor, "m=20;d=");
  auto reqs = x_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].query["pagination_token"], "page2");
  EXPECT_EQ(reqs[1].query["since_id"], "10");
}

TEST_F(XChannelTest, PollBudgetSlowsDownThenStops) {
  x_.Script("POST /2/tweets", {201, "", kTweetCreated});
  x_.Script("GET /2/users/3001/mentions", {200, "", R"({"meta":{"result_count":0}})"});
  auto ch = Polling({{"monthly_budget_usd", "1"},
                     {"cost_per_post_usd", "0.85"},
                     {"poll_dms", "false"},
                     {"poll_slowdown_factor", "4"}});
  ASSERT_NE(ch, nullptr);
  ASSERT_TRUE(ch->Poll("").ok());
  EXPECT_EQ(ch->BudgetWarning(), "");
  ASSERT_TRUE(ch->Send(Reply()).ok());  // 85% of the budget
  EXPECT_NE(ch->BudgetWarning().find("polling every 240 s instead of 60 s"), std::string::npos)
      << ch->BudgetWarning();
  x_.ClearRequests();
  clock_.Advance(60'000);
  ASSERT_TRUE(ch->Poll("m=;d=").ok());
  EXPECT_TRUE(x_.requests().empty());  // slowed down
  clock_.Advance(180'000);
  ASSERT_TRUE(ch->Poll("m=;d=").ok());
  EXPECT_EQ(x_.requests().size(), 1u);
  // The remaining budget caps max_results: (1 - 0.85) / (0.005 + 0.010) = 10.
  EXPECT_EQ(x_.requests()[0].query["max_results"], "10");

  // Spend the rest: polling stops, sends are refused.
  auto refused = ch->Send(Reply());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  desk::ChannelConfig c = BaseConfig();
  c.settings["mode"] = "polling";
  c.settings["poll_interval_ms"] = "60000";
  c.settings["monthly_budget_usd"] = "1";
  c.settings["cost_per_post_usd"] = "1";
  auto full = Make(c);
  ASSERT_NE(full, nullptr);
  ASSERT_TRUE(full->Send(Reply()).ok());
  EXPECT_NE(full->BudgetWarning().find("polling stopped"), std::string::npos);
  x_.ClearRequests();
  clock_.Advance(24LL * 3600 * 1000);
  auto stopped = full->Poll("m=5;d=6");
  ASSERT_TRUE(stopped.ok());
  EXPECT_EQ(stopped->cursor, "m=5;d=6");
  EXPECT_TRUE(x_.requests().empty());
}

TEST_F(XChannelTest, PollErrors) {
  auto ch = Polling();
  ASSERT_NE(ch, nullptr);
  EXPECT_EQ(ch->Poll("garbage").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ch->Poll("m=abc;d=").status().code(), StatusCode::kInvalidArgument);

  x_.Script("GET /2/users/3001/mentions",
            {429, RateHeaders(0, 300'000), R"({"title":"Too Many Requests"})"});
  auto limited = ch->Poll("");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(ch->retry_after_ms(), 300'000);

  auto ch2 = Polling();
  FakeX bad;
  desk::ChannelConfig c = BaseConfig();
  c.settings["mode"] = "polling";
  c.settings["api_url"] = bad.base_url();
  bad.Script("GET /2/users/3001/mentions",
             {200, "", R"({"data":[{"id":"5","text":"x"}],"meta":{}})"});
  auto ch3 = Make(c);
  ASSERT_NE(ch3, nullptr);
  auto malformed = ch3->Poll("");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(malformed.status().message().find("/data/0/author_id is missing"), std::string::npos)
      << malformed.status();
}

TEST_F(XChannelTest, RandomPollAnswersNeverCrash) {
  std::string base = kMentions;
  std::string dms = kDmEvents;
  unsigned v = 99;
  auto next = [&v] {
    v = v * 1664525u + 1013904223u;
    return v >> 8;
  };
  for (int i = 0; i < 60; ++i) {
    std::string m = base;
    std::string d = dms;
    for (int k = 0; k < 6; ++k) m[next() % m.size()] = static_cast<char>(next());
    for (int k = 0; k < 6; ++k) d[next() % d.size()] = static_cast<char>(next());
    x_.Script("GET /2/users/3001/mentions", {200, "", m});
    x_.Script("GET /2/dm_events", {200, "", d});
    desk::ChannelConfig c = BaseConfig();
    c.settings["mode"] = "polling";
    auto ch = Make(c);
    ASSERT_NE(ch, nullptr);
    (void)ch->Poll("");
  }
  SUCCEED();
}

}  // namespace
}  // namespace leitplanke::channels::x
