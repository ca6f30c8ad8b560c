// ParseNotificationPage on listNotifications answers shaped like the lexicon
// (app.bsky.notification.listNotifications#notification).
#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/bluesky/bluesky.h"

namespace leitplanke::channels::bluesky {
namespace {

using nlohmann::json;

constexpr const char* kOwnDid = "did:plc:company";

json Author(const std::string& did, const std::string& handle, const std::string& name = "") {
  json a = {
      {"did", did}, {"handle", handle}, {"viewer", {{"muted", false}}}, {"labels", json::array()}};
  if (!name.empty()) a["displayName"] = name;
  return a;
}

json Notification(const std::string& uri, const std::string& reason, const std::string& indexed,
                  json record,
                  json author = Author("did:plc:alice", "alice.bsky.social", "Alice")) {
  return {{"uri", uri},
          {"cid", "bafyrei" + std::to_string(uri.size())},
          {"author", std::move(author)},
          {"reason", reason},
          {"record", std::move(record)},
          {"isRead", false},
          {"indexedAt", indexed},
          {"labels", json::array()}};
}

json Post(const std::string& text, const std::string& created = "2024-05-06T07:08:09.000Z") {
  return {{"$type", "app.bsky.feed.post"}, {"text", text}, {"createdAt", created}};
}

json ReplyTo(json post, const std::string& root, const std::string& parent) {
  post["reply"] = {{"root", {{"uri", root}, {"cid", "bafyroot"}}},
                   {"parent", {{"uri", parent}, {"cid", "bafyparent"}}}};
  return post;
}

TEST(NotificationPageTest, MentionIsRootOfItsThread) {
  json rec = Post("@support.example.com my parcel is late");
  rec["langs"] = {"de", "en"};
  json page = {{"cursor", "c1"},
               {"notifications",
                {Notification("at://did:plc:alice/app.bsky.feed.post/3k1", "mention",
                              "2024-05-06T07:08:10.500Z", rec)}}};
  auto r = ParseNotificationPage(page.dump(), kOwnDid);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->cursor, "c1");
  ASSERT_EQ(r->notices.size(), 1u);
  const Notice& n = r->notices[0];
  ASSERT_TRUE(n.is_message);
  EXPECT_EQ(n.message.external_id, "at://did:plc:alice/app.bsky.feed.post/3k1");
  EXPECT_EQ(n.message.thread_key, "at://did:plc:alice/app.bsky.feed.post/3k1");
  EXPECT_EQ(n.message.in_reply_to, "");
  EXPECT_EQ(n.message.author_handle, "@alice.bsky.social");
  EXPECT_EQ(n.message.author_name, "Alice");
  EXPECT_EQ(n.message.text, "@support.example.com my parcel is late");
  EXPECT_TRUE(n.message.is_public);
  EXPECT_EQ(n.message.language, "de");
  EXPECT_EQ(n.message.sent_at, 1714979290500);
  EXPECT_EQ(n.author_did, "did:plc:alice");
  EXPECT_EQ(n.root.uri, n.uri);
  EXPECT_TRUE(n.parent.uri.empty());
}

TEST(NotificationPageTest, ReplyThreadsByRoot) {
  std::string root = "at://did:plc:company/app.bsky.feed.post/root1";
  std::string parent = "at://did:plc:company/app.bsky.feed.post/answer1";
  json page = {{"notifications",
                {Notification("at://did:plc:alice/app.bsky.feed.post/r2", "reply",
                              "2024-05-06T08:00:00Z", ReplyTo(Post("thanks!"), root, parent))}}};
  auto r = ParseNotificationPage(page.dump(), kOwnDid);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->notices.size(), 1u);
  const auto& m = r->notices[0].message;
  EXPECT_EQ(m.thread_key, root);
  EXPECT_EQ(m.in_reply_to, parent);
  EXPECT_EQ(m.references, std::vector<std::string>{root});
  EXPECT_EQ(r->notices[0].root.cid, "bafyroot");
  EXPECT_EQ(r->notices[0].parent.cid, "bafyparent");
  EXPECT_TRUE(r->cursor.empty());
}

TEST(NotificationPageTest, ImagesBecomeAttachmentMetadata) {
  json rec = Post("see photo");
  rec["embed"] = {{"$type", "app.bsky.embed.images"},
                  {"images",
                   {{{"alt", "broken box"},
                     {"image",
                      {{"$type", "blob"},
                       {"ref", {{"$link", "bafkreibox"}}},
                       {"mimeType", "image/jpeg"},
                       {"size", 123456}}}},
                    {{"image", {{"$type", "blob"}, {"mimeType", "image/png"}, {"size", 7}}}},
                    {{"alt", "no blob"}},
                    5}}};
  json page = {{"notifications",
                {Notification("at://did:plc:alice/app.bsky.feed.post/img", "mention",
                              "2024-05-06T08:00:00Z", rec)}}};
  auto r = ParseNotificationPage(page.dump(), kOwnDid);
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& att = r->notices[0].message.attachments;
  ASSERT_EQ(att.size(), 2u);
  EXPECT_EQ(att[0].name, "broken box");
  EXPECT_EQ(att[0].mime_type, "image/jpeg");
  EXPECT_EQ(att[0].size, 123456);
  EXPECT_EQ(att[1].name, "image 2");
  EXPECT_EQ(att[1].mime_type, "image/png");
}

TEST(NotificationPageTest, OtherReasonsAndOwnPostsAreNotMessages) {
  json like = Notification("at://did:plc:bob/app.bsky.feed.like/l1", "like", "2024-05-06T08:00:03Z",
                           {{"$type", "app.bsky.feed.like"}});
  json follow = Notification("at://did:plc:bob/app.bsky.graph.follow/f1", "follow",
                             "2024-05-06T08:00:02Z", {{"$type", "app.bsky.graph.follow"}});
  json own =
      Notification("at://did:plc:company/app.bsky.feed.post/o1", "mention", "2024-05-06T08:00:01Z",
                   Post("note to self"), Author(kOwnDid, "support.example.com"));
  json quote = Notification("at://did:plc:carol/app.bsky.feed.post/q1", "quote",
                            "2024-05-06T08:00:00Z", Post("look at this"));
  json page = {{"notifications", {like, follow, own, quote}}};
  auto r = ParseNotificationPage(page.dump(), kOwnDid);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->notices.size(), 4u);
  EXPECT_FALSE(r->notices[0].is_message);
  EXPECT_FALSE(r->notices[1].is_message);
  EXPECT_FALSE(r->notices[2].is_message);
  EXPECT_TRUE(r->notices[2].own);
  EXPECT_TRUE(r->notices[3].is_message);
  EXPECT_TRUE(r->rejected.empty());

  auto no_quotes = ParseNotificationPage(page.dump(), kOwnDid, /*include_quotes=*/false);
  ASSERT_TRUE(no_quotes.ok());
  EXPECT_FALSE(no_quotes->notices[3].is_message);
}

TEST(NotificationPageTest, UnreadableEntriesAreRejectedWithPointer) {
  json no_text = Notification("at://did:plc:a/app.bsky.feed.post/1", "mention",
                              "2024-05-06T08:00:00Z", {{"$type", "app.bsky.feed.post"}});
  json bad_time =
      Notification("at://did:plc:a/app.bsky.feed.post/2", "mention", "yesterday", Post("x"));
  json bad_reply = Notification("at://did:plc:a/app.bsky.feed.post/3", "reply",
                                "2024-05-06T08:00:00Z", Post("x"));
  bad_reply["record"]["reply"] = {{"root", {{"uri", "https://not-at"}}}};
  json page = {{"notifications", {no_text, bad_time, 42, bad_reply}}};
  auto r = ParseNotificationPage(page.dump(), kOwnDid);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->rejected.size(), 4u);
  EXPECT_EQ(r->rejected[0], "/notifications/0/record/text is missing");
  EXPECT_EQ(r->rejected[1], "/notifications/1/indexedAt is not an RFC 3339 date-time");
  EXPECT_EQ(r->rejected[2], "/notifications/2 is not an object");
  EXPECT_EQ(r->rejected[3], "/notifications/3/record/reply/root/uri is not an at:// URI");
  // Entries with a readable uri and time still count for the cursor.
  ASSERT_EQ(r->notices.size(), 2u);
  EXPECT_FALSE(r->notices[0].is_message);
  EXPECT_FALSE(r->notices[1].is_message);
}

TEST(NotificationPageTest, UnreadablePages) {
  for (const char* body : {"", "null", "[]", "{}", "{\"notifications\":{}}", "<html>", "{\"a\":"}) {
    auto r = ParseNotificationPage(body, kOwnDid);
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NotificationPageTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  json base = {
      {"notifications",
       {Notification("at://did:plc:alice/app.bsky.feed.post/3k1", "reply", "2024-05-06T07:08:10Z",
                     ReplyTo(Post("hi"), "at://x/y/z", "at://x/y/w"))}}};
  std::string good = base.dump();
  for (int i = 0; i < 2000; ++i) {
    std::string s = good;
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) s[rng() % s.size()] = static_cast<char>(rng() % 256);
    (void)ParseNotificationPage(s, kOwnDid);
    (void)ParseNotificationPage(s.substr(0, rng() % s.size()), kOwnDid);
  }
  // Wrong types in every field.
  for (const char* field : {"uri", "cid", "author", "reason", "record", "indexedAt"}) {
    for (const json& v : {json(nullptr), json(1), json::array(), json::object(), json("")}) {
      json p = base;
      p["notifications"][0][field] = v;
      (void)ParseNotificationPage(p.dump(), kOwnDid);
    }
  }
  SUCCEED();
}

}  // namespace
}  // namespace leitplanke::channels::bluesky
