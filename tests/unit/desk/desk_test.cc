// The desk pipeline over a real (SQLite) store and the real default guideline:
// receive → thread → route; reply → render → guard → outbox → send with
// retries and rate limits; dead letters; templates.
#include "leitplanke/desk/desk.h"

#include <map>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "leitplanke/desk/kv.h"
#include "leitplanke/guard/policy.h"
#include "leitplanke/trust/audit.h"

#include "../store/test_support.h"

namespace leitplanke::desk {
namespace {

using store::ConversationState;

// A connector that records sends, can be told to fail, and dedupes by
// idempotency key like Mastodon does.
struct FakeWire {
  std::vector<OutboundMessage> sent;
  std::map<std::string, std::string> by_key;
  std::vector<Status> fail_next;  // consumed front to back
  RateLimit limit;
  Millis retry_after = 0;
  std::vector<InboundMessage> inbox;
  int polls = 0;
  std::string state;             // what the connector reports as its state
  std::string restored;          // what the desk handed to RestoreState
  bool private_replies = false;  // CanReplyPrivately
};

// A pushing network: header x-sig "ok" signs, GET answers hub-like
// challenges, the body is "event-id|message-id|text" per line ("" ids allowed).
class FakeWebhook final : public WebhookReceiver {
 public:
  Result<WebhookAnswer> Challenge(const WebhookRequest& r) const override {
    auto it = r.query.find("challenge");
    if (it == r.query.end()) return Status::InvalidArgument("challenge is missing");
    if (r.query.count("token") == 0 || r.query.at("token") != "t0k") {
      return Status::PermissionDenied("wrong verify token");
    }
    return WebhookAnswer{200, "text/plain", it->second};
  }
  Result<WebhookDelivery> Receive(const WebhookRequest& r, Millis now) override {
    auto sig = r.headers.find("x-sig");
    if (sig == r.headers.end() || sig->second != "ok") return Status::PermissionDenied("bad sig");
    last_now = now;
    return ParseBody(r.body);
  }
  Result<std::vector<InboundMessage>> ParseVerified(std::string_view body) const override {
    LP_ASSIGN_OR_RETURN(WebhookDelivery d, ParseBody(body));
    return d.messages;
  }
  Millis last_now = 0;

 private:
  static Result<WebhookDelivery> ParseBody(std::string_view body) {
    WebhookDelivery d;
    size_t line = 1;
    while (!body.empty()) {
      size_t nl = body.find('\n');
      std::string_view l = body.substr(0, nl);
      body = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
      size_t a = l.find('|');
      size_t b = a == std::string_view::npos ? a : l.find('|', a + 1);
      if (b == std::string_view::npos) {
        return Status::InvalidArgument("line " + std::to_string(line) + ": expected id|id|text");
      }
      if (a > 0) d.event_ids.emplace_back(l.substr(0, a));
      if (b > a + 1) {
        InboundMessage m;
        m.external_id = std::string(l.substr(a + 1, b - a - 1));
        m.author_handle = "@kunde";
        m.text = std::string(l.substr(b + 1));
        m.is_public = true;
        d.messages.push_back(std::move(m));
      }
      ++line;
    }
    return d;
  }
};

class FakeChannel final : public Channel {
 public:
  explicit FakeChannel(FakeWire* wire) : wire_(wire) {}
  std::string_view kind() const override { return "fake"; }
  Result<std::string> Render(const OutboundMessage& m) const override {
    if (m.text.size() > 500) return Status::InvalidArgument("over 500 characters");
    return (m.is_public ? "@" + m.to_handle + " " : std::string()) + m.text;
  }
  Result<PollResult> Poll(std::string_view cursor) override {
    ++wire_->polls;
    PollResult r;
    r.messages = std::move(wire_->inbox);
    wire_->inbox.clear();
    r.cursor = std::string(cursor) + "+";
    return r;
  }
  Result<SendReceipt> Send(const OutboundMessage& m) override {
    if (!wire_->fail_next.empty()) {
      Status s = wire_->fail_next.front();
      wire_->fail_next.erase(wire_->fail_next.begin());
      return s;
    }
    auto it = wire_->by_key.find(m.idempotency_key);
    if (it != wire_->by_key.end()) return SendReceipt{it->second};
    wire_->sent.push_back(m);
    std::string id = "out-" + std::to_string(wire_->sent.size());
    wire_->by_key[m.idempotency_key] = id;
    return SendReceipt{id};
  }
  RateLimit rate_limit() const override { return wire_->limit; }
  bool CanReplyPrivately(const OutboundMessage& m) const override {
    return wire_->private_replies && m.is_public && !m.in_reply_to.empty();
  }
  Millis retry_after_ms() const override { return wire_->retry_after; }
  WebhookReceiver* webhook() override { return &webhook_; }
  std::string state() const override { return wire_->state; }
  void RestoreState(std::string_view s) override { wire_->restored = std::string(s); }

 private:
  FakeWire* wire_;
  FakeWebhook webhook_;
};

class DeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::OpenStore(dir_.File("desk.db"));
    ASSERT_TRUE(st.ok()) << st.error();
    store_ = std::move(*st);
    auto spec = guard::LoadEmbeddedPolicy("default");
    ASSERT_TRUE(spec.ok()) << spec.error();
    auto policy = guard::Policy::Compile(std::move(*spec));
    ASSERT_TRUE(policy.ok()) << policy.error();
    checker_ = std::make_unique<guard::Checker>(*policy);
    desk_ = std::make_unique<Desk>(
        *store_, clock_,
        [this](std::string_view text, const guard::CheckOptions& o) {
          return checker_->Check(text, o);
        },
        DeskOptions{.instance_id = "test"});
    desk_->RegisterChannelKind(
        "fake", [this](const ChannelConfig& c) -> Result<std::unique_ptr<Channel>> {
          configs_.push_back(c);
          return std::unique_ptr<Channel>(std::make_unique<FakeChannel>(&wire_));
        });
    desk_->SetSecretReader([](std::string_view name) -> Result<std::map<std::string, std::string>> {
      return std::map<std::string, std::string>{{"token", "secret-of-" + std::string(name)}};
    });
    desk_->SetEventSink([this](std::string_view type, const std::string& json) {
      events_.emplace_back(type, json);
    });
    auto team = store_->CreateTeam({0, "care", 0});
    ASSERT_TRUE(team.ok());
    team_ = team->id;
    store::ChannelRow ch;
    ch.name = "support";
    ch.kind = "fake";
    ch.team_id = team_;
    ch.settings = EncodeKeyValues({{"account", "beispiel"}});
    auto made = store_->desk().CreateChannel(ch);
    ASSERT_TRUE(made.ok()) << made.error();
    channel_ = made->id;
    auto agent = store_->CreateUser(User("jana", "de"));
    ASSERT_TRUE(agent.ok());
    agent_ = *agent;
  }

  static store::User User(const std::string& name, const std::string& locale) {
    store::User u;
    u.username = name;
    u.display_name = name == "jana" ? "Jana Berg" : name;
    u.email = name + "@example.com";
    u.password_hash = "x";
    u.roles = {"agent"};
    u.locale = locale;
    return u;
  }

  static InboundMessage In(std::string id, std::string text, std::string reply_to = "",
                           bool is_public = false) {
    InboundMessage m;
    m.external_id = std::move(id);
    m.author_handle = "kunde@example.org";
    m.author_name = "Karl Kunde";
    m.text = std::move(text);
    m.in_reply_to = std::move(reply_to);
    m.is_public = is_public;
    return m;
  }

  int64_t ReceiveOne(InboundMessage m) {
    auto r = desk_->Receive(channel_, {std::move(m)}, "", "test");
    EXPECT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->stored, 1u);
    return r->outcomes.at(0).conversation_id;
  }

  ReplyOutcome ReplyOk(int64_t conv, std::string text, ReplyRequest extra = {}) {
    auto conv_now = store_->desk().GetConversation(conv);
    EXPECT_TRUE(conv_now.ok());
    extra.conversation_id = conv;
    extra.agent = agent_;
    extra.text = std::move(text);
    if (extra.expected_version < 0) extra.expected_version = conv_now->version;
    auto r = desk_->Reply(extra);
    EXPECT_TRUE(r.ok()) << r.error();
    return r.ok() ? *r : ReplyOutcome{};
  }

  store::testing::TempDir dir_;
  FakeClock clock_{1'790'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<guard::Checker> checker_;
  std::unique_ptr<Desk> desk_;
  FakeWire wire_;
  std::vector<ChannelConfig> configs_;
  std::vector<std::pair<std::string, std::string>> events_;
  int64_t team_ = 0, channel_ = 0;
  store::User agent_;
};

TEST_F(DeskTest, ReceiveThreadsDedupesAndAnnounces) {
  int64_t conv = ReceiveOne(In("m1", "Hallo, meine Rechnung ist doppelt abgebucht worden."));
  // A reply to m1 lands in the same conversation; a stranger's mail does not.
  EXPECT_EQ(ReceiveOne(In("m2", "Noch eine Frage dazu.", "m1")), conv);
  EXPECT_NE(ReceiveOne(In("m3", "Ganz anderes Thema.")), conv);
  auto again = desk_->Receive(channel_, {In("m1", "Hallo, meine Rechnung ...")}, "", "test");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->duplicates, 1u);
  EXPECT_EQ(again->stored, 0u);
  auto c = store_->desk().GetConversation(conv);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->language, "de");  // guessed from the text
  EXPECT_EQ(c->team_id, team_);
  size_t message_events = 0;
  for (const auto& [type, json] : events_) message_events += type == "desk.message";
  EXPECT_EQ(message_events, 3u);
}

TEST_F(DeskTest, InvalidMessagesGoToDeadLettersAndReplay) {
  InboundMessage bad = In("", "no id");
  InboundMessage bad_utf8 = In("m9", std::string("kaputt \xc3\x28 hier"));
  InboundMessage good = In("m10", "Alles gut, danke!");
  auto r = desk_->Receive(channel_, {bad, bad_utf8, good}, "", "test");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->rejected, 2u);
  EXPECT_EQ(r->stored, 1u);
  auto letters = store_->desk().ListDeadLetters(false, 10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 2u);
  bool saw_id = false, saw_utf8 = false;
  for (const auto& l : *letters) {
    saw_id |= l.reason == "missing external id";
    saw_utf8 |= l.reason.find("invalid UTF-8 at byte 7") != std::string::npos;
  }
  EXPECT_TRUE(saw_id);
  EXPECT_TRUE(saw_utf8);
  // Still invalid: refused, nothing stored, the letter stays.
  for (const auto& l : *letters) {
    auto replay = desk_->ReplayDeadLetter(l.id, nullptr);
    EXPECT_FALSE(replay.ok());
  }
  // A letter in a channel's own format needs that channel's parser.
  ASSERT_TRUE(desk_->DeadLetter(channel_, "widget", "{\"text\":\"hi\"}", "oversized").ok());
  auto all = store_->desk().ListDeadLetters(false, 10);
  ASSERT_TRUE(all.ok());
  int64_t widget = 0;
  for (const auto& l : *all) {
    if (l.source == "widget") widget = l.id;
  }
  ASSERT_NE(widget, 0);
  EXPECT_FALSE(desk_->ReplayDeadLetter(widget, nullptr).ok());
  auto replayed = desk_->ReplayDeadLetter(
      widget, [](const store::DeadLetter&) -> Result<std::vector<InboundMessage>> {
        return std::vector<InboundMessage>{In("w1", "hi")};
      });
  ASSERT_TRUE(replayed.ok()) << replayed.error();
  EXPECT_EQ(replayed->stored, 1u);
  EXPECT_FALSE(desk_->ReplayDeadLetter(widget, nullptr).ok());  // only once
}

TEST_F(DeskTest, WebhooksAnswerChallengesStoreDeliveriesAndRefuseReplaysAndForgeries) {
  WebhookRequest get{"GET", {{"challenge", "c-123"}, {"token", "t0k"}}, {}, ""};
  auto answered = desk_->HandleWebhook(channel_, get);
  ASSERT_TRUE(answered.ok()) << answered.error();
  EXPECT_EQ(answered->kind, WebhookOutcome::Kind::kAnswered);
  EXPECT_EQ(answered->answer.body, "c-123");
  get.query["token"] = "wrong";
  auto refused = desk_->HandleWebhook(channel_, get);
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->kind, WebhookOutcome::Kind::kForged);

  WebhookRequest post{"POST", {}, {{"x-sig", "ok"}}, "e1|w1|Hallo, mein Paket fehlt\ne2||"};
  auto first = desk_->HandleWebhook(channel_, post);
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->kind, WebhookOutcome::Kind::kAccepted);
  EXPECT_EQ(first->report.stored, 1u);
  auto conv = store_->desk().GetConversation(first->report.outcomes.at(0).conversation_id);
  ASSERT_TRUE(conv.ok());
  // The same delivery again: every event id is known, nothing is stored.
  auto again = desk_->HandleWebhook(channel_, post);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->kind, WebhookOutcome::Kind::kReplayed);
  // One new event among known ones is accepted; the known message is a duplicate.
  post.body = "e1|w1|Hallo, mein Paket fehlt\ne3|w2|Noch da?";
  auto mixed = desk_->HandleWebhook(channel_, post);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->kind, WebhookOutcome::Kind::kAccepted);
  EXPECT_EQ(mixed->report.stored, 1u);
  EXPECT_EQ(mixed->report.duplicates, 1u);
  // The replay window ends: the ids are forgotten (messages stay de-duplicated).
  clock_.Advance(DeskOptions{}.webhook_replay_window_ms + 1);
  post.body = "e9||";
  ASSERT_TRUE(desk_->HandleWebhook(channel_, post).ok());
  post.body = "e1|w1|Hallo, mein Paket fehlt";
  auto late = desk_->HandleWebhook(channel_, post);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->kind, WebhookOutcome::Kind::kAccepted);
  EXPECT_EQ(late->report.duplicates, 1u);

  // Forged: nothing stored, no dead letter.
  WebhookRequest forged{"POST", {}, {{"x-sig", "nope"}}, "e5|w5|Gefälscht"};
  auto f = desk_->HandleWebhook(channel_, forged);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, WebhookOutcome::Kind::kForged);
  EXPECT_EQ(store_->desk().ListDeadLetters(true, 10)->size(), 0u);

  // Signed but unparsable: kept as a dead letter, replayable after a fix.
  WebhookRequest broken{"POST", {}, {{"x-sig", "ok"}}, "e6|w6|fine\nno separators"};
  auto b = desk_->HandleWebhook(channel_, broken);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->kind, WebhookOutcome::Kind::kMalformed);
  EXPECT_NE(b->reason.find("line 2"), std::string::npos) << b->reason;
  auto letters = store_->desk().ListDeadLetters(false, 10);
  ASSERT_TRUE(letters.ok());
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ(letters->at(0).source, "webhook");
  EXPECT_EQ(letters->at(0).payload, broken.body);
}

TEST_F(DeskTest, HeldRepliesWaitForFourEyesAndLeaveExactlyAsApproved) {
  desk_->SetApprovalPolicy({{{"approver", "admin"}, {"compliance"}}, 3'600'000});
  auto make = [&](const std::string& name, std::vector<std::string> roles) {
    store::User u = User(name, "de");
    u.roles = std::move(roles);
    auto made = store_->CreateUser(u);
    EXPECT_TRUE(made.ok()) << made.error();
    return *made;
  };
  const store::User anna = make("anna", {"approver"});
  const store::User carl = make("carl", {"compliance"});
  const store::User tom = make("tom", {"agent"});

  int64_t conv = ReceiveOne(In("h1", "Was kommt als Nächstes?"));
  ReplyOutcome held = ReplyOk(conv, "Projekt Falke startet im März.");
  ASSERT_EQ(held.decision, ReplyDecision::kHeld) << held.message;
  ASSERT_NE(held.approval.id, 0);
  EXPECT_EQ(held.approval.wire_text, held.wire_text);
  EXPECT_EQ(held.approval.steps, 2);
  // The approver sees every finding that held it, with its span in the text.
  EXPECT_NE(held.approval.verdict.find(R"("findings":[{"rule":"R03.terms")"), std::string::npos)
      << held.approval.verdict;
  EXPECT_NE(held.approval.verdict.find(R"("cp_start":0)"), std::string::npos)
      << held.approval.verdict;
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  const int64_t id = held.approval.id;
  // Nobody approves their own reply; agents and the wrong step's role may not.
  EXPECT_EQ(desk_->DecideApproval(id, agent_, ApprovalVerb::kApprove, "").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(desk_->DecideApproval(id, tom, ApprovalVerb::kApprove, "").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(desk_->DecideApproval(id, carl, ApprovalVerb::kApprove, "").status().code(),
            StatusCode::kPermissionDenied);
  auto first = desk_->DecideApproval(id, anna, ApprovalVerb::kApprove, "passt");
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->state, store::ApprovalState::kPending);
  EXPECT_EQ(first->step, 1);
  EXPECT_EQ(*desk_->RunOutbox(), 0u) << "one step is not enough";
  auto second = desk_->DecideApproval(id, carl, ApprovalVerb::kApprove, "");
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(second->state, store::ApprovalState::kApproved);
  EXPECT_TRUE(second->queued);
  EXPECT_EQ(*desk_->RunOutbox(), 1u);
  ASSERT_EQ(wire_.sent.size(), 1u);
  EXPECT_EQ(wire_.sent[0].text, held.wire_text) << "what is approved is what is sent";
  // The customer's last message time travels with the reply (reply windows).
  EXPECT_EQ(wire_.sent[0].last_inbound_at, store_->desk().ListMessages(conv)->front().sent_at);
  EXPECT_GT(wire_.sent[0].last_inbound_at, 0);
  auto decisions = store_->desk().ListApprovalDecisions(id);
  ASSERT_TRUE(decisions.ok());
  ASSERT_EQ(decisions->size(), 2u);
  EXPECT_EQ((*decisions)[0].username, "anna");
  EXPECT_EQ((*decisions)[1].username, "carl");
  EXPECT_EQ(desk_->DecideApproval(id, carl, ApprovalVerb::kApprove, "").status().code(),
            StatusCode::kFailedPrecondition);

  // An edit replaces the pending version; a rejection needs a reason and sends nothing.
  ReplyOutcome v1 = ReplyOk(conv, "Projekt Falke kommt bald.");
  ReplyOutcome v2 = ReplyOk(conv, "Projekt Falke kommt im Frühjahr.");
  ASSERT_EQ(v2.decision, ReplyDecision::kHeld);
  EXPECT_EQ(store_->desk().GetApproval(v1.approval.id)->state, store::ApprovalState::kSuperseded);
  EXPECT_EQ(desk_->DecideApproval(v2.approval.id, anna, ApprovalVerb::kReject, "").status().code(),
            StatusCode::kInvalidArgument);
  auto rejected =
      desk_->DecideApproval(v2.approval.id, anna, ApprovalVerb::kReject, "Interna bleiben intern");
  ASSERT_TRUE(rejected.ok()) << rejected.error();
  EXPECT_EQ(rejected->state, store::ApprovalState::kRejected);

  // Undecided approvals expire.
  ReplyOutcome late = ReplyOk(conv, "Projekt Falke ist fast fertig.");
  clock_.Advance(3'600'001);
  EXPECT_EQ(*desk_->SweepApprovals(), 1u);
  EXPECT_EQ(store_->desk().GetApproval(late.approval.id)->state, store::ApprovalState::kExpired);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  EXPECT_EQ(wire_.sent.size(), 1u);
}

TEST_F(DeskTest, EverySentMessageIsArchivedInAVerifiableChain) {
  desk_->SetArchiveSealer(trust::ArchiveSeal);
  desk_->SetApprovalPolicy({{{"approver"}}, 0});
  store::User anna = User("anna", "de");
  anna.roles = {"approver"};
  anna = *store_->CreateUser(anna);
  int64_t conv = ReceiveOne(In("ar1", "Wo ist mein Paket?"));
  ReplyOk(conv, "Es ist unterwegs und kommt morgen.");
  ReplyOutcome held = ReplyOk(conv, "Projekt Falke startet im März.");
  ASSERT_EQ(held.decision, ReplyDecision::kHeld);
  ASSERT_TRUE(desk_->DecideApproval(held.approval.id, anna, ApprovalVerb::kApprove, "ok").ok());
  EXPECT_EQ(*desk_->RunOutbox(), 2u);
  auto entries = store_->desk().ListArchive(1, 10);
  ASSERT_TRUE(entries.ok()) << entries.error();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].wire_text, "Es ist unterwegs und kommt morgen.");
  EXPECT_EQ((*entries)[0].author, "user:jana");
  EXPECT_EQ((*entries)[0].approvals, "[]");
  EXPECT_NE((*entries)[0].verdict.find("\"action\""), std::string::npos) << (*entries)[0].verdict;
  EXPECT_EQ((*entries)[1].wire_text, held.wire_text);
  EXPECT_NE((*entries)[1].approvals.find("\"by\":\"anna\""), std::string::npos)
      << (*entries)[1].approvals;
  EXPECT_EQ((*entries)[1].prev_hash, (*entries)[0].hash);
  EXPECT_NE((*entries)[1].verdict.find(R"("rule":"R03.terms")"), std::string::npos)
      << (*entries)[1].verdict;
  auto report = trust::VerifyArchive(store_->desk());
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_TRUE(report->ok) << report->message;
  EXPECT_EQ(report->entries_checked, 2);

  // Retention removes content; the chain still verifies.
  clock_.Advance(1000);
  auto purged = store_->desk().PurgeArchive((*entries)[0].at + 1, clock_.NowMillis());
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
  EXPECT_TRUE(store_->desk().ListArchive(1, 10)->at(0).wire_text.empty());
  report = trust::VerifyArchive(store_->desk());
  EXPECT_TRUE(report->ok) << report->message;
  EXPECT_EQ(report->purged, 2);

  // Editing what was sent, or deleting an entry, is found.
  ReplyOk(conv, "Gern geschehen!");
  EXPECT_EQ(*desk_->RunOutbox(), 1u);
  auto exec = [&](const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(dir_.File("desk.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  };
  exec("UPDATE archive SET wire_text = 'Gern!' WHERE seq = 3");
  report = trust::VerifyArchive(store_->desk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 3);
  EXPECT_NE(report->message.find("content"), std::string::npos) << report->message;
  exec("DELETE FROM archive WHERE seq = 2");
  report = trust::VerifyArchive(store_->desk());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 2);
}

TEST_F(DeskTest, MessageRetentionKeepsTheArchiveVerifiable) {
  desk_->SetArchiveSealer(trust::ArchiveSeal);
  desk_->SetApprovalPolicy({{{"approver"}}, 0});
  store::User anna = User("anna", "de");
  anna.roles = {"approver"};
  anna = *store_->CreateUser(anna);
  int64_t conv = ReceiveOne(In("mr1", "Wann startet Projekt Falke?"));
  ReplyOutcome held = ReplyOk(conv, "Projekt Falke startet im März.");
  ASSERT_EQ(held.decision, ReplyDecision::kHeld);
  ASSERT_TRUE(
      desk_->DecideApproval(held.approval.id, anna, ApprovalVerb::kApprove, "Termin ist öffentlich")
          .ok());
  EXPECT_EQ(*desk_->RunOutbox(), 1u);
  ASSERT_TRUE(
      store_->desk()
          .SetState(conv, store::ConversationState::kResolved, "user:jana", clock_.NowMillis(), -1)
          .ok());
  clock_.Advance(1000);

  // Retention empties the conversation and the approver's comment; the
  // archive keeps its own copy of what was sent, so the chain verifies.
  auto purged = store_->desk().PurgeConversations(clock_.NowMillis(), clock_.NowMillis());
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(purged->conversations, 1);
  EXPECT_EQ(purged->decision_comments, 1);
  EXPECT_EQ(store_->desk().ListApprovalDecisions(held.approval.id)->front().comment, "");
  EXPECT_EQ(store_->desk().ListMessages(conv)->back().body, "");
  auto entries = store_->desk().ListArchive(1, 10);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(entries->front().wire_text, held.wire_text);
  EXPECT_NE(entries->front().approvals.find("Termin ist öffentlich"), std::string::npos)
      << entries->front().approvals;
  auto report = trust::VerifyArchive(store_->desk());
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_TRUE(report->ok) << report->message;
  EXPECT_EQ(report->entries_checked, 1);
}

TEST_F(DeskTest, ConnectorStateSurvivesARestartOfTheConnector) {
  int64_t conv = ReceiveOne(In("st1", "Hallo"));
  wire_.state = "spent 0.015";
  ReplyOk(conv, "Guten Tag!");
  EXPECT_EQ(*desk_->RunOutbox(), 1u);
  EXPECT_EQ(*store_->desk().GetChannelState(channel_), "spent 0.015");
  desk_->ResetConnector(channel_);  // as after a restart
  wire_.restored.clear();
  ASSERT_TRUE(desk_->ConnectorFor(channel_).ok());
  EXPECT_EQ(wire_.restored, "spent 0.015");
  // A poll that changes it stores the new state.
  wire_.state = "spent 0.020";
  ASSERT_TRUE(desk_->PollChannel(channel_).ok());
  EXPECT_EQ(*store_->desk().GetChannelState(channel_), "spent 0.020");
}

TEST_F(DeskTest, CleanReplyIsQueuedAndSentOnce) {
  int64_t conv = ReceiveOne(In("m1", "Wann kommt mein Paket?"));
  ReplyOutcome out = ReplyOk(conv, "Danke für Ihre Geduld, das Paket ist unterwegs.");
  ASSERT_EQ(out.decision, ReplyDecision::kQueued) << out.message;
  EXPECT_EQ(out.wire_text, "Danke für Ihre Geduld, das Paket ist unterwegs.");
  EXPECT_EQ(out.verdict.action, guard::Action::kAllow);
  auto sent = desk_->RunOutbox();
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_EQ(*sent, 1u);
  ASSERT_EQ(wire_.sent.size(), 1u);
  EXPECT_EQ(wire_.sent[0].text, out.wire_text);
  EXPECT_EQ(wire_.sent[0].in_reply_to, "m1");
  EXPECT_EQ(wire_.sent[0].to_handle, "kunde@example.org");
  EXPECT_EQ(*desk_->RunOutbox(), 0u);  // nothing left
  auto msgs = store_->desk().ListMessages(conv);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_EQ(msgs->at(1).delivery, store::DeliveryState::kSent);
  EXPECT_EQ(msgs->at(1).external_id, "out-1");
  // The same request again (same idempotency key) is not a second reply.
  auto c = store_->desk().GetConversation(conv);
  ReplyRequest again;
  again.idempotency_key = out.outbox.idempotency_key;
  again.expected_version = c->version;
  ReplyOutcome dup = ReplyOk(conv, "Danke für Ihre Geduld, das Paket ist unterwegs.", again);
  EXPECT_EQ(dup.decision, ReplyDecision::kQueued);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  EXPECT_EQ(wire_.sent.size(), 1u);
}

TEST_F(DeskTest, GuardDecidesWhatLeaves) {
  int64_t conv = ReceiveOne(In("p1", "Meine IBAN ist DE89 3704 0044 0532 0130 00", "", true));
  // A secret in a reply never leaves.
  ReplyOutcome secret = ReplyOk(
      conv, "Ihr Zugang: AKIAIOSFODNN7EXAMPLE mit wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  EXPECT_NE(secret.decision, ReplyDecision::kQueued);
  EXPECT_FALSE(secret.verdict.findings.empty());
  // Public conversation with personal data from the customer: go private.
  ReplyOutcome clean = ReplyOk(conv, "Danke! Bitte schreiben Sie uns per DM, dann prüfen wir das.");
  EXPECT_TRUE(clean.suggest_private);
  // The reply is rendered for the channel first; the guard saw that text.
  EXPECT_EQ(clean.wire_text.rfind("@kunde@example.org ", 0), 0u) << clean.wire_text;
  EXPECT_EQ(*desk_->RunOutbox(), clean.decision == ReplyDecision::kQueued ? 1u : 0u);
}

// Issue 7: "move to DM" answers a public conversation privately.
TEST_F(DeskTest, PrivateReplyToAPublicConversationIsCheckedAndSentAsPrivate) {
  wire_.private_replies = true;
  int64_t conv = ReceiveOne(In("p1", "Wo bleibt meine Erstattung?", "", true));
  auto can = desk_->CanReplyPrivately(conv);
  ASSERT_TRUE(can.ok()) << can.error();
  EXPECT_TRUE(*can);
  const std::string text = "Wir erstatten auf Ihre IBAN DE89 3704 0044 0532 0130 00.";
  // In public the IBAN is refused (R01) ...
  ReplyRequest pub;
  pub.preview = true;
  ReplyOutcome in_public = ReplyOk(conv, text, pub);
  EXPECT_EQ(in_public.decision, ReplyDecision::kBlocked) << in_public.message;
  EXPECT_TRUE(in_public.is_public);
  EXPECT_TRUE(in_public.suggest_private);
  // ... privately it may go: rendered without the public mention, checked
  // with audience private, stored and sent as private.
  ReplyRequest priv;
  priv.private_reply = true;
  ReplyOutcome out = ReplyOk(conv, text, priv);
  ASSERT_EQ(out.decision, ReplyDecision::kQueued) << out.message;
  EXPECT_FALSE(out.is_public);
  EXPECT_FALSE(out.suggest_private);
  EXPECT_EQ(out.wire_text, text);
  auto msgs = store_->desk().ListMessages(conv);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_TRUE(msgs->at(0).is_public);
  EXPECT_FALSE(msgs->at(1).is_public);
  // The recorded verdict says why personal data could leave.
  EXPECT_NE(msgs->at(1).verdict.find(R"("private_reply":true)"), std::string::npos)
      << msgs->at(1).verdict;
  ASSERT_EQ(*desk_->RunOutbox(), 1u);
  ASSERT_EQ(wire_.sent.size(), 1u);
  EXPECT_FALSE(wire_.sent[0].is_public);
  EXPECT_EQ(wire_.sent[0].text, text);
  EXPECT_EQ(wire_.sent[0].in_reply_to, "p1");
  EXPECT_EQ(wire_.sent[0].to_handle, "kunde@example.org");
  // The conversation itself stays public.
  auto c = store_->desk().GetConversation(conv);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->is_public);
}

// A retired channel (deleted while it had conversations) keeps them readable
// but takes no reply: it would wait in the outbox for a channel that is gone.
TEST_F(DeskTest, ReplyOnARetiredChannelIsRefused) {
  int64_t conv = ReceiveOne(In("r1", "Ist meine Bestellung unterwegs?"));
  KeyValues settings;
  settings["account"] = "beispiel";
  settings[std::string(kRetiredAtSetting)] = std::to_string(int64_t{1'700'000'000'000});
  ASSERT_TRUE(store_->desk().UpdateChannel(channel_, team_, EncodeKeyValues(settings), true).ok());
  auto c = store_->desk().GetConversation(conv);
  ReplyRequest r;
  r.conversation_id = conv;
  r.agent = agent_;
  r.text = "Ja, sie ist unterwegs.";
  r.expected_version = c->version;
  for (bool preview : {true, false}) {
    r.preview = preview;
    auto out = desk_->Reply(r);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(out.error().message().find("support"), std::string::npos) << out.error();
  }
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  EXPECT_TRUE(wire_.sent.empty());
}

TEST_F(DeskTest, PrivateReplyIsRefusedWhereTheChannelCannotSendOne) {
  int64_t conv = ReceiveOne(In("p1", "Wo bleibt meine Erstattung?", "", true));
  auto can = desk_->CanReplyPrivately(conv);
  ASSERT_TRUE(can.ok()) << can.error();
  EXPECT_FALSE(*can);
  auto c = store_->desk().GetConversation(conv);
  ReplyRequest r;
  r.conversation_id = conv;
  r.agent = agent_;
  r.text = "Wir erstatten auf Ihre IBAN DE89 3704 0044 0532 0130 00.";
  r.expected_version = c->version;
  r.private_reply = true;
  for (bool preview : {true, false}) {
    r.preview = preview;
    auto out = desk_->Reply(r);
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(out.error().message().find("fake"), std::string::npos) << out.error();
  }
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  EXPECT_TRUE(wire_.sent.empty());
  // A private conversation is private already: the flag changes nothing.
  int64_t dm = ReceiveOne(In("d1", "Hallo, eine Frage zur Rechnung."));
  auto can_dm = desk_->CanReplyPrivately(dm);
  ASSERT_TRUE(can_dm.ok());
  EXPECT_TRUE(*can_dm);
  ReplyRequest priv;
  priv.private_reply = true;
  ReplyOutcome out = ReplyOk(dm, "Gern, worum geht es?", priv);
  EXPECT_EQ(out.decision, ReplyDecision::kQueued) << out.message;
  EXPECT_FALSE(out.is_public);
}

// Held private replies keep their audience through the approval.
TEST_F(DeskTest, HeldPrivateReplyStaysPrivateWhenApproved) {
  wire_.private_replies = true;
  store::User anna = User("anna", "de");
  anna.roles = {"approver"};
  auto approver = store_->CreateUser(anna);
  ASSERT_TRUE(approver.ok()) << approver.error();
  int64_t conv = ReceiveOne(In("p1", "Was kommt als Nächstes?", "", true));
  ReplyRequest priv;
  priv.private_reply = true;
  ReplyOutcome held = ReplyOk(conv, "Projekt Falke startet im März.", priv);
  ASSERT_EQ(held.decision, ReplyDecision::kHeld) << held.message;
  EXPECT_FALSE(held.is_public);
  auto decided = desk_->DecideApproval(held.approval.id, *approver, ApprovalVerb::kApprove, "");
  ASSERT_TRUE(decided.ok()) << decided.error();
  EXPECT_EQ(decided->state, store::ApprovalState::kApproved);
  ASSERT_EQ(*desk_->RunOutbox(), 1u);
  ASSERT_EQ(wire_.sent.size(), 1u);
  EXPECT_FALSE(wire_.sent[0].is_public);
  EXPECT_EQ(wire_.sent[0].text, "Projekt Falke startet im März.");
  EXPECT_NE(held.approval.verdict.find(R"("private_reply":true)"), std::string::npos)
      << held.approval.verdict;
  auto msgs = store_->desk().ListMessages(conv);
  ASSERT_TRUE(msgs.ok());
  ASSERT_EQ(msgs->size(), 2u);
  EXPECT_FALSE(msgs->at(1).is_public);
}

TEST_F(DeskTest, WarningsNeedConfirmationWithAReason) {
  int64_t conv = ReceiveOne(In("m1", "Was kostet der neue Tarif?"));
  // Find a text the default guideline warns about (and does not block).
  const char* candidates[] = {
      "Wer so blöd ist, sollte keinen Vertrag abschließen, du Vollidiot.",
      "Wir garantieren Ihnen 100 % Erstattung, versprochen!",
      "Das ist garantiert der beste Tarif, den es gibt!",
      "Unser Mitbewerber ist echt schlecht, nehmen Sie lieber uns.",
  };
  std::string warn_text;
  for (const char* t : candidates) {
    guard::CheckOptions o;
    o.audience = guard::Audience::kPrivate;
    o.channel = "fake";
    auto v = checker_->Check(t, o);
    ASSERT_TRUE(v.ok());
    if (v->action == guard::Action::kWarn) {
      warn_text = t;
      break;
    }
  }
  if (warn_text.empty()) GTEST_SKIP() << "the default guideline warns on none of the candidates";
  ReplyOutcome first = ReplyOk(conv, warn_text);
  EXPECT_EQ(first.decision, ReplyDecision::kNeedsConfirmation);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  ReplyRequest no_reason;
  no_reason.confirm_warnings = true;
  auto refused =
      desk_->Reply({conv, agent_, warn_text, -1, ConversationState::kOpen, true, "", ""});
  EXPECT_FALSE(refused.ok());  // confirmation without a reason
  ReplyRequest confirmed;
  confirmed.confirm_warnings = true;
  confirmed.confirm_reason = "Produktteam hat die Aussage freigegeben";
  ReplyOutcome second = ReplyOk(conv, warn_text, confirmed);
  EXPECT_EQ(second.decision, ReplyDecision::kQueued);
  auto msgs = store_->desk().ListMessages(conv);
  ASSERT_TRUE(msgs.ok());
  EXPECT_NE(msgs->back().verdict.find("Produktteam"), std::string::npos);
}

TEST_F(DeskTest, OutdatedReplyIsAConflictWithTheNewMessages) {
  int64_t conv = ReceiveOne(In("m1", "Mein Router blinkt rot."));
  auto seen = store_->desk().GetConversation(conv);
  ASSERT_TRUE(seen.ok());
  ReceiveOne(In("m2", "Jetzt geht gar nichts mehr!", "m1"));
  ReplyRequest r;
  r.expected_version = seen->version;
  ReplyOutcome out = ReplyOk(conv, "Bitte starten Sie den Router neu.", r);
  EXPECT_EQ(out.decision, ReplyDecision::kConflict);
  ASSERT_FALSE(out.new_messages.empty());
  EXPECT_EQ(out.new_messages.back().external_id, "m2");
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
}

TEST_F(DeskTest, TransientErrorsRetryWithBackoffPermanentOnesFail) {
  int64_t conv = ReceiveOne(In("m1", "Hallo?"));
  wire_.fail_next = {Status::Unavailable("connection reset"), Status::Unavailable("timeout")};
  ASSERT_EQ(ReplyOk(conv, "Wir sind für Sie da.").decision, ReplyDecision::kQueued);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);  // first attempt fails
  EXPECT_EQ(*desk_->RunOutbox(), 0u);  // not due yet: back-off
  clock_.Advance(2'000);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);  // second attempt fails
  clock_.Advance(2'000);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);  // back-off doubled to 4 s
  clock_.Advance(2'001);
  EXPECT_EQ(*desk_->RunOutbox(), 1u);
  EXPECT_EQ(wire_.sent.size(), 1u);

  int64_t conv2 = ReceiveOne(In("m2", "Noch was."));
  wire_.fail_next = {Status::PermissionDenied("token revoked")};
  ASSERT_EQ(ReplyOk(conv2, "Gern!").decision, ReplyDecision::kQueued);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  clock_.Advance(3'600'000);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);  // given up: never retried
  auto msgs = store_->desk().ListMessages(conv2);
  ASSERT_TRUE(msgs.ok());
  EXPECT_EQ(msgs->back().delivery, store::DeliveryState::kFailed);
}

TEST_F(DeskTest, ChannelRateLimitDefersSends) {
  wire_.limit = {2, 60'000};
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    int64_t conv = ReceiveOne(In("rate-" + n, "Frage " + n));
    ASSERT_EQ(ReplyOk(conv, "Antwort").decision, ReplyDecision::kQueued);
  }
  EXPECT_EQ(*desk_->RunOutbox(), 2u);
  EXPECT_EQ(wire_.sent.size(), 2u);
  clock_.Advance(30'000);
  EXPECT_EQ(*desk_->RunOutbox(), 0u);
  clock_.Advance(30'001);
  EXPECT_EQ(*desk_->RunOutbox(), 1u);
  EXPECT_EQ(wire_.sent.size(), 3u);
}

TEST_F(DeskTest, PollStoresMessagesAndCursorAndHealth) {
  wire_.inbox = {In("q1", "Guten Tag"), In("q2", "Hello, is anyone there?")};
  auto r = desk_->PollChannel(channel_);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->stored, 2u);
  auto ch = store_->desk().GetChannel(channel_);
  ASSERT_TRUE(ch.ok());
  EXPECT_EQ(ch->cursor, "+");
  EXPECT_GT(ch->last_ok_at, 0);
  // The connector got its settings and vaulted secrets.
  ASSERT_FALSE(configs_.empty());
  EXPECT_EQ(configs_[0].settings.at("account"), "beispiel");
  EXPECT_EQ(configs_[0].secrets.at("token"), "secret-of-support");
  // Within the poll interval nothing is polled again unless forced.
  EXPECT_EQ(*desk_->PollChannels(), 0u);
  EXPECT_EQ(wire_.polls, 1);
  clock_.Advance(31'000);
  EXPECT_EQ(*desk_->PollChannels(), 0u);
  EXPECT_EQ(wire_.polls, 2);
}

TEST_F(DeskTest, TemplatesFillVariablesAndRefuseUnknownOnes) {
  int64_t conv = ReceiveOne(In("m1", "Hallo"));
  auto c = store_->desk().GetConversation(conv);
  ASSERT_TRUE(c.ok());
  auto text =
      desk_->FillTemplate("Hallo {{contact.first_name}}, hier ist {{ agent.name }}.", *c, agent_);
  ASSERT_TRUE(text.ok()) << text.error();
  EXPECT_EQ(*text, "Hallo Karl, hier ist Jana Berg.");
  auto bad = desk_->FillTemplate("Hallo {{kontakt.name}}", *c, agent_);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("kontakt.name"), std::string::npos);
  EXPECT_FALSE(desk_->FillTemplate("Hallo {{contact.name", *c, agent_).ok());
}

TEST_F(DeskTest, RoutingAssignsToAvailableAgentsWhoSpeakTheLanguage) {
  auto en_agent = store_->CreateUser(User("sam", "en"));
  ASSERT_TRUE(en_agent.ok());
  ASSERT_TRUE(store_->SetTeamMember({team_, agent_.id, false}).ok());
  ASSERT_TRUE(store_->SetTeamMember({team_, en_agent->id, false}).ok());
  store::AgentDeskState jana{.user_id = agent_.id, .available = true, .languages = {"de"}};
  store::AgentDeskState sam{.user_id = en_agent->id, .available = true, .languages = {"en"}};
  ASSERT_TRUE(store_->desk().PutAgentDeskState(jana).ok());
  ASSERT_TRUE(store_->desk().PutAgentDeskState(sam).ok());
  store::TeamDeskSettings s;
  s.team_id = team_;
  s.routing_mode = "least_loaded";
  ASSERT_TRUE(store_->desk().PutTeamDeskSettings(s).ok());
  int64_t de = ReceiveOne(In("d1", "Guten Tag, meine Lieferung ist nicht angekommen."));
  int64_t en = ReceiveOne(In("e1", "Hello, my delivery did not arrive and I need it today."));
  EXPECT_EQ(store_->desk().GetConversation(de)->assignee_id, agent_.id);
  EXPECT_EQ(store_->desk().GetConversation(en)->assignee_id, en_agent->id);
  // Jana goes away; after the grace period her work is released and goes
  // to the fallback (Sam), since nobody else speaks German.
  jana.available = false;
  jana.away_since = clock_.NowMillis();
  ASSERT_TRUE(store_->desk().PutAgentDeskState(jana).ok());
  ASSERT_TRUE(desk_->RouteTeam(team_).ok());
  EXPECT_EQ(store_->desk().GetConversation(de)->assignee_id, agent_.id);  // grace not over
  clock_.Advance(s.away_grace_ms);
  ASSERT_TRUE(desk_->RouteTeam(team_).ok());
  EXPECT_EQ(store_->desk().GetConversation(de)->assignee_id, en_agent->id);
}

TEST_F(DeskTest, SlaSweepWarnsThenEscalatesBreachesOnce) {
  auto lead = store_->CreateUser(User("lea", "de"));
  ASSERT_TRUE(lead.ok());
  ASSERT_TRUE(store_->SetTeamMember({team_, lead->id, true}).ok());
  ASSERT_TRUE(store_->SetTeamMember({team_, agent_.id, false}).ok());
  store::TeamDeskSettings s;
  s.team_id = team_;
  s.sla_first_response_ms = 60 * 60'000;  // wall-clock hour: no calendar
  s.updated_at = clock_.NowMillis();
  ASSERT_TRUE(store_->desk().PutTeamDeskSettings(s).ok());
  int64_t conv = ReceiveOne(In("s1", "Wo bleibt meine Erstattung?"));
  ASSERT_TRUE(store_->desk().Assign(conv, agent_.id, "test", clock_.NowMillis()).ok());

  clock_.Advance(47 * 60'000);
  EXPECT_EQ(*desk_->SweepSla(), 0u);
  clock_.Advance(2 * 60'000);  // 49 min: past 80 % of the hour
  events_.clear();
  EXPECT_EQ(*desk_->SweepSla(), 1u);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].first, "desk.sla");
  EXPECT_NE(events_[0].second.find("\"kind\":\"warning\""), std::string::npos);
  EXPECT_NE(events_[0].second.find("\"notify\":[" + std::to_string(agent_.id) + "]"),
            std::string::npos)
      << events_[0].second;
  EXPECT_EQ(*desk_->SweepSla(), 0u);  // announced once

  clock_.Advance(12 * 60'000);  // 61 min: breached, the lead hears of it
  events_.clear();
  EXPECT_EQ(*desk_->SweepSla(), 1u);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].second.find("\"kind\":\"breach\""), std::string::npos);
  EXPECT_NE(events_[0].second.find("[" + std::to_string(agent_.id) + "," +
                                   std::to_string(lead->id) + "]"),
            std::string::npos)
      << events_[0].second;
  EXPECT_EQ(*desk_->SweepSla(), 0u);
  auto history = store_->desk().ListEvents(conv);
  ASSERT_TRUE(history.ok());
  int warnings = 0, breaches = 0;
  for (const auto& e : *history) {
    warnings += e.kind == store::ConversationEventKind::kSlaWarning;
    breaches += e.kind == store::ConversationEventKind::kSlaBreach;
  }
  EXPECT_EQ(warnings, 1);
  EXPECT_EQ(breaches, 1);

  auto status = desk_->SlaStatusJson(conv);
  ASSERT_TRUE(status.ok()) << status.error();
  EXPECT_NE(status->find("\"first_response\":{\"state\":\"breached\""), std::string::npos)
      << *status;
  EXPECT_NE(status->find("\"resolution\":null"), std::string::npos) << *status;
}

TEST_F(DeskTest, SlaCountsBusinessHoursOfTheTeamCalendar) {
  store::TeamDeskSettings s;
  s.team_id = team_;
  s.sla_first_response_ms = 2 * 60 * 60'000;
  s.calendar = "Europe/Berlin;NW;mon-fri 08:00-18:00";
  s.updated_at = 1;
  ASSERT_TRUE(store_->desk().PutTeamDeskSettings(s).ok());
  // Friday 2026-12-18 17:00 Berlin (16:00 UTC): one business hour left that
  // day, the second on Monday 08:00-09:00.
  clock_.Set(1'797'609'600'000);
  int64_t conv = ReceiveOne(In("b1", "Frage am Freitagabend"));
  clock_.Advance(2 * 24 * 60 * 60'000);  // Sunday 17:00: only one business hour used
  EXPECT_EQ(*desk_->SweepSla(), 0u);
  auto st = desk_->SlaStatusJson(conv);
  ASSERT_TRUE(st.ok());
  EXPECT_NE(st->find("\"remaining_ms\":3600000"), std::string::npos) << *st;
  EXPECT_NE(st->find("\"business_hours\":true"), std::string::npos);
}

TEST_F(DeskTest, TeamReportHasDistributionsShareWithinSlaAndVolume) {
  store::TeamDeskSettings s;
  s.team_id = team_;
  s.sla_first_response_ms = 60 * 60'000;
  s.updated_at = 1;
  ASSERT_TRUE(store_->desk().PutTeamDeskSettings(s).ok());
  const Millis start = clock_.NowMillis();
  int64_t fast = ReceiveOne(In("q1", "Erste Frage"));
  int64_t slow = ReceiveOne(In("q2", "Zweite Frage"));
  ReceiveOne(In("q3", "Dritte Frage, noch offen"));
  ASSERT_TRUE(store_->desk().Assign(fast, agent_.id, "test", clock_.NowMillis()).ok());
  clock_.Advance(10 * 60'000);
  ASSERT_EQ(ReplyOk(fast, "Antwort eins").decision, ReplyDecision::kQueued);
  clock_.Advance(80 * 60'000);
  ReplyRequest resolve;
  resolve.next_state = ConversationState::kResolved;
  ASSERT_EQ(ReplyOk(slow, "Antwort zwei", resolve).decision, ReplyDecision::kQueued);
  ASSERT_EQ(*desk_->RunOutbox(), 2u);

  auto r = desk_->Report(team_, start - 1, clock_.NowMillis() + 1, false);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->conversations, 3);
  EXPECT_EQ(r->answered, 2);
  EXPECT_EQ(r->resolved, 1);
  EXPECT_EQ(r->first_response.count, 2);
  EXPECT_EQ(r->first_response.p50, 10 * 60'000);
  EXPECT_EQ(r->first_response.max, 90 * 60'000);
  EXPECT_EQ(r->first_response.buckets[0], 1);  // <= 15 min
  EXPECT_EQ(r->first_response.buckets[2], 1);  // <= 4 h
  // q1 within, q2 late, q3 still waiting and over the hour: 1 of 3.
  EXPECT_NEAR(r->first_response_within_sla, 1.0 / 3.0, 1e-9);
  EXPECT_EQ(r->resolution_within_sla, -1);  // no resolution target
  int64_t inbound = 0, outbound = 0;
  for (const auto& v : r->volume) {
    inbound += v.inbound;
    outbound += v.outbound;
  }
  EXPECT_EQ(inbound, 3);
  EXPECT_EQ(outbound, 2);
  EXPECT_TRUE(r->agents.empty());  // per-agent figures only when asked

  auto per_agent = desk_->Report(team_, start - 1, clock_.NowMillis() + 1, true);
  ASSERT_TRUE(per_agent.ok());
  ASSERT_EQ(per_agent->agents.size(), 1u);
  EXPECT_EQ(per_agent->agents[0].user_id, agent_.id);
  EXPECT_EQ(per_agent->agents[0].first_response.p50, 10 * 60'000);

  EXPECT_EQ(desk_->Report(team_, 10, 5, false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(desk_->Report(team_, 0, 100LL * 86'400'000, false).status().code(),
            StatusCode::kOutOfRange);
}

TEST(CalendarSpecTest, ParsesFieldsAndNamesErrors) {
  auto c = ParseCalendarSpec(
      "Europe/Berlin;by;mo-fr 08:00-12:00 13:00-17:00;sat 09:00-13:00;"
      "closed 2026-12-24,2026-12-31");
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(c->state, "BY");
  EXPECT_EQ(c->hours[0].size(), 2u);
  EXPECT_EQ(c->hours[4].size(), 2u);
  EXPECT_EQ(c->hours[5].size(), 1u);
  EXPECT_TRUE(c->hours[6].empty());
  EXPECT_EQ(c->closed_dates.size(), 2u);
  EXPECT_TRUE(ValidateCalendarSpec("").ok());  // wall-clock time
  auto bad_day = ParseCalendarSpec("Europe/Berlin;NW;mon-frx 08:00-18:00");
  ASSERT_FALSE(bad_day.ok());
  EXPECT_NE(bad_day.error().message().find("field 3 (byte 17)"), std::string::npos)
      << bad_day.error();
  EXPECT_NE(bad_day.error().message().find("frx"), std::string::npos);
  EXPECT_FALSE(ParseCalendarSpec("Europe/Berlin;XX;mon 08:00-18:00").ok());
  EXPECT_FALSE(ParseCalendarSpec("Europe/Berlin;NW;mon 18:00-08:00").ok());
  EXPECT_FALSE(ParseCalendarSpec("Europe/Berlin;NW").ok());  // no hours
  EXPECT_FALSE(ValidateCalendarSpec("Europe/Berln;NW;mon 08:00-18:00").ok());
  EXPECT_FALSE(ParseCalendarSpec("Europe/Berlin;NW;closed 2026-02-30").ok());
}

}  // namespace
}  // namespace leitplanke::desk
