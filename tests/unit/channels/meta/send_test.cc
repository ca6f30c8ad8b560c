// Render and Send against FakeGraph on loopback.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/meta/meta.h"
#include "fake_graph.h"

namespace leitplanke::channels::meta {
namespace {

using nlohmann::json;
using testing::FakeGraph;

constexpr desk::Millis kHour = 3'600'000;

class MetaSendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    channel_ = Make();
    ASSERT_NE(channel_, nullptr);
  }

  // A channel of the same configuration (as after a restart).
  std::unique_ptr<MetaChannel> Make() {
    desk::ChannelConfig c;
    c.name = "shop-meta";
    c.kind = "meta";
    c.settings = {{"page_id", "111"}, {"graph_url", graph_.base_url()}, {"graph_version", "v19.0"}};
    c.secrets = {{"page_access_token", "EAAtoken"}, {"app_secret", "sec"}, {"verify_token", "v"}};
    auto ch = MakeMeta(c, &clock_);
    EXPECT_TRUE(ch.ok()) << ch.status();
    return ch.ok() ? std::move(*ch) : nullptr;
  }

  // A private reply to comment `comment` on the Page post 111_500.
  desk::OutboundMessage PrivateReply(std::string comment = "500_700") {
    desk::OutboundMessage m;
    m.thread_key = "fb-post:111_500";
    m.in_reply_to = std::move(comment);
    m.is_public = false;
    m.last_inbound_at = clock_.NowMillis() - kHour;
    m.text = "Please send us your order number.";
    return m;
  }

  static desk::OutboundMessage Public(desk::OutboundMessage m) {
    m.is_public = true;
    return m;
  }

  desk::OutboundMessage Dm(std::string thread = "fb:2001") {
    desk::OutboundMessage m;
    m.thread_key = std::move(thread);
    m.to_handle = "2001";
    m.text = "Your parcel left today.";
    m.idempotency_key = "reply-1";
    return m;
  }

  void Inbound(const std::string& thread, desk::Millis sent_at) {
    desk::InboundMessage in;
    in.thread_key = thread;
    in.sent_at = sent_at;
    channel_->NoteInbound(in);
  }

  json LastBody() { return json::parse(graph_.requests().back().body); }

  FakeGraph graph_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<MetaChannel> channel_;
};

TEST_F(MetaSendTest, MessengerWithinDayIsResponse) {
  Inbound("fb:2001", clock_.NowMillis() - 2 * kHour);
  auto r = channel_->Send(Dm());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "m_sent");
  auto reqs = graph_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target.substr(0, reqs[0].target.find('?')), "/v19.0/111/messages");
  EXPECT_NE(reqs[0].target.find("appsecret_proof="), std::string::npos);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer EAAtoken");
  json b = LastBody();
  EXPECT_EQ(b["recipient"]["id"], "2001");
  EXPECT_EQ(b["messaging_type"], "RESPONSE");
  EXPECT_EQ(b["message"]["text"], "Your parcel left today.");
  EXPECT_FALSE(b.contains("tag"));
  EXPECT_EQ(reqs[0].body.find("reply-1"), std::string::npos);  // no idempotency key anywhere
}

TEST_F(MetaSendTest, AfterDayHumanAgentTag) {
  Inbound("ig:9001", clock_.NowMillis() - 3 * 24 * kHour);
  auto r = channel_->Send(Dm("ig:9001"));
  ASSERT_TRUE(r.ok()) << r.status();
  json b = LastBody();
  EXPECT_EQ(b["recipient"]["id"], "9001");
  EXPECT_EQ(b["messaging_type"], "MESSAGE_TAG");
  EXPECT_EQ(b["tag"], "HUMAN_AGENT");
}

TEST_F(MetaSendTest, AfterSevenDaysRefusedWithoutRequest) {
  Inbound("fb:2001", clock_.NowMillis() - 8 * 24 * kHour);
  auto r = channel_->Send(Dm());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("the reply window closed on"), std::string::npos);
  EXPECT_TRUE(graph_.requests().empty());
  // A newer customer message opens it again.
  Inbound("fb:2001", clock_.NowMillis() - kHour);
  EXPECT_TRUE(channel_->Send(Dm()).ok());
}

// After a restart nothing was noted in memory: the desk's record of the
// customer's last message decides.
TEST_F(MetaSendTest, TheDesksLastInboundTimeDecidesWithoutANote) {
  desk::OutboundMessage old = Dm();
  old.last_inbound_at = clock_.NowMillis() - 8 * 24 * kHour;
  auto r = channel_->Send(old);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status();
  EXPECT_TRUE(graph_.requests().empty());
  desk::OutboundMessage days = Dm();
  days.last_inbound_at = clock_.NowMillis() - 2 * 24 * kHour;
  ASSERT_TRUE(channel_->Send(days).ok());
  EXPECT_EQ(LastBody()["tag"], "HUMAN_AGENT");
}

TEST_F(MetaSendTest, CommentReplies) {
  graph_.SetResponse({200, "", R"({"id":"500_800"})"});
  desk::OutboundMessage m;
  m.thread_key = "fb-post:111_500";
  m.in_reply_to = "500_700";
  m.is_public = true;
  m.text = "Please send us a DM.";
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "500_800");
  auto t = graph_.requests().back().target;
  EXPECT_EQ(t.substr(0, t.find('?')), "/v19.0/500_700/comments");
  EXPECT_EQ(LastBody()["message"], "Please send us a DM.");

  m.thread_key = "ig-media:1799";
  m.in_reply_to = "1800";
  ASSERT_TRUE(channel_->Send(m).ok());
  t = graph_.requests().back().target;
  EXPECT_EQ(t.substr(0, t.find('?')), "/v19.0/1800/replies");

  m.in_reply_to = "";
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  m.in_reply_to = "1800/../../me";
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.requests().size(), 2u);
}

// Publish: a public message without thread or message to answer is a new
// post on the Page's feed, with the Page post's limit.
TEST_F(MetaSendTest, NewPagePostGoesToTheFeed) {
  graph_.SetResponse({200, "", R"({"id":"111_900"})"});
  desk::OutboundMessage m;
  m.is_public = true;
  m.text = "Neue Tarife ab Montag.";
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "111_900");
  auto t = graph_.requests().back().target;
  EXPECT_EQ(t.substr(0, t.find('?')), "/v19.0/111/feed");
  EXPECT_EQ(LastBody(), json({{"message", "Neue Tarife ab Montag."}}));

  m.text = std::string(kPagePostLimit, 'p');
  EXPECT_TRUE(channel_->Render(m).ok());
  m.text += "p";
  EXPECT_FALSE(channel_->Render(m).ok());
  // Not public, or answering something without its thread: still refused.
  m.text = "x";
  m.is_public = false;
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  m.is_public = true;
  m.in_reply_to = "500_700";
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.requests().size(), 1u);
}

// Issue 7: a comment answered privately goes through the Send API with the
// comment (or the visitor's post) as recipient, within 7 days of it.
TEST_F(MetaSendTest, PrivateRepliesToCommentsUseTheCommentAsRecipient) {
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_private"})"});
  desk::OutboundMessage m;
  m.thread_key = "fb-post:111_500";
  m.in_reply_to = "500_700";
  m.is_public = true;
  m.last_inbound_at = clock_.NowMillis() - 2 * 24 * kHour;
  m.text = "Your IBAN DE89 3704 0044 0532 0130 00 is noted.";
  EXPECT_TRUE(channel_->CanReplyPrivately(m));
  m.is_public = false;
  // Limited as a Messenger message, not as a comment.
  EXPECT_EQ(channel_->Estimate(m).limit, static_cast<int64_t>(kMessengerLimit));
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "m_private");
  auto t = graph_.requests().back().target;
  EXPECT_EQ(t.substr(0, t.find('?')), "/v19.0/111/messages");
  json b = LastBody();
  EXPECT_EQ(b["recipient"], json({{"comment_id", "500_700"}}));
  EXPECT_EQ(b["message"]["text"], m.text);
  EXPECT_EQ(b["messaging_type"], "RESPONSE");

  // A visitor's post itself: the post is the recipient.
  m.in_reply_to = "111_500";
  ASSERT_TRUE(channel_->Send(m).ok());
  EXPECT_EQ(LastBody()["recipient"], json({{"post_id", "111_500"}}));

  // Instagram: the same endpoint, limited as an Instagram direct message.
  m.thread_key = "ig-media:1799";
  m.in_reply_to = "1800";
  EXPECT_EQ(channel_->Estimate(m).limit, static_cast<int64_t>(kInstagramDirectLimit));
  ASSERT_TRUE(channel_->Send(m).ok());
  EXPECT_EQ(LastBody()["recipient"], json({{"comment_id", "1800"}}));
  const size_t sent = graph_.requests().size();

  // Older than 7 days: neither offered nor sent.
  m.last_inbound_at = clock_.NowMillis() - 8 * 24 * kHour;
  m.is_public = true;
  EXPECT_FALSE(channel_->CanReplyPrivately(m));
  m.is_public = false;
  auto late = channel_->Send(m);
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition) << late.status();
  EXPECT_EQ(graph_.requests().size(), sent);
  // Messenger threads are private already; no comment, no private reply.
  EXPECT_FALSE(channel_->CanReplyPrivately(Dm()));
  m.last_inbound_at = 0;
  m.in_reply_to = "";
  EXPECT_FALSE(channel_->CanReplyPrivately(m));
  EXPECT_EQ(channel_->Send(m).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.requests().size(), sent);
}

// Meta takes one private reply per comment: the connector remembers the
// comments it answered privately and refuses a second before any request.
TEST_F(MetaSendTest, SecondPrivateReplyToACommentIsRefused) {
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_private"})"});
  desk::OutboundMessage m = PrivateReply();
  EXPECT_TRUE(channel_->CanReplyPrivately(Public(m)));
  ASSERT_TRUE(channel_->Render(m).ok());
  ASSERT_TRUE(channel_->Send(m).ok());
  const size_t sent = graph_.requests().size();

  EXPECT_FALSE(channel_->CanReplyPrivately(Public(m)));
  auto rendered = channel_->Render(m);
  ASSERT_FALSE(rendered.ok());
  EXPECT_EQ(rendered.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rendered.status().message().find(
                "comment 500_700 already got its private reply on 2023-11-14 22:13 UTC"),
            std::string::npos)
      << rendered.status();
  clock_.Advance(kHour);  // the date named is the first reply's, not now
  auto again = channel_->Send(m);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.status().message().find("500_700 already got its private reply on "
                                          "2023-11-14 22:13 UTC"),
            std::string::npos)
      << again.status();
  EXPECT_EQ(graph_.requests().size(), sent);

  // A public answer to the same comment, and a private one to another
  // comment, are still fine.
  EXPECT_TRUE(channel_->Render(Public(m)).ok());
  ASSERT_TRUE(channel_->Send(Public(m)).ok());
  EXPECT_TRUE(channel_->CanReplyPrivately(Public(PrivateReply("500_701"))));
  ASSERT_TRUE(channel_->Send(PrivateReply("500_701")).ok());
  EXPECT_EQ(graph_.requests().size(), sent + 2);

  // A visitor's post answered privately is named as a post.
  ASSERT_TRUE(channel_->Send(PrivateReply("111_500")).ok());
  auto post = channel_->Send(PrivateReply("111_500"));
  EXPECT_EQ(post.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(post.status().message().find("post 111_500 already got its private reply"),
            std::string::npos)
      << post.status();

  // Instagram comments likewise.
  desk::OutboundMessage ig = PrivateReply("1800");
  ig.thread_key = "ig-media:1799";
  ASSERT_TRUE(channel_->Send(ig).ok());
  EXPECT_FALSE(channel_->CanReplyPrivately(Public(ig)));
  EXPECT_EQ(channel_->Send(ig).status().code(), StatusCode::kInvalidArgument);
}

// Only a private reply Meta accepted counts: after a failure the outbox's
// retry goes out.
TEST_F(MetaSendTest, FailedPrivateReplyIsNotRemembered) {
  graph_.SetResponse(
      {500, "", R"({"error":{"code":2,"message":"Service temporarily unavailable"}})"});
  auto first = channel_->Send(PrivateReply());
  EXPECT_EQ(first.status().code(), StatusCode::kUnavailable) << first.status();
  EXPECT_TRUE(channel_->CanReplyPrivately(Public(PrivateReply())));
  EXPECT_EQ(channel_->state(), "");
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_private"})"});
  ASSERT_TRUE(channel_->Send(PrivateReply()).ok());
  EXPECT_FALSE(channel_->CanReplyPrivately(Public(PrivateReply())));
}

// The answered comments are the connector's state: the desk stores it after
// the send and hands it back when it creates the connector again.
TEST_F(MetaSendTest, AnsweredCommentsSurviveARestart) {
  EXPECT_EQ(channel_->state(), "");  // nothing to keep yet
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_private"})"});
  ASSERT_TRUE(channel_->Send(PrivateReply()).ok());
  ASSERT_TRUE(channel_->Send(Public(PrivateReply("500_702"))).ok());  // public: not kept
  const std::string state = channel_->state();
  json doc = json::parse(state);
  EXPECT_EQ(doc, json({{"private_replies", {{"500_700", clock_.NowMillis()}}}})) << state;

  clock_.Advance(2 * kHour);
  std::unique_ptr<MetaChannel> restarted = Make();
  ASSERT_NE(restarted, nullptr);
  EXPECT_TRUE(restarted->CanReplyPrivately(Public(PrivateReply())));  // not yet restored
  restarted->RestoreState(state);
  EXPECT_FALSE(restarted->CanReplyPrivately(Public(PrivateReply())));
  EXPECT_TRUE(restarted->CanReplyPrivately(Public(PrivateReply("500_702"))));
  const size_t sent = graph_.requests().size();
  auto again = restarted->Send(PrivateReply());
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument) << again.status();
  EXPECT_NE(again.status().message().find("on 2023-11-14 22:13 UTC"), std::string::npos)
      << again.status();
  EXPECT_EQ(graph_.requests().size(), sent);
  EXPECT_EQ(restarted->state(), state);  // the same record, written again unchanged
}

// Meta allows a private reply within 7 days of the comment, so a record
// older than that is dropped: from the state, from memory, and on restore.
TEST_F(MetaSendTest, AnsweredCommentsOlderThanSevenDaysArePruned) {
  constexpr desk::Millis kWeek = 7 * 24 * kHour;
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_private"})"});
  const desk::Millis first = clock_.NowMillis();
  ASSERT_TRUE(channel_->Send(PrivateReply("500_700")).ok());
  clock_.Advance(3 * 24 * kHour);
  const desk::Millis second = clock_.NowMillis();
  ASSERT_TRUE(channel_->Send(PrivateReply("500_701")).ok());
  EXPECT_EQ(json::parse(channel_->state()),
            json({{"private_replies", {{"500_700", first}, {"500_701", second}}}}));

  // Exactly 7 days after the first reply it is still remembered; a
  // millisecond later it is gone.
  clock_.Set(first + kWeek);
  EXPECT_FALSE(channel_->CanReplyPrivately(Public(PrivateReply("500_700"))));
  const std::string week_old = channel_->state();
  clock_.Set(first + kWeek + 1);
  EXPECT_EQ(json::parse(channel_->state()), json({{"private_replies", {{"500_701", second}}}}));
  desk::OutboundMessage m = PrivateReply("500_700");
  m.last_inbound_at = 0;  // the comment's time unknown: Meta decides
  EXPECT_TRUE(channel_->CanReplyPrivately(Public(m)));

  // A stored state with a record past the window restores without it.
  std::unique_ptr<MetaChannel> restarted = Make();
  ASSERT_NE(restarted, nullptr);
  restarted->RestoreState(week_old);
  EXPECT_TRUE(restarted->CanReplyPrivately(Public(m)));
  EXPECT_FALSE(restarted->CanReplyPrivately(Public(PrivateReply("500_701"))));
  EXPECT_EQ(json::parse(restarted->state()), json({{"private_replies", {{"500_701", second}}}}));

  // And once the second is older than 7 days too, nothing is left to keep.
  clock_.Set(second + kWeek + 1);
  EXPECT_EQ(restarted->state(), "");
  EXPECT_EQ(channel_->state(), "");
}

// The connector kept no state before it remembered private replies, so the
// desk has either nothing or text it did not write in this format: all of
// it restores to no record, without failing, and the channel works.
TEST_F(MetaSendTest, StateWrittenBeforeOrDamagedRestoresNothing) {
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_private"})"});
  const desk::Millis now = clock_.NowMillis();
  const std::string valid = json({{"private_replies", {{"500_700", now}}}}).dump();
  std::vector<std::string> old = {
      "",
      "1700000000000 0.500000",  // another connector's kind of state
      "{}",
      "[]",
      "null",
      R"({"private_replies":["500_700"]})",
      json({{"private_replies", {{"500_700", std::to_string(now)}}}}).dump(),  // a string
      json({{"private_replies", {{"../500_700", now}}}}).dump(),               // not an id
      json({{"private_replies", {{"500_700", -now}}}}).dump(),
      valid.substr(0, valid.size() - 1),  // cut short
      "\xff\xfe" + valid,
  };
  for (const std::string& text : old) {
    std::unique_ptr<MetaChannel> ch = Make();
    ASSERT_NE(ch, nullptr);
    ch->RestoreState(text);
    EXPECT_TRUE(ch->CanReplyPrivately(Public(PrivateReply()))) << text;
    EXPECT_EQ(ch->state(), "") << text;
  }
  // Keys a later version may add are ignored; the records are read.
  std::unique_ptr<MetaChannel> ch = Make();
  ASSERT_NE(ch, nullptr);
  ch->RestoreState(
      json({{"v", 2}, {"later", {{"x", 1}}}, {"private_replies", {{"500_700", now}}}}).dump());
  EXPECT_FALSE(ch->CanReplyPrivately(Public(PrivateReply())));
  ASSERT_TRUE(ch->Send(PrivateReply("500_701")).ok());
}

Status SendWith(FakeGraph& g, MetaChannel& ch, int status, const char* body) {
  g.SetResponse({status, "", body});
  desk::OutboundMessage m;
  m.thread_key = "fb:2001";
  m.text = std::string(1, 'x');  // not = "x": GCC 12 -Wrestrict false positive
  return ch.Send(m).status();
}

TEST_F(MetaSendTest, ErrorMapping) {
  EXPECT_EQ(SendWith(graph_, *channel_, 400,
                     R"({"error":{"message":"Invalid OAuth access token","code":190}})")
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(SendWith(graph_, *channel_, 403, R"({"error":{"message":"perm","code":200}})").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(SendWith(graph_, *channel_, 400, R"({"error":{"message":"perm","code":10}})").code(),
            StatusCode::kPermissionDenied);
  Status bad = SendWith(graph_, *channel_, 400,
                        R"({"error":{"message":"(#100) Invalid parameter","code":100}})");
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("Invalid parameter"), std::string::npos);
  EXPECT_EQ(SendWith(graph_, *channel_, 500, "oops").code(), StatusCode::kUnavailable);
  EXPECT_EQ(SendWith(graph_, *channel_, 400,
                     R"({"error":{"message":"outside window","code":10,"error_subcode":2018278}})")
                .code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(MetaSendTest, TransportFailureIsUnavailable) {
  desk::ChannelConfig c;
  c.name = "x";
  c.settings = {{"page_id", "111"}, {"graph_url", "http://127.0.0.1:1"}};
  c.secrets = {{"page_access_token", "t"}, {"app_secret", "s"}, {"verify_token", "v"}};
  auto ch = MakeMetaChannel(c);
  ASSERT_TRUE(ch.ok()) << ch.status();
  EXPECT_EQ((*ch)->Send(Dm()).status().code(), StatusCode::kUnavailable);
}

TEST_F(MetaSendTest, ThrottleCodesRetryAfter) {
  graph_.SetResponse({400,
                      "X-Business-Use-Case-Usage: {\"111\":[{\"type\":\"pages\",\"call_count\":100,"
                      "\"total_cputime\":20,\"total_time\":30,"
                      "\"estimated_time_to_regain_access\":7}]}\r\n",
                      R"({"error":{"message":"(#32) Page request limit reached","code":32}})"});
  Status st = channel_->Send(Dm()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 7 * 60'000);
  // Until then no request leaves.
  size_t before = graph_.requests().size();
  clock_.Advance(60'000);
  EXPECT_EQ(channel_->Send(Dm()).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 6 * 60'000);
  EXPECT_EQ(graph_.requests().size(), before);
  clock_.Advance(6 * 60'000);
  graph_.SetResponse({200, "", R"({"recipient_id":"2001","message_id":"m_2"})"});
  EXPECT_TRUE(channel_->Send(Dm()).ok());
}

TEST_F(MetaSendTest, UsageAboveThresholdBacksOff) {
  graph_.SetResponse({200,
                      "X-App-Usage: {\"call_count\":95,\"total_time\":10,\"total_cputime\":10}\r\n",
                      R"({"recipient_id":"2001","message_id":"m_3"})"});
  ASSERT_TRUE(channel_->Send(Dm()).ok());  // this one went out
  auto next = channel_->Send(Dm());
  EXPECT_EQ(next.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(channel_->retry_after_ms(), 300'000);  // usage_backoff_ms default
  EXPECT_EQ(graph_.requests().size(), 1u);

  // Below the threshold nothing is held back.
  clock_.Advance(300'000);
  graph_.SetResponse({200,
                      "X-App-Usage: {\"call_count\":50,\"total_time\":10,\"total_cputime\":10}\r\n",
                      R"({"recipient_id":"2001","message_id":"m_4"})"});
  EXPECT_TRUE(channel_->Send(Dm()).ok());
  EXPECT_TRUE(channel_->Send(Dm()).ok());
}

TEST_F(MetaSendTest, RenderLimits) {
  desk::OutboundMessage m = Dm();
  m.text = std::string(2000, 'a');
  EXPECT_TRUE(channel_->Render(m).ok());
  m.text += "a";
  auto r = channel_->Render(m);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("2001"), std::string::npos);
  m.thread_key = "ig:9001";
  m.text = std::string(1000, 'b');
  EXPECT_TRUE(channel_->Render(m).ok());
  m.text = "\xc3\xa4" + std::string(1000, 'b');  // counted in characters, not bytes
  EXPECT_FALSE(channel_->Render(m).ok());
  m.thread_key = "fb-post:111_500";
  m.is_public = true;
  m.text = std::string(8000, 'c');
  auto ok = channel_->Render(m);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, m.text);
  m.text += "c";
  EXPECT_FALSE(channel_->Render(m).ok());
}

TEST_F(MetaSendTest, PollReturnsNothing) {
  auto r = channel_->Poll("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->messages.empty());
  EXPECT_TRUE(graph_.requests().empty());
}

TEST(MetaConfig, ErrorsNameTheSetting) {
  desk::ChannelConfig c;
  c.name = "m";
  c.secrets = {{"page_access_token", "t"}, {"app_secret", "s"}, {"verify_token", "v"}};
  auto r = MakeMetaChannel(c);
  EXPECT_NE(r.status().message().find("page_id"), std::string::npos);
  c.settings = {{"page_id", "111"}, {"graph_url", "http://graph.example"}};
  r = MakeMetaChannel(c);
  EXPECT_NE(r.status().message().find("graph_url"), std::string::npos);
  c.settings = {{"page_id", "111"}};
  c.secrets.erase("app_secret");
  r = MakeMetaChannel(c);
  EXPECT_NE(r.status().message().find("app_secret"), std::string::npos);
}

}  // namespace
}  // namespace leitplanke::channels::meta
