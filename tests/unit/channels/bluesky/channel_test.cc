// The Bluesky channel against FakePds on loopback: session and refresh,
// Poll (thread keys, cursor, pagination, gaps), Send (reply refs, facets),
// Render limits, error mapping and malformed answers.
#include <memory>
#include <mutex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/bluesky/bluesky.h"
#include "fake_pds.h"

namespace leitplanke::channels::bluesky {
namespace {

using nlohmann::json;
using testing::FakePds;

constexpr const char* kOwnDid = "did:plc:company";
constexpr long long kStartS = 1'700'000'000;

std::string Iso(int second, int micros = 0) {
  char buf[64];
  snprintf(buf, sizeof(buf), "2024-05-06T07:%02d:%02d.%06dZ", second / 60, second % 60, micros);
  return buf;
}

std::string PostUri(const std::string& author, const std::string& rkey) {
  return "at://" + author + "/app.bsky.feed.post/" + rkey;
}

json Mention(const std::string& rkey, const std::string& indexed, const std::string& text = "",
             const std::string& did = "did:plc:alice", const std::string& handle = "alice.test") {
  return {{"uri", PostUri(did, rkey)},
          {"cid", "cid-" + rkey},
          {"author", {{"did", did}, {"handle", handle}, {"displayName", "A"}}},
          {"reason", "mention"},
          {"record",
           {{"$type", "app.bsky.feed.post"},
            {"text", text.empty() ? "@support.example.com help " + rkey : text},
            {"createdAt", indexed}}},
          {"isRead", false},
          {"indexedAt", indexed}};
}

json Like(const std::string& rkey, const std::string& indexed) {
  return {{"uri", "at://did:plc:bob/app.bsky.feed.like/" + rkey},
          {"cid", "cid-" + rkey},
          {"author", {{"did", "did:plc:bob"}, {"handle", "bob.test"}}},
          {"reason", "like"},
          {"record", {{"$type", "app.bsky.feed.like"}}},
          {"isRead", false},
          {"indexedAt", indexed}};
}

// The account's notifications, newest first, served in pages. Like the
// AppView's keyset cursor, the API cursor names the last item returned, so
// notifications that arrive meanwhile do not shift the pages.
class Feed {
 public:
  void Prepend(json n) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.insert(items_.begin(), std::move(n));
  }
  FakePds::Response Page(const FakePds::Request& req) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t limit = 50;
    if (auto it = req.query.find("limit"); it != req.query.end()) limit = std::stoul(it->second);
    size_t offset = 0;
    if (auto it = req.query.find("cursor"); it != req.query.end()) {
      offset = items_.size();
      for (size_t i = 0; i < items_.size(); ++i) {
        if (items_[i]["uri"] == it->second) offset = i + 1;
      }
    }
    json page = {{"notifications", json::array()}};
    for (size_t i = offset; i < items_.size() && i < offset + limit; ++i) {
      page["notifications"].push_back(items_[i]);
    }
    if (offset + limit < items_.size()) page["cursor"] = items_[offset + limit - 1]["uri"];
    return {200, "", page.dump()};
  }

 private:
  std::mutex mu_;
  std::vector<json> items_;
};

class BlueskyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pds_.SetHandler("com.atproto.server.createSession", [this](const FakePds::Request&) {
      ++sessions_;
      return Session(std::string("a").append(std::to_string(sessions_)),
                     std::string("r").append(std::to_string(sessions_)));
    });
    pds_.SetHandler("app.bsky.notification.listNotifications",
                    [this](const FakePds::Request& r) { return feed_.Page(r); });
    pds_.Set("com.atproto.repo.createRecord",
             {200, "",
              R"({"uri":"at://did:plc:company/app.bsky.feed.post/3new","cid":"bafynew",)"
              R"("commit":{"cid":"bafycommit","rev":"3rev"},"validationStatus":"valid"})"});
    Make({});
  }

  FakePds::Response Session(const std::string& access_tag, const std::string& refresh_tag) {
    json s = {{"accessJwt", FakePds::Jwt(kStartS + 7200, access_tag)},
              {"refreshJwt", FakePds::Jwt(kStartS + 90LL * 86400, refresh_tag)},
              {"handle", "support.example.com"},
              {"did", kOwnDid},
              {"active", true}};
    return {200, "", s.dump()};
  }

  void Make(const std::map<std::string, std::string>& extra) {
    desk::ChannelConfig c;
    c.name = "shop-bsky";
    c.kind = "bluesky";
    c.settings = {{"handle", "support.example.com"}, {"service_url", pds_.base_url()}};
    for (auto& [k, v] : extra) c.settings[k] = v;
    c.secrets = {{"app_password", "abcd-efgh-ijkl-mnop"}};
    auto ch = MakeBluesky(c, &clock_);
    ASSERT_TRUE(ch.ok()) << ch.status();
    channel_ = std::move(*ch);
  }

  std::vector<std::string> Ids(const desk::PollResult& r) {
    std::vector<std::string> ids;
    for (const auto& m : r.messages)
      ids.push_back(m.external_id.substr(m.external_id.rfind('/') + 1));
    return ids;
  }

  desk::PollResult MustPoll(const std::string& cursor) {
    auto r = channel_->Poll(cursor);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : desk::PollResult{};
  }

  desk::OutboundMessage Reply(const std::string& parent, const std::string& text = "On its way!") {
    desk::OutboundMessage m;
    m.in_reply_to = parent;
    m.text = text;
    m.is_public = true;
    m.idempotency_key = "k1";
    return m;
  }

  json LastRecord() {
    auto reqs = pds_.requests("com.atproto.repo.createRecord");
    EXPECT_FALSE(reqs.empty());
    if (reqs.empty()) return json();
    return json::parse(reqs.back().body);
  }

  FakePds pds_;
  Feed feed_;
  int sessions_ = 0;
  FakeClock clock_{kStartS * 1000};
  std::unique_ptr<BlueskyChannel> channel_;
};

// --- configuration -------------------------------------------------------------

TEST(BlueskyConfigTest, ValidatesSettings) {
  desk::ChannelConfig c;
  c.name = "b";
  c.kind = "bluesky";
  c.settings = {{"handle", "@Support.Example.com"}};
  c.secrets = {{"app_password", "pw"}};
  auto ok = MakeBlueskyChannel(c);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->kind(), "bluesky");
  EXPECT_EQ((*ok)->webhook(), nullptr);
  EXPECT_EQ((*ok)->credentials_expire_at(), 0);

  auto bad = [&](const std::map<std::string, std::string>& settings,
                 std::map<std::string, std::string> secrets, const std::string& needle) {
    desk::ChannelConfig b = c;
    for (auto& [k, v] : settings) b.settings[k] = v;
    b.secrets = std::move(secrets);
    auto r = MakeBlueskyChannel(b);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status();
  };
  bad({{"handle", ""}}, {{"app_password", "pw"}}, "'handle' is required");
  bad({{"handle", "no spaces.com x"}}, {{"app_password", "pw"}}, "'handle'");
  bad({}, {}, "'app_password' is required");
  bad({{"service_url", "http://bsky.social"}}, {{"app_password", "pw"}}, "loopback");
  bad({{"service_url", "ftp://x"}}, {{"app_password", "pw"}}, "'service_url'");
  bad({{"verify_tls", "yes"}}, {{"app_password", "pw"}}, "'verify_tls'");
  bad({{"page_limit", "500"}}, {{"app_password", "pw"}}, "'page_limit'");
  bad({{"poll_interval_ms", "abc"}}, {{"app_password", "pw"}}, "'poll_interval_ms'");
  bad({{"video_service_url", "http://video.example"}}, {{"app_password", "pw"}},
      "'video_service_url' must use https://");
  bad({{"video_max_polls", "0"}}, {{"app_password", "pw"}}, "'video_max_polls'");
  bad({{"video_poll_interval_ms", "-1"}}, {{"app_password", "pw"}}, "'video_poll_interval_ms'");
  desk::ChannelConfig other = c;
  other.kind = "mastodon";
  EXPECT_FALSE(MakeBlueskyChannel(other).ok());
}

// --- session --------------------------------------------------------------------

TEST_F(BlueskyTest, CreatesSessionOnceAndUsesBearer) {
  MustPoll("");
  MustPoll("");
  auto creates = pds_.requests("com.atproto.server.createSession");
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(creates[0].method, "POST");
  json body = json::parse(creates[0].body);
  EXPECT_EQ(body["identifier"], "support.example.com");
  EXPECT_EQ(body["password"], "abcd-efgh-ijkl-mnop");
  auto lists = pds_.requests("app.bsky.notification.listNotifications");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists[0].method, "GET");
  EXPECT_EQ(lists[0].headers["authorization"], "Bearer " + FakePds::Jwt(kStartS + 7200, "a1"));
  EXPECT_EQ(channel_->credentials_expire_at(), (kStartS + 7200) * 1000);
  EXPECT_EQ(channel_->did(), kOwnDid);
}

TEST_F(BlueskyTest, RefreshesOnExpiredTokenAndRetries) {
  MustPoll("");
  pds_.Queue("app.bsky.notification.listNotifications",
             {400, "", R"({"error":"ExpiredToken","message":"Token has expired"})"});
  pds_.Set("com.atproto.server.refreshSession", Session("a-new", "r-new"));
  feed_.Prepend(Mention("m1", Iso(1)));
  auto r = channel_->Poll("");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Ids(*r), std::vector<std::string>{"m1"});
  auto refresh = pds_.requests("com.atproto.server.refreshSession");
  ASSERT_EQ(refresh.size(), 1u);
  EXPECT_EQ(refresh[0].method, "POST");
  EXPECT_EQ(refresh[0].headers["authorization"],
            "Bearer " + FakePds::Jwt(kStartS + 90LL * 86400, "r1"));
  auto lists = pds_.requests("app.bsky.notification.listNotifications");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[2].headers["authorization"], "Bearer " + FakePds::Jwt(kStartS + 7200, "a-new"));
  EXPECT_EQ(pds_.requests("com.atproto.server.createSession").size(), 1u);
}

TEST_F(BlueskyTest, ExpiredRefreshTokenFallsBackToNewSession) {
  MustPoll("");
  pds_.Queue("app.bsky.notification.listNotifications",
             {401, "", R"({"error":"ExpiredToken","message":"Token has expired"})"});
  pds_.Set("com.atproto.server.refreshSession",
           {400, "", R"({"error":"ExpiredToken","message":"Token has expired"})"});
  MustPoll("");
  EXPECT_EQ(pds_.requests("com.atproto.server.createSession").size(), 2u);
  EXPECT_EQ(
      pds_.requests("app.bsky.notification.listNotifications").back().headers["authorization"],
      "Bearer " + FakePds::Jwt(kStartS + 7200, "a2"));
}

TEST_F(BlueskyTest, RefreshesBeforeTheAccessTokenLapses) {
  MustPoll("");
  pds_.Set("com.atproto.server.refreshSession", Session("a-new", "r-new"));
  clock_.AdvanceSeconds(7200 - 30);
  MustPoll("");
  EXPECT_EQ(pds_.requests("com.atproto.server.refreshSession").size(), 1u);
  EXPECT_EQ(
      pds_.requests("app.bsky.notification.listNotifications").back().headers["authorization"],
      "Bearer " + FakePds::Jwt(kStartS + 7200, "a-new"));
}

TEST_F(BlueskyTest, RefusedPasswordIsPermissionDenied) {
  pds_.Set("com.atproto.server.createSession",
           {401, "",
            R"({"error":"AuthenticationRequired","message":"Invalid identifier or password"})"});
  auto r = channel_->Poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("Invalid identifier or password"), std::string::npos);
  EXPECT_EQ(r.status().message().find("abcd-efgh"), std::string::npos);  // no secret in errors
}

TEST_F(BlueskyTest, MalformedSessionAnswersDoNotCrash) {
  for (const char* body :
       {"", "{}", "[]", "not json", R"({"accessJwt":1,"refreshJwt":"x","did":"d"})",
        R"({"accessJwt":"a","refreshJwt":"r","did":"nodid"})"}) {
    pds_.Set("com.atproto.server.createSession", {200, "", body});
    Make({});
    auto r = channel_->Poll("");
    EXPECT_FALSE(r.ok()) << body;
  }
}

// --- Poll -----------------------------------------------------------------------

TEST_F(BlueskyTest, FirstPollTakesTheNewestPageOldestFirst) {
  feed_.Prepend(Mention("m1", Iso(1)));
  feed_.Prepend(Like("l1", Iso(2)));
  json reply = Mention("r1", Iso(3), "thanks");
  reply["reason"] = "reply";
  reply["record"]["reply"] = {{"root", {{"uri", PostUri(kOwnDid, "root")}, {"cid", "cid-root"}}},
                              {"parent", {{"uri", PostUri(kOwnDid, "ans")}, {"cid", "cid-ans"}}}};
  feed_.Prepend(reply);
  feed_.Prepend(Mention("own", Iso(4), "me", kOwnDid, "support.example.com"));
  auto r = MustPoll("");
  EXPECT_EQ(Ids(r), (std::vector<std::string>{"m1", "r1"}));
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.messages[0].thread_key, PostUri("did:plc:alice", "m1"));
  EXPECT_EQ(r.messages[1].thread_key, PostUri(kOwnDid, "root"));
  EXPECT_EQ(r.messages[1].in_reply_to, PostUri(kOwnDid, "ans"));
  EXPECT_EQ(r.messages[1].author_handle, "@alice.test");
  EXPECT_FALSE(r.cursor.empty());
  auto lists = pds_.requests("app.bsky.notification.listNotifications");
  ASSERT_EQ(lists.size(), 1u);
  EXPECT_EQ(lists[0].query["limit"], "50");
  EXPECT_EQ(lists[0].query.count("cursor"), 0u);
}

TEST_F(BlueskyTest, NeverRepeatsAndPicksUpNewOnes) {
  feed_.Prepend(Mention("m1", Iso(1)));
  auto r1 = MustPoll("");
  EXPECT_EQ(Ids(r1), std::vector<std::string>{"m1"});
  auto r2 = MustPoll(r1.cursor);
  EXPECT_TRUE(r2.messages.empty());
  feed_.Prepend(Mention("m2", Iso(2)));
  feed_.Prepend(Mention("m3", Iso(3)));
  auto r3 = MustPoll(r2.cursor);
  EXPECT_EQ(Ids(r3), (std::vector<std::string>{"m2", "m3"}));
  auto r4 = MustPoll(r3.cursor);
  EXPECT_TRUE(r4.messages.empty());
  EXPECT_EQ(r4.cursor, r3.cursor);
}

TEST_F(BlueskyTest, SameInstantIsNeitherRepeatedNorLost) {
  feed_.Prepend(Mention("a", Iso(5)));
  auto r1 = MustPoll("");
  feed_.Prepend(Mention("b", Iso(5)));  // indexed in the same microsecond
  auto r2 = MustPoll(r1.cursor);
  EXPECT_EQ(Ids(r2), std::vector<std::string>{"b"});
  auto r3 = MustPoll(r2.cursor);
  EXPECT_TRUE(r3.messages.empty());
}

TEST_F(BlueskyTest, SameInstantAcrossPagesIsNotRepeated) {
  Make({{"page_limit", "2"}});
  feed_.Prepend(Mention("old", Iso(0)));
  auto r1 = MustPoll("");
  feed_.Prepend(Mention("z", Iso(3)));
  feed_.Prepend(Mention("y", Iso(3)));
  feed_.Prepend(Mention("x", Iso(3)));
  auto r2 = MustPoll(r1.cursor);
  EXPECT_EQ(r2.messages.size(), 3u);
  auto r3 = MustPoll(r2.cursor);
  EXPECT_TRUE(r3.messages.empty()) << Ids(r3).size();
}

TEST_F(BlueskyTest, PaginatesBackToThePreviousPosition) {
  Make({{"page_limit", "2"}});
  feed_.Prepend(Mention("old", Iso(0)));
  auto r1 = MustPoll("");
  EXPECT_EQ(Ids(r1), std::vector<std::string>{"old"});
  for (int i = 1; i <= 5; ++i)
    feed_.Prepend(Mention(std::string("n").append(std::to_string(i)), Iso(i)));
  auto r2 = MustPoll(r1.cursor);
  EXPECT_EQ(Ids(r2), (std::vector<std::string>{"n1", "n2", "n3", "n4", "n5"}));
  auto lists = pds_.requests("app.bsky.notification.listNotifications");
  ASSERT_EQ(lists.size(), 4u);  // first poll + three pages
  EXPECT_EQ(lists[1].query.count("cursor"), 0u);
  EXPECT_EQ(lists[2].query["cursor"], PostUri("did:plc:alice", "n4"));
  EXPECT_EQ(lists[3].query["cursor"], PostUri("did:plc:alice", "n2"));
}

TEST_F(BlueskyTest, BacklogBeyondMaxPagesContinuesNextPoll) {
  Make({{"page_limit", "2"}, {"max_pages", "2"}});
  feed_.Prepend(Mention("old", Iso(0)));
  auto r1 = MustPoll("");
  for (int i = 1; i <= 7; ++i)
    feed_.Prepend(Mention(std::string("n").append(std::to_string(i)), Iso(i)));
  auto r2 = MustPoll(r1.cursor);
  EXPECT_EQ(Ids(r2), (std::vector<std::string>{"n4", "n5", "n6", "n7"}));
  feed_.Prepend(Mention("n8", Iso(8)));  // arrives while the backlog is read
  auto r3 = MustPoll(r2.cursor);
  EXPECT_EQ(Ids(r3), (std::vector<std::string>{"n1", "n2", "n3"}));
  auto r4 = MustPoll(r3.cursor);
  EXPECT_EQ(Ids(r4), std::vector<std::string>{"n8"});
  auto r5 = MustPoll(r4.cursor);
  EXPECT_TRUE(r5.messages.empty());
}

TEST_F(BlueskyTest, FailureAfterFirstPageKeepsWhatWasReadAndResumes) {
  Make({{"page_limit", "2"}});
  feed_.Prepend(Mention("old", Iso(0)));
  auto r1 = MustPoll("");
  for (int i = 1; i <= 4; ++i)
    feed_.Prepend(Mention(std::string("n").append(std::to_string(i)), Iso(i)));
  pds_.SetHandler("app.bsky.notification.listNotifications", [this](const FakePds::Request& r) {
    if (r.query.count("cursor") > 0) return FakePds::Response{502, "", "Bad Gateway"};
    return feed_.Page(r);
  });
  auto r2 = MustPoll(r1.cursor);
  EXPECT_EQ(Ids(r2), (std::vector<std::string>{"n3", "n4"}));
  pds_.SetHandler("app.bsky.notification.listNotifications",
                  [this](const FakePds::Request& r) { return feed_.Page(r); });
  auto r3 = MustPoll(r2.cursor);
  EXPECT_EQ(Ids(r3), (std::vector<std::string>{"n1", "n2"}));
  auto r4 = MustPoll(r3.cursor);
  EXPECT_TRUE(r4.messages.empty());
}

TEST_F(BlueskyTest, FirstPageFailureIsAnError) {
  pds_.Set("app.bsky.notification.listNotifications", {503, "", "{}"});
  auto r = channel_->Poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(BlueskyTest, BadCursorIsInvalidArgument) {
  for (const char* c :
       {"garbage", "{}", R"({"floor":{"t":"x","u":[]}})", R"({"floor":{"t":1,"u":[]},"gap":""})"}) {
    auto r = channel_->Poll(c);
    ASSERT_FALSE(r.ok()) << c;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(BlueskyTest, MalformedNotificationsAreSkippedAndReported) {
  feed_.Prepend(Mention("good", Iso(1)));
  json bad = Mention("bad", Iso(2));
  bad["record"].erase("text");
  feed_.Prepend(bad);
  auto r = MustPoll("");
  EXPECT_EQ(Ids(r), std::vector<std::string>{"good"});
  ASSERT_EQ(channel_->last_rejected().size(), 1u);
  EXPECT_EQ(channel_->last_rejected()[0], "/notifications/0/record/text is missing");
  for (const char* body : {"", "[]", "{\"notifications\":5}", "\xff\xfe"}) {
    pds_.Set("app.bsky.notification.listNotifications", {200, "", body});
    EXPECT_FALSE(channel_->Poll(r.cursor).ok()) << body;
  }
}

TEST_F(BlueskyTest, UpdateSeenWhenConfigured) {
  Make({{"update_seen", "true"}});
  pds_.Set("app.bsky.notification.updateSeen", {200, "", ""});
  feed_.Prepend(Mention("m1", Iso(1)));
  feed_.Prepend(Like("l1", Iso(2)));
  MustPoll("");
  auto seen = pds_.requests("app.bsky.notification.updateSeen");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(json::parse(seen[0].body)["seenAt"], Iso(2));
}

// --- Render ---------------------------------------------------------------------

TEST_F(BlueskyTest, RenderCountsGraphemes) {
  desk::OutboundMessage m;
  std::string family = "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7";
  for (int i = 0; i < 100; ++i) m.text += family;  // 100 graphemes, 1,800 bytes
  auto ok = channel_->Render(m);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, m.text);
  m.text = std::string(300, 'x');
  EXPECT_TRUE(channel_->Render(m).ok());
  m.text += "\xC3\xA4";
  auto over = channel_->Render(m);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.status().message().find("301"), std::string::npos) << over.status();
  m.text = "";
  EXPECT_FALSE(channel_->Render(m).ok());
  m.text = "bad \xff";
  EXPECT_FALSE(channel_->Render(m).ok());
  m.text.clear();
  for (int i = 0; i < 200; ++i) m.text += family;  // 200 graphemes, 3,600 bytes
  auto bytes = channel_->Render(m);
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.status().message().find("3600 bytes"), std::string::npos) << bytes.status();
}

// --- Send -----------------------------------------------------------------------

TEST_F(BlueskyTest, ReplyToPolledPostUsesItsRootAndParent) {
  json reply = Mention("r1", Iso(3), "still waiting");
  reply["reason"] = "reply";
  reply["record"]["reply"] = {{"root", {{"uri", PostUri(kOwnDid, "root")}, {"cid", "cid-root"}}},
                              {"parent", {{"uri", PostUri(kOwnDid, "ans")}, {"cid", "cid-ans"}}}};
  feed_.Prepend(reply);
  auto polled = MustPoll("");
  ASSERT_EQ(polled.messages.size(), 1u);
  auto r = channel_->Send(Reply(polled.messages[0].external_id));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "at://did:plc:company/app.bsky.feed.post/3new");
  EXPECT_TRUE(pds_.requests("app.bsky.feed.getPosts").empty());
  auto reqs = pds_.requests("com.atproto.repo.createRecord");
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer " + FakePds::Jwt(kStartS + 7200, "a1"));
  json body = json::parse(reqs[0].body);
  EXPECT_EQ(body["repo"], kOwnDid);
  EXPECT_EQ(body["collection"], "app.bsky.feed.post");
  json rec = body["record"];
  EXPECT_EQ(rec["$type"], "app.bsky.feed.post");
  EXPECT_EQ(rec["text"], "On its way!");
  EXPECT_EQ(rec["createdAt"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(rec["reply"]["root"]["uri"], PostUri(kOwnDid, "root"));
  EXPECT_EQ(rec["reply"]["root"]["cid"], "cid-root");
  EXPECT_EQ(rec["reply"]["parent"]["uri"], PostUri("did:plc:alice", "r1"));
  EXPECT_EQ(rec["reply"]["parent"]["cid"], "cid-r1");
  EXPECT_FALSE(rec.contains("facets"));
  EXPECT_FALSE(rec.contains("langs"));
}

TEST_F(BlueskyTest, ReplyToUnknownPostFetchesRefs) {
  std::string parent = PostUri("did:plc:carol", "p9");
  json posts = {{"posts",
                 {{{"uri", parent},
                   {"cid", "cid-p9"},
                   {"author", {{"did", "did:plc:carol"}, {"handle", "carol.test"}}},
                   {"record",
                    {{"$type", "app.bsky.feed.post"},
                     {"text", "and?"},
                     {"createdAt", Iso(1)},
                     {"reply",
                      {{"root", {{"uri", PostUri("did:plc:x", "top")}, {"cid", "cid-top"}}},
                       {"parent", {{"uri", PostUri("did:plc:y", "mid")}, {"cid", "cid-mid"}}}}}}},
                   {"indexedAt", Iso(1)}}}}};
  pds_.Set("app.bsky.feed.getPosts", {200, "", posts.dump()});
  Make({{"post_language", "de"}});
  auto r = channel_->Send(Reply(parent));
  ASSERT_TRUE(r.ok()) << r.status();
  auto gets = pds_.requests("app.bsky.feed.getPosts");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].query["uris"], parent);
  json rec = LastRecord()["record"];
  EXPECT_EQ(rec["reply"]["root"]["uri"], PostUri("did:plc:x", "top"));
  EXPECT_EQ(rec["reply"]["root"]["cid"], "cid-top");
  EXPECT_EQ(rec["reply"]["parent"]["uri"], parent);
  EXPECT_EQ(rec["reply"]["parent"]["cid"], "cid-p9");
  EXPECT_EQ(rec["langs"], json::array({"de"}));
}

TEST_F(BlueskyTest, ReplyToRootPostUsesItAsBoth) {
  std::string parent = PostUri("did:plc:carol", "p1");
  json posts = {{"posts",
                 {{{"uri", parent},
                   {"cid", "cid-p1"},
                   {"record", {{"$type", "app.bsky.feed.post"}, {"text", "hi"}}}}}}};
  pds_.Set("app.bsky.feed.getPosts", {200, "", posts.dump()});
  ASSERT_TRUE(channel_->Send(Reply(parent)).ok());
  json rec = LastRecord()["record"];
  EXPECT_EQ(rec["reply"]["root"], rec["reply"]["parent"]);
  EXPECT_EQ(rec["reply"]["root"]["cid"], "cid-p1");
}

TEST_F(BlueskyTest, ReplyToDeletedPostIsNotFound) {
  pds_.Set("app.bsky.feed.getPosts", {200, "", R"({"posts":[]})"});
  auto r = channel_->Send(Reply(PostUri("did:plc:carol", "gone")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(pds_.requests("com.atproto.repo.createRecord").empty());
}

TEST_F(BlueskyTest, ReplyTargetMustBeAnAtUri) {
  auto r = channel_->Send(Reply("https://bsky.app/profile/x/post/y"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(BlueskyTest, NewPostWithoutReply) {
  desk::OutboundMessage m;
  m.text = "Service notice";
  ASSERT_TRUE(channel_->Send(m).ok());
  EXPECT_FALSE(LastRecord()["record"].contains("reply"));
}

TEST_F(BlueskyTest, FacetsWithByteOffsetsAndResolvedMentions) {
  pds_.SetHandler("com.atproto.identity.resolveHandle", [](const FakePds::Request& r) {
    if (r.query.at("handle") == "bob.example.org") {
      return FakePds::Response{200, "", R"({"did":"did:plc:bob"})"};
    }
    return FakePds::Response{400, "",
                             R"({"error":"InvalidRequest","message":"Unable to resolve handle"})"};
  });
  desk::OutboundMessage m;
  // "Grüße 👋 @bob.example.org: https://example.com/t?id=1 @nobody.example.org"
  m.text =
      "Gr\xC3\xBC\xC3\x9F"
      "e \xF0\x9F\x91\x8B @bob.example.org: https://example.com/t?id=1 @nobody.example.org";
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  json facets = LastRecord()["record"]["facets"];
  ASSERT_EQ(facets.size(), 2u) << facets.dump();
  EXPECT_EQ(facets[0]["index"]["byteStart"], 13);
  EXPECT_EQ(facets[0]["index"]["byteEnd"], 29);
  EXPECT_EQ(facets[0]["features"][0]["$type"], "app.bsky.richtext.facet#mention");
  EXPECT_EQ(facets[0]["features"][0]["did"], "did:plc:bob");
  EXPECT_EQ(facets[1]["index"]["byteStart"], 31);
  EXPECT_EQ(facets[1]["index"]["byteEnd"], 31 + 26);
  EXPECT_EQ(facets[1]["features"][0]["$type"], "app.bsky.richtext.facet#link");
  EXPECT_EQ(facets[1]["features"][0]["uri"], "https://example.com/t?id=1");
  EXPECT_EQ(pds_.requests("com.atproto.identity.resolveHandle").size(), 2u);
}

TEST_F(BlueskyTest, MentionOfPolledAuthorNeedsNoLookup) {
  feed_.Prepend(Mention("m1", Iso(1)));
  MustPoll("");
  desk::OutboundMessage m;
  m.text = "@alice.test done";
  ASSERT_TRUE(channel_->Send(m).ok());
  EXPECT_TRUE(pds_.requests("com.atproto.identity.resolveHandle").empty());
  EXPECT_EQ(LastRecord()["record"]["facets"][0]["features"][0]["did"], "did:plc:alice");
}

TEST_F(BlueskyTest, RecordKeyIsATid) {
  ASSERT_TRUE(channel_->Send(Reply("", "hello")).ok());
  std::string rkey = LastRecord()["rkey"];
  ASSERT_EQ(rkey.size(), 13u);
  EXPECT_NE(std::string("234567abcdefghij").find(rkey[0]), std::string::npos);
  for (char c : rkey)
    EXPECT_NE(std::string("234567abcdefghijklmnopqrstuvwxyz").find(c), std::string::npos);
  EXPECT_TRUE(pds_.requests("com.atproto.repo.getRecord").empty());
  desk::OutboundMessage other = Reply("", "again");
  other.idempotency_key = "k2";
  ASSERT_TRUE(channel_->Send(other).ok());
  EXPECT_NE(LastRecord()["rkey"], rkey);
}

TEST_F(BlueskyTest, RetryReturnsThePostTheFirstAttemptWrote) {
  pds_.Queue("com.atproto.repo.createRecord", {504, "", "Gateway Timeout"});
  auto first = channel_->Send(Reply("", "hello"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable);
  std::string rkey = LastRecord()["rkey"];
  pds_.SetHandler("com.atproto.repo.getRecord", [](const FakePds::Request& r) {
    json rec = {{"uri", "at://" + r.query.at("repo") + "/" + r.query.at("collection") + "/" +
                            r.query.at("rkey")},
                {"cid", "bafywritten"},
                {"value", {{"$type", "app.bsky.feed.post"}, {"text", "hello"}}}};
    return FakePds::Response{200, "", rec.dump()};
  });
  auto again = channel_->Send(Reply("", "hello"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->external_id, "at://did:plc:company/app.bsky.feed.post/" + rkey);
  EXPECT_EQ(pds_.requests("com.atproto.repo.createRecord").size(), 1u);
  auto gets = pds_.requests("com.atproto.repo.getRecord");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_EQ(gets[0].query["repo"], kOwnDid);
  EXPECT_EQ(gets[0].query["rkey"], rkey);
}

TEST_F(BlueskyTest, RetryWritesWithTheSameKeyWhenNothingWasWritten) {
  pds_.Queue("com.atproto.repo.createRecord", {503, "", "{}"});
  ASSERT_FALSE(channel_->Send(Reply("", "hello")).ok());
  std::string rkey = LastRecord()["rkey"];
  pds_.Set("com.atproto.repo.getRecord",
           {400, "", R"({"error":"RecordNotFound","message":"Could not locate record"})"});
  ASSERT_TRUE(channel_->Send(Reply("", "hello")).ok());
  auto creates = pds_.requests("com.atproto.repo.createRecord");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(json::parse(creates[1].body)["rkey"], rkey);
}

// --- errors ---------------------------------------------------------------------

TEST_F(BlueskyTest, RateLimitedIsResourceExhaustedWithWait) {
  long long reset = kStartS + 120;
  pds_.Set("com.atproto.repo.createRecord",
           {429,
            "ratelimit-limit: 5000\r\nratelimit-remaining: 0\r\nratelimit-reset: " +
                std::to_string(reset) + "\r\nratelimit-policy: 5000;w=3600\r\n",
            R"({"error":"RateLimitExceeded","message":"Rate Limit Exceeded"})"});
  desk::OutboundMessage m;
  m.text = "hi";
  auto r = channel_->Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 120'000);
  // Refused locally until the reset, without a request.
  size_t before = pds_.requests().size();
  clock_.AdvanceSeconds(60);
  auto again = channel_->Send(m);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 60'000);
  EXPECT_EQ(pds_.requests().size(), before);
  clock_.AdvanceSeconds(61);
  pds_.Set("com.atproto.repo.createRecord",
           {200, "", R"({"uri":"at://did:plc:company/app.bsky.feed.post/3x","cid":"c"})"});
  EXPECT_TRUE(channel_->Send(m).ok());
}

TEST_F(BlueskyTest, ExhaustedBudgetBlocksUntilReset) {
  pds_.Set(
      "com.atproto.repo.createRecord",
      {200, "ratelimit-remaining: 0\r\nratelimit-reset: " + std::to_string(kStartS + 30) + "\r\n",
       R"({"uri":"at://did:plc:company/app.bsky.feed.post/3x","cid":"c"})"});
  desk::OutboundMessage m;
  m.text = "hi";
  ASSERT_TRUE(channel_->Send(m).ok());
  auto r = channel_->Send(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 30'000);
}

TEST_F(BlueskyTest, ErrorMapping) {
  struct Case {
    int status;
    const char* body;
    StatusCode code;
    const char* needle;
  };
  std::vector<Case> cases = {
      {500, R"({"error":"InternalServerError","message":"boom"})", StatusCode::kUnavailable,
       "boom"},
      {502, "<html>bad gateway</html>", StatusCode::kUnavailable, "502"},
      {400,
       R"({"error":"InvalidRequest","message":"Record/text must not be longer than 300 graphemes"})",
       StatusCode::kInvalidArgument, "300 graphemes"},
      {401, R"({"error":"AuthenticationRequired","message":"Bad token"})",
       StatusCode::kPermissionDenied, "Bad token"},
      {403, "{}", StatusCode::kPermissionDenied, "403"},
      {400, R"({"error":"AccountTakedown","message":"taken down"})", StatusCode::kPermissionDenied,
       "AccountTakedown"},
      {404, "not json", StatusCode::kInvalidArgument, "404"},
      {200, "not json", StatusCode::kUnavailable, "not JSON"},
      {200, R"({"cid":"x"})", StatusCode::kInternal, "/uri"},
      {200, R"({"uri":5})", StatusCode::kInternal, "/uri"},
  };
  desk::OutboundMessage m;
  m.text = "hi";
  for (const Case& c : cases) {
    pds_.Set("com.atproto.repo.createRecord", {c.status, "", c.body});
    auto r = channel_->Send(m);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), c.code) << c.body << " -> " << r.status();
    EXPECT_NE(r.status().message().find(c.needle), std::string::npos) << r.status();
  }
}

TEST_F(BlueskyTest, ExpiredTokenOnSendRefreshesOnce) {
  pds_.Queue("com.atproto.repo.createRecord",
             {400, "", R"({"error":"ExpiredToken","message":"Token has expired"})"});
  pds_.Set("com.atproto.server.refreshSession", Session("a-new", "r-new"));
  desk::OutboundMessage m;
  m.text = "hi";
  ASSERT_TRUE(channel_->Send(m).ok());
  auto creates = pds_.requests("com.atproto.repo.createRecord");
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[1].headers["authorization"], "Bearer " + FakePds::Jwt(kStartS + 7200, "a-new"));
}

TEST(BlueskyTransportTest, UnreachableServerIsUnavailable) {
  int port;
  {
    FakePds gone;
    port = std::stoi(gone.base_url().substr(gone.base_url().rfind(':') + 1));
  }
  desk::ChannelConfig c;
  c.name = "b";
  c.settings = {{"handle", "support.example.com"},
                {"service_url", "http://127.0.0.1:" + std::to_string(port)},
                {"connect_timeout_ms", "2000"},
                {"timeout_ms", "2000"}};
  c.secrets = {{"app_password", "pw"}};
  auto ch = MakeBluesky(c);
  ASSERT_TRUE(ch.ok()) << ch.status();
  auto r = (*ch)->Poll("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

TEST_F(BlueskyTest, RandomAnswersNeverCrash) {
  std::string good = R"({"posts":[{"uri":"at://did:plc:c/app.bsky.feed.post/p","cid":"c",)"
                     R"("record":{"text":"x","reply":{"root":{"uri":"at://a/b/c","cid":"d"}}}}]})";
  unsigned seed = 11;
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return seed >> 8;
  };
  desk::OutboundMessage m = Reply("at://did:plc:c/app.bsky.feed.post/p", "hi @x.example.com");
  for (int i = 0; i < 200; ++i) {
    std::string s = good;
    for (int e = 0; e < 4; ++e) s[next() % s.size()] = static_cast<char>(next() % 256);
    pds_.Set("app.bsky.feed.getPosts", {200, "", s});
    pds_.Set("com.atproto.identity.resolveHandle", {200, "", s});
    Make({});
    (void)channel_->Send(m);
  }
  SUCCEED();
}

}  // namespace
}  // namespace leitplanke::channels::bluesky
