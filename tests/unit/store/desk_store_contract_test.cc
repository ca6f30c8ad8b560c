// The DeskStore contract, run against every back end like the Store suite:
// SQLite always (a temp file), PostgreSQL when LP_TEST_POSTGRES_URL is set
// (scripts/with-postgres), each test on a database of its own.
#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "leitplanke/store/store.h"

#include "store_fixture.h"
#include "test_support.h"

namespace leitplanke::store {
namespace {

using testing::PgTestDatabase;
using testing::TempDir;

constexpr Millis kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr Millis kHour = 3600000;

// prefix + i + suffix (appended step by step: GCC 12 warns falsely about
// "literal" + std::string at -O3).
std::string N(const char* prefix, int64_t i, const char* suffix = "") {
  std::string out(prefix);
  out += std::to_string(i);
  out += suffix;
  return out;
}

IngestItem Item(const std::string& ext, const std::string& author, const std::string& body,
                Millis at, const std::string& in_reply_to = "", std::vector<std::string> refs = {},
                const std::string& thread = "") {
  IngestItem item;
  item.message.external_id = ext;
  item.message.author = author;
  item.message.body = body;
  item.message.in_reply_to = in_reply_to;
  item.references = std::move(refs);
  item.thread_key = thread;
  item.received_at = at;
  return item;
}

// An agent's reply with an allowing verdict.
Message AgentReply(const std::string& username, int64_t user_id, const std::string& body,
                   Millis at) {
  Message reply;
  reply.author = "user:" + username;
  reply.author_user_id = user_id;
  reply.body = body;
  reply.verdict = "{\"allowed\":true}";
  reply.created_at = at;
  return reply;
}

// An outbox item with an idempotency key, addressed to `to`.
OutboxItem OutboxTo(const std::string& key, const std::string& to) {
  OutboxItem item;
  item.idempotency_key = key;
  item.payload = "{\"to\":\"" + to + "\"}";
  return item;
}

class DeskStoreContractTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto team = store_->CreateTeam(Team{0, "care", 0});
    ASSERT_TRUE(team.ok()) << team.error();
    team_ = team->id;
    ChannelRow ch;
    ch.name = "support-mail";
    ch.kind = "email";
    ch.team_id = team_;
    auto created = desk().CreateChannel(ch);
    ASSERT_TRUE(created.ok()) << created.error();
    channel_ = created->id;
  }

  DeskStore& desk() { return store_->desk(); }

  // A second team ("sales") with a web chat channel ("chat"): the channel's
  // id, 0 (and a failure) otherwise.
  int64_t SalesChat() {
    auto team = store_->CreateTeam(Team{0, "sales", 0});
    EXPECT_TRUE(team.ok()) << team.error();
    if (!team.ok()) return 0;
    ChannelRow chat;
    chat.name = "chat";
    chat.kind = "webchat";
    chat.team_id = team->id;
    auto created = desk().CreateChannel(chat);
    EXPECT_TRUE(created.ok()) << created.error();
    return created.ok() ? created->id : 0;
  }

  int64_t MakeAgent(const std::string& name, int64_t team = 0) {
    User u;
    u.username = name;
    u.display_name = name;
    u.roles = {"agent"};
    auto user = store_->CreateUser(u);
    EXPECT_TRUE(user.ok()) << user.error();
    EXPECT_TRUE(store_->SetTeamMember(TeamMember{team != 0 ? team : team_, user->id, false}).ok());
    return user->id;
  }

  // Ingests one item and returns its outcome.
  IngestOutcome One(const IngestItem& item) {
    auto out = desk().Ingest(channel_, {item}, "");
    EXPECT_TRUE(out.ok()) << out.error();
    if (!out.ok() || out->size() != 1) return {};
    return out->front();
  }

  Conversation Conv(int64_t id) {
    auto c = desk().GetConversation(id);
    EXPECT_TRUE(c.ok()) << c.error();
    return c.ok() ? *c : Conversation{};
  }

  std::vector<ConversationEventKind> EventKinds(int64_t conversation_id) {
    std::vector<ConversationEventKind> out;
    auto events = desk().ListEvents(conversation_id);
    EXPECT_TRUE(events.ok()) << events.error();
    if (events.ok()) {
      for (const ConversationEvent& e : *events) out.push_back(e.kind);
    }
    return out;
  }

  int64_t team_ = 0;
  int64_t channel_ = 0;
};

TEST_P(DeskStoreContractTest, Channels) {
  ChannelRow dup;
  dup.name = "support-mail";
  dup.kind = "email";
  auto again = desk().CreateChannel(dup);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("support-mail"), std::string::npos);
  EXPECT_EQ(desk().CreateChannel(ChannelRow{}).status().code(), StatusCode::kInvalidArgument);

  ChannelRow chat;
  chat.name = "widget";
  chat.kind = "webchat";
  chat.settings = "{\"origins\":[\"https://example.com\"]}";
  auto created = desk().CreateChannel(chat);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_GT(created->id, channel_);
  EXPECT_GT(created->created_at, 0);

  auto found = desk().FindChannel("widget");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->settings, chat.settings);
  EXPECT_EQ(desk().FindChannel("nope").status().code(), StatusCode::kNotFound);
  auto missing = desk().GetChannel(999);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("999"), std::string::npos);

  ASSERT_TRUE(desk().UpdateChannel(created->id, team_, "{\"a\":1}", true).ok());
  auto updated = desk().GetChannel(created->id);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->team_id, team_);
  EXPECT_EQ(updated->settings, "{\"a\":1}");
  EXPECT_TRUE(updated->paused);
  EXPECT_EQ(updated->kind, "webchat");
  EXPECT_EQ(desk().UpdateChannel(999, 0, "{}", false).code(), StatusCode::kNotFound);

  ASSERT_TRUE(desk().RecordChannelHealth(created->id, 100, false, "timeout").ok());
  auto sick = desk().GetChannel(created->id);
  EXPECT_EQ(sick->last_error, "timeout");
  EXPECT_EQ(sick->last_error_at, 100);
  EXPECT_EQ(sick->last_poll_at, 100);
  ASSERT_TRUE(desk().RecordChannelHealth(created->id, 200, true, "").ok());
  auto well = desk().GetChannel(created->id);
  EXPECT_EQ(well->last_error, "");
  EXPECT_EQ(well->last_ok_at, 200);
  EXPECT_EQ(desk().RecordChannelHealth(999, 1, true, "").code(), StatusCode::kNotFound);

  auto list = desk().ListChannels();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "support-mail");
  EXPECT_EQ((*list)[1].name, "widget");

  // A channel with conversations cannot be deleted; an unused one can.
  One(Item("m1", "alice@example.com", "hi", kT0));
  Status busy = desk().DeleteChannel(channel_);
  EXPECT_EQ(busy.code(), StatusCode::kFailedPrecondition) << busy;
  EXPECT_NE(busy.message().find(std::to_string(channel_)), std::string::npos);
  EXPECT_TRUE(desk().DeleteChannel(created->id).ok());
  EXPECT_EQ(desk().DeleteChannel(created->id).code(), StatusCode::kNotFound);
}

TEST_P(DeskStoreContractTest, IngestThreadsByReplyReferencesAndThreadKey) {
  IngestOutcome a1 = One(Item("a1", "alice@example.com", "My order is late", kT0));
  EXPECT_TRUE(a1.created);
  EXPECT_FALSE(a1.duplicate);
  EXPECT_GT(a1.message_id, 0);
  // By in_reply_to.
  IngestOutcome a2 = One(Item("a2", "alice@example.com", "Any news?", kT0 + 10, "a1"));
  EXPECT_FALSE(a2.created);
  EXPECT_EQ(a2.conversation_id, a1.conversation_id);
  // By references, newest first: the unknown parent and an unknown ref are
  // skipped.
  IngestOutcome a3 = One(
      Item("a3", "alice@example.com", "Hello?", kT0 + 20, "unknown", {"a1", "zz-unknown", "a2"}));
  EXPECT_EQ(a3.conversation_id, a1.conversation_id);
  // By thread key.
  IngestOutcome t1 = One(Item("t1", "bob@example.com", "chat 1", kT0 + 30, "", {}, "session-1"));
  EXPECT_TRUE(t1.created);
  EXPECT_NE(t1.conversation_id, a1.conversation_id);
  IngestOutcome t2 = One(Item("", "bob@example.com", "chat 2", kT0 + 40, "", {}, "session-1"));
  EXPECT_FALSE(t2.created);
  EXPECT_EQ(t2.conversation_id, t1.conversation_id);
  // Reply relations win over the thread key.
  IngestOutcome mixed = One(Item("x1", "bob@example.com", "x", kT0 + 50, "a1", {}, "session-1"));
  EXPECT_EQ(mixed.conversation_id, a1.conversation_id);
  // Nothing matches: a new conversation, even from a known contact.
  IngestOutcome fresh = One(Item("b1", "alice@example.com", "Another topic", kT0 + 60));
  EXPECT_TRUE(fresh.created);
  EXPECT_NE(fresh.conversation_id, a1.conversation_id);

  auto found = desk().FindConversationByThread(channel_, "session-1");
  ASSERT_TRUE(found.ok()) << found.error();
  EXPECT_EQ(found->id, t1.conversation_id);
  EXPECT_EQ(desk().FindConversationByThread(channel_, "nope").status().code(),
            StatusCode::kNotFound);

  Conversation conv = Conv(a1.conversation_id);
  EXPECT_EQ(conv.channel_id, channel_);
  EXPECT_EQ(conv.team_id, team_);
  EXPECT_EQ(conv.state, ConversationState::kNew);
  EXPECT_EQ(conv.waiting_since, kT0);
  EXPECT_EQ(conv.first_inbound_at, kT0);
  EXPECT_EQ(conv.last_message_at, kT0 + 50);
  EXPECT_EQ(conv.last_preview, "x");
  EXPECT_EQ(conv.version, 4);                                          // four inbound messages
  EXPECT_EQ(Conv(fresh.conversation_id).contact_id, conv.contact_id);  // same handle

  auto messages = desk().ListMessages(a1.conversation_id);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 4u);
  EXPECT_EQ((*messages)[0].external_id, "a1");
  EXPECT_EQ((*messages)[0].direction, MessageDirection::kInbound);
  EXPECT_EQ((*messages)[0].channel_id, channel_);
  EXPECT_EQ((*messages)[3].external_id, "x1");
  EXPECT_EQ(EventKinds(a1.conversation_id),
            std::vector<ConversationEventKind>(4, ConversationEventKind::kInbound));

  auto contact = desk().GetContact(conv.contact_id);
  ASSERT_TRUE(contact.ok());
  EXPECT_EQ(contact->display_name, "alice@example.com");
  auto handles = desk().ListContactHandles(conv.contact_id);
  ASSERT_TRUE(handles.ok());
  ASSERT_EQ(handles->size(), 1u);
  EXPECT_EQ((*handles)[0].handle, "alice@example.com");
  EXPECT_EQ((*handles)[0].channel_id, channel_);
  EXPECT_EQ(desk().GetContact(999).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(desk().ListMessages(999).status().code(), StatusCode::kNotFound);
}

TEST_P(DeskStoreContractTest, IngestThreadsWithinOneBatchAndKeepsAttachments) {
  IngestItem first = Item("p1", "carol@example.com", "first", kT0);
  first.author_name = "Carol";
  first.message.language = "de";
  first.message.subject = "Rechnung";
  first.message.attachments = {{"invoice.pdf", "application/pdf", 1234, "blob:1"},
                               {"photo.jpg", "image/jpeg", 99, "blob:2"}};
  std::vector<IngestItem> batch = {first, Item("p2", "carol@example.com", "second", kT0 + 1, "p1"),
                                   Item("p3", "dave@example.com", "third", kT0 + 2, "", {"p2"}),
                                   Item("p4", "dave@example.com", "own", kT0 + 3)};
  auto out = desk().Ingest(channel_, batch, "cursor-1");
  ASSERT_TRUE(out.ok()) << out.error();
  ASSERT_EQ(out->size(), 4u);
  EXPECT_TRUE((*out)[0].created);
  EXPECT_EQ((*out)[1].conversation_id, (*out)[0].conversation_id);
  EXPECT_EQ((*out)[2].conversation_id, (*out)[0].conversation_id);
  EXPECT_TRUE((*out)[3].created);
  EXPECT_EQ(desk().GetChannel(channel_)->cursor, "cursor-1");

  Conversation conv = Conv((*out)[0].conversation_id);
  EXPECT_EQ(conv.subject, "Rechnung");
  EXPECT_EQ(conv.language, "de");
  EXPECT_EQ(conv.version, 3);
  EXPECT_EQ(desk().GetContact(conv.contact_id)->display_name, "Carol");
  EXPECT_EQ(desk().GetContact(conv.contact_id)->language, "de");
  auto messages = desk().ListMessages(conv.id);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 3u);
  ASSERT_EQ((*messages)[0].attachments.size(), 2u);
  EXPECT_EQ((*messages)[0].attachments[0].name, "invoice.pdf");
  EXPECT_EQ((*messages)[0].attachments[0].size, 1234);
  EXPECT_EQ((*messages)[0].attachments[1].url, "blob:2");
  EXPECT_TRUE((*messages)[1].attachments.empty());
  EXPECT_EQ((*messages)[2].author, "dave@example.com");
}

TEST_P(DeskStoreContractTest, IngestDedupesAndChangesNothing) {
  std::vector<IngestItem> batch = {Item("d1", "alice@example.com", "one", kT0),
                                   Item("d2", "alice@example.com", "two", kT0 + 1, "d1"),
                                   Item("d3", "bob@example.com", "three", kT0 + 2)};
  auto first = desk().Ingest(channel_, batch, "c1");
  ASSERT_TRUE(first.ok()) << first.error();
  Conversation before = Conv((*first)[0].conversation_id);

  auto second = desk().Ingest(channel_, batch, "c2");
  ASSERT_TRUE(second.ok()) << second.error();
  ASSERT_EQ(second->size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE((*second)[i].duplicate) << i;
    EXPECT_FALSE((*second)[i].created) << i;
    EXPECT_EQ((*second)[i].message_id, (*first)[i].message_id) << i;
    EXPECT_EQ((*second)[i].conversation_id, (*first)[i].conversation_id) << i;
  }
  Conversation after = Conv(before.id);
  EXPECT_EQ(after.version, before.version);
  EXPECT_EQ(after.last_message_at, before.last_message_at);
  EXPECT_EQ(desk().ListMessages(before.id)->size(), 2u);
  EXPECT_EQ(EventKinds(before.id).size(), 2u);

  // A duplicate inside one batch is a duplicate too.
  auto inner = desk().Ingest(
      channel_,
      {Item("d4", "eve@example.com", "x", kT0 + 3), Item("d4", "eve@example.com", "x", kT0 + 3)},
      "");
  ASSERT_TRUE(inner.ok()) << inner.error();
  EXPECT_FALSE((*inner)[0].duplicate);
  EXPECT_TRUE((*inner)[1].duplicate);
  EXPECT_EQ((*inner)[1].message_id, (*inner)[0].message_id);
}

TEST_P(DeskStoreContractTest, IngestIsAllOrNothingWithTheCursor) {
  ASSERT_TRUE(desk().Ingest(channel_, {Item("ok1", "alice@example.com", "a", kT0)}, "c1").ok());
  ChannelRow other;
  other.name = "other";
  other.kind = "demo";
  auto other_ch = desk().CreateChannel(other);
  ASSERT_TRUE(other_ch.ok());

  // The third item names another channel: nothing of the batch is stored.
  IngestItem bad = Item("bad", "zed@example.com", "c", kT0 + 2);
  bad.channel_id = other_ch->id;
  auto failed = desk().Ingest(channel_,
                              {Item("n1", "new@example.com", "a", kT0 + 1, "ok1"),
                               Item("n2", "newer@example.com", "b", kT0 + 1), bad},
                              "c2");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(failed.status().message().find("item 2"), std::string::npos) << failed.status();
  EXPECT_EQ(desk().GetChannel(channel_)->cursor, "c1");
  auto inbox = desk().ListInbox(InboxQuery{});
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ(inbox->front().conversation.version, 1);
  EXPECT_EQ(desk().ListMessages(inbox->front().conversation.id)->size(), 1u);
  // No contact was created for n1/n2 (PostgreSQL sequences do not roll
  // back, so count rows instead of comparing ids).
  int contacts = 0;
  ASSERT_TRUE(store_
                  ->Dump([&](std::string_view line) {
                    contacts += line.rfind("{\"table\":\"contacts\"", 0) == 0 ? 1 : 0;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(contacts, 1);
  auto next = desk().Ingest(channel_, {Item("n3", "new@example.com", "a", kT0 + 3)}, "c3");
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE(next->front().created);
  EXPECT_EQ(desk().GetChannel(channel_)->cursor, "c3");

  // An item without a handle, or an unknown channel, fails the same way.
  EXPECT_EQ(desk().Ingest(channel_, {Item("h", "", "x", kT0)}, "c4").status().code(),
            StatusCode::kInvalidArgument);
  auto unknown = desk().Ingest(999, {Item("u", "a@b", "x", kT0)}, "c4");
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("999"), std::string::npos);
  EXPECT_EQ(desk().GetChannel(channel_)->cursor, "c3");
}

TEST_P(DeskStoreContractTest, InboundReopensResolvedAndWakesPending) {
  IngestOutcome first = One(Item("r1", "alice@example.com", "help", kT0));
  const int64_t id = first.conversation_id;
  auto resolved = desk().SetState(id, ConversationState::kResolved, "user:ann", kT0 + 5, 1);
  ASSERT_TRUE(resolved.ok()) << resolved.error();
  EXPECT_EQ(resolved->state, ConversationState::kResolved);
  EXPECT_EQ(resolved->resolved_at, kT0 + 5);
  EXPECT_EQ(resolved->version, 2);

  IngestOutcome back = One(Item("r2", "alice@example.com", "still broken", kT0 + 10, "r1"));
  EXPECT_TRUE(back.reopened);
  EXPECT_FALSE(back.created);
  EXPECT_EQ(back.conversation_id, id);
  Conversation conv = Conv(id);
  EXPECT_EQ(conv.state, ConversationState::kOpen);
  EXPECT_EQ(conv.resolved_at, 0);
  EXPECT_EQ(conv.version, 3);
  EXPECT_EQ(EventKinds(id),
            (std::vector<ConversationEventKind>{
                ConversationEventKind::kInbound, ConversationEventKind::kResolved,
                ConversationEventKind::kReopened, ConversationEventKind::kInbound}));

  ASSERT_TRUE(
      desk().SetState(id, ConversationState::kPendingCustomer, "user:ann", kT0 + 11, -1).ok());
  IngestOutcome woke = One(Item("r3", "alice@example.com", "here", kT0 + 12, "r2"));
  EXPECT_FALSE(woke.reopened);
  EXPECT_EQ(Conv(id).state, ConversationState::kOpen);
}

TEST_P(DeskStoreContractTest, PreviewIsCutAtACharacterBoundary) {
  std::string body;
  while (body.size() < 400) body += "Grüße ✓ ";
  IngestOutcome o = One(Item("u1", "alice@example.com", "\n  " + body, kT0));
  Conversation conv = Conv(o.conversation_id);
  ASSERT_LE(conv.last_preview.size(), 140u);
  ASSERT_GE(conv.last_preview.size(), 136u);
  EXPECT_EQ(conv.last_preview, body.substr(0, conv.last_preview.size()));
  // The next byte starts a character (not a 10xxxxxx continuation byte).
  unsigned char next = static_cast<unsigned char>(body[conv.last_preview.size()]);
  EXPECT_NE(next & 0xC0, 0x80);
  auto messages = desk().ListMessages(o.conversation_id);
  EXPECT_EQ(messages->front().body, "\n  " + body);  // the message keeps everything
}

TEST_P(DeskStoreContractTest, EnqueueReplyChecksVersionAndIdempotency) {
  IngestOutcome in = One(Item("q1", "alice@example.com", "question", kT0));
  const int64_t id = in.conversation_id;
  const int64_t agent = MakeAgent("ann");
  Message reply = AgentReply("ann", agent, "Here is the answer", kT0 + 100);
  OutboxItem item = OutboxTo("reply-1", "alice@example.com");

  // Stale version: another message arrived since the agent read it.
  One(Item("q2", "alice@example.com", "more", kT0 + 50, "q1"));
  auto stale = desk().EnqueueReply(id, reply, item, 1, ConversationState::kPendingCustomer);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition) << stale.status();
  EXPECT_NE(stale.status().message().find(std::to_string(id)), std::string::npos);
  EXPECT_EQ(desk().ListMessages(id)->size(), 2u);

  auto ok = desk().EnqueueReply(id, reply, item, 2, ConversationState::kPendingCustomer);
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_GT(ok->id, 0);
  EXPECT_GT(ok->message_id, 0);
  EXPECT_EQ(ok->channel_id, channel_);
  EXPECT_EQ(ok->state, OutboxState::kPending);
  EXPECT_EQ(ok->next_attempt_at, kT0 + 100);
  Conversation conv = Conv(id);
  EXPECT_EQ(conv.version, 3);
  EXPECT_EQ(conv.state, ConversationState::kPendingCustomer);
  EXPECT_EQ(conv.first_response_at, kT0 + 100);
  EXPECT_EQ(conv.waiting_since, 0);
  EXPECT_EQ(conv.last_message_at, kT0 + 100);
  EXPECT_EQ(conv.last_preview, "Here is the answer");
  auto messages = desk().ListMessages(id);
  ASSERT_EQ(messages->size(), 3u);
  EXPECT_EQ(messages->back().direction, MessageDirection::kOutbound);
  EXPECT_EQ(messages->back().delivery, DeliveryState::kQueued);
  EXPECT_EQ(messages->back().verdict, reply.verdict);
  EXPECT_EQ(messages->back().author_user_id, agent);
  std::vector<ConversationEventKind> kinds = EventKinds(id);
  ASSERT_EQ(kinds.size(), 4u);
  EXPECT_EQ(kinds[2], ConversationEventKind::kOutbound);
  EXPECT_EQ(kinds[3], ConversationEventKind::kPendingCustomer);

  // The same key again (a retried request) was accepted already.
  auto dup = desk().EnqueueReply(id, reply, item, 3, ConversationState::kOpen);
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists) << dup.status();
  EXPECT_NE(dup.status().message().find("reply-1"), std::string::npos);
  EXPECT_EQ(Conv(id).version, 3);

  // A second reply keeps first_response_at.
  item.idempotency_key = "reply-2";
  reply.created_at = kT0 + 200;
  auto second = desk().EnqueueReply(id, reply, item, 3, ConversationState::kResolved);
  ASSERT_TRUE(second.ok()) << second.error();
  conv = Conv(id);
  EXPECT_EQ(conv.first_response_at, kT0 + 100);
  EXPECT_EQ(conv.state, ConversationState::kResolved);
  EXPECT_EQ(conv.resolved_at, kT0 + 200);

  EXPECT_EQ(desk().EnqueueReply(999, reply, item, -1, ConversationState::kOpen).status().code(),
            StatusCode::kNotFound);
  item.idempotency_key = "reply-3";
  EXPECT_EQ(desk().EnqueueReply(id, reply, item, -1, ConversationState::kNew).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(DeskStoreContractTest, SetStateAssignPriorityTagsAndNotes) {
  IngestOutcome in = One(Item("s1", "alice@example.com", "question", kT0));
  const int64_t id = in.conversation_id;
  auto stale = desk().SetState(id, ConversationState::kOpen, "user:ann", kT0 + 1, 7);
  EXPECT_EQ(stale.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.status().message().find("changed"), std::string::npos);
  EXPECT_EQ(Conv(id).state, ConversationState::kNew);
  EXPECT_EQ(desk().SetState(999, ConversationState::kOpen, "x", 1, -1).status().code(),
            StatusCode::kNotFound);

  const int64_t agent = MakeAgent("ann");
  auto assigned = desk().Assign(id, agent, "user:lead", kT0 + 2);
  ASSERT_TRUE(assigned.ok()) << assigned.error();
  EXPECT_EQ(assigned->assignee_id, agent);
  EXPECT_EQ(assigned->assigned_at, kT0 + 2);
  EXPECT_EQ(desk().Assign(id, 999, "user:lead", kT0).status().code(), StatusCode::kNotFound);

  auto prio = desk().SetPriority(id, 2);
  ASSERT_TRUE(prio.ok());
  EXPECT_EQ(prio->priority, 2);
  EXPECT_EQ(desk().SetPriority(id, 9).status().code(), StatusCode::kInvalidArgument);

  auto tagged = desk().SetTags(id, {"billing", "vip", "billing"});
  ASSERT_TRUE(tagged.ok());
  EXPECT_EQ(tagged->tags, (std::vector<std::string>{"billing", "vip"}));
  EXPECT_EQ(Conv(id).tags, (std::vector<std::string>{"billing", "vip"}));
  ASSERT_TRUE(desk().SetTags(id, {"vip"}).ok());
  EXPECT_EQ(Conv(id).tags, std::vector<std::string>{"vip"});

  const Conversation before_note = Conv(id);
  Message note;
  note.author = "user:ann";
  note.body = "Customer is a VIP";
  note.created_at = kT0 + 3;
  auto added = desk().AddNote(id, note);
  ASSERT_TRUE(added.ok()) << added.error();
  EXPECT_EQ(added->direction, MessageDirection::kNote);
  Conversation after_note = Conv(id);
  EXPECT_EQ(after_note.version, before_note.version + 1);
  EXPECT_EQ(after_note.waiting_since, before_note.waiting_since);
  EXPECT_EQ(after_note.first_response_at, 0);
  EXPECT_EQ(after_note.last_message_at, before_note.last_message_at);

  auto unassigned = desk().Assign(id, 0, "user:lead", kT0 + 4);
  ASSERT_TRUE(unassigned.ok());
  EXPECT_EQ(unassigned->assignee_id, 0);
  EXPECT_EQ(EventKinds(id), (std::vector<ConversationEventKind>{
                                ConversationEventKind::kInbound, ConversationEventKind::kAssigned,
                                ConversationEventKind::kNote, ConversationEventKind::kAssigned}));
}

// Puts `n` replies in the outbox; returns the item ids.
std::vector<int64_t> FillOutbox(DeskStore& desk, int64_t channel, int n, Millis at) {
  std::vector<int64_t> ids;
  for (int i = 0; i < n; ++i) {
    auto in = desk.Ingest(channel, {Item(N("o", i), N("c", i, "@example.com"), "q", at)}, "");
    EXPECT_TRUE(in.ok()) << in.error();
    Message m;
    m.author = "user:ann";
    m.body = N("answer ", i);
    m.created_at = at;
    OutboxItem item;
    item.idempotency_key = N("k", i);
    auto o = desk.EnqueueReply(in->front().conversation_id, m, item, -1,
                               ConversationState::kPendingCustomer);
    EXPECT_TRUE(o.ok()) << o.error();
    ids.push_back(o->id);
  }
  return ids;
}

TEST_P(DeskStoreContractTest, OutboxClaimLeaseCompleteFailAndGiveUp) {
  std::vector<int64_t> ids = FillOutbox(desk(), channel_, 3, kT0);
  // Not due yet.
  EXPECT_TRUE(desk().ClaimOutbox("a", kT0 - 1, 1000, 10)->empty());

  auto claimed = desk().ClaimOutbox("a", kT0, 1000, 2);
  ASSERT_TRUE(claimed.ok()) << claimed.error();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].id, ids[0]);  // oldest first
  EXPECT_EQ((*claimed)[1].id, ids[1]);
  EXPECT_EQ((*claimed)[0].state, OutboxState::kSending);
  EXPECT_EQ((*claimed)[0].claimed_by, "a");
  EXPECT_EQ((*claimed)[0].claimed_until, kT0 + 1000);
  EXPECT_EQ((*claimed)[0].attempts, 1);

  auto rest = desk().ClaimOutbox("b", kT0 + 10, 1000, 10);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().id, ids[2]);
  EXPECT_TRUE(desk().ClaimOutbox("b", kT0 + 999, 1000, 10)->empty());

  // a completes the first (archived through the sealer); its lease on the
  // second expires and b takes it.
  auto seal = [](ArchiveEntry* e) {
    e->content_hash = "c:" + e->wire_text;
    e->hash = e->prev_hash + "/" + std::to_string(e->seq);
  };
  ASSERT_TRUE(desk().CompleteOutbox(ids[0], "<sent-1@example.com>", kT0 + 50, seal).ok());
  auto archived = desk().ListArchive(1, 10);
  ASSERT_TRUE(archived.ok()) << archived.error();
  ASSERT_EQ(archived->size(), 1u);
  EXPECT_EQ((*archived)[0].seq, 1);
  EXPECT_EQ((*archived)[0].at, kT0 + 50);
  EXPECT_EQ((*archived)[0].external_id, "<sent-1@example.com>");
  EXPECT_EQ((*archived)[0].hash, "/1");
  EXPECT_EQ((*archived)[0].approvals, "[]");
  EXPECT_EQ((*archived)[0].content_hash, "c:" + (*archived)[0].wire_text);
  EXPECT_FALSE((*archived)[0].wire_text.empty());
  EXPECT_EQ(*desk().PurgeArchive(kT0 + 50, kT0 + 60), 0);
  EXPECT_EQ(*desk().PurgeArchive(kT0 + 51, kT0 + 60), 1);
  archived = desk().ListArchive(1, 10);
  EXPECT_TRUE((*archived)[0].wire_text.empty());
  EXPECT_EQ((*archived)[0].purged_at, kT0 + 60);
  EXPECT_EQ((*archived)[0].hash, "/1");
  auto taken = desk().ClaimOutbox("b", kT0 + 1000, 1000, 10);
  ASSERT_EQ(taken->size(), 1u);
  EXPECT_EQ(taken->front().id, ids[1]);
  EXPECT_EQ(taken->front().attempts, 2);
  EXPECT_EQ(taken->front().claimed_by, "b");

  const int64_t msg0 = (*claimed)[0].message_id;
  auto sent = desk().ListOutbox(msg0);
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_EQ(sent->front().state, OutboxState::kSent);
  EXPECT_EQ(sent->front().external_id, "<sent-1@example.com>");
  ASSERT_TRUE(desk().CompleteOutbox(ids[2], "", kT0 + 20).ok());

  // A retry is due again at retry_at, not before.
  ASSERT_TRUE(desk().FailOutbox(ids[1], "429 slow down", kT0 + 5000, kT0 + 1001).ok());
  auto retry = desk().ListOutbox((*claimed)[1].message_id);
  EXPECT_EQ(retry->front().state, OutboxState::kPending);
  EXPECT_EQ(retry->front().last_error, "429 slow down");
  EXPECT_EQ(retry->front().claimed_by, "");
  EXPECT_TRUE(desk().ClaimOutbox("c", kT0 + 4999, 1000, 10)->empty());
  auto again = desk().ClaimOutbox("c", kT0 + 5000, 1000, 10);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ(again->front().id, ids[1]);
  EXPECT_EQ(again->front().attempts, 3);

  // Giving up: item and message fail.
  ASSERT_TRUE(desk().FailOutbox(ids[1], "rejected", 0, kT0 + 5001).ok());
  auto failed = desk().ListOutbox((*claimed)[1].message_id);
  EXPECT_EQ(failed->front().state, OutboxState::kFailed);
  EXPECT_TRUE(desk().ClaimOutbox("c", kT0 + 999999, 1000, 10)->empty());

  // The messages follow their items.
  std::map<int64_t, DeliveryState> delivery;
  auto inbox = desk().ListInbox(InboxQuery{});
  ASSERT_TRUE(inbox.ok());
  for (const InboxRow& row : *inbox) {
    auto messages = desk().ListMessages(row.conversation.id);
    ASSERT_TRUE(messages.ok());
    for (const Message& m : *messages) {
      if (m.direction == MessageDirection::kOutbound) delivery[m.id] = m.delivery;
    }
  }
  EXPECT_EQ(delivery[msg0], DeliveryState::kSent);
  EXPECT_EQ(delivery[(*claimed)[1].message_id], DeliveryState::kFailed);

  EXPECT_EQ(desk().CompleteOutbox(999, "", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(desk().FailOutbox(999, "", 0, 1).code(), StatusCode::kNotFound);
}

TEST_P(DeskStoreContractTest, SentMessageExternalIdThreadsTheCustomersAnswer) {
  std::vector<int64_t> ids = FillOutbox(desk(), channel_, 1, kT0);
  auto claimed = desk().ClaimOutbox("a", kT0, 1000, 1);
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_TRUE(desk().CompleteOutbox(ids[0], "<out-1@desk>", kT0 + 5).ok());
  auto conv = desk().ListInbox(InboxQuery{});
  ASSERT_EQ(conv->size(), 1u);
  IngestOutcome answer = One(Item("in-2", "c0@example.com", "thanks", kT0 + 10, "<out-1@desk>"));
  EXPECT_EQ(answer.conversation_id, conv->front().conversation.id);
  EXPECT_EQ(Conv(answer.conversation_id).state, ConversationState::kOpen);
}

TEST_P(DeskStoreContractTest, ConcurrentClaimersNeverShareAnItem) {
  constexpr int kItems = 60;
  std::vector<int64_t> ids = FillOutbox(desk(), channel_, kItems, kT0);
  // Two stores on one database stand for two instances; each runs threads.
  auto second = OpenStore(url_);
  ASSERT_TRUE(second.ok()) << second.error();
  std::vector<DeskStore*> desks = {&desk(), &(*second)->desk()};
  std::mutex mu;
  std::vector<int64_t> got;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      DeskStore* d = desks[static_cast<size_t>(t % 2)];
      for (int round = 0; round < 100; ++round) {
        auto claimed = d->ClaimOutbox(N("worker-", t), kT0 + 1, 60000, 3);
        if (!claimed.ok()) {
          ++errors;
          continue;
        }
        if (claimed->empty()) break;
        std::lock_guard<std::mutex> lock(mu);
        for (const OutboxItem& o : *claimed) got.push_back(o.id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, ids);  // each exactly once
}

TEST_P(DeskStoreContractTest, RouteTeamAssignsClaimedConversations) {
  const int64_t ann = MakeAgent("ann");
  const int64_t ben = MakeAgent("ben");
  AgentDeskState state;
  state.user_id = ann;
  state.available = true;
  state.capacity = 3;
  state.languages = {"de", "en"};
  state.skills = {"billing"};
  state.signature = "Ann";
  ASSERT_TRUE(desk().PutAgentDeskState(state).ok());

  // Waiting since kT0+i; conversation 3 is urgent.
  std::vector<int64_t> convs;
  for (int i = 0; i < 5; ++i) {
    convs.push_back(One(Item(N("rt", i), N("c", i, "@x"), "q", kT0 + i)).conversation_id);
  }
  ASSERT_TRUE(desk().SetPriority(convs[3], 2).ok());
  ASSERT_TRUE(desk().SetState(convs[4], ConversationState::kResolved, "x", kT0 + 9, -1).ok());
  ASSERT_TRUE(desk().Assign(convs[0], ben, "user:lead", kT0 + 9).ok());  // ben has one already

  std::vector<int64_t> seen_order;
  std::vector<AgentDeskState> seen_agents;
  TeamDeskSettings seen_settings;
  auto made =
      desk().RouteTeam(team_, kT0 + 100, 10,
                       [&](const TeamDeskSettings& s, const std::vector<AgentDeskState>& agents,
                           const std::vector<Conversation>& open) {
                         seen_settings = s;
                         seen_agents = agents;
                         for (const Conversation& c : open) seen_order.push_back(c.id);
                         // Everything to ann, plus two assignments that must be ignored: a
                         // conversation that was not claimed and a user outside the team.
                         std::vector<Assignment> out;
                         for (const Conversation& c : open) out.push_back({c.id, ann});
                         out.push_back({convs[0], ann});
                         out.push_back({open.front().id, 999});
                         return out;
                       });
  ASSERT_TRUE(made.ok()) << made.error();
  // Urgent first, then oldest waiting; resolved and assigned ones not offered.
  EXPECT_EQ(seen_order, (std::vector<int64_t>{convs[3], convs[1], convs[2]}));
  EXPECT_EQ(seen_settings.team_id, team_);
  EXPECT_EQ(seen_settings.routing_mode, "manual");  // defaults
  ASSERT_EQ(seen_agents.size(), 2u);
  EXPECT_EQ(seen_agents[0].user_id, ann);
  EXPECT_EQ(seen_agents[0].open_load, 0);
  EXPECT_EQ(seen_agents[0].languages, (std::vector<std::string>{"de", "en"}));
  EXPECT_EQ(seen_agents[0].skills, std::vector<std::string>{"billing"});
  EXPECT_TRUE(seen_agents[0].available);
  EXPECT_EQ(seen_agents[1].user_id, ben);
  EXPECT_EQ(seen_agents[1].open_load, 1);
  EXPECT_FALSE(seen_agents[1].available);  // defaults: nothing stored

  ASSERT_EQ(made->size(), 3u);
  for (int64_t id : {convs[1], convs[2], convs[3]}) {
    Conversation c = Conv(id);
    EXPECT_EQ(c.assignee_id, ann) << id;
    EXPECT_EQ(c.assigned_at, kT0 + 100);
    EXPECT_EQ(EventKinds(id).back(), ConversationEventKind::kAssigned);
  }
  EXPECT_EQ(Conv(convs[0]).assignee_id, ben);
  auto agents = desk().ListTeamAgents(team_);
  ASSERT_TRUE(agents.ok());
  EXPECT_EQ((*agents)[0].open_load, 3);
  // Stamps one millisecond apart in decision order: ann's third is +2.
  EXPECT_EQ((*agents)[0].last_assigned_at, kT0 + 102);
  EXPECT_EQ((*agents)[1].open_load, 1);
  // Nothing left to route.
  auto none = desk().RouteTeam(team_, kT0 + 200, 10, [&](auto&, auto&, auto& open) {
    EXPECT_TRUE(open.empty());
    return std::vector<Assignment>{};
  });
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(desk().ListTeamAgents(999).status().code(), StatusCode::kNotFound);

  // A stale form does not move last_assigned_at back.
  state.last_assigned_at = 5;
  ASSERT_TRUE(desk().PutAgentDeskState(state).ok());
  EXPECT_EQ((*desk().ListTeamAgents(team_))[0].last_assigned_at, kT0 + 102);
  state.languages = {"d,e"};
  EXPECT_EQ(desk().PutAgentDeskState(state).code(), StatusCode::kInvalidArgument);
  state.languages = {};
  state.user_id = 999;
  EXPECT_EQ(desk().PutAgentDeskState(state).code(), StatusCode::kNotFound);
}

// open_load is kept by every write instead of counted at routing time; it
// must equal the count of the agent's unresolved conversations throughout.
TEST_P(DeskStoreContractTest, OpenLoadFollowsEveryChange) {
  const int64_t ann = MakeAgent("ann");
  const int64_t ben = MakeAgent("ben");
  auto load = [&](int64_t user) -> int64_t {
    auto agents = desk().ListTeamAgents(team_);
    EXPECT_TRUE(agents.ok());
    int64_t counted = 0;
    auto rows = desk().ListInbox(InboxQuery{.assignee_id = user, .limit = 100});
    EXPECT_TRUE(rows.ok());
    for (const InboxRow& r : *rows) counted += r.conversation.state != ConversationState::kResolved;
    for (const AgentDeskState& a : *agents) {
      if (a.user_id == user) {
        EXPECT_EQ(a.open_load, counted) << "user " << user;
        return a.open_load;
      }
    }
    ADD_FAILURE() << "user " << user << " not in the team";
    return -1;
  };
  std::vector<int64_t> convs;
  for (int i = 0; i < 4; ++i) {
    convs.push_back(One(Item(N("ol", i), N("c", i, "@x"), "q", kT0 + i)).conversation_id);
  }
  EXPECT_EQ(load(ann), 0);
  auto made = desk().RouteTeam(team_, kT0 + 10, 10, [&](auto&, auto&, auto& open) {
    std::vector<Assignment> out;
    for (const Conversation& c : open) out.push_back({c.id, ann});
    return out;
  });
  ASSERT_TRUE(made.ok()) << made.error();
  EXPECT_EQ(load(ann), 4);
  ASSERT_TRUE(desk().Assign(convs[0], ben, "test", kT0 + 20).ok());  // moved
  EXPECT_EQ(load(ann), 3);
  EXPECT_EQ(load(ben), 1);
  ASSERT_TRUE(desk().SetState(convs[1], ConversationState::kResolved, "test", kT0 + 30, -1).ok());
  EXPECT_EQ(load(ann), 2);
  ASSERT_TRUE(desk().SetState(convs[1], ConversationState::kResolved, "test", kT0 + 31, -1).ok());
  EXPECT_EQ(load(ann), 2);                                    // unchanged: already resolved
  One(Item("ol-late", "c1@x", "noch da?", kT0 + 40, "ol1"));  // reopens: counts again
  EXPECT_EQ(Conv(convs[1]).state, ConversationState::kOpen);
  EXPECT_EQ(load(ann), 3);
  ASSERT_TRUE(
      desk().SetState(convs[3], ConversationState::kPendingCustomer, "test", kT0 + 50, -1).ok());
  EXPECT_EQ(load(ann), 3);  // waiting for the customer is still the agent's work
  ASSERT_TRUE(desk().Assign(convs[2], 0, "test", kT0 + 60).ok());  // unassigned
  EXPECT_EQ(load(ann), 2);
  ASSERT_TRUE(desk().SetState(convs[0], ConversationState::kResolved, "test", kT0 + 70, -1).ok());
  ASSERT_TRUE(desk().Assign(convs[0], ann, "test", kT0 + 80).ok());  // resolved: no load
  EXPECT_EQ(load(ben), 0);
  EXPECT_EQ(load(ann), 2);
  // A reply that resolves the conversation frees the agent.
  Message reply;
  reply.author = "user:ann";
  reply.author_user_id = ann;
  reply.body = "Erledigt";
  OutboxItem item;
  item.idempotency_key = "ol-reply";
  item.payload = "x";
  auto sent = desk().EnqueueReply(convs[1], reply, item, -1, ConversationState::kResolved);
  ASSERT_TRUE(sent.ok()) << sent.error();
  EXPECT_EQ(load(ann), 1);
}

TEST_P(DeskStoreContractTest, PresenceIsSharedAndExpires) {
  const int64_t ann = MakeAgent("ann");
  const int64_t ben = MakeAgent("ben");
  const int64_t c1 = One(Item("p1", "c1@x", "q", kT0)).conversation_id;
  const int64_t c2 = One(Item("p2", "c2@x", "q", kT0)).conversation_id;
  ASSERT_TRUE(desk().TouchPresence(c1, ann, false, kT0 + 1000, kT0 - 60'000).ok());
  ASSERT_TRUE(desk().TouchPresence(c1, ben, true, kT0 + 2000, kT0 - 60'000).ok());
  // A second store on the same database (another instance) sees both.
  auto other = OpenStore(url_);
  ASSERT_TRUE(other.ok()) << other.error();
  auto seen = (*other)->desk().ListPresence(c1, kT0);
  ASSERT_TRUE(seen.ok()) << seen.error();
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].user_id, ann);
  EXPECT_EQ((*seen)[0].username, "ann");
  EXPECT_FALSE((*seen)[0].typing);
  EXPECT_TRUE((*seen)[1].typing);
  EXPECT_EQ((*seen)[1].seen_at, kT0 + 2000);
  // Only heartbeats at or after `since` count.
  EXPECT_EQ(desk().ListPresence(c1, kT0 + 1500)->size(), 1u);
  // A newer heartbeat updates, it does not add.
  ASSERT_TRUE(desk().TouchPresence(c1, ann, true, kT0 + 3000, kT0 - 60'000).ok());
  seen = desk().ListPresence(c1, kT0);
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_TRUE((*seen)[0].typing);
  // Moving on to another conversation drops the user's stale entries.
  ASSERT_TRUE(desk().TouchPresence(c2, ann, false, kT0 + 90'000, kT0 + 30'000).ok());
  seen = desk().ListPresence(c1, 0);
  ASSERT_EQ(seen->size(), 1u);
  EXPECT_EQ((*seen)[0].user_id, ben);
  EXPECT_EQ(desk().TouchPresence(999999, ann, false, kT0, 0).code(), StatusCode::kNotFound);
  EXPECT_EQ(desk().TouchPresence(c1, 999999, false, kT0, 0).code(), StatusCode::kNotFound);
  EXPECT_TRUE(desk().ListPresence(999999, 0)->empty());
}

TEST_P(DeskStoreContractTest, ApprovalsAreDecidedOncePerStepAndExpire) {
  const int64_t ann = MakeAgent("ann");
  const int64_t ben = MakeAgent("ben");
  const int64_t cat = MakeAgent("cat");
  const int64_t conv = One(Item("a1", "c@x", "q", kT0)).conversation_id;
  Approval a;
  a.conversation_id = conv;
  a.channel_id = channel_;
  a.requested_by = ann;
  a.text = "Projekt X";
  a.wire_text = "@c Projekt X";
  a.payload = "text=Projekt X";
  a.verdict = "{}";
  a.language = "de";
  a.idempotency_key = "k1";
  a.steps = 2;
  a.created_at = kT0;
  a.expires_at = kT0 + 1000;
  auto made = desk().CreateApproval(a);
  ASSERT_TRUE(made.ok()) << made.error();
  EXPECT_EQ(made->state, ApprovalState::kPending);
  EXPECT_EQ(made->requested_by_name, "ann");
  EXPECT_EQ(made->wire_text, "@c Projekt X");
  // A new version from the same author supersedes the pending one.
  a.idempotency_key = "k2";
  auto v2 = desk().CreateApproval(a);
  ASSERT_TRUE(v2.ok()) << v2.error();
  EXPECT_EQ(desk().GetApproval(made->id)->state, ApprovalState::kSuperseded);
  EXPECT_EQ(desk().ListApprovals(static_cast<int>(ApprovalState::kPending), 10)->size(), 1u);

  ApprovalDecision d{v2->id, 0, ben, "", "approve", "ok", 0};
  auto step1 = desk().DecideApproval(d, ApprovalState::kPending, kT0 + 1);
  ASSERT_TRUE(step1.ok()) << step1.error();
  EXPECT_EQ(step1->step, 1);
  // The same step again (another instance was quicker): refused.
  d.user_id = cat;
  EXPECT_EQ(desk().DecideApproval(d, ApprovalState::kPending, kT0 + 2).status().code(),
            StatusCode::kFailedPrecondition);
  // The same person on the next step: refused.
  d.step = 1;
  d.user_id = ben;
  EXPECT_EQ(desk().DecideApproval(d, ApprovalState::kApproved, kT0 + 2).status().code(),
            StatusCode::kAlreadyExists);
  d.user_id = cat;
  auto step2 = desk().DecideApproval(d, ApprovalState::kApproved, kT0 + 3);
  ASSERT_TRUE(step2.ok()) << step2.error();
  EXPECT_EQ(step2->state, ApprovalState::kApproved);
  auto decisions = desk().ListApprovalDecisions(v2->id);
  ASSERT_EQ(decisions->size(), 2u);
  EXPECT_EQ((*decisions)[1].username, "cat");
  EXPECT_EQ((*decisions)[1].comment, "ok");
  auto to_queue = desk().ListApprovalsToQueue(10);
  ASSERT_EQ(to_queue->size(), 1u);
  ASSERT_TRUE(desk().MarkApprovalQueued(v2->id, kT0 + 4).ok());
  EXPECT_TRUE(desk().ListApprovalsToQueue(10)->empty());
  EXPECT_TRUE(desk().GetApproval(v2->id)->queued);

  a.idempotency_key = "k3";
  a.requested_by = ben;
  auto v3 = desk().CreateApproval(a);
  ASSERT_TRUE(v3.ok());
  EXPECT_TRUE(desk().ExpireApprovals(kT0 + 999)->empty());
  auto expired = desk().ExpireApprovals(kT0 + 1001);
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].id, v3->id);
  EXPECT_EQ(desk().GetApproval(v3->id)->state, ApprovalState::kExpired);
  EXPECT_EQ(desk().GetApproval(999999).status().code(), StatusCode::kNotFound);
}

TEST_P(DeskStoreContractTest, ConnectorStateIsKeptPerChannel) {
  EXPECT_EQ(*desk().GetChannelState(channel_), "");
  ASSERT_TRUE(desk().SaveChannelState(channel_, "1790000000000 4.250000", kT0).ok());
  ASSERT_TRUE(desk().SaveChannelState(channel_, "1790000000000 5.000000", kT0 + 1).ok());
  auto instance = OpenStore(url_);
  ASSERT_TRUE(instance.ok()) << instance.error();
  EXPECT_EQ(*(*instance)->desk().GetChannelState(channel_), "1790000000000 5.000000");
}

TEST_P(DeskStoreContractTest, WebhookEventIdsAreSharedAndForgotten) {
  ChannelRow other;
  other.name = "second";
  other.kind = "fake";
  auto second = desk().CreateChannel(other);
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(*desk().CountSeenWebhookEvents(channel_, {"a", "b"}), 0u);
  ASSERT_TRUE(desk().RememberWebhookEvents(channel_, {"a", "b"}, kT0, 0).ok());
  // Remembering again is harmless.
  ASSERT_TRUE(desk().RememberWebhookEvents(channel_, {"b"}, kT0 + 1, 0).ok());
  auto instance = OpenStore(url_);
  ASSERT_TRUE(instance.ok()) << instance.error();
  auto seen = (*instance)->desk().CountSeenWebhookEvents(channel_, {"a", "b", "c"});
  ASSERT_TRUE(seen.ok()) << seen.error();
  EXPECT_EQ(*seen, 2u);
  // Ids are per channel.
  EXPECT_EQ(*desk().CountSeenWebhookEvents(second->id, {"a"}), 0u);
  ASSERT_TRUE(desk().RememberWebhookEvents(second->id, {"z"}, kT0 + 5000, 0).ok());
  // Forgetting drops every channel's old ids, keeps the newer ones.
  ASSERT_TRUE(desk().RememberWebhookEvents(second->id, {}, kT0 + 6000, kT0 + 1000).ok());
  EXPECT_EQ(*desk().CountSeenWebhookEvents(channel_, {"a", "b"}), 0u);
  EXPECT_EQ(*desk().CountSeenWebhookEvents(second->id, {"z"}), 1u);
}

TEST_P(DeskStoreContractTest, ConcurrentRoutingNeverDoubleAssigns) {
  const int64_t ann = MakeAgent("ann");
  const int64_t ben = MakeAgent("ben");
  constexpr int kConvs = 30;
  std::vector<IngestItem> batch;
  for (int i = 0; i < kConvs; ++i) {
    batch.push_back(Item(N("cr", i), N("c", i, "@x"), "q", kT0 + i));
  }
  ASSERT_TRUE(desk().Ingest(channel_, batch, "").ok());
  auto second = OpenStore(url_);
  ASSERT_TRUE(second.ok()) << second.error();
  std::vector<DeskStore*> desks = {&desk(), &(*second)->desk()};
  std::mutex mu;
  std::vector<int64_t> assigned;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      DeskStore* d = desks[static_cast<size_t>(t % 2)];
      const int64_t user = t % 2 == 0 ? ann : ben;
      for (int round = 0; round < 50; ++round) {
        auto made = d->RouteTeam(team_, kT0 + 100, 2, [&](auto&, auto&, auto& open) {
          std::vector<Assignment> out;
          for (const Conversation& c : open) out.push_back({c.id, user});
          return out;
        });
        if (!made.ok()) {
          ++errors;
          continue;
        }
        if (made->empty()) break;
        std::lock_guard<std::mutex> lock(mu);
        for (const Assignment& a : *made) assigned.push_back(a.conversation_id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  std::sort(assigned.begin(), assigned.end());
  EXPECT_EQ(std::adjacent_find(assigned.begin(), assigned.end()), assigned.end());
  EXPECT_EQ(assigned.size(), static_cast<size_t>(kConvs));
  auto agents = desk().ListTeamAgents(team_);
  ASSERT_TRUE(agents.ok());
  EXPECT_EQ((*agents)[0].open_load + (*agents)[1].open_load, kConvs);
  auto inbox = desk().ListInbox(InboxQuery{.limit = 100});
  ASSERT_TRUE(inbox.ok());
  for (const InboxRow& row : *inbox) {
    int assigned_events = 0;
    for (ConversationEventKind k : EventKinds(row.conversation.id)) {
      assigned_events += k == ConversationEventKind::kAssigned ? 1 : 0;
    }
    EXPECT_EQ(assigned_events, 1) << row.conversation.id;
  }
}

TEST_P(DeskStoreContractTest, InboxFiltersAndKeysetPaging) {
  const int64_t chat_id = SalesChat();
  ASSERT_NE(chat_id, 0);
  const int64_t ann = MakeAgent("ann");

  // 70 conversations; several share a last_message_at, so paging must break
  // ties by id.
  std::vector<Conversation> all;
  for (int i = 0; i < 70; ++i) {
    const int64_t ch = i % 3 == 0 ? chat_id : channel_;
    auto out = desk().Ingest(
        ch, {Item(N("ib", i), N("c", i, "@x"), N("body ", i), kT0 + (i / 4) * 1000)}, "");
    ASSERT_TRUE(out.ok()) << out.error();
    const int64_t id = out->front().conversation_id;
    if (i % 5 == 0) {
      ASSERT_TRUE(desk().SetState(id, ConversationState::kResolved, "x", 1, -1).ok());
    }
    if (i % 5 == 1) {
      ASSERT_TRUE(desk().SetState(id, ConversationState::kOpen, "x", 1, -1).ok());
    }
    if (i % 4 == 1) {
      ASSERT_TRUE(desk().Assign(id, ann, "x", 1).ok());
    }
    if (i % 6 == 2) {
      ASSERT_TRUE(desk().SetTags(id, {"vip"}).ok());
    }
    all.push_back(Conv(id));
  }
  std::sort(all.begin(), all.end(), [](const Conversation& a, const Conversation& b) {
    return a.last_message_at != b.last_message_at ? a.last_message_at > b.last_message_at
                                                  : a.id > b.id;
  });

  auto check = [&](InboxQuery q, const std::function<bool(const Conversation&)>& match,
                   const std::string& what) {
    SCOPED_TRACE(what);
    std::vector<int64_t> want;
    for (const Conversation& c : all) {
      if (match(c)) want.push_back(c.id);
    }
    std::vector<int64_t> got;
    q.limit = 7;
    for (int page = 0; page < 50; ++page) {
      auto rows = desk().ListInbox(q);
      ASSERT_TRUE(rows.ok()) << rows.error();
      for (const InboxRow& r : *rows) got.push_back(r.conversation.id);
      if (rows->size() < 7) break;
      q.before_last_message_at = rows->back().conversation.last_message_at;
      q.before_id = rows->back().conversation.id;
    }
    EXPECT_EQ(got, want);
    EXPECT_FALSE(want.empty());
  };
  check(
      InboxQuery{}, [](const Conversation&) { return true; }, "everything");
  check(
      InboxQuery{.team_id = team_}, [&](const Conversation& c) { return c.team_id == team_; },
      "team");
  check(
      InboxQuery{.team_id = team_, .states = {ConversationState::kNew, ConversationState::kOpen}},
      [&](const Conversation& c) {
        return c.team_id == team_ &&
               (c.state == ConversationState::kNew || c.state == ConversationState::kOpen);
      },
      "team and states");
  check(
      InboxQuery{.states = {ConversationState::kNew}, .assignee_id = 0},
      [&](const Conversation& c) {
        return c.assignee_id == 0 && c.state == ConversationState::kNew;
      },
      "unassigned new");
  check(
      InboxQuery{.assignee_id = ann}, [&](const Conversation& c) { return c.assignee_id == ann; },
      "mine");
  check(
      InboxQuery{.channel_id = chat_id},
      [&](const Conversation& c) { return c.channel_id == chat_id; }, "channel");
  check(
      InboxQuery{.tag = "vip"},
      [&](const Conversation& c) {
        return std::find(c.tags.begin(), c.tags.end(), "vip") != c.tags.end();
      },
      "tag");

  auto first = desk().ListInbox(InboxQuery{.limit = 1});
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().channel_kind, all.front().channel_id == chat_id ? "webchat" : "email");
  EXPECT_EQ(first->front().contact_name, desk().GetContact(all.front().contact_id)->display_name);
  EXPECT_EQ(first->front().conversation.last_preview,
            desk().GetConversation(all.front().id)->last_preview);
}

TEST_P(DeskStoreContractTest, InboxFiltersByPriorityAndResponseDue) {
  const int64_t chat_id = SalesChat();
  ASSERT_NE(chat_id, 0);
  // Team care: first response within 1 h, next response within 2 h; team
  // sales has no response targets, so nothing of it is ever due.
  TeamDeskSettings s;
  s.team_id = team_;
  s.sla_first_response_ms = kHour;
  s.sla_next_response_ms = 2 * kHour;
  ASSERT_TRUE(desk().PutTeamDeskSettings(s).ok());

  // waiting since kT0 (first response due kT0 + 1 h), high priority
  const int64_t early = One(Item("d1", "a@x", "q", kT0)).conversation_id;
  ASSERT_TRUE(desk().SetPriority(early, 1).ok());
  // waiting since kT0 + 30 min (due kT0 + 90 min), urgent
  const int64_t later = One(Item("d2", "b@x", "q", kT0 + kHour / 2)).conversation_id;
  ASSERT_TRUE(desk().SetPriority(later, 2).ok());
  // answered at kT0 + 10 min, the customer wrote again at kT0 + 20 min: the
  // next-response target runs (due kT0 + 2 h 20 min)
  const int64_t answered = One(Item("d3", "c@x", "q", kT0)).conversation_id;
  Message reply;
  reply.body = "a";
  reply.created_at = kT0 + kHour / 6;
  OutboxItem item;
  item.idempotency_key = "due-r";
  ASSERT_TRUE(desk().EnqueueReply(answered, reply, item, -1, ConversationState::kOpen).ok());
  ASSERT_TRUE(desk().SetPriority(answered, 1).ok());
  One(Item("d3b", "c@x", "again", kT0 + kHour / 3, "d3"));
  ASSERT_EQ(Conv(answered).waiting_since, kT0 + kHour / 3);
  // waiting since kT0 but resolved: never due
  const int64_t resolved = One(Item("d4", "d@x", "q", kT0)).conversation_id;
  ASSERT_TRUE(desk().SetState(resolved, ConversationState::kResolved, "x", kT0 + 1, -1).ok());
  // another team without targets, waiting since kT0, urgent
  auto other = desk().Ingest(chat_id, {Item("d5", "e@x", "q", kT0)}, "");
  ASSERT_TRUE(other.ok());
  const int64_t sales = other->front().conversation_id;
  ASSERT_TRUE(desk().SetPriority(sales, 2).ok());

  auto ids = [&](InboxQuery q) {
    std::set<int64_t> out;
    auto rows = desk().ListInbox(q);
    EXPECT_TRUE(rows.ok()) << rows.error();
    if (rows.ok()) {
      for (const InboxRow& r : *rows) out.insert(r.conversation.id);
    }
    return out;
  };
  using Ids = std::set<int64_t>;
  EXPECT_EQ(ids(InboxQuery{.priorities = {2}}), (Ids{later, sales}));
  EXPECT_EQ(ids(InboxQuery{.priorities = {1, 2}}), (Ids{early, later, answered, sales}));
  EXPECT_EQ(ids(InboxQuery{.priorities = {0}}), (Ids{resolved}));
  EXPECT_EQ(ids(InboxQuery{.team_id = team_, .priorities = {2}}), (Ids{later}));
  // Due by kT0 + 59 min: none; by kT0 + 1 h: the first; by + 90 min: both
  // first responses; by + 2 h 20 min: the next response too.
  EXPECT_EQ(ids(InboxQuery{.response_due_before = kT0 + kHour - 60000}), Ids{});
  EXPECT_EQ(ids(InboxQuery{.response_due_before = kT0 + kHour}), (Ids{early}));
  EXPECT_EQ(ids(InboxQuery{.response_due_before = kT0 + 3 * kHour / 2}), (Ids{early, later}));
  EXPECT_EQ(ids(InboxQuery{.response_due_before = kT0 + 2 * kHour + kHour / 3}),
            (Ids{early, later, answered}));
  // Combined with the other filters and in every query plan.
  EXPECT_EQ(
      ids(InboxQuery{.team_id = team_, .priorities = {1}, .response_due_before = kT0 + 3 * kHour}),
      (Ids{early, answered}));
  EXPECT_EQ(ids(InboxQuery{.team_id = team_,
                           .states = {ConversationState::kNew, ConversationState::kOpen},
                           .response_due_before = kT0 + 3 * kHour / 2}),
            (Ids{early, later}));
  EXPECT_EQ(ids(InboxQuery{.assignee_id = 0, .response_due_before = kT0 + 3 * kHour}),
            (Ids{early, later, answered}));
  ASSERT_TRUE(desk().SetTags(early, {"vip"}).ok());
  ASSERT_TRUE(desk().SetTags(later, {"vip"}).ok());
  EXPECT_EQ(ids(InboxQuery{.team_id = team_,
                           .tag = "vip",
                           .priorities = {2},
                           .response_due_before = kT0 + 3 * kHour}),
            (Ids{later}));
  EXPECT_EQ(ids(InboxQuery{.tag = "vip", .response_due_before = kT0 + kHour}), (Ids{early}));
}

TEST_P(DeskStoreContractTest, ApprovalsArePagedNewestFirst) {
  const int64_t ann = MakeAgent("ann");
  std::vector<int64_t> made;
  for (int i = 0; i < 7; ++i) {
    Approval a;
    a.conversation_id = One(Item(N("ap", i), N("c", i, "@x"), "q", kT0 + i)).conversation_id;
    a.channel_id = channel_;
    a.requested_by = ann;
    a.text = std::string("t");
    a.wire_text = a.text;
    a.payload = a.text;
    a.verdict = "{}";
    a.language = "de";
    a.idempotency_key = N("apk", i);
    a.steps = 1;
    a.created_at = kT0 + i;
    a.expires_at = kT0 + kHour;
    auto created = desk().CreateApproval(a);
    ASSERT_TRUE(created.ok()) << created.error();
    made.push_back(created->id);
    if (i == 3) {
      ASSERT_TRUE(desk().SetApprovalState(created->id, ApprovalState::kBlocked, kT0 + 10).ok());
    }
  }
  const int pending = static_cast<int>(ApprovalState::kPending);
  std::vector<int64_t> got;
  int64_t before = 0;
  for (int page = 0; page < 10; ++page) {
    auto rows = desk().ListApprovals(pending, 4, before);
    ASSERT_TRUE(rows.ok()) << rows.error();
    for (const Approval& a : *rows) got.push_back(a.id);
    if (rows->size() < 4) break;
    before = rows->back().id;
  }
  EXPECT_EQ(got, (std::vector<int64_t>{made[6], made[5], made[4], made[2], made[1], made[0]}));
  auto every = desk().ListApprovals(-1, 3, made[4]);
  ASSERT_TRUE(every.ok());
  ASSERT_EQ(every->size(), 3u);
  EXPECT_EQ((*every)[0].id, made[3]);
  EXPECT_EQ((*every)[2].id, made[1]);
}

TEST_P(DeskStoreContractTest, ReplyVerdictsForReports) {
  const int64_t chat_id = SalesChat();
  ASSERT_NE(chat_id, 0);
  const int64_t a = One(Item("rv1", "a@x", "q", kT0)).conversation_id;
  auto other = desk().Ingest(chat_id, {Item("rv2", "b@x", "q", kT0)}, "");
  ASSERT_TRUE(other.ok());
  const int64_t b = other->front().conversation_id;
  auto send = [&](int64_t conv, Millis at, const std::string& verdict, const char* key) {
    Message m;
    m.body = "r";
    m.verdict = verdict;
    m.created_at = at;
    OutboxItem item;
    item.idempotency_key = key;
    auto out = desk().EnqueueReply(conv, m, item, -1, ConversationState::kOpen);
    EXPECT_TRUE(out.ok()) << out.error();
  };
  send(a, kT0 + 10, R"({"action":"warn","findings":[{"category":"tone"}]})", "k1");
  send(b, kT0 + 20, R"({"action":"allow","findings":[]})", "k2");
  send(a, kT0 + kHour, R"({"action":"allow","findings":[]})", "k3");
  send(a, kT0 + 3 * kHour, R"({"action":"allow"})", "k4");  // outside the range
  Message note;
  note.body = "n";
  note.created_at = kT0 + 30;
  ASSERT_TRUE(desk().AddNote(a, note).ok());

  auto team = desk().ListReplyVerdicts(team_, kT0, kT0 + 2 * kHour, 0, 100);
  ASSERT_TRUE(team.ok()) << team.error();
  ASSERT_EQ(team->size(), 2u);
  EXPECT_EQ((*team)[0].at, kT0 + 10);
  EXPECT_EQ((*team)[0].channel_id, channel_);
  EXPECT_EQ((*team)[0].verdict, R"({"action":"warn","findings":[{"category":"tone"}]})");
  EXPECT_EQ((*team)[1].at, kT0 + kHour);
  auto every = desk().ListReplyVerdicts(0, kT0, kT0 + 2 * kHour, 0, 100);
  ASSERT_EQ(every->size(), 3u);
  EXPECT_EQ((*every)[1].channel_id, chat_id);
  // Paged by id.
  auto first = desk().ListReplyVerdicts(0, kT0, kT0 + 2 * kHour, 0, 2);
  ASSERT_EQ(first->size(), 2u);
  auto rest = desk().ListReplyVerdicts(0, kT0, kT0 + 2 * kHour, first->back().message_id, 2);
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().at, kT0 + kHour);
  EXPECT_TRUE(desk().ListReplyVerdicts(team_, kT0 + 4 * kHour, kT0 + 5 * kHour, 0, 10)->empty());
}

// A tag on many conversations takes another query plan than a rare one;
// both must page the same way.
TEST_P(DeskStoreContractTest, InboxPagesACommonTag) {
  constexpr int kConvs = 1100;
  std::vector<int64_t> ids;
  for (int start = 0; start < kConvs; start += 100) {
    std::vector<IngestItem> batch;
    for (int i = start; i < start + 100; ++i) {
      batch.push_back(Item(N("ct", i), N("c", i, "@x"), "q", kT0 + (i / 3) * 1000));
    }
    auto out = desk().Ingest(channel_, batch, "");
    ASSERT_TRUE(out.ok()) << out.error();
    for (const IngestOutcome& o : *out) ids.push_back(o.conversation_id);
  }
  std::vector<int64_t> want;  // newest first: higher index, then higher id
  for (int i = kConvs - 1; i >= 0; --i) {
    if (i % 50 == 7) continue;  // untagged
    ASSERT_TRUE(desk().SetTags(ids[static_cast<size_t>(i)], {"common"}).ok());
  }
  std::vector<std::pair<int, int64_t>> order;
  for (int i = 0; i < kConvs; ++i) {
    if (i % 50 != 7) order.push_back({i / 3, ids[static_cast<size_t>(i)]});
  }
  std::sort(order.rbegin(), order.rend());
  for (const auto& [bucket, id] : order) want.push_back(id);
  for (InboxQuery q :
       {InboxQuery{.tag = "common"}, InboxQuery{.team_id = team_, .tag = "common"}}) {
    q.limit = 200;
    std::vector<int64_t> got;
    for (int page = 0; page < 20; ++page) {
      auto rows = desk().ListInbox(q);
      ASSERT_TRUE(rows.ok()) << rows.error();
      for (const InboxRow& r : *rows) got.push_back(r.conversation.id);
      if (rows->size() < 200) break;
      q.before_last_message_at = rows->back().conversation.last_message_at;
      q.before_id = rows->back().conversation.id;
    }
    EXPECT_EQ(got, want);
  }
  // A new message moves a tagged conversation to the top of its tag's list,
  // also where the tag rows carry the recency; state filters apply there too.
  auto again =
      desk().Ingest(channel_, {Item("ct-late", "c0@x", "noch da?", kT0 + 10'000'000, "ct0")}, "");
  ASSERT_TRUE(again.ok()) << again.error();
  ASSERT_EQ(again->at(0).conversation_id, ids[0]);
  for (InboxQuery q :
       {InboxQuery{.tag = "common"}, InboxQuery{.team_id = team_, .tag = "common"}}) {
    q.limit = 1;
    auto top = desk().ListInbox(q);
    ASSERT_TRUE(top.ok()) << top.error();
    ASSERT_EQ(top->size(), 1u);
    EXPECT_EQ(top->front().conversation.id, ids[0]);
  }
  ASSERT_TRUE(
      desk().SetState(ids[0], ConversationState::kResolved, "test", kT0 + 10'000'001, -1).ok());
  InboxQuery open_only{.team_id = team_, .tag = "common"};
  open_only.states = {ConversationState::kNew, ConversationState::kOpen};
  open_only.limit = 1;
  auto top = desk().ListInbox(open_only);
  ASSERT_TRUE(top.ok()) << top.error();
  ASSERT_EQ(top->size(), 1u);
  EXPECT_NE(top->front().conversation.id, ids[0]);
  EXPECT_EQ(top->front().conversation.id, want.front() == ids[0] ? want[1] : want.front());
}

TEST_P(DeskStoreContractTest, TeamSettingsAndSla) {
  auto defaults = desk().GetTeamDeskSettings(team_);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->team_id, team_);
  EXPECT_EQ(defaults->routing_mode, "manual");
  EXPECT_EQ(defaults->sla_first_response_ms, 0);

  TeamDeskSettings s;
  s.team_id = team_;
  s.routing_mode = "least_loaded";
  s.default_capacity = 5;
  s.match_language = false;
  s.sla_first_response_ms = kHour;
  s.calendar = "Europe/Berlin;NW;mon-fri 08:00-18:00";
  ASSERT_TRUE(desk().PutTeamDeskSettings(s).ok());
  s.default_capacity = 6;
  ASSERT_TRUE(desk().PutTeamDeskSettings(s).ok());
  auto stored = desk().GetTeamDeskSettings(team_);
  EXPECT_EQ(stored->routing_mode, "least_loaded");
  EXPECT_EQ(stored->default_capacity, 6);
  EXPECT_FALSE(stored->match_language);
  EXPECT_EQ(stored->calendar, s.calendar);
  s.team_id = 999;
  Status missing = desk().PutTeamDeskSettings(s);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("999"), std::string::npos);

  std::vector<int64_t> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(One(Item(N("sla", i), N("c@x", i), "q", kT0 + i)).conversation_id);
  }
  ASSERT_TRUE(desk().SetState(ids[2], ConversationState::kResolved, "x", kT0 + 5, -1).ok());
  auto candidates = desk().ListSlaCandidates(team_, kT0, 10);
  ASSERT_TRUE(candidates.ok());
  ASSERT_EQ(candidates->size(), 3u);
  EXPECT_EQ((*candidates)[0].id, ids[0]);

  ConversationEvent warn;
  warn.kind = ConversationEventKind::kSlaWarning;
  warn.at = kT0 + 50;
  warn.detail = "{\"target\":\"first_response\"}";
  ASSERT_TRUE(desk().RecordSlaCheck(ids[0], kT0 + 60, {warn}).ok());
  ASSERT_TRUE(desk().RecordSlaCheck(ids[1], kT0 + 60, {}).ok());
  candidates = desk().ListSlaCandidates(team_, kT0 + 60, 10);
  ASSERT_EQ(candidates->size(), 1u);
  EXPECT_EQ(candidates->front().id, ids[3]);
  EXPECT_EQ(Conv(ids[0]).sla_checked_at, kT0 + 60);
  auto events = desk().ListEvents(ids[0]);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->back().kind, ConversationEventKind::kSlaWarning);
  EXPECT_EQ(events->back().at, kT0 + 50);
  EXPECT_EQ(events->back().detail, warn.detail);
  EXPECT_EQ(desk().RecordSlaCheck(999, 1, {}).code(), StatusCode::kNotFound);
  EXPECT_EQ(desk().ListSlaCandidates(team_ + 1, kT0 + 1000, 10)->size(), 0u);
}

TEST_P(DeskStoreContractTest, DeadLetters) {
  const std::string raw("\x00\xffraw mail\r\n", 12);
  DeadLetter d;
  d.channel_id = channel_;
  d.source = "email poll";
  d.payload = raw;
  d.reason = "no From header";
  auto a = desk().AddDeadLetter(d);
  ASSERT_TRUE(a.ok()) << a.error();
  d.channel_id = 0;
  d.source = "webchat";
  auto b = desk().AddDeadLetter(d);
  ASSERT_TRUE(b.ok());
  EXPECT_GT(b->id, a->id);
  EXPECT_GT(a->created_at, 0);

  auto got = desk().GetDeadLetter(a->id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->payload, raw);
  EXPECT_EQ(got->reason, "no From header");
  EXPECT_EQ(desk().GetDeadLetter(999).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(desk().MarkDeadLetterReplayed(a->id, 77).ok());
  EXPECT_EQ(desk().MarkDeadLetterReplayed(999, 77).code(), StatusCode::kNotFound);
  auto open = desk().ListDeadLetters(false, 10);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->front().id, b->id);
  auto all = desk().ListDeadLetters(true, 10);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, b->id);  // newest first
  EXPECT_EQ((*all)[1].replayed_at, 77);
  EXPECT_EQ(desk().ListDeadLetters(true, 1)->size(), 1u);
}

TEST_P(DeskStoreContractTest, CannedReplies) {
  auto team2 = store_->CreateTeam(Team{0, "sales", 0});
  CannedReply c;
  c.team_id = team_;
  c.name = "thanks";
  c.language = "en";
  c.body = "Thanks, {{contact.name}}!";
  auto a = desk().PutCannedReply(c);
  ASSERT_TRUE(a.ok()) << a.error();
  c.team_id = 0;
  c.name = "greeting";
  auto global = desk().PutCannedReply(c);
  ASSERT_TRUE(global.ok());
  c.team_id = team2->id;
  c.name = "sales only";
  ASSERT_TRUE(desk().PutCannedReply(c).ok());

  auto mine = desk().ListCannedReplies(team_);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 2u);  // the team's and those for every team
  EXPECT_EQ((*mine)[0].name, "greeting");
  EXPECT_EQ((*mine)[1].name, "thanks");
  EXPECT_EQ(desk().ListCannedReplies(0)->size(), 3u);

  CannedReply edit = *a;
  edit.body = "Danke!";
  edit.language = "de";
  edit.updated_at = 0;
  auto edited = desk().PutCannedReply(edit);
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ(edited->created_at, a->created_at);
  EXPECT_EQ((*desk().ListCannedReplies(team_))[1].body, "Danke!");
  edit.id = 999;
  EXPECT_EQ(desk().PutCannedReply(edit).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(desk().DeleteCannedReply(a->id).ok());
  EXPECT_EQ(desk().DeleteCannedReply(a->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(desk().ListCannedReplies(team_)->size(), 1u);
}

TEST_P(DeskStoreContractTest, Reports) {
  const int64_t chat_id = SalesChat();
  ASSERT_NE(chat_id, 0);

  IngestOutcome a = One(Item("v1", "a@x", "q", kT0 + 10));
  One(Item("v2", "a@x", "q", kT0 + 20, "v1"));
  IngestOutcome b = One(Item("v3", "b@x", "q", kT0 + kHour + 5));
  auto c = desk().Ingest(chat_id, {Item("v4", "c@x", "q", kT0 + 30)}, "");
  ASSERT_TRUE(c.ok());
  Message reply;
  reply.body = "a";
  reply.created_at = kT0 + kHour + 7;
  OutboxItem item;
  item.idempotency_key = "r";
  ASSERT_TRUE(
      desk().EnqueueReply(a.conversation_id, reply, item, -1, ConversationState::kOpen).ok());
  Message note;
  note.body = "n";
  note.created_at = kT0 + 40;
  ASSERT_TRUE(desk().AddNote(a.conversation_id, note).ok());

  auto between = desk().ListConversationsBetween(team_, kT0, kT0 + kHour);
  ASSERT_TRUE(between.ok());
  ASSERT_EQ(between->size(), 1u);
  EXPECT_EQ(between->front().id, a.conversation_id);
  auto every = desk().ListConversationsBetween(0, kT0, kT0 + 2 * kHour);
  ASSERT_EQ(every->size(), 3u);
  EXPECT_EQ((*every)[0].id, a.conversation_id);
  EXPECT_EQ((*every)[1].id, c->front().conversation_id);
  EXPECT_EQ((*every)[2].id, b.conversation_id);

  auto volume = desk().MessageVolume(team_, kT0, kT0 + 2 * kHour);
  ASSERT_TRUE(volume.ok()) << volume.error();
  ASSERT_EQ(volume->size(), 2u);
  EXPECT_EQ((*volume)[0].channel_id, channel_);
  EXPECT_EQ((*volume)[0].hour, kT0);
  EXPECT_EQ((*volume)[0].inbound, 2);
  EXPECT_EQ((*volume)[0].outbound, 0);
  EXPECT_EQ((*volume)[1].hour, kT0 + kHour);
  EXPECT_EQ((*volume)[1].inbound, 1);
  EXPECT_EQ((*volume)[1].outbound, 1);
  auto all_teams = desk().MessageVolume(0, kT0, kT0 + 2 * kHour);
  ASSERT_EQ(all_teams->size(), 3u);
  EXPECT_EQ((*all_teams)[2].channel_id, chat_id);
  EXPECT_TRUE(desk().MessageVolume(team_, kT0 + 5 * kHour, kT0 + 6 * kHour)->empty());
}

std::vector<std::string> DumpLines(Store& store) {
  std::vector<std::string> lines;
  Status s = store.Dump([&](std::string_view line) {
    lines.emplace_back(line);
    return Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s;
  return lines;
}

TEST_P(DeskStoreContractTest, PurgeConversationsKeepsWhatReportsRead) {
  // Carol's conversation: inbound with an attachment, a note, a sent reply
  // that resolves it at kT0 + 100.
  IngestItem first = Item("r1", "carol@example.com", "my address is Main St 1", kT0);
  first.author_name = "Carol";
  first.message.subject = "Moving";
  first.message.attachments = {{"lease.pdf", "application/pdf", 10, "blob:lease"}};
  IngestOutcome carol = One(first);
  const int64_t id = carol.conversation_id;
  const int64_t carol_contact = Conv(id).contact_id;
  ASSERT_TRUE(desk().SetTags(id, {"billing"}).ok());
  Message note;
  note.author = "user:ann";
  note.body = "She moved";
  note.created_at = kT0 + 10;
  ASSERT_TRUE(desk().AddNote(id, note).ok());
  const int64_t agent = MakeAgent("ann");
  Message reply = AgentReply("ann", agent, "Noted your new address", kT0 + 100);
  OutboxItem item = OutboxTo("purge-1", "carol@example.com");
  auto queued =
      desk().EnqueueReply(id, reply, item, Conv(id).version, ConversationState::kResolved);
  ASSERT_TRUE(queued.ok()) << queued.error();
  ASSERT_EQ(desk().ClaimOutbox("w", kT0 + 101, 1000, 10)->size(), 1u);
  ASSERT_TRUE(desk().CompleteOutbox(queued->id, "<sent@example.com>", kT0 + 102).ok());
  ASSERT_EQ(Conv(id).state, ConversationState::kResolved);
  const Millis resolved_at = Conv(id).resolved_at;
  ASSERT_GT(resolved_at, 0);
  // Dave's was resolved after the limit, Erin's is open.
  const int64_t dave = One(Item("r2", "dave@example.com", "dave's text", kT0 + 1)).conversation_id;
  ASSERT_TRUE(desk().SetState(dave, ConversationState::kResolved, "x", kT0 + 2000, -1).ok());
  const int64_t erin = One(Item("r3", "erin@example.com", "erin's text", kT0 + 2)).conversation_id;

  const Millis before = kT0 + 1000;
  EXPECT_EQ(desk().PurgeConversations(resolved_at, kT0 + 5000)->conversations, 0);  // not before
  auto purged = desk().PurgeConversations(before, kT0 + 5000);
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(purged->conversations, 1);
  EXPECT_EQ(purged->messages, 3);
  EXPECT_EQ(purged->attachments, 1);
  EXPECT_EQ(purged->contacts_anonymised, 1);
  EXPECT_EQ(purged->contacts_deleted, 0);

  Conversation conv = Conv(id);
  EXPECT_EQ(conv.purged_at, kT0 + 5000);
  EXPECT_EQ(conv.subject, "");
  EXPECT_EQ(conv.last_preview, "");
  EXPECT_EQ(conv.state, ConversationState::kResolved);
  EXPECT_EQ(conv.resolved_at, resolved_at);
  EXPECT_EQ(conv.first_response_at, kT0 + 100);
  EXPECT_EQ(conv.channel_id, channel_);
  EXPECT_EQ(conv.tags, std::vector<std::string>{"billing"});
  auto messages = desk().ListMessages(id);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 3u);
  const std::vector<MessageDirection> directions = {
      MessageDirection::kInbound, MessageDirection::kNote, MessageDirection::kOutbound};
  for (size_t i = 0; i < messages->size(); ++i) {
    const Message& m = (*messages)[i];
    EXPECT_EQ(m.direction, directions[i]);
    EXPECT_EQ(m.body, "");
    EXPECT_EQ(m.html, "");
    EXPECT_EQ(m.author, "");
    EXPECT_EQ(m.subject, "");
    EXPECT_EQ(m.verdict, "");
    EXPECT_TRUE(m.attachments.empty());
    EXPECT_GT(m.created_at, 0);
  }
  EXPECT_EQ((*messages)[2].author_user_id, agent);
  EXPECT_EQ((*messages)[2].delivery, DeliveryState::kSent);
  auto outbox = desk().ListOutbox((*messages)[2].id);
  ASSERT_EQ(outbox->size(), 1u);
  EXPECT_EQ(outbox->front().payload, "");
  EXPECT_EQ(outbox->front().external_id, "<sent@example.com>");
  auto events = desk().ListEvents(id);
  ASSERT_TRUE(events.ok());
  for (const ConversationEvent& e : *events) {
    if (e.kind == ConversationEventKind::kNote) {
      EXPECT_EQ(e.detail, "");
    }
  }
  EXPECT_EQ(desk().GetContact(carol_contact)->display_name, "");
  EXPECT_TRUE(desk().ListContactHandles(carol_contact)->empty());

  // The others keep everything.
  EXPECT_EQ(Conv(dave).purged_at, 0);
  EXPECT_EQ(Conv(erin).purged_at, 0);
  EXPECT_EQ(desk().ListMessages(dave)->front().body, "dave's text");
  EXPECT_EQ(desk().ListMessages(erin)->front().body, "erin's text");
  EXPECT_EQ(desk().ListContactHandles(Conv(dave).contact_id)->size(), 1u);
  EXPECT_EQ(desk().ListContactHandles(Conv(erin).contact_id)->size(), 1u);

  // A second run finds nothing; Carol writing again is a new contact.
  auto again = desk().PurgeConversations(before, kT0 + 6000);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->conversations, 0);
  EXPECT_EQ(again->messages, 0);
  EXPECT_EQ(again->contacts_anonymised, 0);
  IngestOutcome back = One(Item("r4", "carol@example.com", "hello again", kT0 + 7000));
  EXPECT_TRUE(back.created);
  EXPECT_NE(Conv(back.conversation_id).contact_id, carol_contact);
}

TEST_P(DeskStoreContractTest, PurgeConversationsEmptiesCommentsEventDetailsAndOldRawPayloads) {
  const int64_t ann = MakeAgent("ann");
  const int64_t ben = MakeAgent("ben");
  // Frank's conversation (purged) and Gina's (open, kept) get the same
  // history: an assignment, a decided approval with a comment, SLA alerts,
  // and details of other shapes than the desk writes.
  const int64_t frank = One(Item("p1", "frank@example.com", "call me", kT0)).conversation_id;
  const int64_t gina = One(Item("p2", "gina@example.com", "hello", kT0 + 1)).conversation_id;
  auto history = [&](int64_t conv, const std::string& key) -> int64_t {
    EXPECT_TRUE(desk().Assign(conv, ann, "user:ben", kT0 + 10).ok());
    Approval a;
    a.conversation_id = conv;
    a.channel_id = channel_;
    a.requested_by = ann;
    a.text = "Frank's new number is 0170 1234567";
    a.wire_text = a.text;
    a.verdict = "{}";
    a.idempotency_key = key;
    a.steps = 1;
    a.created_at = kT0 + 20;
    a.expires_at = kT0 + 100000;
    auto made = desk().CreateApproval(a);
    EXPECT_TRUE(made.ok()) << made.error();
    if (!made.ok()) return 0;
    ApprovalDecision d{made->id, 0, ben, "", "reject", "Never repeat a customer's number", 0};
    EXPECT_TRUE(desk().DecideApproval(d, ApprovalState::kRejected, kT0 + 30).ok());
    ConversationEvent warning;
    warning.kind = ConversationEventKind::kSlaWarning;
    warning.at = kT0 + 40;
    warning.detail =
        "{\"target\":\"first_response\",\"kind\":\"warning\",\"cycle\":0,\"notify\":[" +
        std::to_string(ann) + "]}";
    ConversationEvent breach = warning;
    breach.kind = ConversationEventKind::kSlaBreach;
    breach.detail = "{\"target\":\"first_response\",\"note\":\"Frank is angry\"}";
    ConversationEvent inbound = warning;
    inbound.kind = ConversationEventKind::kInbound;
    inbound.detail = "{\"message_id\":\"Frank Miller\"}";  // a string, not an id
    ConversationEvent open = warning;
    open.kind = ConversationEventKind::kOpen;
    open.detail = "reopened because Frank called";
    EXPECT_TRUE(desk().RecordSlaCheck(conv, kT0 + 50, {warning, breach, inbound, open}).ok());
    Message note;
    note.author = "user:ann";
    note.body = "He prefers mornings";
    note.created_at = kT0 + 60;
    EXPECT_TRUE(desk().AddNote(conv, note).ok());
    return made->id;
  };
  const int64_t frank_approval = history(frank, "fa");
  const int64_t gina_approval = history(gina, "ga");
  ASSERT_TRUE(desk().SetState(frank, ConversationState::kResolved, "user:ann", kT0 + 70, -1).ok());
  const std::vector<ConversationEvent> gina_events = *desk().ListEvents(gina);

  // Dead letters and webhook event ids: one before the limit, one after.
  DeadLetter old_letter{0, channel_, "webhook", "{\"from\":\"frank@example.com\"", "bad", kT0, 0};
  DeadLetter new_letter = old_letter;
  new_letter.created_at = kT0 + 2000;
  const int64_t old_letter_id = desk().AddDeadLetter(old_letter)->id;
  const int64_t new_letter_id = desk().AddDeadLetter(new_letter)->id;
  ASSERT_TRUE(desk().RememberWebhookEvents(channel_, {"ev-old"}, kT0, 0).ok());
  ASSERT_TRUE(desk().RememberWebhookEvents(channel_, {"ev-new"}, kT0 + 2000, 0).ok());

  const Millis before = kT0 + 1000;
  auto purged = desk().PurgeConversations(before, kT0 + 5000);
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(purged->conversations, 1);
  EXPECT_EQ(purged->decision_comments, 1);
  // The note, the SLA breach, inbound and open events with foreign details.
  EXPECT_EQ(purged->event_details, 4);
  EXPECT_EQ(purged->dead_letters, 1);
  EXPECT_EQ(purged->webhook_events, 1);

  auto decisions = desk().ListApprovalDecisions(frank_approval);
  ASSERT_EQ(decisions->size(), 1u);
  EXPECT_EQ(decisions->front().comment, "");
  EXPECT_EQ(decisions->front().decision, "reject");  // who decided what stays
  EXPECT_EQ(decisions->front().user_id, ben);
  EXPECT_EQ(desk().ListApprovalDecisions(gina_approval)->front().comment,
            "Never repeat a customer's number");

  // Per kind: machine values stay, everything else is emptied.
  std::map<ConversationEventKind, std::vector<std::string>> details;
  auto frank_events = desk().ListEvents(frank);
  ASSERT_TRUE(frank_events.ok()) << frank_events.error();
  for (const ConversationEvent& e : *frank_events) details[e.kind].push_back(e.detail);
  const std::string first_message =
      "{\"message_id\":" + std::to_string(desk().ListMessages(frank)->front().id) + "}";
  EXPECT_EQ(details[ConversationEventKind::kInbound],
            (std::vector<std::string>{first_message, ""}));
  EXPECT_EQ(details[ConversationEventKind::kAssigned],
            std::vector<std::string>{"{\"user_id\":" + std::to_string(ann) + "}"});
  EXPECT_EQ(details[ConversationEventKind::kSlaWarning],
            std::vector<std::string>{
                "{\"target\":\"first_response\",\"kind\":\"warning\",\"cycle\":0,\"notify\":[" +
                std::to_string(ann) + "]}"});
  EXPECT_EQ(details[ConversationEventKind::kSlaBreach], std::vector<std::string>{""});
  EXPECT_EQ(details[ConversationEventKind::kOpen], std::vector<std::string>{""});
  EXPECT_EQ(details[ConversationEventKind::kNote], std::vector<std::string>{""});
  EXPECT_EQ(details[ConversationEventKind::kResolved], std::vector<std::string>{""});

  // The open conversation keeps its history as it was.
  const std::vector<ConversationEvent> gina_after = *desk().ListEvents(gina);
  ASSERT_EQ(gina_after.size(), gina_events.size());
  for (size_t i = 0; i < gina_after.size(); ++i) {
    EXPECT_EQ(gina_after[i].kind, gina_events[i].kind);
    EXPECT_EQ(gina_after[i].detail, gina_events[i].detail);
  }
  EXPECT_EQ(Conv(gina).purged_at, 0);

  EXPECT_EQ(desk().GetDeadLetter(old_letter_id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(desk().GetDeadLetter(new_letter_id)->payload, new_letter.payload);
  EXPECT_EQ(*desk().CountSeenWebhookEvents(channel_, {"ev-old"}), 0u);
  EXPECT_EQ(*desk().CountSeenWebhookEvents(channel_, {"ev-new"}), 1u);

  // A second run finds nothing more.
  auto again = desk().PurgeConversations(before, kT0 + 6000);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(
      again->decision_comments + again->event_details + again->dead_letters + again->webhook_events,
      0);
}

TEST_P(DeskStoreContractTest, DumpLoadRoundTripIncludesTheDesk) {
  const int64_t ann = MakeAgent("ann");
  AgentDeskState st;
  st.user_id = ann;
  st.languages = {"de"};
  ASSERT_TRUE(desk().PutAgentDeskState(st).ok());
  TeamDeskSettings ts;
  ts.team_id = team_;
  ASSERT_TRUE(desk().PutTeamDeskSettings(ts).ok());
  IngestItem first = Item("dl1", "alice@example.com", "Grüße ✓", kT0);
  first.message.attachments = {{"a.txt", "text/plain", 3, "u"}};
  IngestOutcome in = One(first);
  ASSERT_TRUE(desk().SetTags(in.conversation_id, {"vip"}).ok());
  std::vector<int64_t> out = FillOutbox(desk(), channel_, 1, kT0);
  ASSERT_TRUE(
      desk()
          .AddDeadLetter(DeadLetter{0, 0, "webchat", std::string("\x00\x01", 2), "bad", 1, 0})
          .ok());
  CannedReply c;
  c.name = "x";
  ASSERT_TRUE(desk().PutCannedReply(c).ok());

  std::vector<std::string> dump = DumpLines(*store_);
  for (const char* table :
       {"channels", "contacts", "contact_handles", "conversations", "conversation_tags", "messages",
        "message_attachments", "conversation_events", "outbox", "dead_letters", "canned_replies",
        "team_desk_settings", "agent_desk_states"}) {
    bool found = false;
    for (const std::string& line : dump) {
      found = found || line.find(std::string("{\"table\":\"") + table + "\"") == 0;
    }
    EXPECT_TRUE(found) << table;
  }
  std::vector<std::string> targets = {"sqlite"};
  if (!testing::PostgresAdminUrl().empty()) targets.push_back("postgres");
  for (const std::string& kind : targets) {
    SCOPED_TRACE(GetParam() + " -> " + kind);
    auto target = OpenStore(NewUrl(kind));
    ASSERT_TRUE(target.ok()) << target.error();
    size_t i = 0;
    Status s = (*target)->Load([&](std::string& line) {
      if (i == dump.size()) return false;
      line = dump[i++];
      return true;
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(DumpLines(**target), dump);
    // Ids continue after the loaded rows, and the loaded data threads.
    auto more = (*target)->desk().Ingest(channel_, {Item("dl2", "bob@x", "q", kT0 + 1, "dl1")}, "");
    ASSERT_TRUE(more.ok()) << more.error();
    EXPECT_EQ(more->front().conversation_id, in.conversation_id);
    auto fresh = (*target)->desk().Ingest(channel_, {Item("dl3", "bob@x", "q", kT0 + 1)}, "");
    ASSERT_TRUE(fresh.ok()) << fresh.error();
    EXPECT_GT(fresh->front().conversation_id, in.conversation_id + 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, DeskStoreContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace leitplanke::store
