// The publish pillar over a real (SQLite) store and a real desk (its
// approvals queue and connectors), with a fake channel and a guard whose
// verdicts the test controls: variants rendered and checked, approval rules,
// the desk's four-eyes decisions moving posts, scheduling in the company's
// time zone, the send queue (retries, a stricter guideline, exactly once),
// cool-down and advocacy shares.
#include <map>

#include <gtest/gtest.h>

#include "leitplanke/desk/desk.h"
#include "leitplanke/desk/media.h"
#include "leitplanke/guard/policy.h"
#include "leitplanke/publish/publisher.h"

#include "../store/test_support.h"

namespace leitplanke::publish {
namespace {

using store::Post;
using store::PostState;
using store::VariantState;

constexpr Millis kMin = 60'000;
// 2026-01-12 (a Monday) 08:00 UTC = 09:00 in Berlin.
constexpr Millis kMonday0800Utc = 1768204800000;

struct FakeWire {
  std::vector<desk::OutboundMessage> sent;
  std::map<std::string, std::string> by_key;
  std::vector<Status> fail_next;
};

class FakeChannel final : public desk::Channel {
 public:
  FakeChannel(FakeWire* wire, std::string name) : wire_(wire), name_(std::move(name)) {}
  std::string_view kind() const override { return "fake"; }
  Result<std::string> Render(const desk::OutboundMessage& m) const override {
    if (m.text.size() > 280) return Status::InvalidArgument("over 280 characters");
    return m.text + " #" + name_;
  }
  Result<desk::PollResult> Poll(std::string_view) override { return desk::PollResult{}; }
  Result<desk::SendReceipt> Send(const desk::OutboundMessage& m) override {
    if (!wire_->fail_next.empty()) {
      Status s = wire_->fail_next.front();
      wire_->fail_next.erase(wire_->fail_next.begin());
      return s;
    }
    auto it = wire_->by_key.find(m.idempotency_key);
    if (it != wire_->by_key.end()) return desk::SendReceipt{it->second};
    wire_->sent.push_back(m);
    std::string id = name_ + "-" + std::to_string(wire_->sent.size());
    wire_->by_key[m.idempotency_key] = id;
    return desk::SendReceipt{id};
  }

 private:
  FakeWire* wire_;
  std::string name_;
};

// A channel that attaches up to two images or one video (as a network's
// connector: Render refuses media beyond its limits).
class FakeMediaChannel final : public desk::Channel {
 public:
  FakeMediaChannel(FakeWire* wire, std::string name) : inner_(wire, std::move(name)) {}
  std::string_view kind() const override { return "fakemedia"; }
  desk::MediaLimits media_limits() const override {
    desk::MediaLimits l;
    l.max_images = 2;
    l.max_videos = 1;
    l.max_image_bytes = 1000;
    l.max_video_bytes = 100'000;
    l.max_alt_text = 100;
    l.mime_types = {"image/png", "image/jpeg", "video/mp4"};
    return l;
  }
  Result<std::string> Render(const desk::OutboundMessage& m) const override {
    LP_RETURN_IF_ERROR(desk::CheckMedia(media_limits(), kind(), m.media));
    return inner_.Render(m);
  }
  Result<desk::PollResult> Poll(std::string_view c) override { return inner_.Poll(c); }
  Result<desk::SendReceipt> Send(const desk::OutboundMessage& m) override { return inner_.Send(m); }

 private:
  FakeChannel inner_;
};

// A PNG header of w x h pixels (what SniffMedia reads), padded to `size`.
std::shared_ptr<const std::string> Png(uint32_t w, uint32_t h, size_t size = 64) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string b = std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + "IHDR" + be32(w) + be32(h);
  b.resize(std::max(size, b.size()), '\x07');
  return std::make_shared<const std::string>(std::move(b));
}

guard::Finding MakeFinding(std::string rule, std::string category, guard::Action action) {
  guard::Finding f;
  f.rule = std::move(rule);
  f.category = std::move(category);
  f.clause = f.rule.substr(0, 3);
  f.action = action;
  f.message = "finding " + f.rule;
  return f;
}

class PublishTest : public ::testing::Test {
 protected:
  void SetUp() override { Build({}); }

  void Build(PublishOptions options) {
    publisher_.reset();
    desk_.reset();
    store_.reset();
    auto st = store::OpenStore(dir_.File("publish" + std::to_string(++opened_) + ".db"));
    ASSERT_TRUE(st.ok()) << st.error();
    store_ = std::move(*st);
    clock_.Set(kMonday0800Utc);
    GuardCheck check = [this](std::string_view text, const guard::CheckOptions& o) {
      return Check(text, o);
    };
    desk_ = std::make_unique<desk::Desk>(*store_, clock_, check,
                                         desk::DeskOptions{.instance_id = "test"});
    desk_->RegisterChannelKind(
        "fake", [this](const desk::ChannelConfig& c) -> Result<std::unique_ptr<desk::Channel>> {
          return std::unique_ptr<desk::Channel>(std::make_unique<FakeChannel>(&wire_, c.name));
        });
    desk_->RegisterChannelKind(
        "fakemedia",
        [this](const desk::ChannelConfig& c) -> Result<std::unique_ptr<desk::Channel>> {
          return std::unique_ptr<desk::Channel>(std::make_unique<FakeMediaChannel>(&wire_, c.name));
        });
    desk_->SetSecretReader([](std::string_view) -> Result<std::map<std::string, std::string>> {
      return std::map<std::string, std::string>{};
    });
    for (const char* name : {"company-x", "company-li"}) {
      store::ChannelRow ch;
      ch.name = name;
      ch.kind = "fake";
      auto made = store_->desk().CreateChannel(ch);
      ASSERT_TRUE(made.ok()) << made.error();
      channels_.push_back(made->id);
    }
    paula_ = MakeUser("paula", {"publisher"});
    anna_ = MakeUser("anna", {"approver"});
    carl_ = MakeUser("carl", {"compliance"});
    mara_ = MakeUser("mara", {"advocate"});
    options.instance_id = "test";
    options.retry_base_ms = 1000;
    options.give_up_after_ms = 10 * kMin;
    ChannelPort port;
    port.render = [this](int64_t channel, const desk::OutboundMessage& m) -> Result<Rendered> {
      LP_ASSIGN_OR_RETURN(desk::RenderedMessage r, desk_->RenderFor(channel, m));
      return Rendered{std::move(r.wire_text), std::move(r.estimate)};
    };
    port.send = [this](int64_t channel, const desk::OutboundMessage& m, Millis* retry) {
      return desk_->SendNow(channel, m, retry);
    };
    port.media_limits = [this](int64_t channel) -> Result<desk::MediaLimits> {
      LP_ASSIGN_OR_RETURN(desk::Channel * c, desk_->ConnectorFor(channel));
      return c->media_limits();
    };
    publisher_ = std::make_unique<Publisher>(*store_, clock_, check, port, options);
    ASSERT_TRUE(publisher_->Start().ok());
    publisher_->SetEventSink([this](std::string_view type, const std::string& json) {
      events_.emplace_back(type, json);
    });
    publisher_->SetArchiveSealer([](store::ArchiveEntry* e) {
      e->content_hash = "c" + std::to_string(e->seq);
      e->hash = "h" + std::to_string(e->seq);
    });
    Publisher* p = publisher_.get();
    desk_->RegisterApprovalSubject(
        "post", {[p](const store::Approval& a) { return p->RecheckApproval(a); },
                 [p](const store::Approval& a) { return p->ApprovalChanged(a); }});
  }

  // Markers in the text decide the verdict; `stricter_` words hold.
  Result<guard::Verdict> Check(std::string_view text, const guard::CheckOptions&) {
    ++checks_;
    guard::Verdict v;
    v.policy_id = "test";
    v.policy_version = "1";
    auto add = [&](guard::Finding f) {
      v.action = std::max(v.action, f.action);
      v.findings.push_back(std::move(f));
    };
    const std::string t(text);
    if (t.find("[block]") != std::string::npos)
      add(MakeFinding("R01.pii", "pii", guard::Action::kBlock));
    if (t.find("[hold]") != std::string::npos)
      add(MakeFinding("R05.crisis", "crisis", guard::Action::kHold));
    if (t.find("[rude]") != std::string::npos)
      add(MakeFinding("R07.insult", "offensive", guard::Action::kWarn));
    if (t.find("[money]") != std::string::npos)
      add(MakeFinding("R10.forecast", "financial", guard::Action::kWarn));
    for (const auto& [word, action] : stricter_) {
      if (t.find(word) != std::string::npos) add(MakeFinding("R03.new", "confidential", action));
    }
    return v;
  }

  store::User MakeUser(const std::string& name, std::vector<std::string> roles) {
    store::User u;
    u.username = name;
    u.display_name = name;
    u.roles = std::move(roles);
    u.locale = "en";
    auto made = store_->CreateUser(u);
    EXPECT_TRUE(made.ok()) << made.error();
    return made.ok() ? *made : u;
  }

  PostDraft Draft(const std::string& body, std::string li_text = "") {
    PostDraft d;
    d.title = "Launch";
    d.body = body;
    d.variants = {{channels_[0], ""}, {channels_[1], std::move(li_text)}};
    return d;
  }

  Post Approved(const std::string& body) {
    auto p = publisher_->Create(paula_, Draft(body));
    EXPECT_TRUE(p.ok()) << p.error();
    auto s = publisher_->Submit(p->id, paula_, p->version);
    EXPECT_TRUE(s.ok()) << s.error();
    EXPECT_EQ(s->decision, SubmitDecision::kApproved);
    return s->post;
  }

  Post Reload(int64_t id) {
    auto p = publisher_->Get(id);
    EXPECT_TRUE(p.ok()) << p.error();
    return p.ok() ? *p : Post{};
  }

  // A channel of kind "fakemedia" (takes files).
  int64_t MediaChannel() {
    store::ChannelRow ch;
    ch.name = "company-masto";
    ch.kind = "fakemedia";
    auto made = store_->desk().CreateChannel(ch);
    EXPECT_TRUE(made.ok()) << made.error();
    return made.ok() ? made->id : 0;
  }

  store::Asset FileAsset(const std::string& name, const std::string& alt, char digest,
                         std::shared_ptr<const std::string> bytes = Png(640, 480)) {
    store::Asset notes;
    notes.name = name;
    notes.alt_text = alt;
    notes.licence = "own photo";
    notes.consent = "given";
    auto a = publisher_->AddFileAsset(paula_, notes, std::move(bytes), std::string(64, digest));
    EXPECT_TRUE(a.ok()) << a.error();
    return a.ok() ? *a : store::Asset{};
  }

  store::testing::TempDir dir_;
  int opened_ = 0;
  FakeClock clock_;
  FakeWire wire_;
  std::map<std::string, guard::Action> stricter_;
  int checks_ = 0;
  std::vector<std::pair<std::string, std::string>> events_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<desk::Desk> desk_;
  std::unique_ptr<Publisher> publisher_;
  std::vector<int64_t> channels_;
  store::User paula_, anna_, carl_, mara_;
};

TEST_F(PublishTest, VariantsAreRenderedAndCheckedOnTheirWireText) {
  auto live = publisher_->Check(paula_, Draft("New tariff [rude]", "Own words for LinkedIn"));
  ASSERT_TRUE(live.ok()) << live.error();
  ASSERT_EQ(live->size(), 2u);
  EXPECT_EQ((*live)[0].wire_text, "New tariff [rude] #company-x");
  EXPECT_EQ((*live)[0].verdict.action, guard::Action::kWarn);
  EXPECT_EQ((*live)[1].wire_text, "Own words for LinkedIn #company-li");
  EXPECT_EQ((*live)[1].verdict.action, guard::Action::kAllow);
  EXPECT_GT((*live)[0].estimate.length, 0);
  EXPECT_TRUE(publisher_->Calendar(0, 1, 0)->empty());  // nothing stored

  auto post = publisher_->Create(paula_, Draft("New tariff [rude]", "Own words for LinkedIn"));
  ASSERT_TRUE(post.ok()) << post.error();
  EXPECT_EQ(post->state, PostState::kDraft);
  ASSERT_EQ(post->variants.size(), 2u);
  EXPECT_EQ(post->variants[0].action, "warn");
  EXPECT_NE(post->variants[0].verdict.find("\"rule\":\"R07.insult\""), std::string::npos)
      << post->variants[0].verdict;
  EXPECT_EQ(post->variants[1].text, "Own words for LinkedIn");

  // A text the channel cannot carry is reported per variant.
  auto too_long = publisher_->Check(paula_, Draft(std::string(300, 'a')));
  ASSERT_TRUE(too_long.ok());
  EXPECT_EQ((*too_long)[0].error, "over 280 characters");
  EXPECT_EQ((*too_long)[0].verdict.action, guard::Action::kBlock);

  PostDraft bad = Draft("x");
  bad.variants.push_back({channels_[0], ""});
  EXPECT_EQ(publisher_->Create(paula_, bad).status().code(), StatusCode::kInvalidArgument);
  bad = Draft("x");
  bad.title.clear();
  EXPECT_EQ(publisher_->Create(paula_, bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(publisher_->Check(paula_, bad).ok());  // live check while the title is missing
}

TEST_F(PublishTest, ScheduledInBerlinTimeSentOnceAndArchived) {
  Post p = Approved("Our new tariff");
  EXPECT_EQ(p.state, PostState::kApproved);
  // 2026-01-12 10:30 in Berlin (winter, UTC+1) is 09:30 UTC.
  auto scheduled = publisher_->Schedule(p.id, paula_, "2026-01-12T10:30", p.version);
  ASSERT_TRUE(scheduled.ok()) << scheduled.error();
  EXPECT_EQ(scheduled->state, PostState::kScheduled);
  EXPECT_EQ(scheduled->scheduled_at, kMonday0800Utc + 90 * kMin);
  EXPECT_EQ(publisher_->LocalTime(scheduled->scheduled_at), "2026-01-12T10:30:00+01:00");

  EXPECT_EQ(*publisher_->RunQueue(), 0u);
  clock_.Advance(89 * kMin);
  EXPECT_EQ(*publisher_->RunQueue(), 0u);
  clock_.Advance(kMin);
  EXPECT_EQ(*publisher_->RunQueue(), 2u);
  ASSERT_EQ(wire_.sent.size(), 2u);
  EXPECT_EQ(wire_.sent[0].text, "Our new tariff #company-x");
  EXPECT_FALSE(wire_.sent[0].idempotency_key.empty());
  Post sent = Reload(p.id);
  EXPECT_EQ(sent.state, PostState::kSent);
  EXPECT_EQ(sent.variants[0].state, VariantState::kSent);
  EXPECT_EQ(sent.variants[0].external_id, "company-x-1");
  clock_.Advance(60 * kMin);
  EXPECT_EQ(*publisher_->RunQueue(), 0u);
  EXPECT_EQ(wire_.sent.size(), 2u);

  auto archive = store_->desk().ListArchive(1, 10);
  ASSERT_TRUE(archive.ok());
  ASSERT_EQ(archive->size(), 2u);
  EXPECT_EQ((*archive)[0].kind, "post");
  EXPECT_EQ((*archive)[0].wire_text, "Our new tariff #company-x");
  EXPECT_EQ(publisher_->Schedule(p.id, paula_, "now", -1).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PublishTest, ParsesTimesInTheCompanyZone) {
  // Summer time: UTC+2.
  EXPECT_EQ(*publisher_->ParseWhen("2026-07-01T12:00"), 1782900000000);
  EXPECT_EQ(*publisher_->ParseWhen("2026-07-01T10:00:00Z"), 1782900000000);
  EXPECT_EQ(*publisher_->ParseWhen("2026-07-01T11:00:00+01:00"), 1782900000000);
  EXPECT_EQ(*publisher_->ParseWhen("now"), clock_.NowMillis());
  EXPECT_FALSE(publisher_->ParseWhen("2026-02-30T10:00").ok());
  EXPECT_FALSE(publisher_->ParseWhen("tomorrow").ok());
  EXPECT_FALSE(publisher_->ParseWhen("2026-07-01T10:00+1").ok());
  Post p = Approved("x");
  EXPECT_EQ(publisher_->Schedule(p.id, paula_, "2020-01-01T10:00", -1).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(PublishTest, BlockRefusesSubmission) {
  auto p = publisher_->Create(paula_, Draft("call me [block]"));
  ASSERT_TRUE(p.ok());
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->decision, SubmitDecision::kBlocked);
  EXPECT_EQ(s->post.state, PostState::kDraft);
  EXPECT_EQ(publisher_->Submit(p->id, paula_, p->version).status().code(),
            StatusCode::kFailedPrecondition);  // stale version
}

TEST_F(PublishTest, HoldGoesThroughTheDesksFourEyesAndEditsGoBack) {
  // The server hands the same [approvals] settings to both.
  Build({.approval_steps = 2, .approval_expire_ms = 3'600'000});
  desk_->SetApprovalPolicy({{{"approver", "admin"}, {"compliance"}}, 3'600'000});
  auto p = publisher_->Create(paula_, Draft("Outage update [hold]"));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(publisher_->Schedule(p->id, paula_, "2026-01-12T12:00", p->version).ok());
  auto s = publisher_->Submit(p->id, paula_, -1);
  ASSERT_TRUE(s.ok()) << s.error();
  EXPECT_EQ(s->decision, SubmitDecision::kSubmitted);
  EXPECT_EQ(s->post.state, PostState::kSubmitted);
  EXPECT_EQ(s->approval.kind, "post");
  EXPECT_EQ(s->approval.post_id, p->id);
  EXPECT_EQ(s->approval.steps, 2);
  EXPECT_NE(s->approval.wire_text.find("Outage update [hold] #company-x"), std::string::npos);
  const int64_t approval = s->approval.id;

  // Approvers hear of it: a notification each (not the author).
  EXPECT_EQ(store_->publish().ListNotifications(anna_.id, true, 10)->size(), 1u);
  EXPECT_EQ(store_->publish().ListNotifications(carl_.id, true, 10)->size(), 1u);
  EXPECT_EQ(store_->publish().ListNotifications(paula_.id, true, 10)->size(), 0u);
  bool announced = false;
  for (const auto& [type, json] : events_) announced |= type == "desk.approval";
  EXPECT_TRUE(announced);

  // The desk's rules: never one's own post, roles per step, one step each.
  EXPECT_EQ(
      desk_->DecideApproval(approval, paula_, desk::ApprovalVerb::kApprove, "").status().code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(
      desk_->DecideApproval(approval, carl_, desk::ApprovalVerb::kApprove, "").status().code(),
      StatusCode::kPermissionDenied);
  ASSERT_TRUE(desk_->DecideApproval(approval, anna_, desk::ApprovalVerb::kApprove, "ok").ok());
  EXPECT_EQ(Reload(p->id).state, PostState::kSubmitted);
  auto done = desk_->DecideApproval(approval, carl_, desk::ApprovalVerb::kApprove, "");
  ASSERT_TRUE(done.ok()) << done.error();
  EXPECT_EQ(done->state, store::ApprovalState::kApproved);
  Post approved = Reload(p->id);
  EXPECT_EQ(approved.state, PostState::kScheduled);  // it had a time

  // What is approved is what is sent: an edit goes back to the queue.
  PostDraft edit = Draft("Outage update, corrected [hold]");
  auto again = publisher_->Update(p->id, paula_, edit, approved.version);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->decision, SubmitDecision::kSubmitted);
  EXPECT_NE(again->approval.id, approval);
  EXPECT_EQ(again->post.scheduled_at, approved.scheduled_at);
  clock_.Advance(5 * 60 * kMin);
  EXPECT_EQ(*publisher_->RunQueue(), 0u);  // not approved: nothing leaves

  // Whoever edited and submitted it may not approve it either.
  store::User editor = MakeUser("eddi", {"publisher", "approver"});
  auto edited = publisher_->Update(p->id, editor, Draft("Outage update, v3 [hold]"), -1);
  ASSERT_TRUE(edited.ok()) << edited.error();
  EXPECT_EQ(desk_->DecideApproval(edited->approval.id, editor, desk::ApprovalVerb::kApprove, "")
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  again = edited;

  // Request changes and reject send it back to the author as a draft.
  auto changes = desk_->DecideApproval(again->approval.id, anna_,
                                       desk::ApprovalVerb::kRequestChanges, "tone down");
  ASSERT_TRUE(changes.ok()) << changes.error();
  Post back = Reload(p->id);
  EXPECT_EQ(back.state, PostState::kDraft);
  EXPECT_EQ(back.reason, "changes requested");

  // Expiry, through the desk's sweep.
  auto third = publisher_->Submit(p->id, paula_, back.version);
  ASSERT_TRUE(third.ok());
  clock_.Advance(2 * 3'600'000);
  ASSERT_TRUE(desk_->SweepApprovals().ok());
  EXPECT_EQ(Reload(p->id).reason, "approval expired");
  EXPECT_EQ(Reload(p->id).state, PostState::kDraft);
}

TEST_F(PublishTest, ApprovalRulesByRoleChannelAndTopic) {
  Build({.approval_roles = {"publisher"}});
  auto p = publisher_->Create(paula_, Draft("plain"));
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->decision, SubmitDecision::kSubmitted);
  EXPECT_EQ(s->approval_reasons, (std::vector<std::string>{"author role publisher"}));

  Build({.approval_channels = {"company-li"}});
  p = publisher_->Create(paula_, Draft("plain"));
  s = publisher_->Submit(p->id, paula_, p->version);
  EXPECT_EQ(s->decision, SubmitDecision::kSubmitted);
  EXPECT_EQ(s->approval_reasons, (std::vector<std::string>{"channel company-li"}));

  Build({.approval_topics = {"R10"}});
  p = publisher_->Create(paula_, Draft("plain"));
  s = publisher_->Submit(p->id, paula_, p->version);
  EXPECT_EQ(s->decision, SubmitDecision::kApproved);
  p = publisher_->Create(paula_, Draft("profits will double [money]"));
  s = publisher_->Submit(p->id, paula_, p->version);
  EXPECT_EQ(s->decision, SubmitDecision::kSubmitted);
  ASSERT_FALSE(s->approval_reasons.empty());
  EXPECT_EQ(s->approval_reasons[0], "topic R10 (R10.forecast)");
}

TEST_F(PublishTest, StricterGuidelineHoldsThePostBeforeSending) {
  Post p = Approved("Project Falcon ships");
  ASSERT_TRUE(publisher_->Schedule(p.id, paula_, "now", -1).ok());
  stricter_["Falcon"] = guard::Action::kHold;  // a code name became confidential
  EXPECT_EQ(*publisher_->RunQueue(), 0u);
  EXPECT_TRUE(wire_.sent.empty());
  Post held = Reload(p.id);
  EXPECT_EQ(held.state, PostState::kHeld);
  EXPECT_NE(held.reason.find("stricter"), std::string::npos) << held.reason;
  EXPECT_EQ(publisher_->Schedule(p.id, paula_, "now", -1).status().code(),
            StatusCode::kFailedPrecondition);
  stricter_.clear();
  ASSERT_TRUE(publisher_->Schedule(p.id, paula_, "now", -1).ok());
  EXPECT_EQ(*publisher_->RunQueue(), 2u);
  EXPECT_EQ(Reload(p.id).state, PostState::kSent);
}

TEST_F(PublishTest, ASenderThatDiedMidSendIsReplacedAndTheKeyKeepsItOnce) {
  Post p = Approved("Once only");
  ASSERT_TRUE(publisher_->Schedule(p.id, paula_, "now", -1).ok());
  // Another instance claims the variants, hands one to the network and dies
  // before recording it.
  auto claimed = store_->publish().ClaimDueVariants("dead", clock_.NowMillis(), 60'000, 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  desk::OutboundMessage wire;
  wire.idempotency_key = (*claimed)[0].idempotency_key;
  wire.text = (*claimed)[0].wire_text;
  ASSERT_TRUE(desk_->SendNow((*claimed)[0].channel_id, wire, nullptr).ok());
  EXPECT_EQ(*publisher_->RunQueue(), 0u);  // still leased
  clock_.Advance(60'000);
  EXPECT_EQ(*publisher_->RunQueue(), 2u);
  // The network saw each variant once: the resend carried the same key.
  EXPECT_EQ(wire_.sent.size(), 2u);
  Post sent = Reload(p.id);
  EXPECT_EQ(sent.state, PostState::kSent);
  EXPECT_EQ(sent.variants[0].attempts, 2);
  EXPECT_EQ(store_->desk().ListArchive(1, 10)->size(), 2u);
}

TEST_F(PublishTest, RetriesWhileTheChannelIsDownThenFailsWithTheReason) {
  Post p = Approved("Hello");
  ASSERT_TRUE(publisher_->Schedule(p.id, paula_, "now", -1).ok());
  wire_.fail_next = {Status::Unavailable("network down")};
  EXPECT_EQ(*publisher_->RunQueue(), 1u);  // one variant failed, the other went out
  Post mid = Reload(p.id);
  EXPECT_EQ(mid.state, PostState::kSending);
  const store::PostVariant& failed = mid.variants[0];
  EXPECT_EQ(failed.state, VariantState::kPending);
  EXPECT_EQ(failed.last_error, "network down");
  EXPECT_EQ(failed.next_attempt_at, clock_.NowMillis() + 1000);
  clock_.Advance(1000);
  wire_.fail_next = {Status::Unavailable("network down")};
  EXPECT_EQ(*publisher_->RunQueue(), 0u);  // second failure: 2 s back-off
  EXPECT_EQ(Reload(p.id).variants[0].next_attempt_at, clock_.NowMillis() + 2000);
  // The channel stays down past the give-up time: failed, never dropped.
  wire_.fail_next.assign(50, Status::Unavailable("still down"));
  for (int i = 0; i < 40 && Reload(p.id).state == PostState::kSending; ++i) {
    clock_.Advance(kMin);
    (void)publisher_->RunQueue();
  }
  Post done = Reload(p.id);
  EXPECT_EQ(done.state, PostState::kFailed);
  EXPECT_EQ(done.reason, "still down");
  EXPECT_EQ(done.variants[0].state, VariantState::kFailed);
  EXPECT_EQ(done.variants[1].state, VariantState::kSent);
  // Open editors hear of it.
  std::string last_post_event;
  for (const auto& [type, json] : events_) {
    if (type == "publish.post") last_post_event = json;
  }
  EXPECT_NE(last_post_event.find("\"state\":\"failed\""), std::string::npos) << last_post_event;
  // What went out stays as it was: no edit once a variant is sent.
  EXPECT_EQ(publisher_->Update(p.id, paula_, Draft("Hello again"), -1).status().code(),
            StatusCode::kFailedPrecondition);

  // A permanent error fails at once.
  Post q = Approved("Second");
  ASSERT_TRUE(publisher_->Schedule(q.id, paula_, "now", -1).ok());
  wire_.fail_next = {Status::PermissionDenied("token revoked")};
  (void)publisher_->RunQueue();
  EXPECT_EQ(Reload(q.id).variants[0].state, VariantState::kFailed);
  EXPECT_EQ(Reload(q.id).state, PostState::kFailed);
}

TEST_F(PublishTest, CooldownOutsideWorkingHoursNeedsConfirmation) {
  Build({.cooldown_ms = 60 * kMin});
  publisher_->SetWorkingHours([](int64_t, Millis at) -> Result<bool> {
    return at >= kMonday0800Utc && at < kMonday0800Utc + 9 * 60 * kMin;
  });
  // Inside working hours: no cool-down, even when flagged.
  PostDraft d = Draft("We are sorry [rude]");
  auto p = publisher_->Create(paula_, d);
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_EQ(s->decision, SubmitDecision::kApproved);
  EXPECT_EQ(s->post.flags, (std::vector<std::string>{"risky"}));
  auto now = publisher_->Schedule(p->id, paula_, "now", -1);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->cooldown_until, 0);

  // At 22:00 Berlin: an hour's cool-down and a confirmation.
  auto q = publisher_->Create(paula_, d);
  ASSERT_TRUE(publisher_->Submit(q->id, paula_, q->version).ok());
  auto late = publisher_->Schedule(q->id, paula_, "2026-01-12T22:00", -1);
  ASSERT_TRUE(late.ok()) << late.error();
  EXPECT_EQ(late->cooldown_until, late->scheduled_at + 60 * kMin);
  EXPECT_FALSE(late->cooldown_confirmed);
  clock_.Set(late->scheduled_at + 61 * kMin);
  (void)publisher_->RunQueue();
  EXPECT_EQ(Reload(q->id).state, PostState::kScheduled);  // waits for "still send?"
  auto confirmed = publisher_->ConfirmCooldown(q->id, paula_);
  ASSERT_TRUE(confirmed.ok()) << confirmed.error();
  EXPECT_EQ(*publisher_->RunQueue(), 2u);
  EXPECT_EQ(Reload(q->id).state, PostState::kSent);
  EXPECT_EQ(publisher_->ConfirmCooldown(q->id, paula_).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PublishTest, AdvocacySharesDiscloseTheAffiliation) {
  auto draft = publisher_->Create(paula_, Draft("Our new tariff"));
  EXPECT_EQ(publisher_->SetShareable(draft->id, paula_, true).status().code(),
            StatusCode::kFailedPrecondition);
  Post p = Approved("Our new tariff");
  p.link = "";
  ASSERT_TRUE(publisher_->SetShareable(p.id, paula_, true).ok());
  auto list = publisher_->Shareable();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, p.id);

  // Without disclosure: R06 blocks, nothing recorded.
  auto plain = publisher_->Share(p.id, mara_, {"Best tariff ever, switch now!", "linkedin"});
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_FALSE(plain->allowed);
  EXPECT_FALSE(plain->disclosed);
  ASSERT_FALSE(plain->verdict.findings.empty());
  EXPECT_EQ(plain->verdict.findings[0].rule, "R06.disclosure");
  EXPECT_EQ(plain->verdict.findings[0].clause, "R06");
  EXPECT_EQ(plain->verdict.action, guard::Action::kBlock);
  EXPECT_TRUE(store_->publish().ListShares(p.id, 0, 10)->empty());

  // Own words that disclose it: allowed, the checked text returned, recorded.
  auto ok = publisher_->Share(p.id, mara_,
                              {"I work at Beispiel AG and I like it.", "linkedin", false, false});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->allowed);
  EXPECT_EQ(ok->text, "I work at Beispiel AG and I like it.\n\nOur new tariff");
  EXPECT_NE(ok->share.id, 0);
  // The hint added on request; a preview records nothing; the guard still rules.
  auto added = publisher_->Share(p.id, mara_, {"Great!", "x", true, true});
  EXPECT_TRUE(added->allowed);
  EXPECT_EQ(added->text.rfind("I work at Beispiel AG. Great!", 0), 0u) << added->text;
  auto rude = publisher_->Share(p.id, mara_, {"I work at Beispiel AG [block]", "x"});
  EXPECT_FALSE(rude->allowed);
  EXPECT_EQ(store_->publish().ListShares(p.id, 0, 10)->size(), 1u);
  ASSERT_TRUE(publisher_->SetShareable(p.id, paula_, false).ok());
  EXPECT_EQ(publisher_->Share(p.id, mara_, {"I work at Beispiel AG", "x"}).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PublishTest, MediaGoAsLinksAndWithoutLicenceOrConsentNeedApproval) {
  store::Asset photo;
  photo.name = "team.jpg";
  photo.url = "https://media.beispiel.de/team.jpg";
  photo.licence = "own photo";
  photo.consent = "given";
  auto own = publisher_->AddAsset(paula_, photo);
  ASSERT_TRUE(own.ok()) << own.error();
  photo.name = "found.jpg";
  photo.url = "https://example.org/found.jpg";
  photo.licence = "";
  auto found = publisher_->AddAsset(paula_, photo);
  ASSERT_TRUE(found.ok());
  photo.url = "ftp://x";
  EXPECT_EQ(publisher_->AddAsset(paula_, photo).status().code(), StatusCode::kInvalidArgument);
  photo.url = "https://x/y.jpg";
  photo.consent = "maybe";
  EXPECT_EQ(publisher_->AddAsset(paula_, photo).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(publisher_->Assets()->size(), 2u);

  PostDraft d = Draft("Our team");
  d.variants[0].asset_ids = {own->id};
  auto p = publisher_->Create(paula_, d);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->variants[0].wire_text, "Our team\nhttps://media.beispiel.de/team.jpg #company-x");
  EXPECT_EQ(p->variants[0].asset_ids, (std::vector<int64_t>{own->id}));
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->decision, SubmitDecision::kApproved);

  d.variants[1].asset_ids = {found->id};
  auto q = publisher_->Create(paula_, d);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->variants[1].action, "hold");
  EXPECT_NE(q->variants[1].verdict.find("R09.licence"), std::string::npos);
  s = publisher_->Submit(q->id, paula_, q->version);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->decision, SubmitDecision::kSubmitted);
  EXPECT_NE(s->approval.wire_text.find("https://example.org/found.jpg"), std::string::npos);

  d.variants[0].asset_ids = {424242};
  EXPECT_EQ(publisher_->Create(paula_, d).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(PublishTest, RetentionPurgesFinishedPostsNotificationsAndArchiveContent) {
  Post p = Approved("Gone later");
  ASSERT_TRUE(publisher_->Schedule(p.id, paula_, "now", -1).ok());
  ASSERT_EQ(*publisher_->RunQueue(), 2u);
  Post draft = Reload(publisher_->Create(paula_, Draft("stays"))->id);
  ASSERT_TRUE(store_->publish()
                  .AddNotifications({{0, anna_.id, "x", "post:1", "{}", clock_.NowMillis(), 0}})
                  .ok());
  clock_.Advance(10LL * 86'400'000);
  auto none =
      publisher_->ApplyRetention({.posts_days = 30, .notifications_days = 30, .archive_days = 30});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->posts + none->notifications + none->archive_entries, 0);
  auto purged =
      publisher_->ApplyRetention({.posts_days = 7, .notifications_days = 7, .archive_days = 7});
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(purged->posts, 1);
  EXPECT_EQ(purged->notifications, 1);
  EXPECT_EQ(purged->archive_entries, 2);
  EXPECT_EQ(publisher_->Get(p.id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(publisher_->Get(draft.id).ok());
  auto archive = store_->desk().ListArchive(1, 10);
  ASSERT_EQ(archive->size(), 2u);  // entries and hashes stay, content goes
  EXPECT_EQ((*archive)[0].wire_text, "");
  EXPECT_NE((*archive)[0].purged_at, 0);
  EXPECT_FALSE((*archive)[0].content_hash.empty());
  // 0 keeps forever.
  EXPECT_EQ(publisher_->ApplyRetention({})->posts, 0);
}

TEST_F(PublishTest, RetentionPurgesResolvedConversationsAndAuditContent) {
  std::vector<std::string> audited;
  publisher_->SetAuditSink(
      [&](std::string_view, std::string_view action, std::string_view, const std::string& detail) {
        audited.push_back(std::string(action) + " " + detail);
      });
  store::IngestItem item;
  item.message.external_id = "m1";
  item.message.author = "carol@example.com";
  item.message.body = "my phone is 0170 1234567";
  item.received_at = clock_.NowMillis();
  auto in = store_->desk().Ingest(channels_[0], {item}, "");
  ASSERT_TRUE(in.ok()) << in.error();
  const int64_t conv = in->front().conversation_id;
  ASSERT_TRUE(store_->desk()
                  .SetState(conv, store::ConversationState::kResolved, "x", clock_.NowMillis(), -1)
                  .ok());
  store::AuditEntry e;
  e.actor = "user:carol";
  e.action = "login";
  e.detail = "{}";
  e.content_hash = "c";
  e.at = clock_.NowMillis();
  ASSERT_TRUE(
      store_->AppendAudit(e, [](const store::AuditEntry& a) { return std::to_string(a.seq); })
          .ok());
  ASSERT_TRUE(store_->desk()
                  .AddDeadLetter({0, channels_[0], "webhook", "{\"from\":\"carol\"", "bad",
                                  clock_.NowMillis(), 0})
                  .ok());
  clock_.Advance(10LL * 86'400'000);
  auto none = publisher_->ApplyRetention({.messages_days = 30, .audit_days = 30});
  ASSERT_TRUE(none.ok()) << none.error();
  EXPECT_EQ(none->desk.conversations + none->audit_entries, 0);
  EXPECT_TRUE(audited.empty());
  auto purged = publisher_->ApplyRetention({.messages_days = 7, .audit_days = 7});
  ASSERT_TRUE(purged.ok()) << purged.error();
  EXPECT_EQ(purged->desk.conversations, 1);
  EXPECT_EQ(purged->desk.messages, 1);
  EXPECT_EQ(purged->desk.contacts_anonymised, 1);
  EXPECT_EQ(purged->audit_entries, 1);
  EXPECT_EQ(store_->desk().ListMessages(conv)->front().body, "");
  EXPECT_EQ(store_->ListAudit(1, 1)->front().actor, "");
  ASSERT_EQ(audited.size(), 1u);  // one entry per run, with the counts
  EXPECT_NE(audited[0].find("retention.purge"), std::string::npos);
  EXPECT_NE(audited[0].find("\"conversations\":1"), std::string::npos) << audited[0];
  EXPECT_NE(audited[0].find("\"audit_entries\":1"), std::string::npos) << audited[0];
  EXPECT_NE(audited[0].find("\"dead_letters\":1"), std::string::npos) << audited[0];
  EXPECT_NE(audited[0].find("\"event_details\":0"), std::string::npos) << audited[0];
  EXPECT_EQ(purged->desk.dead_letters, 1);
}

TEST_F(PublishTest, CalendarAndChannelQueue) {
  Post a = Approved("a");
  Post b = Approved("b");
  ASSERT_TRUE(publisher_->Schedule(a.id, paula_, "2026-01-14T09:00", -1).ok());
  ASSERT_TRUE(publisher_->Schedule(b.id, paula_, "2026-01-13T09:00", -1).ok());
  auto week = publisher_->Calendar(*publisher_->ParseWhen("2026-01-12T00:00"),
                                   *publisher_->ParseWhen("2026-01-19T00:00"), 0);
  ASSERT_TRUE(week.ok()) << week.error();
  ASSERT_EQ(week->size(), 2u);
  EXPECT_EQ((*week)[0].id, b.id);
  auto queue = publisher_->Queue(channels_[1]);
  ASSERT_EQ(queue->size(), 2u);
  EXPECT_EQ((*queue)[0].id, b.id);
  EXPECT_EQ(publisher_->Calendar(10, 5, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(publisher_->Calendar(0, 100LL * 86'400'000, 0).status().code(),
            StatusCode::kOutOfRange);
  ASSERT_TRUE(publisher_->Cancel(a.id, paula_, -1).ok());
  EXPECT_EQ(publisher_->Queue(channels_[1])->size(), 1u);
}

}  // namespace
}  // namespace leitplanke::publish

namespace leitplanke::publish {
namespace {

TEST_F(PublishTest, StoredFilesGoNativelyWhereTheChannelTakesThemLinksElsewhere) {
  const int64_t masto = MediaChannel();
  store::Asset file = FileAsset("team.png", "Our team at the lake", 'a');
  EXPECT_EQ(file.mime_type, "image/png");
  EXPECT_EQ(file.width, 640);
  EXPECT_EQ(file.height, 480);
  store::Asset link;
  link.name = "logo";
  link.url = "https://media.beispiel.de/logo.png";
  link.licence = "own";
  link.consent = "not_needed";
  link.alt_text = "[block] words never sent";  // a link's alt text goes nowhere
  auto url = publisher_->AddAsset(paula_, link);
  ASSERT_TRUE(url.ok()) << url.error();

  PostDraft d;
  d.title = "Summer";
  d.body = "Summer party";
  d.variants = {{masto, "", {file.id, url->id}}, {channels_[0], "", {url->id}}};
  auto live = publisher_->Check(paula_, d);
  ASSERT_TRUE(live.ok()) << live.error();
  const VariantCheck& m = (*live)[0];
  EXPECT_TRUE(m.error.empty()) << m.error;
  EXPECT_EQ(m.native, (std::vector<bool>{true, false}));
  EXPECT_EQ(m.media_limits.max_images, 2);
  EXPECT_EQ(m.wire_text, "Summer party\nhttps://media.beispiel.de/logo.png #company-masto");
  EXPECT_EQ(m.verdict.action, guard::Action::kAllow);
  EXPECT_EQ((*live)[1].native, (std::vector<bool>{false}));
  EXPECT_EQ((*live)[1].media_limits.max_images, 0);

  auto p = publisher_->Create(paula_, d);
  ASSERT_TRUE(p.ok()) << p.error();
  ASSERT_EQ(p->variants.size(), 2u);
  const store::PostVariant& on_masto =
      p->variants[0].channel_id == masto ? p->variants[0] : p->variants[1];
  EXPECT_NE(on_masto.media.find("\"sha256\":\"" + std::string(64, 'a') + "\""), std::string::npos)
      << on_masto.media;
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok()) << s.error();
  ASSERT_EQ(s->decision, SubmitDecision::kApproved);
  ASSERT_TRUE(publisher_->Schedule(p->id, paula_, "now", -1).ok());
  EXPECT_EQ(*publisher_->RunQueue(), 2u);
  ASSERT_EQ(wire_.sent.size(), 2u)
      << Reload(p->id).reason << " / " << Reload(p->id).variants[0].last_error << " / "
      << Reload(p->id).variants[1].last_error;
  const desk::OutboundMessage* to_masto = nullptr;
  const desk::OutboundMessage* to_x = nullptr;
  for (const auto& w : wire_.sent)
    (w.text.find("#company-masto") != std::string::npos ? to_masto : to_x) = &w;
  ASSERT_NE(to_masto, nullptr);
  ASSERT_NE(to_x, nullptr);
  ASSERT_EQ(to_masto->media.size(), 1u);
  EXPECT_EQ(to_masto->media[0].name, "team.png");
  EXPECT_EQ(to_masto->media[0].mime_type, "image/png");
  EXPECT_EQ(to_masto->media[0].alt_text, "Our team at the lake");
  EXPECT_EQ(to_masto->media[0].sha256, std::string(64, 'a'));
  EXPECT_EQ(to_masto->media[0].width, 640);
  ASSERT_NE(to_masto->media[0].bytes, nullptr);
  EXPECT_EQ(*to_masto->media[0].bytes, *Png(640, 480));
  EXPECT_TRUE(to_x->media.empty());
  EXPECT_EQ(to_x->text, "Summer party\nhttps://media.beispiel.de/logo.png #company-x");

  // The archive's sealed record names the media sent.
  auto archive = store_->desk().ListArchive(1, 10);
  ASSERT_TRUE(archive.ok());
  bool found = false;
  for (const store::ArchiveEntry& e : *archive) {
    if (e.channel.find("company-masto") == std::string::npos) continue;
    found = true;
    EXPECT_NE(e.verdict.find("\"media\":[{\"asset_id\":" + std::to_string(file.id)),
              std::string::npos)
        << e.verdict;
    EXPECT_NE(e.verdict.find("\"alt_text\":\"Our team at the lake\""), std::string::npos);
    EXPECT_NE(e.verdict.find("\"native\":true"), std::string::npos);
  }
  EXPECT_TRUE(found);
}

TEST_F(PublishTest, MediaTheChannelCannotTakeBlockTheVariantNamingTheFile) {
  const int64_t masto = MediaChannel();
  store::Asset a = FileAsset("a.png", "", '1');
  store::Asset b = FileAsset("b.png", "", '2');
  store::Asset c = FileAsset("c.png", "", '3');
  store::Asset big = FileAsset("big.png", "", '4', Png(10, 10, 5000));
  PostDraft d;
  d.title = "Many";
  d.body = "Pictures";
  d.variants = {{masto, "", {a.id, b.id, c.id}}};
  auto live = publisher_->Check(paula_, d);
  ASSERT_TRUE(live.ok()) << live.error();
  EXPECT_EQ((*live)[0].error, "3 images, fakemedia allows 2 per message");
  EXPECT_EQ((*live)[0].verdict.action, guard::Action::kBlock);

  d.variants = {{masto, "", {a.id, big.id}}};
  live = publisher_->Check(paula_, d);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ((*live)[0].error, "media[1] \"big.png\": 5 KB is over fakemedia's 1 KB per image");
  auto p = publisher_->Create(paula_, d);
  ASSERT_TRUE(p.ok()) << p.error();
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->decision, SubmitDecision::kBlocked);

  // A stored file has no public link for a channel without file support.
  d.variants = {{channels_[0], "", {a.id}}};
  live = publisher_->Check(paula_, d);
  ASSERT_TRUE(live.ok());
  EXPECT_NE((*live)[0].error.find("fake cannot attach files, and \"a.png\""), std::string::npos)
      << (*live)[0].error;
  EXPECT_EQ((*live)[0].native, (std::vector<bool>{false}));

  // Bytes that are no picture never enter the library.
  store::Asset notes;
  notes.name = "doc.pdf";
  auto pdf = publisher_->AddFileAsset(
      paula_, notes, std::make_shared<const std::string>("%PDF-1.7 ..."), std::string(64, '9'));
  ASSERT_FALSE(pdf.ok());
  EXPECT_NE(pdf.status().message().find("(PDF?)"), std::string::npos);
}

TEST_F(PublishTest, AltTextsAreCheckedAndTheirFindingsNameTheMedium) {
  const int64_t masto = MediaChannel();
  store::Asset crisis = FileAsset("crowd.png", "People in front of the plant [hold]", 'c');
  PostDraft d;
  d.title = "Plant";
  d.body = "Open day";
  d.variants = {{masto, "", {crisis.id}}};
  auto p = publisher_->Create(paula_, d);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->variants[0].action, "hold");
  auto live = publisher_->Check(paula_, d);
  ASSERT_TRUE(live.ok());
  ASSERT_EQ((*live)[0].verdict.findings.size(), 1u);
  const guard::Finding& f = (*live)[0].verdict.findings[0];
  EXPECT_EQ(f.rule, "R05.crisis");
  EXPECT_EQ(f.message, "Alt text of \"crowd.png\": finding R05.crisis");
  EXPECT_EQ(f.start, 0u);
  EXPECT_EQ(f.end, 0u);
  EXPECT_EQ(f.evidence, "alt_text:crowd.png");
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->decision, SubmitDecision::kSubmitted);
  // The approver reads each stored file and its alt text below the wire text.
  EXPECT_NE(s->approval.wire_text.find("\n[media 1] crowd.png (image/png, "), std::string::npos)
      << s->approval.wire_text;
  EXPECT_NE(s->approval.wire_text.find("\n  alt: People in front of the plant"), std::string::npos)
      << s->approval.wire_text;

  store::Asset leak = FileAsset("iban.png", "Account [block]", 'd');
  d.variants = {{masto, "", {leak.id}}};
  auto q = publisher_->Create(paula_, d);
  ASSERT_TRUE(q.ok());
  s = publisher_->Submit(q->id, paula_, q->version);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->decision, SubmitDecision::kBlocked);
}

TEST_F(PublishTest, WhatIsApprovedIsSentAMediumChangedAfterApprovalHoldsThePost) {
  const int64_t masto = MediaChannel();
  store::Asset photo = FileAsset("team.png", "Our team", 'e');
  PostDraft d;
  d.title = "Team";
  d.body = "Hello";
  d.variants = {{masto, "", {photo.id}}};
  auto p = publisher_->Create(paula_, d);
  ASSERT_TRUE(p.ok());
  auto s = publisher_->Submit(p->id, paula_, p->version);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->decision, SubmitDecision::kApproved);
  ASSERT_TRUE(publisher_->Schedule(p->id, paula_, "now", -1).ok());

  AssetPatch patch;
  patch.alt_text = "Our team, now with a different description";
  auto changed = publisher_->UpdateAsset(paula_, photo.id, patch);
  ASSERT_TRUE(changed.ok()) << changed.error();
  EXPECT_EQ(changed->alt_text, "Our team, now with a different description");
  EXPECT_EQ(*publisher_->RunQueue(), 0u);
  EXPECT_TRUE(wire_.sent.empty());
  Post held = Reload(p->id);
  EXPECT_EQ(held.state, PostState::kHeld);
  EXPECT_NE(held.reason.find("A medium changed after approval"), std::string::npos) << held.reason;
  EXPECT_NE(held.reason.find("\"team.png\""), std::string::npos) << held.reason;

  // Edited (checked again with the new alt text) it goes out as approved now.
  auto again = publisher_->Update(p->id, paula_, d, held.version);
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again->decision, SubmitDecision::kScheduled);
  EXPECT_EQ(*publisher_->RunQueue(), 1u);
  ASSERT_EQ(wire_.sent.size(), 1u);
  ASSERT_EQ(wire_.sent[0].media.size(), 1u);
  EXPECT_EQ(wire_.sent[0].media[0].alt_text, "Our team, now with a different description");

  // A medium changed while its post waited for approval sends it back.
  store::Asset unlicensed = FileAsset("found.png", "Found", 'f');
  AssetPatch no_licence;
  no_licence.licence = "";
  ASSERT_TRUE(publisher_->UpdateAsset(paula_, unlicensed.id, no_licence).ok());
  d.variants = {{masto, "", {unlicensed.id}}};
  auto r = publisher_->Create(paula_, d);
  ASSERT_TRUE(r.ok());
  s = publisher_->Submit(r->id, paula_, r->version);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->decision, SubmitDecision::kSubmitted);  // R09: no licence
  AssetPatch alt;
  alt.alt_text = "Found somewhere";
  ASSERT_TRUE(publisher_->UpdateAsset(paula_, unlicensed.id, alt).ok());
  ASSERT_TRUE(desk_->DecideApproval(s->approval.id, anna_, desk::ApprovalVerb::kApprove, "").ok());
  Post back = Reload(r->id);
  EXPECT_EQ(back.state, PostState::kDraft);
  EXPECT_EQ(back.reason, "a medium changed while the post waited for approval");

  // The library refuses to delete what a post uses.
  EXPECT_EQ(publisher_->DeleteAsset(paula_, unlicensed.id).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace leitplanke::publish
