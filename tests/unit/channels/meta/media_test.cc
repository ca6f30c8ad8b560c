// Files of new Facebook Page posts: limits and Render refusals, one photo
// with its message, several unpublished photos attached to one feed post in
// order, a video, alt text, and the failure of an upload step, against
// FakeGraph on loopback.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/http/encoding.h"
#include "channels/meta/meta.h"
#include "fake/media_files.h"
#include "fake/multipart.h"
#include "fake_graph.h"

namespace leitplanke::channels::meta {
namespace {

using channels::testing::PseudoRandomBytes;
using channels::testing::TestFile;
using nlohmann::json;
using testing::FakeGraph;

// The fields and files of a multipart/form-data body, by part name.
std::map<std::string, std::string> FormParts(const FakeGraph::Request& req) {
  return channels::testing::FormParts(req.headers, req.body);
}

// An application/x-www-form-urlencoded body, decoded.
std::map<std::string, std::string> Form(const std::string& body) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string::npos) amp = body.size();
    std::string pair = body.substr(pos, amp - pos);
    size_t eq = pair.find('=');
    if (eq != std::string::npos)
      out[FormDecode(pair.substr(0, eq))] = FormDecode(pair.substr(eq + 1));
    pos = amp + 1;
  }
  return out;
}

desk::OutboundMessage Post(std::vector<desk::OutboundMedia> media) {
  desk::OutboundMessage m;
  m.is_public = true;
  m.text = "Unser Team & neue Öffnungszeiten";
  m.media = std::move(media);
  return m;
}

constexpr char kPhotos[] = "POST /v19.0/111/photos";

class MetaMediaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    desk::ChannelConfig c;
    c.name = "shop-meta";
    c.kind = "meta";
    c.settings = {{"page_id", "111"}, {"graph_url", graph_.base_url()}, {"graph_version", "v19.0"}};
    c.secrets = {{"page_access_token", "EAAtoken"}, {"app_secret", "sec"}, {"verify_token", "v"}};
    auto ch = MakeMeta(c, &clock_);
    ASSERT_TRUE(ch.ok()) << ch.status();
    channel_ = std::move(*ch);
  }

  std::vector<FakeGraph::Request> Requests(const std::string& path) const {
    std::vector<FakeGraph::Request> out;
    for (const auto& r : graph_.requests()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

  FakeGraph graph_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<MetaChannel> channel_;
};

TEST_F(MetaMediaTest, LimitsAndRefusals) {
  desk::MediaLimits l = channel_->media_limits();
  EXPECT_EQ(l.max_images, 10);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_FALSE(l.mix_images_and_videos);
  EXPECT_EQ(l.max_image_bytes, 9'999'999);
  auto refused = [&](const desk::OutboundMessage& m, const std::string& needle) {
    auto r = channel_->Render(m);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  refused(Post({TestFile("big.jpg", "image/jpeg", std::string(10'000'000, 'j'))}),
          "media[0] \"big.jpg\"");
  refused(Post({TestFile("a.webp", "image/webp", "RIFF")}), "image/webp");
  refused(Post({TestFile("a.jpg", "image/jpeg", "j"), TestFile("v.mp4", "video/mp4", "m")}),
          "images and a video");
  desk::OutboundMessage dm = Post({TestFile("a.jpg", "image/jpeg", "j")});
  dm.thread_key = "fb:2001";
  dm.is_public = false;
  refused(dm, "new Facebook Page posts only");
  desk::OutboundMessage comment = Post({TestFile("a.jpg", "image/jpeg", "j")});
  comment.thread_key = "fb-post:111_222";
  comment.in_reply_to = "111_222_333";
  refused(comment, "new Facebook Page posts only");
  EXPECT_FALSE(channel_->Send(dm).ok());
  EXPECT_TRUE(graph_.requests().empty());
  EXPECT_TRUE(channel_->Render(Post({TestFile("a.jpg", "image/jpeg", "j", "Team")})).ok());
}

TEST_F(MetaMediaTest, OnePhotoIsPublishedWithTheMessage) {
  graph_.Script(kPhotos, {200, "", R"({"id":"900001","post_id":"111_700001"})"});
  const std::string bytes = PseudoRandomBytes(4000, 5);
  auto r = channel_->Send(Post({TestFile("team.jpg", "image/jpeg", bytes, "Fünf Leute")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "111_700001");
  auto reqs = graph_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/v19.0/111/photos");
  EXPECT_FALSE(reqs[0].query.at("appsecret_proof").empty());
  EXPECT_EQ(reqs[0].headers.at("authorization"), "Bearer EAAtoken");
  auto parts = FormParts(reqs[0]);
  EXPECT_EQ(parts["source"], bytes);
  EXPECT_EQ(parts["published"], "true");
  EXPECT_EQ(parts["message"], "Unser Team & neue Öffnungszeiten");
  EXPECT_EQ(parts["alt_text_custom"], "Fünf Leute");
}

TEST_F(MetaMediaTest, SeveralPhotosAreAttachedInOrder) {
  graph_.Script(kPhotos, {200, "", R"({"id":"900001"})"});
  graph_.Script(kPhotos, {200, "", R"({"id":"900002"})"});
  graph_.Script(kPhotos, {200, "", R"({"id":"900003"})"});
  graph_.Script("POST /v19.0/111/feed", {200, "", R"({"id":"111_700002"})"});
  const std::vector<std::string> files = {PseudoRandomBytes(10, 1), PseudoRandomBytes(3000, 2),
                                          PseudoRandomBytes(500, 3)};
  auto r = channel_->Send(
      Post({TestFile("a.jpg", "image/jpeg", files[0], "Erstes"),
            TestFile("b.png", "image/png", files[1]), TestFile("c.gif", "image/gif", files[2])}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "111_700002");
  auto photos = Requests("/v19.0/111/photos");
  ASSERT_EQ(photos.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    auto parts = FormParts(photos[i]);
    EXPECT_EQ(parts["source"], files[i]) << i;
    EXPECT_EQ(parts["published"], "false") << i;
    EXPECT_EQ(parts.count("message"), 0u) << i;
  }
  EXPECT_EQ(FormParts(photos[0])["alt_text_custom"], "Erstes");
  EXPECT_EQ(FormParts(photos[1]).count("alt_text_custom"), 0u);
  auto feed = Requests("/v19.0/111/feed");
  ASSERT_EQ(feed.size(), 1u);
  EXPECT_EQ(graph_.requests().back().path, "/v19.0/111/feed");
  EXPECT_EQ(feed[0].headers.at("content-type"), "application/x-www-form-urlencoded");
  auto form = Form(feed[0].body);
  EXPECT_EQ(form["message"], "Unser Team & neue Öffnungszeiten");
  EXPECT_EQ(json::parse(form["attached_media[0]"]), json({{"media_fbid", "900001"}}));
  EXPECT_EQ(json::parse(form["attached_media[1]"]), json({{"media_fbid", "900002"}}));
  EXPECT_EQ(json::parse(form["attached_media[2]"]), json({{"media_fbid", "900003"}}));
  EXPECT_EQ(form.size(), 4u);
}

TEST_F(MetaMediaTest, VideoGoesToVideosWithDescription) {
  graph_.Script("POST /v19.0/111/videos", {200, "", R"({"id":"555001"})"});
  const std::string bytes = PseudoRandomBytes(20'000, 9);
  auto r = channel_->Send(Post({TestFile("clip.mp4", "video/mp4", bytes)}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "555001");
  auto reqs = graph_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/v19.0/111/videos");
  auto parts = FormParts(reqs[0]);
  EXPECT_EQ(parts["source"], bytes);
  EXPECT_EQ(parts["description"], "Unser Team & neue Öffnungszeiten");
}

TEST_F(MetaMediaTest, AFailedUploadGivesItsStatusAndNoPost) {
  auto no_feed = [&] { return Requests("/v19.0/111/feed").empty(); };
  const desk::OutboundMessage m =
      Post({TestFile("a.jpg", "image/jpeg", "aaa"), TestFile("b.jpg", "image/jpeg", "bbb")});
  // The second photo fails with a 5xx: transient, no feed post.
  graph_.Script(kPhotos, {200, "", R"({"id":"900001"})"});
  graph_.Script(kPhotos, {500, "", R"({"error":{"message":"Please retry","code":2}})"});
  auto r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("media[1] \"b.jpg\""), std::string::npos);
  EXPECT_TRUE(no_feed());
  // A permanent refusal (invalid parameter) names the file.
  graph_.Script(kPhotos, {400, "",
                          R"({"error":{"message":"Invalid parameter","type":"OAuthException",)"
                          R"("code":100}})"});
  r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find("media[0] \"a.jpg\""), std::string::npos);
  EXPECT_TRUE(no_feed());
  // Rate limited (429 / code 32): ResourceExhausted with a wait.
  graph_.Script(kPhotos, {429, "", R"({"error":{"message":"Page request limit","code":32}})"});
  r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  EXPECT_GT(channel_->retry_after_ms(), 0);
  EXPECT_TRUE(no_feed());
}

}  // namespace
}  // namespace leitplanke::channels::meta
