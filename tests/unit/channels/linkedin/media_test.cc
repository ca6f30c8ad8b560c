// Images and videos of new posts: limits and Render refusals,
// initializeUpload with the organisation as owner, the bytes by PUT to the
// upload URL, content.media for one image and content.multiImage in the
// files' order; a video's byte ranges, ETags, finalizeUpload and processing
// poll; and the failure of each upload step, against FakeLinkedIn on
// loopback.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/linkedin/linkedin.h"
#include "fake/media_files.h"
#include "fake_linkedin.h"

namespace leitplanke::channels::linkedin {
namespace {

using channels::testing::PseudoRandomBytes;
using channels::testing::TestFile;
using nlohmann::json;
using testing::FakeLinkedIn;

constexpr char kOrg[] = "urn:li:organization:5515715";
constexpr char kVideo[] = "urn:li:video:C5F10AQGKQg";
constexpr char kVideoPath[] = "/rest/videos/urn%3Ali%3Avideo%3AC5F10AQGKQg";

using Range = std::pair<int64_t, int64_t>;  // firstByte, lastByte

desk::OutboundMessage Post(std::vector<desk::OutboundMedia> media) {
  desk::OutboundMessage m;
  m.is_public = true;
  m.text = "Our new team";
  m.media = std::move(media);
  return m;
}

class LinkedInMediaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    desk::ChannelConfig c;
    c.name = "shop-linkedin";
    c.kind = "linkedin";
    c.settings = {{"organization_id", "5515715"},
                  {"api_url", server_.base_url()},
                  {"api_version", "202411"},
                  {"video_poll_attempts", "4"},
                  {"video_poll_interval_ms", "0"}};
    c.secrets = {{"access_token", "AQVtoken"}, {"client_secret", "sec"}};
    auto ch = MakeLinkedIn(c, &clock_);
    ASSERT_TRUE(ch.ok()) << ch.status();
    channel_ = std::move(*ch);
  }

  // initializeUpload answers for images 1..n, each with its upload path.
  void ScriptImages(int n) {
    for (int i = 1; i <= n; ++i) {
      server_.Script("POST", "/rest/images",
                     {200, "",
                      json{{"value",
                            {{"uploadUrlExpiresAt", 1'700'000'600'000},
                             {"uploadUrl", server_.base_url() + "/dms-uploads/img" +
                                               std::to_string(i) + "?ca=vector_feedshare"},
                             {"image", "urn:li:image:C4E10AQ" + std::to_string(i)}}}}
                          .dump()});
      server_.Route("PUT", "/dms-uploads/img" + std::to_string(i), {201, "", ""});
    }
  }

  void RoutePostCreated() {
    server_.Route("POST", "/rest/posts",
                  {201, "x-restli-id: urn:li:share:7100000000000000001\r\n", ""});
  }

  // The initializeUpload answer for a video in `ranges`, each range going to
  // /dms-uploads/vid/part<i> (1-based).
  FakeLinkedIn::Response VideoInit(const std::vector<Range>& ranges,
                                   const std::string& token = "tok-1") const {
    json instructions = json::array();
    for (size_t i = 0; i < ranges.size(); ++i) {
      instructions.push_back({{"uploadUrl", server_.base_url() + "/dms-uploads/vid/part" +
                                                std::to_string(i + 1) + "?ca=vector_feedshare"},
                              {"firstByte", ranges[i].first},
                              {"lastByte", ranges[i].second}});
    }
    return {200, "",
            json{{"value",
                  {{"uploadUrlsExpireAt", 1'700'086'400'000},
                   {"video", kVideo},
                   {"uploadInstructions", instructions},
                   {"uploadToken", token}}}}
                .dump()};
  }

  // POST /rest/videos answers `init` for ?action=initializeUpload and
  // `finalize` for ?action=finalizeUpload.
  void RouteVideos(FakeLinkedIn::Response init, FakeLinkedIn::Response finalize = {200, "", ""}) {
    server_.Handle("POST", "/rest/videos", [init, finalize](const FakeLinkedIn::Request& r) {
      auto action = r.query.find("action");
      if (action != r.query.end() && action->second == "initializeUpload") return init;
      if (action != r.query.end() && action->second == "finalizeUpload") return finalize;
      return FakeLinkedIn::Response{400, "", R"({"status":400,"message":"no action"})"};
    });
  }

  // The part uploads answer 200 with the ETag `etags[i]`.
  void RouteParts(const std::vector<std::string>& etags) {
    for (size_t i = 0; i < etags.size(); ++i) {
      server_.Route("PUT", "/dms-uploads/vid/part" + std::to_string(i + 1),
                    {200, "ETag: " + etags[i] + "\r\n", ""});
    }
  }

  std::vector<FakeLinkedIn::Request> Actions(const std::string& action) const {
    std::vector<FakeLinkedIn::Request> out;
    for (const auto& r : Requests("POST", "/rest/videos")) {
      auto it = r.query.find("action");
      if (it != r.query.end() && it->second == action) out.push_back(r);
    }
    return out;
  }

  std::vector<FakeLinkedIn::Request> Requests(const std::string& method,
                                              const std::string& prefix) const {
    std::vector<FakeLinkedIn::Request> out;
    for (const auto& r : server_.requests()) {
      if (r.method == method && r.path.rfind(prefix, 0) == 0) out.push_back(r);
    }
    return out;
  }

  FakeLinkedIn server_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<LinkedInChannel> channel_;
};

TEST_F(LinkedInMediaTest, LimitsAndRefusals) {
  desk::MediaLimits l = channel_->media_limits();
  EXPECT_EQ(l.max_images, 20);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_FALSE(l.mix_images_and_videos);
  EXPECT_EQ(l.max_video_bytes, 500'000'000);
  EXPECT_EQ(l.mime_types,
            (std::vector<std::string>{"image/jpeg", "image/png", "image/gif", "video/mp4"}));
  auto refused = [&](const desk::OutboundMessage& m, const std::string& needle) {
    auto r = channel_->Render(m);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  std::vector<desk::OutboundMedia> many;
  for (int i = 0; i < 21; ++i) many.push_back(TestFile("p.jpg", "image/jpeg", "j"));
  refused(Post(many), "21 images");
  refused(Post({TestFile("clip.mov", "video/quicktime", "mov")}), "video/quicktime");
  refused(Post({TestFile("p.webp", "image/webp", "RIFF")}), "image/webp");
  desk::OutboundMedia huge = TestFile("poster.png", "image/png", "png");
  huge.width = 8000;
  huge.height = 5000;
  refused(Post({huge}), "media[0] \"poster.png\"");
  desk::OutboundMessage comment = Post({TestFile("p.jpg", "image/jpeg", "j")});
  comment.thread_key = "li-post:urn:li:activity:7094637247890620418";
  refused(comment, "new posts only");
  // Sending what Render refuses makes no request.
  EXPECT_FALSE(channel_->Send(comment).ok());
  EXPECT_FALSE(channel_->Send(Post(many)).ok());
  EXPECT_TRUE(server_.requests().empty());
  EXPECT_TRUE(channel_->Render(Post({TestFile("p.jpg", "image/jpeg", "j", "A desk")})).ok());
}

TEST_F(LinkedInMediaTest, OneImageGoesAsContentMedia) {
  ScriptImages(1);
  RoutePostCreated();
  const std::string bytes = PseudoRandomBytes(5000, 7);
  auto r =
      channel_->Send(Post({TestFile("team.jpg", "image/jpeg", bytes, "Five people laughing")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "urn:li:share:7100000000000000001");

  auto inits = Requests("POST", "/rest/images");
  ASSERT_EQ(inits.size(), 1u);
  EXPECT_EQ(inits[0].query.at("action"), "initializeUpload");
  EXPECT_EQ(json::parse(inits[0].body), json({{"initializeUploadRequest", {{"owner", kOrg}}}}));
  EXPECT_EQ(inits[0].headers.at("linkedin-version"), "202411");
  EXPECT_EQ(inits[0].headers.at("x-restli-protocol-version"), "2.0.0");

  auto puts = Requests("PUT", "/dms-uploads/");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].body, bytes);
  EXPECT_EQ(puts[0].headers.at("authorization"), "Bearer AQVtoken");

  auto posts = Requests("POST", "/rest/posts");
  ASSERT_EQ(posts.size(), 1u);
  json body = json::parse(posts[0].body);
  EXPECT_EQ(body["author"], kOrg);
  EXPECT_EQ(body["commentary"], "Our new team");
  EXPECT_EQ(
      body["content"],
      json({{"media", {{"id", "urn:li:image:C4E10AQ1"}, {"altText", "Five people laughing"}}}}));
  // The post comes after every upload.
  EXPECT_EQ(server_.requests().back().path, "/rest/posts");
}

TEST_F(LinkedInMediaTest, SeveralImagesGoAsMultiImageInOrder) {
  ScriptImages(3);
  RoutePostCreated();
  const std::vector<std::string> files = {PseudoRandomBytes(100, 1), PseudoRandomBytes(2000, 2),
                                          PseudoRandomBytes(1, 3)};
  auto r = channel_->Send(Post({TestFile("a.png", "image/png", files[0], "First"),
                                TestFile("b.gif", "image/gif", files[1]),
                                TestFile("c.jpg", "image/jpeg", files[2], "Third")}));
  ASSERT_TRUE(r.ok()) << r.status();
  std::vector<std::string> order;
  for (const auto& q : server_.requests()) order.push_back(q.method + " " + q.path);
  EXPECT_EQ(order, (std::vector<std::string>{"POST /rest/images", "PUT /dms-uploads/img1",
                                             "POST /rest/images", "PUT /dms-uploads/img2",
                                             "POST /rest/images", "PUT /dms-uploads/img3",
                                             "POST /rest/posts"}));
  auto puts = Requests("PUT", "/dms-uploads/");
  ASSERT_EQ(puts.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(puts[i].body, files[i]) << i;
  json body = json::parse(Requests("POST", "/rest/posts")[0].body);
  EXPECT_EQ(body["content"],
            json({{"multiImage",
                   {{"images",
                     {{{"id", "urn:li:image:C4E10AQ1"}, {"altText", "First"}},
                      {{"id", "urn:li:image:C4E10AQ2"}},
                      {{"id", "urn:li:image:C4E10AQ3"}, {"altText", "Third"}}}}}}}));
}

TEST_F(LinkedInMediaTest, AFailedUploadGivesItsStatusAndNoPost) {
  RoutePostCreated();
  auto no_post = [&] { return Requests("POST", "/rest/posts").empty(); };
  const desk::OutboundMessage m = Post({TestFile("team.jpg", "image/jpeg", "jpegbytes")});

  // initializeUpload 5xx: transient.
  server_.Route("POST", "/rest/images", {503, "", R"({"status":503,"message":"busy"})"});
  auto r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("\"team.jpg\""), std::string::npos);
  EXPECT_TRUE(no_post());

  // The PUT refused with 400: permanent, naming the file.
  server_.Route("POST", "/rest/images",
                {200, "",
                 json{{"value",
                       {{"uploadUrl", server_.base_url() + "/dms-uploads/bad"},
                        {"image", "urn:li:image:C4E10AQbad"}}}}
                     .dump()});
  server_.Route("PUT", "/dms-uploads/bad",
                {400, "", R"({"status":400,"message":"Invalid image"})"});
  r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find("media[0] \"team.jpg\""), std::string::npos);
  EXPECT_NE(r.status().message().find("Invalid image"), std::string::npos);
  EXPECT_TRUE(no_post());

  // 429 with Retry-After: ResourceExhausted, and the channel waits.
  server_.Route("PUT", "/dms-uploads/bad", {429, "Retry-After: 30\r\n", "{}"});
  r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  EXPECT_EQ(channel_->retry_after_ms(), 30'000);
  EXPECT_TRUE(no_post());

  // An upload URL that is neither https nor the API host is not used.
  clock_.Advance(31'000);
  server_.Route("POST", "/rest/images",
                {200, "",
                 json{{"value",
                       {{"uploadUrl", "http://elsewhere.example/upload"},
                        {"image", "urn:li:image:C4E10AQx"}}}}
                     .dump()});
  r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("uploadUrl"), std::string::npos);
  EXPECT_TRUE(no_post());
}

TEST_F(LinkedInMediaTest, VideoRefusals) {
  auto refused = [&](const desk::OutboundMessage& m, const std::string& needle) {
    auto r = channel_->Render(m);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  const std::string clip = PseudoRandomBytes(80'000, 5);
  // Two videos, and a video with an image: CheckMedia's messages.
  refused(Post({TestFile("a.mp4", "video/mp4", clip), TestFile("b.mp4", "video/mp4", clip)}),
          "2 videos, linkedin allows 1 per message");
  refused(Post({TestFile("a.mp4", "video/mp4", clip), TestFile("p.jpg", "image/jpeg", "j")}),
          "linkedin cannot attach images and a video to the same message");
  // Over 500 MB, and under LinkedIn's 75 KB.
  const desk::OutboundMedia big = TestFile("big.mp4", "video/mp4", std::string(500'000'001, '\0'));
  refused(Post({big}), "media[0] \"big.mp4\": 500 MB is over linkedin's 500 MB per video");
  refused(Post({TestFile("tiny.mp4", "video/mp4", std::string(74'999, 'v'))}),
          "media[0] \"tiny.mp4\": 75 KB; LinkedIn takes videos of 75 KB to 500 MB");
  // A video on a comment.
  desk::OutboundMessage comment = Post({TestFile("a.mp4", "video/mp4", clip)});
  comment.thread_key = "li-post:urn:li:activity:7094637247890620418";
  refused(comment, "new posts only");
  // Send of what Render refuses makes no request.
  EXPECT_EQ(channel_->Send(Post({big})).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(server_.requests().empty());
  EXPECT_TRUE(channel_->Render(Post({TestFile("a.mp4", "video/mp4", clip)})).ok());
}

TEST_F(LinkedInMediaTest, VideoPartsETagsFinalizeAndPost) {
  const std::string bytes = PseudoRandomBytes(200'000, 11);
  const std::vector<Range> ranges = {{0, 79'999}, {80'000, 159'999}, {160'000, 199'999}};
  RouteVideos(VideoInit(ranges));
  // ETags not in sorted order: finalize must keep the parts' order.
  RouteParts({"/ambry-video/signedId/zz", "/ambry-video/signedId/aa", "\"quoted-mm\""});
  server_.Script("GET", kVideoPath,
                 {200, "", R"({"id":"urn:li:video:C5F10AQGKQg","status":"PROCESSING"})"});
  server_.Script("GET", kVideoPath,
                 {200, "", R"({"id":"urn:li:video:C5F10AQGKQg","status":"AVAILABLE"})"});
  RoutePostCreated();

  auto r = channel_->Send(Post({TestFile("launch.film.mp4", "video/mp4", bytes, "On stage")}));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "urn:li:share:7100000000000000001");

  std::vector<std::string> order;
  for (const auto& q : server_.requests()) order.push_back(q.method + " " + q.path);
  EXPECT_EQ(order,
            (std::vector<std::string>{"POST /rest/videos", "PUT /dms-uploads/vid/part1",
                                      "PUT /dms-uploads/vid/part2", "PUT /dms-uploads/vid/part3",
                                      "POST /rest/videos", std::string("GET ") + kVideoPath,
                                      std::string("GET ") + kVideoPath, "POST /rest/posts"}));

  auto inits = Actions("initializeUpload");
  ASSERT_EQ(inits.size(), 1u);
  EXPECT_EQ(json::parse(inits[0].body), json({{"initializeUploadRequest",
                                               {{"owner", kOrg},
                                                {"fileSizeBytes", 200'000},
                                                {"uploadCaptions", false},
                                                {"uploadThumbnail", false}}}}));
  EXPECT_EQ(inits[0].headers.at("linkedin-version"), "202411");
  EXPECT_EQ(inits[0].headers.at("x-restli-protocol-version"), "2.0.0");

  // Each PUT carries exactly its range; together they are the file.
  auto puts = Requests("PUT", "/dms-uploads/vid/");
  ASSERT_EQ(puts.size(), 3u);
  std::string joined;
  for (size_t i = 0; i < 3; ++i) {
    const auto [first, last] = ranges[i];
    EXPECT_EQ(puts[i].body,
              bytes.substr(static_cast<size_t>(first), static_cast<size_t>(last - first + 1)))
        << i;
    EXPECT_EQ(puts[i].headers.at("content-type"), "application/octet-stream");
    EXPECT_EQ(puts[i].headers.at("authorization"), "Bearer AQVtoken");
    joined += puts[i].body;
  }
  EXPECT_EQ(joined, bytes);

  auto fins = Actions("finalizeUpload");
  ASSERT_EQ(fins.size(), 1u);
  EXPECT_EQ(
      json::parse(fins[0].body),
      json({{"finalizeUploadRequest",
             {{"video", kVideo},
              {"uploadToken", "tok-1"},
              {"uploadedPartIds",
               {"/ambry-video/signedId/zz", "/ambry-video/signedId/aa", "\"quoted-mm\""}}}}}));

  json body = json::parse(Requests("POST", "/rest/posts")[0].body);
  EXPECT_EQ(body["commentary"], "Our new team");
  // The public title is the (checked) alt text, never the file name.
  EXPECT_EQ(body["content"], json({{"media", {{"id", kVideo}, {"title", "On stage"}}}}));
}

TEST_F(LinkedInMediaTest, SinglePartVideoWithEmptyUploadToken) {
  const std::string bytes = PseudoRandomBytes(90'000, 3);
  RouteVideos(VideoInit({{0, 89'999}}, ""));
  RouteParts({"etag-only"});
  server_.Route("GET", kVideoPath, {200, "", R"({"status":"AVAILABLE"})"});
  RoutePostCreated();
  auto r = channel_->Send(Post({TestFile("clip", "video/mp4", bytes)}));
  ASSERT_TRUE(r.ok()) << r.status();
  auto puts = Requests("PUT", "/dms-uploads/vid/");
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].body, bytes);
  EXPECT_EQ(json::parse(Actions("finalizeUpload").at(0).body)["finalizeUploadRequest"],
            json({{"video", kVideo}, {"uploadToken", ""}, {"uploadedPartIds", {"etag-only"}}}));
  EXPECT_EQ(json::parse(Requests("POST", "/rest/posts").at(0).body)["content"],
            json({{"media", {{"id", kVideo}}}}));  // no alt text: no title
}

TEST_F(LinkedInMediaTest, VideoProcessingPollIsBounded) {
  const desk::OutboundMessage m =
      Post({TestFile("clip.mp4", "video/mp4", PseudoRandomBytes(100'000, 9))});
  RouteVideos(VideoInit({{0, 99'999}}));
  RouteParts({"e1"});
  RoutePostCreated();

  // Still processing after the 4 checks the settings allow: Unavailable.
  server_.Route("GET", kVideoPath, {200, "", R"({"status":"PROCESSING"})"});
  auto r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_NE(r.status().message().find("not AVAILABLE after 4 checks"), std::string::npos)
      << r.status();
  EXPECT_EQ(Requests("GET", "/rest/videos/").size(), 4u);
  EXPECT_TRUE(Requests("POST", "/rest/posts").empty());

  // Processing failed: permanent, naming the file and LinkedIn's reason.
  server_.ClearRequests();
  server_.Route(
      "GET", kVideoPath,
      {200, "", R"({"status":"PROCESSING_FAILED","processingFailureReason":"Unsupported codec"})"});
  r = channel_->Send(m);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << r.status();
  EXPECT_NE(r.status().message().find("media[0] \"clip.mp4\""), std::string::npos);
  EXPECT_NE(r.status().message().find("Unsupported codec"), std::string::npos);
  EXPECT_EQ(Requests("GET", "/rest/videos/").size(), 1u);
  EXPECT_TRUE(Requests("POST", "/rest/posts").empty());

  // WAITING_UPLOAD, then AVAILABLE on the third check: the post follows.
  server_.ClearRequests();
  server_.Route("GET", kVideoPath, {200, "", R"({"status":"WAITING_UPLOAD"})"});
  server_.Script("GET", kVideoPath, {200, "", R"({"status":"PROCESSING"})"});
  server_.Script("GET", kVideoPath, {200, "", R"({"status":"AVAILABLE"})"});
  r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Requests("GET", "/rest/videos/").size(), 3u);
  EXPECT_EQ(Requests("POST", "/rest/posts").size(), 1u);
}

TEST_F(LinkedInMediaTest, AFailedVideoStepGivesItsStatusAndNoPost) {
  RoutePostCreated();
  const std::string bytes = PseudoRandomBytes(160'000, 4);
  const desk::OutboundMessage m = Post({TestFile("clip.mp4", "video/mp4", bytes)});
  const std::vector<Range> two = {{0, 79'999}, {80'000, 159'999}};
  server_.Route("GET", kVideoPath, {200, "", R"({"status":"AVAILABLE"})"});
  auto expect = [&](StatusCode code, const std::string& needle, size_t puts, size_t finalizes) {
    auto r = channel_->Send(m);
    EXPECT_EQ(r.status().code(), code) << needle << ": " << r.status();
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status();
    EXPECT_NE(r.status().message().find("media[0] \"clip.mp4\""), std::string::npos) << r.status();
    EXPECT_EQ(Requests("PUT", "/dms-uploads/").size(), puts) << needle;
    EXPECT_EQ(Actions("finalizeUpload").size(), finalizes) << needle;
    EXPECT_TRUE(Requests("POST", "/rest/posts").empty()) << needle;
    server_.ClearRequests();
  };

  // initializeUpload 5xx.
  RouteVideos({503, "", R"({"status":503,"message":"busy"})"});
  expect(StatusCode::kUnavailable, "initializeUpload: HTTP 503", 0, 0);
  // initializeUpload 4xx: permanent.
  RouteVideos({400, "", R"({"status":400,"message":"fileSizeBytes too large"})"});
  expect(StatusCode::kInvalidArgument, "fileSizeBytes too large", 0, 0);
  // Instructions with a gap, or short of the end of the file.
  RouteVideos(VideoInit({{0, 79'999}, {80'001, 159'999}}));
  expect(StatusCode::kUnavailable, "/value/uploadInstructions/1", 0, 0);
  RouteVideos(VideoInit({{0, 99'999}}));
  expect(StatusCode::kUnavailable, "end at byte 100000 of 160000", 0, 0);
  // An upload URL that is neither https nor the API host.
  FakeLinkedIn::Response foreign = VideoInit(two);
  json doc = json::parse(foreign.body);
  doc["value"]["uploadInstructions"][1]["uploadUrl"] = "http://elsewhere.example/part2";
  foreign.body = doc.dump();
  RouteVideos(foreign);
  expect(StatusCode::kUnavailable, "/value/uploadInstructions/1/uploadUrl", 0, 0);

  // The second part refused: permanent, no finalize.
  RouteVideos(VideoInit(two));
  RouteParts({"e1", "e2"});
  server_.Route("PUT", "/dms-uploads/vid/part2",
                {400, "", R"({"status":400,"message":"Invalid part"})"});
  expect(StatusCode::kInvalidArgument, "part 2 of 2", 2, 0);
  // A part answered without an ETag.
  server_.Route("PUT", "/dms-uploads/vid/part2", {200, "", ""});
  expect(StatusCode::kUnavailable, "ETag", 2, 0);
  // A part's 5xx.
  server_.Route("PUT", "/dms-uploads/vid/part2", {502, "", ""});
  expect(StatusCode::kUnavailable, "HTTP 502", 2, 0);

  // finalizeUpload rate-limited: ResourceExhausted, and the channel waits.
  RouteParts({"e1", "e2"});
  RouteVideos(VideoInit(two), {429, "Retry-After: 30\r\n", "{}"});
  expect(StatusCode::kResourceExhausted, "finalizeUpload: HTTP 429", 2, 1);
  EXPECT_EQ(channel_->retry_after_ms(), 30'000);
  clock_.Advance(31'000);

  // The status check fails.
  RouteVideos(VideoInit(two));
  server_.Route("GET", kVideoPath, {500, "", "{}"});
  expect(StatusCode::kUnavailable, "GET /rest/videos/urn:li:video:C5F10AQGKQg: HTTP 500", 2, 1);

  // And with every step working, the post is made.
  server_.Route("GET", kVideoPath, {200, "", R"({"status":"AVAILABLE"})"});
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Requests("POST", "/rest/posts").size(), 1u);
}

}  // namespace
}  // namespace leitplanke::channels::linkedin
