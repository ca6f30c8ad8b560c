#include "channels/demo/demo.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

namespace leitplanke::channels::demo {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;

desk::ChannelConfig Config(std::map<std::string, std::string> settings = {}) {
  return desk::ChannelConfig{"demo-inbox", "demo", std::move(settings), {}};
}

// A clock the test moves by hand.
struct FakeTime {
  int64_t now = kT0;
  std::function<int64_t()> Fn() {
    return [this] { return now; };
  }
};

std::unique_ptr<DemoChannel> MustCreate(const desk::ChannelConfig& config, FakeTime& time) {
  auto channel = DemoChannel::Create(config, time.Fn());
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? std::move(*channel) : nullptr;
}

std::unique_ptr<DemoChannel> MustCreate(const desk::ChannelConfig& config,
                                        std::vector<Conversation> convs, FakeTime& time) {
  auto channel = DemoChannel::Create(config, std::move(convs), time.Fn());
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? std::move(*channel) : nullptr;
}

std::vector<Conversation> Bundled() {
  auto convs = ParseConversations(BundledConversations());
  EXPECT_TRUE(convs.ok()) << convs.status();
  return convs.ok() ? *convs : std::vector<Conversation>{};
}

size_t ScriptedCount(const std::vector<Conversation>& convs, int64_t up_to_ms) {
  size_t n = 0;
  for (const auto& c : convs) {
    for (const auto& m : c.messages) n += m.at_ms <= up_to_ms ? 1 : 0;
  }
  return n;
}

// One conversation "a" with a message at 0 s and 20 s, and two follow-ups
// 30 s and 60 s after the first reply.
std::vector<Conversation> Small() {
  auto convs = ParseConversations(
      R"({"id":"a","channel":"email","language":"en","public":false,"handle":"a@example.com",)"
      R"("name":"A","subject":"Help","messages":[{"at_s":0,"text":"one"},{"at_s":20,"text":"two"}],)"
      R"("after_reply":[{"delay_s":30,"text":"thanks"},{"delay_s":60,"text":"and another"}]})"
      "\n"
      R"({"id":"b","channel":"webchat","language":"de","public":false,"handle":"webchat:1",)"
      R"("messages":[{"at_s":5,"text":"hallo"}]})");
  EXPECT_TRUE(convs.ok()) << convs.status();
  return convs.ok() ? *convs : std::vector<Conversation>{};
}

std::vector<std::string> Ids(const desk::PollResult& r) {
  std::vector<std::string> ids;
  for (const auto& m : r.messages) ids.push_back(m.external_id);
  return ids;
}

desk::OutboundMessage Reply(std::string key, std::string thread, std::string text = "Hi!") {
  desk::OutboundMessage m;
  m.idempotency_key = std::move(key);
  m.thread_key = std::move(thread);
  m.text = std::move(text);
  return m;
}

// ---- The bundled data ----

TEST(DemoData, BundledConversationsAreValidAndVaried) {
  std::vector<Conversation> convs = Bundled();
  ASSERT_GE(convs.size(), 20u);
  std::set<std::string> ids;
  std::map<std::string, int> languages;
  int public_pii = 0, follow_ups = 0, attachments = 0, public_count = 0, late = 0, early = 0;
  const std::regex iban(R"([A-Z]{2}\d{2}( ?[0-9]{4}){4})");
  const std::regex phone(R"(\+\d{2}( ?\d{2,5}){2,4}|\b0\d{2,4}[ /]?\d{5,})");
  for (const Conversation& c : convs) {
    EXPECT_TRUE(ids.insert(c.id).second) << c.id;
    ++languages[c.language];
    EXPECT_FALSE(c.handle.empty()) << c.id;
    if (c.flavour == "email") {
      EXPECT_FALSE(c.subject.empty()) << c.id << ": e-mails have a subject";
    } else {
      EXPECT_TRUE(c.subject.empty()) << c.id;
    }
    follow_ups += c.after_reply.empty() ? 0 : 1;
    public_count += c.is_public ? 1 : 0;
    (c.messages.front().at_ms <= 300'000 ? early : late) += 1;
    for (const auto& m : c.messages) {
      attachments += static_cast<int>(m.attachments.size());
      if (c.is_public && (std::regex_search(m.text, iban) || std::regex_search(m.text, phone))) {
        ++public_pii;
      }
    }
  }
  EXPECT_EQ(languages["de"], languages["en"]);
  EXPECT_EQ(languages.size(), 2u);
  EXPECT_GE(public_pii, 2) << "a public IBAN and a public phone number";
  EXPECT_GE(follow_ups, 3);
  EXPECT_GE(attachments, 1);
  EXPECT_GE(public_count, 4);
  EXPECT_GE(early, 16) << "the inbox fills within the first five minutes";
  EXPECT_GE(late, 1) << "some conversations trickle in later";
}

TEST(DemoData, EmbeddedCopyMatchesTheSourceFile) {
  const char* root = std::getenv("LP_SOURCE_DIR");
  std::string path = std::string(root ? root : ".") + "/src/channels/demo/conversations.jsonl";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), BundledConversations());
}

TEST(DemoData, ParseErrorsSayWhere) {
  const std::string good =
      R"({"id":"a","channel":"webchat","language":"en","public":false,"handle":"h",)"
      R"("messages":[{"at_s":1,"text":"x"}]})";
  auto syntax = ParseConversations(good + "\n{\"id\":");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(syntax.error().message().find("line 2"), std::string::npos) << syntax.error();

  auto dup = ParseConversations(good + "\n\n" + good);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message().find("line 3 (/id)"), std::string::npos) << dup.error();
  EXPECT_NE(dup.error().message().find("already used on line 1"), std::string::npos);

  auto unknown = ParseConversations(
      R"({"id":"a","channel":"webchat","language":"en","public":false,"handle":"h",)"
      R"("messages":[{"at_s":1,"text":"x","colour":"red"}]})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("/messages/0/colour"), std::string::npos)
      << unknown.error();

  auto backwards = ParseConversations(
      R"({"id":"a","channel":"webchat","language":"en","public":false,"handle":"h",)"
      R"("messages":[{"at_s":9,"text":"x"},{"at_s":3,"text":"y"}]})");
  ASSERT_FALSE(backwards.ok());
  EXPECT_NE(backwards.error().message().find("/messages/1/at_s"), std::string::npos);

  auto bad_id = ParseConversations(
      R"({"id":"a-b","channel":"webchat","language":"en","public":false,"handle":"h",)"
      R"("messages":[{"at_s":1,"text":"x"}]})");
  ASSERT_FALSE(bad_id.ok());
  EXPECT_NE(bad_id.error().message().find("(/id)"), std::string::npos);

  auto no_public = ParseConversations(
      R"({"id":"a","channel":"webchat","language":"en","handle":"h","messages":[{"at_s":1,"text":"x"}]})");
  ASSERT_FALSE(no_public.ok());
  EXPECT_NE(no_public.error().message().find("/public"), std::string::npos);
}

// ---- Settings ----

TEST(DemoChannel, RejectsBadSettings) {
  FakeTime time;
  for (auto [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"speed", "0"},
                                                        {"speed", "fast"},
                                                        {"speed", "-2"},
                                                        {"start_offset_s", "-1"},
                                                        {"start_offset_s", "1.5"},
                                                        {"loop", "maybe"}}) {
    auto channel = DemoChannel::Create(Config({{key, value}}), time.Fn());
    ASSERT_FALSE(channel.ok()) << key << "=" << value;
    EXPECT_EQ(channel.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(channel.error().message().find(key), std::string::npos) << channel.error();
  }
  auto missing = DemoChannel::Create(Config({{"file", "/nonexistent/demo.jsonl"}}), time.Fn());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
}

TEST(DemoChannel, KindAndRateLimit) {
  FakeTime time;
  auto channel = MakeDemoChannel(Config(), time.Fn());
  ASSERT_TRUE(channel.ok()) << channel.status();
  EXPECT_EQ((*channel)->kind(), "demo");
  EXPECT_EQ((*channel)->rate_limit().max_sends, 60);
  EXPECT_EQ((*channel)->rate_limit().window_ms, 60'000);
}

// ---- Poll ----

TEST(DemoChannel, PollDeliversInTimeOrderAndNothingTwice) {
  FakeTime time;
  auto channel = MustCreate(Config({{"speed", "10"}}), time);
  ASSERT_NE(channel, nullptr);
  std::vector<Conversation> convs = Bundled();
  size_t total = ScriptedCount(convs, INT64_MAX);

  std::set<std::string> seen;
  std::string cursor;
  int64_t last_sent_at = 0;
  // 2,000 s of script time at speed 10, polled every 1.5 s of wall time.
  for (int i = 0; i < 140; ++i) {
    auto r = channel->Poll(cursor);
    ASSERT_TRUE(r.ok()) << r.status();
    for (const auto& m : r->messages) {
      EXPECT_TRUE(seen.insert(m.external_id).second) << "twice: " << m.external_id;
      EXPECT_GE(m.sent_at, last_sent_at) << m.external_id;
      EXPECT_LE(m.sent_at, time.now) << m.external_id << " delivered before it is due";
      last_sent_at = m.sent_at;
      EXPECT_EQ(m.external_id.rfind("demo-" + m.thread_key + "-", 0), 0u) << m.external_id;
      EXPECT_FALSE(m.text.empty());
    }
    cursor = r->cursor;
    time.now += 1'500;
  }
  EXPECT_EQ(seen.size(), total);
  EXPECT_TRUE(seen.count("demo-de01-1"));
  EXPECT_TRUE(seen.count("demo-de01-2"));
}

TEST(DemoChannel, MessageFieldsFollowTheScript) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto first = channel->Poll("");
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(Ids(*first), std::vector<std::string>{"demo-a-1"});
  const desk::InboundMessage& m = first->messages[0];
  EXPECT_EQ(m.thread_key, "a");
  EXPECT_EQ(m.author_handle, "a@example.com");
  EXPECT_EQ(m.author_name, "A");
  EXPECT_EQ(m.subject, "Help");
  EXPECT_EQ(m.text, "one");
  EXPECT_EQ(m.language, "en");
  EXPECT_EQ(m.sent_at, kT0);
  EXPECT_TRUE(m.in_reply_to.empty());

  time.now = kT0 + 20'000;
  auto second = channel->Poll(first->cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(Ids(*second), (std::vector<std::string>{"demo-b-1", "demo-a-2"}));
  EXPECT_EQ(second->messages[0].sent_at, kT0 + 5'000);
  EXPECT_EQ(second->messages[1].in_reply_to, "demo-a-1");
  EXPECT_EQ(second->messages[1].subject, "Re: Help");
  EXPECT_EQ(second->messages[1].sent_at, kT0 + 20'000);
}

TEST(DemoChannel, StartOffsetDeliversTheFirstMinuteAtOnce) {
  FakeTime time;
  auto channel = MustCreate(Config({{"start_offset_s", "60"}}), time);
  ASSERT_NE(channel, nullptr);
  std::vector<Conversation> convs = Bundled();
  auto r = channel->Poll("");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->messages.size(), ScriptedCount(convs, 60'000));
  EXPECT_GT(r->messages.size(), 5u);
  for (const auto& m : r->messages) EXPECT_LE(m.sent_at, time.now);
  // The next message of the script follows at its own time, not earlier.
  time.now += 9'000;
  auto next = channel->Poll(r->cursor);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->messages.size(), ScriptedCount(convs, 69'000) - ScriptedCount(convs, 60'000));
}

TEST(DemoChannel, CursorCarriesTheReplayToANewInstance) {
  FakeTime time;
  std::vector<Conversation> convs = Bundled();
  auto a = MustCreate(Config(), time);
  ASSERT_NE(a, nullptr);
  std::set<std::string> seen;
  auto r1 = a->Poll("");
  ASSERT_TRUE(r1.ok());
  time.now = kT0 + 100'000;
  auto r2 = a->Poll(r1->cursor);
  ASSERT_TRUE(r2.ok());
  for (const auto& m : r2->messages) seen.insert(m.external_id);
  EXPECT_EQ(seen.size(), ScriptedCount(convs, 100'000));

  // A restart: a fresh instance continues from the stored cursor.
  a.reset();
  time.now = kT0 + 200'000;
  auto b = MustCreate(Config(), time);
  ASSERT_NE(b, nullptr);
  auto r3 = b->Poll(r2->cursor);
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(r3->messages.size(), ScriptedCount(convs, 200'000) - ScriptedCount(convs, 100'000));
  for (const auto& m : r3->messages) {
    EXPECT_TRUE(seen.insert(m.external_id).second) << "delivered again: " << m.external_id;
    EXPECT_GT(m.sent_at, kT0 + 100'000);
  }
  // The same cursor again (the desk crashed before storing the new one)
  // yields the same messages, so nothing is lost.
  auto again = b->Poll(r2->cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Ids(*again), Ids(*r3));
}

TEST(DemoChannel, RejectsAForeignCursor) {
  FakeTime time;
  auto channel = MustCreate(Config(), time);
  ASSERT_NE(channel, nullptr);
  for (std::string bad : {"42", "{", R"({"v":2})", R"({"v":1,"epoch":0,"speed":1,"mark":0})",
                          R"({"v":1,"epoch":0,"speed":1,"mark":0,"fu":[{"id":"x"}]})"}) {
    auto r = channel->Poll(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("demo cursor"), std::string::npos);
  }
}

// ---- Send and follow-ups ----

TEST(DemoChannel, SendIsIdempotentPerKey) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto r1 = channel->Send(Reply("key-1", "a"));
  auto r2 = channel->Send(Reply("key-1", "a"));
  auto r3 = channel->Send(Reply("key-2", "a"));
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(r1->external_id, r2->external_id);
  EXPECT_NE(r1->external_id, r3->external_id);
  EXPECT_EQ(r1->external_id.rfind("demo-out-", 0), 0u);
  EXPECT_EQ(r1->external_id.size(), 9u + 16u);
  ASSERT_EQ(channel->sent().size(), 2u);
  EXPECT_EQ(channel->sent()[0].external_id, r1->external_id);
  EXPECT_EQ(channel->sent()[0].message.text, "Hi!");
  EXPECT_EQ(channel->sent()[0].sent_at_ms, kT0);

  // Another instance (after a restart) gives the same id for the same key.
  auto other = MustCreate(Config(), Small(), time);
  ASSERT_NE(other, nullptr);
  auto r4 = other->Send(Reply("key-1", "a"));
  ASSERT_TRUE(r4.ok());
  EXPECT_EQ(r4->external_id, r1->external_id);
}

TEST(DemoChannel, ReplyTriggersTheScriptedFollowUps) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto p0 = channel->Poll("");
  ASSERT_TRUE(p0.ok());
  time.now = kT0 + 25'000;
  auto p1 = channel->Poll(p0->cursor);
  ASSERT_TRUE(p1.ok());

  time.now = kT0 + 30'000;
  auto reply = channel->Send(Reply("k", "a"));
  ASSERT_TRUE(reply.ok());
  // A second reply does not schedule the follow-ups again.
  time.now = kT0 + 35'000;
  ASSERT_TRUE(channel->Send(Reply("k2", "a")).ok());

  time.now = kT0 + 59'999;
  auto early = channel->Poll(p1->cursor);
  ASSERT_TRUE(early.ok());
  EXPECT_TRUE(early->messages.empty()) << "the follow-up is due 30 s after the reply";

  time.now = kT0 + 60'000;
  auto due = channel->Poll(early->cursor);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(Ids(*due), std::vector<std::string>{"demo-a-3"});
  EXPECT_EQ(due->messages[0].in_reply_to, reply->external_id);
  EXPECT_EQ(due->messages[0].thread_key, "a");
  EXPECT_EQ(due->messages[0].text, "thanks");
  EXPECT_EQ(due->messages[0].sent_at, kT0 + 60'000);

  time.now = kT0 + 100'000;
  auto later = channel->Poll(due->cursor);
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(Ids(*later), std::vector<std::string>{"demo-a-4"});
  EXPECT_EQ(later->messages[0].in_reply_to, "demo-a-3");

  time.now = kT0 + 500'000;
  auto none = channel->Poll(later->cursor);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->messages.empty());
}

TEST(DemoChannel, ConversationWithoutScriptGetsNoFollowUp) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto p0 = channel->Poll("");
  ASSERT_TRUE(p0.ok());
  ASSERT_TRUE(channel->Send(Reply("k", "b")).ok());
  ASSERT_TRUE(channel->Send(Reply("k-unknown", "no-such-thread")).ok());
  time.now = kT0 + 3'600'000;
  auto p1 = channel->Poll(p0->cursor);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(Ids(*p1), (std::vector<std::string>{"demo-b-1", "demo-a-2"}));
}

// Issue 7: the public demo conversations (Mastodon-like mentions) can be
// answered privately; the private ones are private already.
TEST(DemoChannel, PublicConversationsCanBeAnsweredPrivately) {
  FakeTime time;
  auto channel = MustCreate(Config(), Bundled(), time);
  ASSERT_NE(channel, nullptr);
  size_t checked = 0;
  for (const Conversation& c : channel->conversations()) {
    EXPECT_EQ(channel->CanReplyPrivately(Reply("k", c.id)), c.is_public) << c.id;
    desk::OutboundMessage by_parent = Reply("k", "");
    by_parent.in_reply_to = "demo-" + c.id + "-1";
    EXPECT_EQ(channel->CanReplyPrivately(by_parent), c.is_public) << c.id;
    checked += c.is_public ? 1 : 0;
  }
  EXPECT_GT(checked, 0u);
  EXPECT_FALSE(channel->CanReplyPrivately(Reply("k", "no-such-thread")));
  // The private reply is recorded as sent, private.
  desk::OutboundMessage m = Reply("k-private", "");
  for (const Conversation& c : channel->conversations()) {
    if (c.is_public) m.thread_key = c.id;
  }
  m.is_public = false;
  ASSERT_TRUE(channel->Send(m).ok());
  ASSERT_EQ(channel->sent().size(), 1u);
  EXPECT_FALSE(channel->sent()[0].message.is_public);
}

TEST(DemoChannel, FollowUpUsesInReplyToWhenThreadKeyIsMissing) {
  FakeTime time;
  auto channel = MustCreate(Config({{"speed", "10"}}), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto p0 = channel->Poll("");
  ASSERT_TRUE(p0.ok());
  desk::OutboundMessage m = Reply("k", "");
  m.in_reply_to = "demo-a-1";
  auto reply = channel->Send(m);
  ASSERT_TRUE(reply.ok());
  time.now = kT0 + 3'000;  // 30 s of script time at speed 10
  auto p1 = channel->Poll(p0->cursor);
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(Ids(*p1), (std::vector<std::string>{"demo-b-1", "demo-a-2", "demo-a-3"}));
}

TEST(DemoChannel, ScheduledFollowUpSurvivesARestartThroughTheCursor) {
  FakeTime time;
  auto a = MustCreate(Config(), Small(), time);
  ASSERT_NE(a, nullptr);
  auto p0 = a->Poll("");
  ASSERT_TRUE(p0.ok());
  auto reply = a->Send(Reply("k", "a"));
  ASSERT_TRUE(reply.ok());
  time.now = kT0 + 10'000;
  auto p1 = a->Poll(p0->cursor);  // the schedule reaches the cursor here
  ASSERT_TRUE(p1.ok());
  a.reset();

  time.now = kT0 + 30'000;
  auto b = MustCreate(Config(), Small(), time);
  ASSERT_NE(b, nullptr);
  auto p2 = b->Poll(p1->cursor);
  ASSERT_TRUE(p2.ok());
  ASSERT_EQ(Ids(*p2), (std::vector<std::string>{"demo-a-2", "demo-a-3"}));
  EXPECT_EQ(p2->messages[1].in_reply_to, reply->external_id);
  // A reply after the restart does not schedule them a second time.
  ASSERT_TRUE(b->Send(Reply("k3", "a")).ok());
  time.now = kT0 + 1'000'000;
  auto p3 = b->Poll(p2->cursor);
  ASSERT_TRUE(p3.ok());
  EXPECT_EQ(Ids(*p3), std::vector<std::string>{"demo-a-4"});
}

// ---- Loop ----

TEST(DemoChannel, LoopReplaysAsNewConversations) {
  FakeTime time;
  auto channel = MustCreate(Config({{"loop", "true"}}), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto p0 = channel->Poll("");
  ASSERT_TRUE(p0.ok());
  // One round lasts the last message (20 s) plus a minute.
  time.now = kT0 + 80'000;
  auto p1 = channel->Poll(p0->cursor);
  ASSERT_TRUE(p1.ok());
  ASSERT_EQ(Ids(*p1), (std::vector<std::string>{"demo-b-1", "demo-a-2", "demo-a-r1-1"}));
  EXPECT_EQ(p1->messages[2].thread_key, "a-r1");
  EXPECT_EQ(p1->messages[2].sent_at, kT0 + 80'000);

  auto reply = channel->Send(Reply("k", "a-r1"));
  ASSERT_TRUE(reply.ok());
  time.now = kT0 + 110'000;
  auto p2 = channel->Poll(p1->cursor);
  ASSERT_TRUE(p2.ok());
  EXPECT_EQ(Ids(*p2), (std::vector<std::string>{"demo-b-r1-1", "demo-a-r1-2", "demo-a-r1-3"}));

  auto off = MustCreate(Config(), Small(), time);
  ASSERT_NE(off, nullptr);
  time.now = kT0;
  auto q0 = off->Poll("");
  ASSERT_TRUE(q0.ok());
  time.now = kT0 + 10'000'000;
  auto q1 = off->Poll(q0->cursor);
  ASSERT_TRUE(q1.ok());
  EXPECT_EQ(q1->messages.size(), 2u) << "without loop the script plays once";
}

TEST(DemoChannel, HugeBacklogIsDeliveredInBoundedBatches) {
  FakeTime time;
  auto channel = MustCreate(Config({{"loop", "true"}, {"speed", "100"}}), Small(), time);
  ASSERT_NE(channel, nullptr);
  auto p = channel->Poll("");
  ASSERT_TRUE(p.ok());
  time.now += 3'600'000;  // 100 h of script: 4,500 rounds of 80 s, 3 messages each
  std::set<std::string> seen;
  std::string cursor = p->cursor;
  size_t batches = 0;
  int64_t last_sent_at = 0;
  for (;;) {
    auto r = channel->Poll(cursor);
    ASSERT_TRUE(r.ok());
    if (r->messages.empty()) break;
    ASSERT_LE(r->messages.size(), kMaxMessagesPerPoll);
    for (const auto& m : r->messages) {
      ASSERT_TRUE(seen.insert(m.external_id).second) << m.external_id;
      ASSERT_GE(m.sent_at, last_sent_at);
      last_sent_at = m.sent_at;
    }
    cursor = r->cursor;
    ASSERT_LT(++batches, 200u);
  }
  // Rounds 0..4499 complete, round 4500 has begun (its first message is due
  // at exactly now); demo-a-1 came with the first poll.
  EXPECT_EQ(seen.size(), 4'500u * 3u + 1u - 1u) << "every round once";
  EXPECT_TRUE(seen.count("demo-a-r4500-1"));
  EXPECT_FALSE(seen.count("demo-b-r4500-1"));
  EXPECT_GE(batches, 27u);
}

// ---- Render ----

TEST(DemoChannel, RenderReturnsTheTextAndEnforcesTheLimit) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  std::string umlauts;
  for (size_t i = 0; i < kMaxTextChars; ++i) umlauts += "ä";
  auto ok = channel->Render(Reply("k", "a", umlauts));
  ASSERT_TRUE(ok.ok()) << ok.status() << ": the limit counts characters, not bytes";
  EXPECT_EQ(*ok, umlauts);
  auto exact = channel->Render(Reply("k", "a", "Hallo  *Welt*\n<b>"));
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(*exact, "Hallo  *Welt*\n<b>");

  auto too_long = channel->Render(Reply("k", "a", umlauts + "x"));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.error().message().find("5001"), std::string::npos);
  auto send = channel->Send(Reply("k", "a", umlauts + "x"));
  ASSERT_FALSE(send.ok());
  EXPECT_EQ(send.error().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(channel->sent().empty());
}

// ---- Media ----

desk::OutboundMedia Media(std::string name, std::string type, std::string bytes, std::string sha256,
                          std::string alt = "") {
  desk::OutboundMedia m;
  m.name = std::move(name);
  m.mime_type = std::move(type);
  m.sha256 = std::move(sha256);
  m.alt_text = std::move(alt);
  m.bytes = std::make_shared<const std::string>(std::move(bytes));
  return m;
}

TEST(DemoChannel, RecordsTheFilesItWasSent) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  desk::MediaLimits l = channel->media_limits();
  EXPECT_EQ(l.max_images, 4);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_FALSE(l.mix_images_and_videos);

  desk::OutboundMessage m = Reply("post-1", "", "Unser Team!");
  m.media = {Media("team.jpg", "image/jpeg", std::string(1234, '\xff'), "ab12", "Fünf Leute."),
             Media("logo.png", "image/png", std::string(77, '\x89'), "cd34")};
  m.media[0].width = 1200;
  m.media[0].height = 800;
  auto wire = channel->Render(m);
  ASSERT_TRUE(wire.ok()) << wire.error().ToString();
  EXPECT_EQ(*wire, "Unser Team!");
  std::weak_ptr<const std::string> bytes = m.media[0].bytes;
  ASSERT_TRUE(channel->Send(m).ok());
  m.media.clear();

  ASSERT_EQ(channel->sent().size(), 1u);
  const SentReply& sent = channel->sent()[0];
  ASSERT_EQ(sent.media.size(), 2u);
  EXPECT_EQ(sent.media[0].name, "team.jpg");
  EXPECT_EQ(sent.media[0].mime_type, "image/jpeg");
  EXPECT_EQ(sent.media[0].size, 1234);
  EXPECT_EQ(sent.media[0].sha256, "ab12");
  EXPECT_EQ(sent.media[0].alt_text, "Fünf Leute.");
  EXPECT_EQ(sent.media[0].width, 1200);
  EXPECT_EQ(sent.media[0].height, 800);
  EXPECT_EQ(sent.media[1].name, "logo.png");
  EXPECT_EQ(sent.media[1].size, 77);
  EXPECT_EQ(sent.media[1].alt_text, "");
  // The recorded message keeps the metadata but not the bytes.
  ASSERT_EQ(sent.message.media.size(), 2u);
  EXPECT_EQ(sent.message.media[0].name, "team.jpg");
  EXPECT_EQ(sent.message.media[0].bytes, nullptr);
  EXPECT_TRUE(bytes.expired());
}

TEST(DemoChannel, OneVideoIsFineMoreIsRefusedWithTheCheckMediaMessage) {
  FakeTime time;
  auto channel = MustCreate(Config(), Small(), time);
  ASSERT_NE(channel, nullptr);
  desk::OutboundMessage video = Reply("v", "", "Clip");
  video.media = {Media("clip.mp4", "video/mp4", "mp4", "ee")};
  ASSERT_TRUE(channel->Render(video).ok());
  ASSERT_TRUE(channel->Send(video).ok());
  EXPECT_EQ(channel->sent().back().media.at(0).mime_type, "video/mp4");

  struct Case {
    std::vector<desk::OutboundMedia> media;
    std::string want;
  } cases[] = {
      {{Media("a.mp4", "video/mp4", "v", ""), Media("b.mp4", "video/mp4", "v", "")},
       "2 videos, demo allows 1 per message"},
      {{Media("1.png", "image/png", "p", ""), Media("2.png", "image/png", "p", ""),
        Media("3.png", "image/png", "p", ""), Media("4.png", "image/png", "p", ""),
        Media("5.png", "image/png", "p", "")},
       "5 images, demo allows 4 per message"},
      {{Media("a.png", "image/png", "p", ""), Media("b.mp4", "video/mp4", "v", "")},
       "demo cannot attach images and a video to the same message"},
      {{Media("doc.pdf", "application/pdf", "%PDF", "")},
       "media[0] \"doc.pdf\": demo does not accept application/pdf (accepted: image/jpeg, "
       "image/png, image/gif, image/webp, video/mp4)"},
      {{Media("big.gif", "image/gif", std::string(20'000'001, 'g'), "")},
       "media[0] \"big.gif\": 20 MB is over demo's 20 MB per GIF"},
  };
  for (const Case& c : cases) {
    desk::OutboundMessage m = Reply("x-" + c.want, "", "Text");
    m.media = c.media;
    auto r = channel->Render(m);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.error().message(), c.want);
    auto s = channel->Send(m);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().message(), c.want);
  }
  EXPECT_EQ(channel->sent().size(), 1u);
}

}  // namespace
}  // namespace leitplanke::channels::demo
