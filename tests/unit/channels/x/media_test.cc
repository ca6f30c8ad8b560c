// Media of new posts: limits and Render refusals, the chunked upload
// (initialize, appends, finalize), STATUS polling, alt text, the order of
// media ids in the post, costs and the failure of each step, against FakeX.
#include "leitplanke/desk/media.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/x/x.h"
#include "fake/media_files.h"
#include "fake/multipart.h"
#include "fake_x.h"

namespace leitplanke::channels::x {
namespace {

using channels::testing::PseudoRandomBytes;
using channels::testing::TestFile;
using nlohmann::json;
using testing::FakeX;

constexpr desk::Millis kStart = 1'700'000'000'000;
constexpr const char* kIdA = "1880028106020515840";
constexpr const char* kIdB = "1880028106020515841";

// The fields and files of a multipart/form-data body, by part name.
std::map<std::string, std::string> FormParts(const FakeX::Request& req) {
  return channels::testing::FormParts(req.headers, req.body);
}

std::string InitAnswer(const std::string& id) {
  return R"({"data":{"id":")" + id + R"(","media_key":"3_)" + id +
         R"(","expires_after_secs":86400}})";
}

std::string Processing(const std::string& id, const std::string& state, int after) {
  return R"({"data":{"id":")" + id + R"(","processing_info":{"state":")" + state +
         R"(","check_after_secs":)" + std::to_string(after) + "}}}";
}

class XMediaTest : public ::testing::Test {
 protected:
  std::unique_ptr<XChannel> Make(const std::map<std::string, std::string>& extra = {}) {
    desk::ChannelConfig c;
    c.name = "shop-x";
    c.kind = std::string(1, 'x');
    c.settings = {{"account_id", "3001"},
                  {"api_url", x_.base_url()},
                  {"client_id", "cid"},
                  {"media_chunk_bytes", "1024"}};
    for (const auto& [k, v] : extra) c.settings[k] = v;
    c.secrets = {{"consumer_secret", "csecret"}, {"oauth2_access_token", "tok"}};
    auto ch = MakeX(c, &clock_);
    EXPECT_TRUE(ch.ok()) << ch.status();
    if (!ch.ok()) return nullptr;
    (*ch)->SetSleep([this](desk::Millis ms) {
      sleeps_.push_back(ms);
      clock_.Advance(ms);
    });
    return std::move(*ch);
  }

  static desk::OutboundMessage Post(std::vector<desk::OutboundMedia> media) {
    desk::OutboundMessage m;
    m.is_public = true;
    m.text = "Unser neues Team.";
    m.media = std::move(media);
    return m;
  }

  void ScriptImage(const std::string& id, int appends) {
    x_.Script("POST /2/media/upload/initialize", {200, "", InitAnswer(id)});
    for (int i = 0; i < appends; ++i) {
      x_.Script("POST /2/media/upload/" + id + "/append", {200, "", R"({"data":{}})"});
    }
    x_.Script("POST /2/media/upload/" + id + "/finalize",
              {200, "", R"({"data":{"id":")" + id + R"(","size":1}})"});
  }

  std::vector<FakeX::Request> Requests(const std::string& path) const {
    std::vector<FakeX::Request> out;
    for (const auto& r : x_.requests()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }

  bool Posted() const { return !Requests("/2/tweets").empty(); }

  FakeX x_;
  FakeClock clock_{kStart};
  std::vector<desk::Millis> sleeps_;
};

TEST_F(XMediaTest, LimitsAreXs) {
  auto ch = Make();
  ASSERT_NE(ch, nullptr);
  desk::MediaLimits l = ch->media_limits();
  EXPECT_EQ(l.max_images, 4);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_FALSE(l.mix_images_and_videos);
  EXPECT_EQ(l.max_image_bytes, 5LL * 1024 * 1024);
  EXPECT_EQ(l.max_gif_bytes, 15LL * 1024 * 1024);
  EXPECT_EQ(l.max_video_bytes, 512LL * 1024 * 1024);
  EXPECT_EQ(l.max_alt_text, 1000);
}

TEST_F(XMediaTest, RenderRefusesWhatXRefuses) {
  auto ch = Make();
  ASSERT_NE(ch, nullptr);
  auto refused = [&](const desk::OutboundMessage& m, const std::string& needle) {
    auto r = ch->Render(m);
    EXPECT_FALSE(r.ok()) << needle;
    if (r.ok()) return;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  auto img = [](int i) { return TestFile("p" + std::to_string(i) + ".jpg", "image/jpeg", "jpeg"); };
  refused(Post({img(0), img(1), img(2), img(3), img(4)}), "5 images");
  refused(Post({TestFile("a.gif", "image/gif", "GIF89a"), img(1)}), "\"a.gif\"");
  refused(Post({TestFile("big.png", "image/png", std::string(5 * 1024 * 1024 + 1, 'x'))}),
          "media[0] \"big.png\"");
  refused(Post({TestFile("scan.tiff", "image/tiff", "II*")}), "image/tiff");
  refused(Post({img(0), TestFile("v.mp4", "video/mp4", "mp4")}), "images and a video");
  refused(Post({TestFile("v.mp4", "video/mp4", "mp4", "a clip")}), "alt text");
  refused(Post({TestFile("a.jpg", "image/jpeg", "j", std::string(1001, 'a'))}), "1001 characters");
  desk::OutboundMessage dm = Post({img(0)});
  dm.thread_key = "dm:4002";
  dm.is_public = false;
  refused(dm, "direct message");
  // Within the limits: the text unchanged.
  auto ok = ch->Render(Post({img(0), img(1), img(2), img(3)}));
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(*ok, "Unser neues Team.");
  EXPECT_TRUE(ch->Render(Post({TestFile("a.gif", "image/gif", "GIF89a", "Wave")})).ok());
  // A refused message makes no request when sent.
  EXPECT_FALSE(ch->Send(Post({img(0), img(1), img(2), img(3), img(4)})).ok());
  EXPECT_TRUE(x_.requests().empty());
}

TEST_F(XMediaTest, ImagesAreUploadedInChunksAndPostedInOrder) {
  const std::string first = PseudoRandomBytes(2500, 1);  // 1024 + 1024 + 452
  const std::string second = PseudoRandomBytes(700, 2);
  ScriptImage(kIdA, 3);
  ScriptImage(kIdB, 1);
  x_.Script("POST /2/media/metadata", {200, "", R"({"data":{"associated_metadata":{}}})"});
  x_.Script("POST /2/tweets", {201, "", R"({"data":{"id":"1445880548472328192","text":"x"}})"});
  auto ch = Make();
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Post({TestFile("team.jpg", "image/jpeg", first, "Fünf Leute lachen"),
                                  TestFile("logo.png", "image/png", second)});
  EXPECT_NEAR(ch->EstimateCost(m), 0.015 + 0.005, 1e-12);
  auto r = ch->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "1445880548472328192");

  // The order of the requests: each file complete, its alt text, the post.
  std::vector<std::string> order;
  for (const auto& q : x_.requests()) order.push_back(q.method + " " + q.path);
  const std::string a = std::string("/2/media/upload/") + kIdA;
  const std::string b = std::string("/2/media/upload/") + kIdB;
  EXPECT_EQ(order, (std::vector<std::string>{
                       "POST /2/media/upload/initialize", "POST " + a + "/append",
                       "POST " + a + "/append", "POST " + a + "/append", "POST " + a + "/finalize",
                       "POST /2/media/metadata", "POST /2/media/upload/initialize",
                       "POST " + b + "/append", "POST " + b + "/finalize", "POST /2/tweets"}));

  auto inits = Requests("/2/media/upload/initialize");
  ASSERT_EQ(inits.size(), 2u);
  EXPECT_EQ(json::parse(inits[0].body), json({{"media_type", "image/jpeg"},
                                              {"total_bytes", 2500},
                                              {"media_category", "tweet_image"}}));
  EXPECT_EQ(json::parse(inits[1].body)["media_type"], "image/png");
  EXPECT_EQ(inits[0].headers.at("authorization"), "Bearer tok");

  // The chunks reassemble to the file byte for byte, in segment order.
  std::string joined;
  int segment = 0;
  for (const auto& q : Requests(a + "/append")) {
    EXPECT_NE(q.headers.at("content-type").find("multipart/form-data; boundary="),
              std::string::npos);
    auto parts = FormParts(q);
    EXPECT_EQ(parts["segment_index"], std::to_string(segment++));
    EXPECT_LE(parts["media"].size(), 1024u);
    joined += parts["media"];
  }
  EXPECT_EQ(joined, first);
  auto b_append = Requests(b + "/append");
  ASSERT_EQ(b_append.size(), 1u);
  EXPECT_EQ(FormParts(b_append[0])["media"], second);

  auto meta = Requests("/2/media/metadata");
  ASSERT_EQ(meta.size(), 1u);
  EXPECT_EQ(json::parse(meta[0].body),
            json({{"id", kIdA}, {"metadata", {{"alt_text", {{"text", "Fünf Leute lachen"}}}}}}));

  auto posts = Requests("/2/tweets");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(json::parse(posts[0].body),
            json({{"text", "Unser neues Team."}, {"media", {{"media_ids", {kIdA, kIdB}}}}}));
  // The post and the alt text; uploads are free by default.
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.02, 1e-9);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(XMediaTest, VideoWaitsForProcessing) {
  const std::string video = PseudoRandomBytes(3000, 3);
  x_.Script("POST /2/media/upload/initialize", {200, "", InitAnswer(kIdA)});
  for (int i = 0; i < 3; ++i) {
    x_.Script(std::string("POST /2/media/upload/") + kIdA + "/append", {200, "", ""});
  }
  x_.Script(std::string("POST /2/media/upload/") + kIdA + "/finalize",
            {200, "", Processing(kIdA, "pending", 3)});
  x_.Script("GET /2/media/upload", {200, "", Processing(kIdA, "in_progress", 2)});
  x_.Script("GET /2/media/upload",
            {200, "",
             R"({"data":{"id":")" + std::string(kIdA) +
                 R"(","processing_info":{"state":"succeeded","progress_percent":100}}})"});
  x_.Script("POST /2/tweets", {201, "", R"({"data":{"id":"1445880548472328199"}})"});
  auto ch = Make({{"cost_per_media_request_usd", "0.001"}});
  ASSERT_NE(ch, nullptr);
  desk::OutboundMessage m = Post({TestFile("clip.mp4", "video/mp4", video)});
  // 5 upload requests (initialize, 3 appends, finalize); STATUS polls are
  // counted when made.
  EXPECT_NEAR(ch->EstimateCost(m), 0.015 + 0.005, 1e-12);
  auto r = ch->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(sleeps_, (std::vector<desk::Millis>{3000, 2000}));
  auto status = Requests("/2/media/upload");
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].method, "GET");
  EXPECT_EQ(status[0].query.at("command"), "STATUS");
  EXPECT_EQ(status[0].query.at("media_id"), kIdA);
  EXPECT_EQ(json::parse(Requests("/2/media/upload/initialize")[0].body)["media_category"],
            "amplify_video");
  std::string joined;
  for (const auto& q : Requests(std::string("/2/media/upload/") + kIdA + "/append")) {
    joined += FormParts(q)["media"];
  }
  EXPECT_EQ(joined, video);
  EXPECT_EQ(json::parse(Requests("/2/tweets")[0].body)["media"]["media_ids"], json({kIdA}));
  EXPECT_NEAR(ch->SpentThisMonthUsd(), 0.015 + 7 * 0.001, 1e-9);
}

TEST_F(XMediaTest, ProcessingFailureOrTimeoutPostsNothing) {
  const std::string fin = std::string("POST /2/media/upload/") + kIdA + "/finalize";
  x_.Script("POST /2/media/upload/initialize", {200, "", InitAnswer(kIdA)});
  x_.Script(std::string("POST /2/media/upload/") + kIdA + "/append", {200, "", ""});
  x_.Script(fin, {200, "", Processing(kIdA, "in_progress", 5)});
  x_.Script("GET /2/media/upload",
            {200, "",
             R"({"data":{"id":")" + std::string(kIdA) +
                 R"(","processing_info":{"state":"failed","error":{"code":1,)"
                 R"("name":"InvalidMedia","message":"Unsupported video format"}}}})"});
  x_.Script("POST /2/tweets", {201, "", R"({"data":{"id":"1"}})"});
  auto ch = Make();
  ASSERT_NE(ch, nullptr);
  auto failed = ch->Send(Post({TestFile("clip.mp4", "video/mp4", "short")}));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(failed.status().message().find("\"clip.mp4\""), std::string::npos);
  EXPECT_NE(failed.status().message().find("Unsupported video format"), std::string::npos);
  EXPECT_FALSE(Posted());

  // Still in progress after media_processing_timeout_ms: Unavailable (the
  // outbox retries later), after as many polls as fit.
  FakeX slow;
  slow.Script("POST /2/media/upload/initialize", {200, "", InitAnswer(kIdB)});
  slow.Script(std::string("POST /2/media/upload/") + kIdB + "/append", {200, "", ""});
  slow.Script(std::string("POST /2/media/upload/") + kIdB + "/finalize",
              {200, "", Processing(kIdB, "pending", 4)});
  slow.Script("GET /2/media/upload", {200, "", Processing(kIdB, "in_progress", 4)});
  desk::ChannelConfig c;
  c.name = "shop-x";
  c.kind = std::string(1, 'x');
  c.settings = {{"account_id", "3001"},
                {"api_url", slow.base_url()},
                {"media_processing_timeout_ms", "10000"}};
  c.secrets = {{"consumer_secret", "csecret"}, {"oauth2_access_token", "tok"}};
  auto made = MakeX(c, &clock_);
  ASSERT_TRUE(made.ok()) << made.status();
  sleeps_.clear();
  (*made)->SetSleep([this](desk::Millis ms) { sleeps_.push_back(ms); });
  auto timed_out = (*made)->Send(Post({TestFile("clip.mp4", "video/mp4", "short")}));
  ASSERT_FALSE(timed_out.ok());
  EXPECT_EQ(timed_out.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(timed_out.status().message().find("media_processing_timeout_ms"), std::string::npos);
  EXPECT_EQ(sleeps_, (std::vector<desk::Millis>{4000, 4000}));
  int statuses = 0;
  for (const auto& q : slow.requests()) {
    EXPECT_NE(q.path, "/2/tweets");
    statuses += q.path == "/2/media/upload" ? 1 : 0;
  }
  EXPECT_EQ(statuses, 2);
}

TEST_F(XMediaTest, AFailedStepGivesItsStatusAndNoPost) {
  x_.Script("POST /2/tweets", {201, "", R"({"data":{"id":"1"}})"});
  auto ch = Make();
  ASSERT_NE(ch, nullptr);
  const desk::OutboundMessage m =
      Post({TestFile("team.jpg", "image/jpeg", PseudoRandomBytes(100, 4), "Team")});
  const std::string append = std::string("POST /2/media/upload/") + kIdA + "/append";

  // 5xx on an append: transient.
  x_.Script("POST /2/media/upload/initialize", {200, "", InitAnswer(kIdA)});
  x_.Script(append, {503, "", R"({"title":"Service Unavailable"})"});
  auto r = ch->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("\"team.jpg\""), std::string::npos);
  EXPECT_FALSE(Posted());

  // 4xx on the alt text: permanent, naming the file.
  x_.Script(append, {200, "", ""});
  x_.Script(std::string("POST /2/media/upload/") + kIdA + "/finalize",
            {200, "", R"({"data":{"id":")" + std::string(kIdA) + R"("}})"});
  x_.Script("POST /2/media/metadata", {400, "", R"({"title":"Invalid Request","detail":"bad"})"});
  r = ch->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find("media[0] \"team.jpg\""), std::string::npos);
  EXPECT_NE(r.status().message().find("alt text"), std::string::npos);
  EXPECT_FALSE(Posted());

  // 429 on initialize: ResourceExhausted with the reset X names.
  FakeX limited;
  limited.Script("POST /2/media/upload/initialize",
                 {429,
                  "x-rate-limit-remaining: 0\r\nx-rate-limit-reset: " +
                      std::to_string((clock_.NowMillis() + 120'000) / 1000) + "\r\n",
                  R"({"title":"Too Many Requests"})"});
  desk::ChannelConfig c;
  c.name = "shop-x";
  c.kind = std::string(1, 'x');
  c.settings = {{"account_id", "3001"}, {"api_url", limited.base_url()}};
  c.secrets = {{"consumer_secret", "csecret"}, {"oauth2_access_token", "tok"}};
  auto other = MakeX(c, &clock_);
  ASSERT_TRUE(other.ok());
  r = (*other)->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  EXPECT_EQ((*other)->retry_after_ms(), 120'000);
  for (const auto& q : limited.requests()) EXPECT_NE(q.path, "/2/tweets");
}

}  // namespace
}  // namespace leitplanke::channels::x
