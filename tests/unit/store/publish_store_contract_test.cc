// The PublishStore contract (posts, their send queue, shares, notifications,
// approvals of posts), run against every back end like the other store
// suites: SQLite always, PostgreSQL when LP_TEST_POSTGRES_URL is set
// (scripts/with-postgres), each test on a database of its own.
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "leitplanke/store/store.h"

#include "store/schema.h"
#include "store/sql/postgres/pg_connection.h"
#include "store/sql/sqlite/sqlite_connection.h"
#include "store_fixture.h"
#include "test_support.h"

namespace leitplanke::store {
namespace {

using testing::PgTestDatabase;
using testing::TempDir;

constexpr Millis kT0 = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr Millis kMin = 60'000;

// prefix + i, appended step by step (GCC 12 warns falsely about
// "literal" + std::string at -O3).
std::string Name(const char* prefix, int64_t i) {
  std::string out(prefix);
  out += std::to_string(i);
  return out;
}

class PublishStoreContractTest : public testing::StoreFixture {
 protected:
  void SetUp() override {
    StoreFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    User u;
    u.username = "paula";
    u.display_name = "Paula";
    u.roles = {"publisher"};
    auto user = store_->CreateUser(u);
    ASSERT_TRUE(user.ok()) << user.error();
    author_ = user->id;
    for (const char* name : {"company-x", "company-mastodon", "company-linkedin"}) {
      ChannelRow ch;
      ch.name = name;
      ch.kind = "demo";
      auto created = store_->desk().CreateChannel(ch);
      ASSERT_TRUE(created.ok()) << created.error();
      channels_.push_back(created->id);
    }
  }

  std::unique_ptr<Store> Open(const std::string& kind) {
    auto store = OpenStore(NewUrl(kind));
    EXPECT_TRUE(store.ok()) << store.error();
    return store.ok() ? std::move(*store) : nullptr;
  }

  PublishStore& ps() { return store_->publish(); }

  PostVariant Variant(int64_t channel, const std::string& key, const std::string& wire) {
    PostVariant v;
    v.channel_id = channel;
    v.idempotency_key = key;
    v.wire_text = wire;
    v.verdict = "{\"action\":\"allow\"}";
    v.action = "allow";
    return v;
  }

  Post NewPost(const std::string& title, int nvariants = 2) {
    Post p;
    p.title = title;
    p.body = "Unser neuer Tarif ist da.";
    p.author_id = author_;
    p.created_at = kT0;
    for (int i = 0; i < nvariants; ++i) {
      p.variants.push_back(
          Variant(channels_[i], title + "-key-" + std::to_string(i), "wire " + std::to_string(i)));
    }
    auto created = ps().CreatePost(p);
    EXPECT_TRUE(created.ok()) << created.error();
    return created.ok() ? *created : Post{};
  }

  Post Schedule(Post p, Millis at) {
    p.state = PostState::kScheduled;
    p.scheduled_at = at;
    auto updated = ps().UpdatePost(p);
    EXPECT_TRUE(updated.ok()) << updated.error();
    return updated.ok() ? *updated : Post{};
  }

  int64_t author_ = 0;
  std::vector<int64_t> channels_;
};

TEST_P(PublishStoreContractTest, CreateGetAndVersionedUpdate) {
  EXPECT_GE(store_->schema_version(), 5);
  Post p = NewPost("launch");
  ASSERT_NE(p.id, 0);
  EXPECT_EQ(p.version, 1);
  EXPECT_EQ(p.author_name, "paula");
  EXPECT_EQ(p.state, PostState::kDraft);
  ASSERT_EQ(p.variants.size(), 2u);
  EXPECT_EQ(p.variants[0].channel_name, "company-x");
  EXPECT_EQ(p.variants[0].channel_kind, "demo");
  EXPECT_EQ(p.variants[1].wire_text, "wire 1");
  const std::string kept_key = p.variants[1].idempotency_key;

  // A stale version is refused and changes nothing.
  Post stale = p;
  stale.version = 0;
  stale.title = "changed";
  auto refused = ps().UpdatePost(stale);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition);

  // Variants are matched by channel: one dropped, one kept (its key stays),
  // one added.
  p.title = "launch v2";
  p.flags = {"emotional", "risky"};
  p.variants.erase(p.variants.begin());
  p.variants[0].wire_text = "wire 1 edited";
  p.variants[0].idempotency_key = "ignored-for-existing";
  p.variants.push_back(Variant(channels_[2], "launch-key-new", "wire 2"));
  auto updated = ps().UpdatePost(p);
  ASSERT_TRUE(updated.ok()) << updated.error();
  EXPECT_EQ(updated->version, 2);
  EXPECT_EQ(updated->title, "launch v2");
  EXPECT_EQ(updated->flags, (std::vector<std::string>{"emotional", "risky"}));
  ASSERT_EQ(updated->variants.size(), 2u);
  EXPECT_EQ(updated->variants[0].channel_id, channels_[1]);
  EXPECT_EQ(updated->variants[0].idempotency_key, kept_key);
  EXPECT_EQ(updated->variants[0].wire_text, "wire 1 edited");
  EXPECT_EQ(updated->variants[1].channel_id, channels_[2]);

  auto got = ps().GetPost(p.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->version, 2);
  EXPECT_EQ(ps().GetPost(9999).error().code(), StatusCode::kNotFound);

  // Two variants on one channel, an unknown channel, a used key.
  Post bad;
  bad.title = "bad";
  bad.author_id = author_;
  bad.variants = {Variant(channels_[0], "k1", "a"), Variant(channels_[0], "k2", "b")};
  EXPECT_EQ(ps().CreatePost(bad).error().code(), StatusCode::kInvalidArgument);
  bad.variants = {Variant(424242, "k3", "a")};
  EXPECT_EQ(ps().CreatePost(bad).error().code(), StatusCode::kInvalidArgument);
  bad.variants = {Variant(channels_[0], kept_key, "a")};
  EXPECT_EQ(ps().CreatePost(bad).error().code(), StatusCode::kAlreadyExists);
}

TEST_P(PublishStoreContractTest, ClaimsOnlyDueScheduledVariantsOnce) {
  Post draft = NewPost("draft");  // never claimed: not scheduled
  Post p = Schedule(NewPost("due"), kT0 + 10 * kMin);
  ASSERT_EQ(p.state, PostState::kScheduled);

  auto early = ps().ClaimDueVariants("a", kT0 + 9 * kMin, 60'000, 10);
  ASSERT_TRUE(early.ok()) << early.error();
  EXPECT_TRUE(early->empty());

  auto claimed = ps().ClaimDueVariants("a", kT0 + 10 * kMin, 60'000, 10);
  ASSERT_TRUE(claimed.ok()) << claimed.error();
  ASSERT_EQ(claimed->size(), 2u);
  EXPECT_EQ((*claimed)[0].post_id, p.id);
  EXPECT_EQ((*claimed)[0].attempts, 1);
  EXPECT_EQ((*claimed)[0].state, VariantState::kSending);
  EXPECT_EQ(ps().GetPost(p.id)->state, PostState::kSending);

  // Held by the lease: another claimer gets nothing; after it, the work
  // comes back (the sender died).
  EXPECT_TRUE(ps().ClaimDueVariants("b", kT0 + 10 * kMin + 1, 60'000, 10)->empty());
  auto reclaimed = ps().ClaimDueVariants("b", kT0 + 12 * kMin, 60'000, 10);
  ASSERT_TRUE(reclaimed.ok());
  ASSERT_EQ(reclaimed->size(), 2u);
  EXPECT_EQ((*reclaimed)[0].attempts, 2);
  EXPECT_EQ((*reclaimed)[0].claimed_by, "b");

  // One fails transiently (retry later), one is sent.
  const PostVariant& v0 = (*reclaimed)[0];
  const PostVariant& v1 = (*reclaimed)[1];
  ASSERT_TRUE(ps().FailVariant(v0.id, "network down", kT0 + 20 * kMin, kT0 + 12 * kMin).ok());
  int sealed = 0;
  ArchiveSealer seal = [&](ArchiveEntry* e) {
    ++sealed;
    e->content_hash = "c" + std::to_string(e->seq);
    e->hash = "h" + std::to_string(e->seq);
  };
  ASSERT_TRUE(ps().CompleteVariant(v1.id, "ext-1", kT0 + 12 * kMin, seal).ok());
  // Completing twice records nothing more.
  ASSERT_TRUE(ps().CompleteVariant(v1.id, "ext-1", kT0 + 12 * kMin, seal).ok());
  EXPECT_EQ(sealed, 1);
  EXPECT_EQ(ps().GetPost(p.id)->state, PostState::kSending);  // v0 still open

  EXPECT_TRUE(ps().ClaimDueVariants("a", kT0 + 19 * kMin, 60'000, 10)->empty());
  auto retry = ps().ClaimDueVariants("a", kT0 + 20 * kMin, 60'000, 10);
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ((*retry)[0].last_error, "network down");
  ASSERT_TRUE(ps().FailVariant(v0.id, "rejected by the network", 0, kT0 + 20 * kMin).ok());
  auto done = ps().GetPost(p.id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->state, PostState::kFailed);
  EXPECT_EQ(done->reason, "rejected by the network");
  EXPECT_EQ(done->variants[0].state, VariantState::kFailed);
  EXPECT_EQ(done->variants[1].state, VariantState::kSent);
  EXPECT_EQ(done->variants[1].external_id, "ext-1");

  auto archive = store_->desk().ListArchive(1, 10);
  ASSERT_TRUE(archive.ok());
  ASSERT_EQ(archive->size(), 1u);
  EXPECT_EQ((*archive)[0].kind, "post");
  EXPECT_EQ((*archive)[0].wire_text, "wire 1");
  EXPECT_EQ((*archive)[0].subject, "due");
  EXPECT_EQ((*archive)[0].author, "user:paula");
  EXPECT_EQ((*archive)[0].message_id, v1.id);
  EXPECT_EQ((*archive)[0].approvals, "[]");
  EXPECT_EQ(ps().GetPost(draft.id)->state, PostState::kDraft);
}

TEST_P(PublishStoreContractTest, AllSentMakesThePostSent) {
  Post p = Schedule(NewPost("all", 1), kT0);
  auto claimed = ps().ClaimDueVariants("a", kT0, 60'000, 10);
  ASSERT_EQ(claimed->size(), 1u);
  ASSERT_TRUE(ps().CompleteVariant((*claimed)[0].id, "x1", kT0 + 5).ok());
  auto sent = ps().GetPost(p.id);
  EXPECT_EQ(sent->state, PostState::kSent);
  EXPECT_EQ(sent->sent_at, kT0 + 5);
  EXPECT_EQ(ps().FailVariant(424242, "x", 0, kT0).code(), StatusCode::kNotFound);

  // Retention: finished posts changed before the limit go; drafts stay.
  Post draft = NewPost("draft", 1);
  EXPECT_EQ(*ps().PurgePosts(sent->updated_at), 0);
  EXPECT_EQ(*ps().PurgePosts(sent->updated_at + 1), 1);
  EXPECT_EQ(ps().GetPost(p.id).error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ps().GetPost(draft.id).ok());
  EXPECT_EQ(*ps().PurgePosts(kT0 + 365LL * 86'400'000), 0);
}

TEST_P(PublishStoreContractTest, CooldownWaitsForTimeAndConfirmation) {
  Post p = NewPost("cool", 1);
  p.cooldown_until = kT0 + 60 * kMin;
  p = Schedule(p, kT0);
  EXPECT_TRUE(ps().ClaimDueVariants("a", kT0 + 61 * kMin, 60'000, 10)->empty());  // unconfirmed
  p.cooldown_confirmed = true;
  auto confirmed = ps().UpdatePost(p);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_TRUE(ps().ClaimDueVariants("a", kT0 + 59 * kMin, 60'000, 10)->empty());  // too early
  EXPECT_EQ(ps().ClaimDueVariants("a", kT0 + 60 * kMin, 60'000, 10)->size(), 1u);
}

TEST_P(PublishStoreContractTest, HoldReleasesClaims) {
  Post p = Schedule(NewPost("hold"), kT0);
  ASSERT_EQ(ps().ClaimDueVariants("a", kT0, 60'000, 10)->size(), 2u);
  auto held = ps().HoldPost(p.id, "stricter", kT0 + 1);
  ASSERT_TRUE(held.ok()) << held.error();
  EXPECT_EQ(held->state, PostState::kHeld);
  EXPECT_EQ(held->reason, "stricter");
  for (const PostVariant& v : held->variants) {
    EXPECT_EQ(v.state, VariantState::kPending);
    EXPECT_EQ(v.claimed_by, "");
  }
  // Held posts are not claimed, even after the lease.
  EXPECT_TRUE(ps().ClaimDueVariants("a", kT0 + 10 * kMin, 60'000, 10)->empty());
  EXPECT_EQ(ps().HoldPost(p.id, "again", kT0).error().code(), StatusCode::kFailedPrecondition);
}

TEST_P(PublishStoreContractTest, CalendarQueueAndShareableLists) {
  Post a = Schedule(NewPost("a", 1), kT0 + 2 * kMin);
  Post b = Schedule(NewPost("b", 2), kT0 + 1 * kMin);
  Post c = Schedule(NewPost("c", 1), kT0 + 40 * 24 * 60 * kMin);  // later month
  Post d = NewPost("d", 1);                                       // unscheduled draft
  PostQuery q;
  q.from = kT0;
  q.to = kT0 + 7 * 24 * 60 * kMin;
  auto week = ps().ListPosts(q);
  ASSERT_TRUE(week.ok()) << week.error();
  ASSERT_EQ(week->size(), 2u);
  EXPECT_EQ((*week)[0].id, b.id);  // by scheduled time
  EXPECT_EQ((*week)[1].id, a.id);
  EXPECT_EQ((*week)[0].variants.size(), 2u);

  q.channel_id = channels_[1];  // only b has a variant there
  auto channel = ps().ListPosts(q);
  ASSERT_EQ(channel->size(), 1u);
  EXPECT_EQ((*channel)[0].id, b.id);

  PostQuery drafts;
  drafts.states = {PostState::kDraft};
  auto listed = ps().ListPosts(drafts);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, d.id);

  c.shareable = true;
  ASSERT_TRUE(ps().UpdatePost(c).ok());
  PostQuery share;
  share.shareable_only = true;
  auto shareable = ps().ListPosts(share);
  ASSERT_EQ(shareable->size(), 1u);
  EXPECT_EQ((*shareable)[0].id, c.id);
}

TEST_P(PublishStoreContractTest, SharesAndNotifications) {
  Post p = NewPost("share", 1);
  PostShare s;
  s.post_id = p.id;
  s.user_id = author_;
  s.network = "linkedin";
  s.text = "Ich arbeite bei Beispiel AG. Neuer Tarif!";
  s.verdict = "{}";
  auto added = ps().AddShare(s);
  ASSERT_TRUE(added.ok()) << added.error();
  EXPECT_EQ(added->username, "paula");
  s.post_id = 424242;
  EXPECT_EQ(ps().AddShare(s).error().code(), StatusCode::kNotFound);
  auto listed = ps().ListShares(p.id, 0, 10);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].network, "linkedin");
  EXPECT_EQ(ps().ListShares(0, author_ + 1, 10)->size(), 0u);

  Notification n;
  n.user_id = author_;
  n.kind = "approval_requested";
  n.subject = "approval:1";
  n.detail = "{}";
  n.created_at = kT0;
  ASSERT_TRUE(ps().AddNotifications({n, n}).ok());
  auto unread = ps().ListNotifications(author_, true, 10);
  ASSERT_EQ(unread->size(), 2u);
  ASSERT_TRUE(ps().MarkNotificationRead((*unread)[0].id, author_, kT0).ok());
  EXPECT_EQ(ps().ListNotifications(author_, true, 10)->size(), 1u);
  EXPECT_EQ(ps().ListNotifications(author_, false, 10)->size(), 2u);
  EXPECT_EQ(ps().MarkNotificationRead((*unread)[0].id, author_ + 1, kT0).code(),
            StatusCode::kNotFound);
  const Millis created = (*unread)[0].created_at;
  EXPECT_EQ(*ps().PurgeNotifications(created), 0);
  EXPECT_EQ(*ps().PurgeNotifications(created + 1), 2);
  EXPECT_TRUE(ps().ListNotifications(author_, false, 10)->empty());
}

TEST_P(PublishStoreContractTest, ApprovalsOfPostsBesideReplies) {
  Post p = NewPost("approve", 1);
  Approval a;
  a.kind = "post";
  a.post_id = p.id;
  a.channel_id = channels_[0];
  a.requested_by = author_;
  a.text = p.body;
  a.wire_text = "wire 0";
  a.idempotency_key = "post-approval-1";
  a.created_at = kT0;
  auto first = store_->desk().CreateApproval(a);
  ASSERT_TRUE(first.ok()) << first.error();
  EXPECT_EQ(first->post_id, p.id);
  EXPECT_EQ(first->conversation_id, 0);
  EXPECT_EQ(first->kind, "post");
  // A new approval of the same post supersedes the pending one.
  a.idempotency_key = "post-approval-2";
  auto second = store_->desk().CreateApproval(a);
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(store_->desk().GetApproval(first->id)->state, ApprovalState::kSuperseded);

  // Decisions and the archive chain of the post.
  User boss;
  boss.username = "boss";
  boss.roles = {"approver"};
  auto approver = store_->CreateUser(boss);
  ASSERT_TRUE(approver.ok());
  ApprovalDecision d;
  d.approval_id = second->id;
  d.step = 0;
  d.user_id = approver->id;
  d.decision = "approve";
  d.comment = "ok";
  auto decided = store_->desk().DecideApproval(d, ApprovalState::kApproved, kT0 + 1);
  ASSERT_TRUE(decided.ok()) << decided.error();
  EXPECT_EQ(decided->post_id, p.id);
  p.approval_id = second->id;
  p = Schedule(p, kT0);
  auto claimed = ps().ClaimDueVariants("a", kT0, 60'000, 10);
  ASSERT_EQ(claimed->size(), 1u);
  ArchiveSealer seal = [](ArchiveEntry* e) { e->hash = e->content_hash = "h"; };
  ASSERT_TRUE(ps().CompleteVariant((*claimed)[0].id, "x", kT0 + 2, seal).ok());
  auto archive = store_->desk().ListArchive(1, 10);
  ASSERT_EQ(archive->size(), 1u);
  EXPECT_EQ((*archive)[0].approvals,
            "[{\"step\":1,\"by\":\"boss\",\"decision\":\"approve\",\"comment\":\"ok\","
            "\"at\":" +
                std::to_string(kT0 + 1) + "}]");
  EXPECT_EQ((*archive)[0].seq, 1);
  EXPECT_EQ((*archive)[0].prev_hash, "");
  EXPECT_EQ((*archive)[0].kind, "post");
  EXPECT_EQ((*archive)[0].hash, "h");

  // The logical dump carries the post approval (a NULL conversation) across.
  std::vector<std::string> lines;
  ASSERT_TRUE(store_
                  ->Dump([&](std::string_view line) {
                    lines.emplace_back(line);
                    return Status::Ok();
                  })
                  .ok());
  auto target = Open("sqlite");
  ASSERT_NE(target, nullptr);
  size_t next = 0;
  Status loaded = target->Load([&](std::string& line) {
    if (next >= lines.size()) return false;
    line = lines[next++];
    return true;
  });
  ASSERT_TRUE(loaded.ok()) << loaded;
  auto copy = target->desk().GetApproval(second->id);
  ASSERT_TRUE(copy.ok()) << copy.error();
  EXPECT_EQ(copy->post_id, p.id);
  EXPECT_EQ(copy->conversation_id, 0);
  EXPECT_EQ(target->publish().GetPost(p.id)->state, PostState::kSent);
}

TEST_P(PublishStoreContractTest, MediaLibraryAndVariantMedia) {
  Asset a;
  a.name = "team.jpg";
  a.mime_type = "image/jpeg";
  a.url = "https://media.beispiel.de/team.jpg";
  a.licence = "own photo";
  a.consent = "given";
  a.created_by = author_;
  auto photo = ps().CreateAsset(a);
  ASSERT_TRUE(photo.ok()) << photo.error();
  EXPECT_EQ(photo->created_by_name, "paula");
  a.name = "chart.png";
  a.licence = "";
  auto chart = ps().CreateAsset(a);
  ASSERT_TRUE(chart.ok());
  a.url = "";
  EXPECT_EQ(ps().CreateAsset(a).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ps().GetAsset(photo->id)->sha256, "");  // a URL asset has no file
  EXPECT_EQ(ps().GetAsset(chart->id)->licence, "");
  EXPECT_EQ(ps().GetAsset(9999).error().code(), StatusCode::kNotFound);
  auto all = ps().ListAssets(10);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, chart->id);  // newest first

  Post p;
  p.title = "with media";
  p.author_id = author_;
  p.variants = {Variant(channels_[0], "m-0", "w")};
  p.variants[0].asset_ids = {chart->id, photo->id};
  auto created = ps().CreatePost(p);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(created->variants[0].asset_ids, (std::vector<int64_t>{chart->id, photo->id}));
  Post edit = *created;
  edit.variants[0].asset_ids = {photo->id};
  auto updated = ps().UpdatePost(edit);
  ASSERT_TRUE(updated.ok()) << updated.error();
  EXPECT_EQ(updated->variants[0].asset_ids, (std::vector<int64_t>{photo->id}));
  edit = *updated;
  edit.variants[0].asset_ids = {424242};
  EXPECT_EQ(ps().UpdatePost(edit).error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ps().GetPost(p.id == 0 ? created->id : p.id)->variants[0].asset_ids,
            (std::vector<int64_t>{photo->id}));  // the failed update changed nothing
}

// A digest-shaped key for test files (the store does not hash; the server does).
std::string Digest(char c) { return std::string(64, c); }

MediaFile File(char digest, std::shared_ptr<const std::string> bytes) {
  MediaFile f;
  f.sha256 = Digest(digest);
  f.mime_type = "image/png";
  f.size = static_cast<int64_t>(bytes->size());
  f.width = 640;
  f.height = 480;
  f.bytes = std::move(bytes);
  return f;
}

TEST_P(PublishStoreContractTest, StoredFilesAndTheirAssets) {
  auto bytes = std::make_shared<const std::string>(std::string("\x89PNG\0\x01\xff", 7) + "rest");
  auto put = ps().PutMediaFile(File('a', bytes));
  ASSERT_TRUE(put.ok()) << put.error();
  EXPECT_GT(put->created_at, 0);
  // Idempotent by digest: the stored row wins, nothing is replaced.
  MediaFile again = File('a', std::make_shared<const std::string>("other"));
  again.mime_type = "image/gif";
  auto second = ps().PutMediaFile(again);
  ASSERT_TRUE(second.ok()) << second.error();
  EXPECT_EQ(second->mime_type, "image/png");
  auto got = ps().GetMediaFile(Digest('a'));
  ASSERT_TRUE(got.ok()) << got.error();
  ASSERT_NE(got->bytes, nullptr);
  EXPECT_EQ(*got->bytes, *bytes);
  EXPECT_EQ(got->size, 11);
  EXPECT_EQ(got->width, 640);
  EXPECT_EQ(ps().GetMediaFile(Digest('b')).error().code(), StatusCode::kNotFound);

  MediaFile bad = File('b', bytes);
  bad.sha256 = "ABC";
  EXPECT_EQ(ps().PutMediaFile(bad).error().code(), StatusCode::kInvalidArgument);
  bad = File('b', bytes);
  bad.size = 3;
  EXPECT_EQ(ps().PutMediaFile(bad).error().code(), StatusCode::kInvalidArgument);

  Asset a;
  a.name = "team.png";
  a.alt_text = "Das Team vor dem Haus";
  a.licence = "own photo";
  a.consent = "given";
  a.created_by = author_;
  a.mime_type = "text/plain";  // the file's type wins
  auto asset = ps().CreateFileAsset(a, File('c', bytes));
  ASSERT_TRUE(asset.ok()) << asset.error();
  EXPECT_EQ(asset->sha256, Digest('c'));
  EXPECT_EQ(asset->mime_type, "image/png");
  EXPECT_EQ(asset->size, 11);
  EXPECT_EQ(asset->width, 640);
  EXPECT_EQ(asset->height, 480);
  EXPECT_EQ(asset->url, "");
  EXPECT_EQ(asset->alt_text, "Das Team vor dem Haus");
  // A second asset of a file already stored (by digest only).
  Asset twin = a;
  twin.name = "team-copy.png";
  twin.sha256 = Digest('c');
  auto copy = ps().CreateAsset(twin);
  ASSERT_TRUE(copy.ok()) << copy.error();
  EXPECT_EQ(copy->size, 11);
  twin.sha256 = Digest('d');
  EXPECT_EQ(ps().CreateAsset(twin).error().code(), StatusCode::kInvalidArgument);
  twin.sha256 = Digest('c');
  twin.url = "https://x.example/a.png";
  EXPECT_EQ(ps().CreateAsset(twin).error().code(), StatusCode::kInvalidArgument);

  // Update: notes and alt text, never the file.
  Asset edit = *asset;
  edit.name = "team-2026.png";
  edit.alt_text = "Neu";
  edit.licence = "";
  edit.consent = "missing";
  edit.sha256 = Digest('f');
  auto updated = ps().UpdateAsset(edit);
  ASSERT_TRUE(updated.ok()) << updated.error();
  EXPECT_EQ(updated->name, "team-2026.png");
  EXPECT_EQ(updated->alt_text, "Neu");
  EXPECT_EQ(updated->consent, "missing");
  EXPECT_EQ(updated->sha256, Digest('c'));
  EXPECT_EQ(ps().GetAsset(asset->id)->alt_text, "Neu");
  edit.id = 9999;
  EXPECT_EQ(ps().UpdateAsset(edit).error().code(), StatusCode::kNotFound);

  // Delete: refused while a post uses it; the file goes with its last asset.
  Post p;
  p.title = "with a file";
  p.author_id = author_;
  p.variants = {Variant(channels_[0], "file-0", "w")};
  p.variants[0].asset_ids = {asset->id};
  auto post = ps().CreatePost(p);
  ASSERT_TRUE(post.ok()) << post.error();
  Status used = ps().DeleteAsset(asset->id);
  EXPECT_EQ(used.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(used.message(),
            "asset " + std::to_string(asset->id) + " is used by post " + std::to_string(post->id));
  Post none = *post;
  none.variants[0].asset_ids = {};
  ASSERT_TRUE(ps().UpdatePost(none).ok());
  ASSERT_TRUE(ps().DeleteAsset(asset->id).ok());
  EXPECT_EQ(ps().GetAsset(asset->id).error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(ps().GetMediaFile(Digest('c')).ok());  // the copy still names it
  ASSERT_TRUE(ps().DeleteAsset(copy->id).ok());
  EXPECT_EQ(ps().GetMediaFile(Digest('c')).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(ps().DeleteAsset(copy->id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(ps().GetMediaFile(Digest('a')).ok());  // a file without assets is left alone
}

TEST_P(PublishStoreContractTest, TwentyMegabyteFileRoundTripsByteForByte) {
  std::string big(20 * 1000 * 1000, '\0');
  uint32_t x = 2463534242u;  // xorshift: every byte value, no runs
  for (char& c : big) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  auto bytes = std::make_shared<const std::string>(std::move(big));
  Asset a;
  a.name = "film.mp4";
  a.created_by = author_;
  a.consent = "not_needed";
  MediaFile f = File('e', bytes);
  f.mime_type = "video/mp4";
  auto asset = ps().CreateFileAsset(a, f);
  ASSERT_TRUE(asset.ok()) << asset.error();
  EXPECT_EQ(asset->size, 20'000'000);
  // Through a second store on the same database, as another instance would.
  auto other = OpenStore(url_);
  ASSERT_TRUE(other.ok()) << other.error();
  auto got = (*other)->publish().GetMediaFile(asset->sha256);
  ASSERT_TRUE(got.ok()) << got.error();
  ASSERT_EQ(got->bytes->size(), bytes->size());
  EXPECT_TRUE(*got->bytes == *bytes);
  EXPECT_EQ(got->mime_type, "video/mp4");
}

TEST_P(PublishStoreContractTest, StoredFilesSurviveDumpAndLoad) {
  auto bytes = std::make_shared<const std::string>(std::string("\0\x01\x02\xfe\xff", 5));
  Asset a;
  a.name = "bin.png";
  a.alt_text = "Alt";
  a.created_by = author_;
  auto asset = ps().CreateFileAsset(a, File('7', bytes));
  ASSERT_TRUE(asset.ok()) << asset.error();
  std::vector<std::string> dump;
  ASSERT_TRUE(store_
                  ->Dump([&](std::string_view line) {
                    dump.emplace_back(line);
                    return Status::Ok();
                  })
                  .ok());
  auto target = Open(GetParam());
  ASSERT_NE(target, nullptr);
  size_t i = 0;
  Status s = target->Load([&](std::string& line) {
    if (i >= dump.size()) return false;
    line = dump[i++];
    return true;
  });
  ASSERT_TRUE(s.ok()) << s;
  auto got = target->publish().GetMediaFile(Digest('7'));
  ASSERT_TRUE(got.ok()) << got.error();
  EXPECT_EQ(*got->bytes, *bytes);
  auto copy = target->publish().GetAsset(asset->id);
  ASSERT_TRUE(copy.ok()) << copy.error();
  EXPECT_EQ(copy->alt_text, "Alt");
  EXPECT_EQ(copy->sha256, Digest('7'));
}

// A database left at schema version 6 (URL assets only) keeps its assets
// when the binary migrates it to 7.
TEST_P(PublishStoreContractTest, MigrationFromVersion6KeepsUrlAssets) {
  const std::string url = NewUrl();
  std::unique_ptr<sql::Connection> conn;
  if (GetParam() == "sqlite") {
    const std::string path = url.substr(std::string("sqlite://").size());
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    auto c = sql::SqliteConnection::Open(path);
    ASSERT_TRUE(c.ok()) << c.error();
    conn = std::move(*c);
  } else {
    auto c = sql::PgConnection::Open(url);
    ASSERT_TRUE(c.ok()) << c.error();
    conn = std::move(*c);
  }
  auto v = Migrate(*conn, 6);
  ASSERT_TRUE(v.ok()) << v.error();
  ASSERT_EQ(*v, 6);
  ASSERT_TRUE(conn->Exec("INSERT INTO users (id, username, display_name, email, password_hash, "
                         "locale, disabled, must_change_password, totp_secret_enc, totp_enabled, "
                         "totp_last_step, created_at, updated_at) VALUES (1, 'old', 'Old', '', "
                         "'', 'de', 0, 0, '', 0, 0, 0, 0)")
                  .ok());
  Status ins = conn->Exec(
      "INSERT INTO assets (name, mime_type, url, licence, consent, created_by, created_at) "
      "VALUES ('logo.png', 'image/png', 'https://cdn.example/logo.png', 'own', 'not_needed', 1, "
      "5)");
  ASSERT_TRUE(ins.ok()) << ins;
  conn.reset();

  auto store = OpenStore(url);
  ASSERT_TRUE(store.ok()) << store.error();
  auto all = (*store)->publish().ListAssets(10);
  ASSERT_TRUE(all.ok()) << all.error();
  ASSERT_EQ(all->size(), 1u);
  const Asset& a = (*all)[0];
  EXPECT_EQ(a.name, "logo.png");
  EXPECT_EQ(a.url, "https://cdn.example/logo.png");
  EXPECT_EQ(a.licence, "own");
  EXPECT_EQ(a.created_by_name, "old");
  EXPECT_EQ(a.sha256, "");
  EXPECT_EQ(a.size, 0);
  EXPECT_EQ(a.alt_text, "");
  // The new columns are writable on the migrated table.
  Asset edit = a;
  edit.alt_text = "Logo";
  ASSERT_TRUE((*store)->publish().UpdateAsset(edit).ok());
  EXPECT_EQ((*store)->publish().GetAsset(a.id)->alt_text, "Logo");
}

TEST_P(PublishStoreContractTest, ConcurrentClaimersNeverShareAVariant) {
  for (int i = 0; i < 20; ++i) Schedule(NewPost(Name("p", i)), kT0);
  std::mutex mu;
  std::multiset<int64_t> claimed;
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (;;) {
        auto got = ps().ClaimDueVariants(Name("w", w), kT0, 600'000, 3);
        ASSERT_TRUE(got.ok()) << got.error();
        if (got->empty()) return;
        std::lock_guard<std::mutex> lock(mu);
        for (const PostVariant& v : *got) claimed.insert(v.id);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(claimed.size(), 40u);
  EXPECT_EQ(std::set<int64_t>(claimed.begin(), claimed.end()).size(), 40u);
}

INSTANTIATE_TEST_SUITE_P(Backends, PublishStoreContractTest,
                         ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace leitplanke::store
