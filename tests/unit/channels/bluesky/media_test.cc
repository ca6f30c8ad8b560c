// Images and video of the Bluesky channel against FakePds on loopback (and
// a second FakePds playing the video service): the limits, uploadBlob with
// the raw bytes, the embed with the blob objects as returned, alt text and
// aspect ratio; a video through getUploadLimits, service tokens,
// uploadVideo and getJobStatus; failures that write no record; and Render
// refusing too many, mixed and too large files.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/bluesky/bluesky.h"
#include "fake/media_files.h"
#include "fake_pds.h"

namespace leitplanke::channels::bluesky {
namespace {

using channels::testing::TestFile;
using nlohmann::json;
using testing::FakePds;

constexpr long long kStartS = 1'700'000'000;

class BlueskyMediaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json session = {{"accessJwt", FakePds::Jwt(kStartS + 7200, "a1")},
                    {"refreshJwt", FakePds::Jwt(kStartS + 90LL * 86400, "r1")},
                    {"handle", "support.example.com"},
                    {"did", "did:plc:company"},
                    {"active", true}};
    pds_.Set("com.atproto.server.createSession", {200, "", session.dump()});
    pds_.Set("com.atproto.repo.createRecord",
             {200, "",
              R"({"uri":"at://did:plc:company/app.bsky.feed.post/3new","cid":"bafynew",)"
              R"("commit":{"cid":"bafycommit","rev":"3rev"},"validationStatus":"valid"})"});
    desk::ChannelConfig c;
    c.name = "shop-bsky";
    c.kind = "bluesky";
    c.settings.emplace("handle", "support.example.com");
    c.settings.emplace("service_url", pds_.base_url());
    // The video service under another loopback name, so that the two
    // service-token audiences differ.
    std::string video_url = video_.base_url();
    video_url.replace(video_url.find("127.0.0.1"), 9, "localhost");
    c.settings.emplace("video_service_url", video_url);
    c.settings.emplace("video_poll_interval_ms", "0");
    c.settings.emplace("video_max_polls", "3");
    c.secrets.emplace("app_password", "abcd-efgh-ijkl-mnop");
    auto ch = MakeBluesky(c, &clock_);
    ASSERT_TRUE(ch.ok()) << ch.status();
    channel_ = std::move(*ch);
  }

  json LastRecord() {
    auto reqs = pds_.requests("com.atproto.repo.createRecord");
    EXPECT_FALSE(reqs.empty());
    if (reqs.empty()) return json();
    return json::parse(reqs.back().body);
  }

  // Render refuses `media` with exactly `want`, and Send refuses the same
  // before any network call.
  void ExpectRefused(const std::vector<desk::OutboundMedia>& media, const std::string& want) {
    desk::OutboundMessage m;
    m.text = "Text";
    m.media = media;
    auto r = channel_->Render(m);
    ASSERT_FALSE(r.ok()) << want;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), want);
    EXPECT_FALSE(channel_->Send(m).ok()) << want;
  }

  FakePds pds_;
  FakePds video_;  // the video service
  FakeClock clock_{kStartS * 1000};
  std::unique_ptr<BlueskyChannel> channel_;
};

// --- media --------------------------------------------------------------------

// The blob object the PDS answers for upload n (fields in the lexicon's
// shape, plus one the channel does not know, which must survive).
json Blob(int n, const std::string& type, size_t size) {
  return {{"$type", "blob"},
          {"ref", {{"$link", "bafkreiblob" + std::to_string(n)}}},
          {"mimeType", type},
          {"size", size},
          {"x-extra", {{"kept", true}}}};
}

TEST_F(BlueskyMediaTest, MediaLimitsAreFourImagesOrOneVideo) {
  desk::MediaLimits l = channel_->media_limits();
  EXPECT_EQ(l.max_images, 4);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_FALSE(l.mix_images_and_videos);
  EXPECT_EQ(l.max_image_bytes, 1'000'000);
  EXPECT_EQ(l.max_video_bytes, 100'000'000);
  EXPECT_EQ(l.mime_types, (std::vector<std::string>{"image/jpeg", "image/png", "image/gif",
                                                    "image/webp", "video/mp4"}));
}

TEST_F(BlueskyMediaTest, UploadsBlobsAndEmbedsThemUnchangedWithAltAndAspectRatio) {
  int uploads = 0;
  pds_.SetHandler("com.atproto.repo.uploadBlob", [&](const FakePds::Request& r) {
    ++uploads;
    return FakePds::Response{
        200, "", json{{"blob", Blob(uploads, r.headers.at("content-type"), r.body.size())}}.dump()};
  });
  const std::string jpeg("\xFF\xD8\xFF\xE0\0\x10JFIF\0\r\n\x80\xFF\xD9", 16);
  const std::string webp = std::string("RIFF\x24\0\0\0WEBPVP8 ", 16) + std::string(900, '\x7f');
  desk::OutboundMessage m;
  m.text = "Neu im Shop: https://example.com/neu";
  m.idempotency_key = "post-9";
  m.media = {TestFile("laden.jpg", "image/jpeg", jpeg, "Der Laden von außen.", 1200, 800),
             TestFile("regal.webp", "image/webp", webp)};
  auto r = channel_->Send(m);
  ASSERT_TRUE(r.ok()) << r.status();

  auto blobs = pds_.requests("com.atproto.repo.uploadBlob");
  ASSERT_EQ(blobs.size(), 2u);
  EXPECT_EQ(blobs[0].method, "POST");
  EXPECT_EQ(blobs[0].body, jpeg);  // byte for byte
  EXPECT_EQ(blobs[0].headers.at("content-type"), "image/jpeg");
  EXPECT_EQ(blobs[0].headers.at("authorization").rfind("Bearer ", 0), 0u);
  EXPECT_EQ(blobs[1].body, webp);
  EXPECT_EQ(blobs[1].headers.at("content-type"), "image/webp");

  json record = LastRecord()["record"];
  json embed = record["embed"];
  EXPECT_EQ(embed["$type"], "app.bsky.embed.images");
  ASSERT_EQ(embed["images"].size(), 2u);
  EXPECT_EQ(embed["images"][0]["alt"], "Der Laden von außen.");
  EXPECT_EQ(embed["images"][0]["image"], Blob(1, "image/jpeg", jpeg.size()));
  EXPECT_EQ(embed["images"][0]["aspectRatio"], (json{{"width", 1200}, {"height", 800}}));
  // The lexicon requires alt: empty when there is none; no aspect ratio
  // when the size is unknown.
  EXPECT_EQ(embed["images"][1]["alt"], "");
  EXPECT_EQ(embed["images"][1]["image"], Blob(2, "image/webp", webp.size()));
  EXPECT_FALSE(embed["images"][1].contains("aspectRatio"));
  // The link facet still indexes the text.
  ASSERT_EQ(record["facets"].size(), 1u);
  EXPECT_EQ(record["facets"][0]["index"]["byteStart"], 13);
  EXPECT_EQ(record["facets"][0]["index"]["byteEnd"], 36);
  EXPECT_EQ(record["text"], m.text);
  // The uploads come before the record.
  auto all = pds_.requests();
  std::vector<std::string> order;
  for (const auto& q : all) {
    if (q.nsid == "com.atproto.repo.uploadBlob" || q.nsid == "com.atproto.repo.createRecord") {
      order.push_back(q.nsid);
    }
  }
  EXPECT_EQ(order,
            (std::vector<std::string>{"com.atproto.repo.uploadBlob", "com.atproto.repo.uploadBlob",
                                      "com.atproto.repo.createRecord"}));
}

TEST_F(BlueskyMediaTest, WithoutMediaThereIsNoEmbed) {
  desk::OutboundMessage m;
  m.text = "Nur Text";
  ASSERT_TRUE(channel_->Send(m).ok());
  EXPECT_FALSE(LastRecord()["record"].contains("embed"));
  EXPECT_TRUE(pds_.requests("com.atproto.repo.uploadBlob").empty());
}

TEST_F(BlueskyMediaTest, AFailedUploadPostsNothing) {
  struct Case {
    int status;
    std::string body;
    StatusCode code;
    std::string want;
  } cases[] = {
      {413, R"({"error":"PayloadTooLargeError","message":"request entity too large"})",
       StatusCode::kInvalidArgument,
       "media[1] \"b.png\": com.atproto.repo.uploadBlob: HTTP 413 PayloadTooLargeError: request "
       "entity too large"},
      {400, R"({"error":"InvalidRequest","message":"Unsupported blob type"})",
       StatusCode::kInvalidArgument, "media[1] \"b.png\": com.atproto.repo.uploadBlob: HTTP 400"},
      {500, R"({"error":"InternalServerError","message":"Internal Server Error"})",
       StatusCode::kUnavailable, "media[1] \"b.png\": com.atproto.repo.uploadBlob: HTTP 500"},
      {200, R"({"nothing":1})", StatusCode::kUnavailable,
       "media[1] \"b.png\": com.atproto.repo.uploadBlob: /blob is missing in the answer"},
  };
  for (const Case& c : cases) {
    int n = 0;
    pds_.SetHandler("com.atproto.repo.uploadBlob", [&](const FakePds::Request& r) {
      if (++n == 2) return FakePds::Response{c.status, "", c.body};
      return FakePds::Response{200, "", json{{"blob", Blob(n, "image/png", r.body.size())}}.dump()};
    });
    size_t records = pds_.requests("com.atproto.repo.createRecord").size();
    desk::OutboundMessage m;
    m.text = "Zwei Bilder";
    m.media = {TestFile("a.png", "image/png", "\x89PNG a"),
               TestFile("b.png", "image/png", "\x89PNG b")};
    auto r = channel_->Send(m);
    ASSERT_FALSE(r.ok()) << c.status;
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status();
    EXPECT_EQ(pds_.requests("com.atproto.repo.createRecord").size(), records) << c.status;
  }
}

TEST_F(BlueskyMediaTest, RenderRefusesOtherTypesTooManyAndTooLarge) {
  auto png = [](const std::string& name, size_t n) {
    return TestFile(name, "image/png", std::string(n, 'x'));
  };
  struct Case {
    std::vector<desk::OutboundMedia> media;
    std::string want;
  } cases[] = {
      {{TestFile("clip.mov", "video/quicktime", "v")},
       "media[0] \"clip.mov\": bluesky does not accept video/quicktime (accepted: image/jpeg, "
       "image/png, image/gif, image/webp, video/mp4)"},
      {{png("1.png", 1), png("2.png", 1), png("3.png", 1), png("4.png", 1), png("5.png", 1)},
       "5 images, bluesky allows 4 per message"},
      {{png("gross.png", 1'200'000)},
       "media[0] \"gross.png\": 1.2 MB is over bluesky's 1 MB per image"},
  };
  for (const Case& c : cases) ExpectRefused(c.media, c.want);
  EXPECT_TRUE(pds_.requests("com.atproto.repo.uploadBlob").empty());
  desk::OutboundMessage ok;
  ok.text = "Text";
  ok.media = {png("genau.png", 1'000'000)};
  EXPECT_TRUE(channel_->Render(ok).ok());
}

// --- video --------------------------------------------------------------------

// A video service that accepts the upload as job "job-1"; the job is
// processing for `busy` checks, then completes with `blob`.
void ServeVideo(FakePds* pds, FakePds* video, const json& blob, int busy) {
  pds->SetHandler("com.atproto.server.getServiceAuth", [](const FakePds::Request& r) {
    return FakePds::Response{200, "", json{{"token", "svc-" + r.query.at("lxm")}}.dump()};
  });
  video->Set("app.bsky.video.getUploadLimits",
             {200, "",
              R"({"canUpload":true,"remainingDailyVideos":24,"remainingDailyBytes":10000000000})"});
  video->Set("app.bsky.video.uploadVideo",
             {200, "", R"({"did":"did:plc:company","jobId":"job-1","state":"JOB_STATE_CREATED"})"});
  for (int i = 0; i < busy; ++i) {
    video->Queue("app.bsky.video.getJobStatus", {200, "",
                                                 json{{"jobStatus",
                                                       {{"jobId", "job-1"},
                                                        {"did", "did:plc:company"},
                                                        {"state", "JOB_STATE_ENCODING"},
                                                        {"progress", 40 * i}}}}
                                                     .dump()});
  }
  video->Set("app.bsky.video.getJobStatus", {200, "",
                                             json{{"jobStatus",
                                                   {{"jobId", "job-1"},
                                                    {"did", "did:plc:company"},
                                                    {"state", "JOB_STATE_COMPLETED"},
                                                    {"progress", 100},
                                                    {"blob", blob}}}}
                                                 .dump()});
}

desk::OutboundMessage VideoPost(std::string bytes, std::string alt = "", int32_t w = 0,
                                int32_t h = 0) {
  desk::OutboundMessage m;
  m.text = "Unser Lager in 30 Sekunden";
  m.idempotency_key = "post-video";
  m.media = {TestFile("clip.mp4", "video/mp4", std::move(bytes), std::move(alt), w, h)};
  return m;
}

TEST_F(BlueskyMediaTest, VideoGoesThroughTheVideoServiceAndIsEmbeddedAsTheJobReturnedIt) {
  const json blob = Blob(7, "video/mp4", 301'000);
  ServeVideo(&pds_, &video_, blob, 2);
  const std::string bytes = channels::testing::PseudoRandomBytes(301'000, 11);
  auto r = channel_->Send(VideoPost(bytes, "Ein Rundgang durch das Lager.", 1920, 1080));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->external_id, "at://did:plc:company/app.bsky.feed.post/3new");

  // Two service tokens from the PDS, with the session's bearer: one for
  // the video service's limits, one for the PDS's uploadBlob (which the
  // video service calls with it), valid for 30 minutes.
  auto auths = pds_.requests("com.atproto.server.getServiceAuth");
  ASSERT_EQ(auths.size(), 2u);
  EXPECT_EQ(auths[0].method, "GET");
  EXPECT_EQ(auths[0].query.at("aud"), "did:web:localhost");
  EXPECT_EQ(auths[0].query.at("lxm"), "app.bsky.video.getUploadLimits");
  EXPECT_EQ(auths[1].query.at("aud"), "did:web:127.0.0.1");
  EXPECT_EQ(auths[1].query.at("lxm"), "com.atproto.repo.uploadBlob");
  EXPECT_EQ(auths[1].query.at("exp"), std::to_string(kStartS + 1800));
  EXPECT_EQ(auths[1].headers.at("authorization"), "Bearer " + FakePds::Jwt(kStartS + 7200, "a1"));

  auto limits = video_.requests("app.bsky.video.getUploadLimits");
  ASSERT_EQ(limits.size(), 1u);
  EXPECT_EQ(limits[0].headers.at("authorization"), "Bearer svc-app.bsky.video.getUploadLimits");

  auto uploads = video_.requests("app.bsky.video.uploadVideo");
  ASSERT_EQ(uploads.size(), 1u);
  EXPECT_EQ(uploads[0].method, "POST");
  EXPECT_EQ(uploads[0].body, bytes);  // byte for byte
  EXPECT_EQ(uploads[0].headers.at("content-type"), "video/mp4");
  EXPECT_EQ(uploads[0].headers.at("authorization"), "Bearer svc-com.atproto.repo.uploadBlob");
  EXPECT_EQ(uploads[0].query.at("did"), "did:plc:company");
  EXPECT_EQ(uploads[0].query.at("name"), "clip.mp4");

  // Polled until the job completed: two busy answers, then the blob.
  auto polls = video_.requests("app.bsky.video.getJobStatus");
  ASSERT_EQ(polls.size(), 3u);
  for (const auto& p : polls) EXPECT_EQ(p.query.at("jobId"), "job-1");
  // The video never goes to the PDS directly.
  EXPECT_TRUE(pds_.requests("com.atproto.repo.uploadBlob").empty());

  json record = LastRecord()["record"];
  EXPECT_EQ(record["text"], "Unser Lager in 30 Sekunden");
  EXPECT_EQ(record["embed"], (json{{"$type", "app.bsky.embed.video"},
                                   {"video", blob},
                                   {"alt", "Ein Rundgang durch das Lager."},
                                   {"aspectRatio", {{"width", 1920}, {"height", 1080}}}}));
}

TEST_F(BlueskyMediaTest, AVideoTheServiceAlreadyHasIsNotPolled) {
  const json blob = Blob(8, "video/mp4", 5);
  ServeVideo(&pds_, &video_, Blob(9, "video/mp4", 5), 0);
  // uploadVideo answers 409 already_exists with the earlier job's blob.
  video_.Set("app.bsky.video.uploadVideo", {409, "",
                                            json{{"did", "did:plc:company"},
                                                 {"jobId", "job-0"},
                                                 {"state", "JOB_STATE_COMPLETED"},
                                                 {"error", "already_exists"},
                                                 {"message", "Video already processed"},
                                                 {"blob", blob}}
                                                .dump()});
  auto r = channel_->Send(VideoPost("mp4v1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(video_.requests("app.bsky.video.getJobStatus").empty());
  // No alt text, no size: neither field (both are optional for video).
  EXPECT_EQ(LastRecord()["record"]["embed"],
            (json{{"$type", "app.bsky.embed.video"}, {"video", blob}}));
}

TEST_F(BlueskyMediaTest, AFailedVideoStepPostsNothing) {
  struct Case {
    std::string name;
    std::function<void()> setup;
    StatusCode code;
    std::string want;
  } cases[] = {
      {"job failed",
       [&] {
         video_.Set("app.bsky.video.getJobStatus",
                    {200, "",
                     R"({"jobStatus":{"jobId":"job-1","did":"did:plc:company",)"
                     R"("state":"JOB_STATE_FAILED","error":"Video too long",)"
                     R"("message":"videos may be at most 3 minutes"}})"});
       },
       StatusCode::kInvalidArgument,
       "media[0] \"clip.mp4\": the video service could not process the video (Video too long: "
       "videos may be at most 3 minutes)"},
      {"limit refused",
       [&] {
         video_.Set("app.bsky.video.getUploadLimits",
                    {200, "",
                     R"({"canUpload":false,"remainingDailyVideos":0,)"
                     R"("message":"You have reached your daily upload limit"})"});
       },
       StatusCode::kFailedPrecondition,
       "media[0] \"clip.mp4\": app.bsky.video.getUploadLimits: the video service refuses uploads "
       "from this account (You have reached your daily upload limit)"},
      {"bytes left",
       [&] {
         video_.Set("app.bsky.video.getUploadLimits",
                    {200, "", R"({"canUpload":true,"remainingDailyBytes":3})"});
       },
       StatusCode::kFailedPrecondition, "media[0] \"clip.mp4\": app.bsky.video.getUploadLimits: "},
      {"limits 5xx",
       [&] {
         video_.Set("app.bsky.video.getUploadLimits",
                    {503, "", R"({"error":"Unavailable","message":"try later"})"});
       },
       StatusCode::kUnavailable,
       "media[0] \"clip.mp4\": app.bsky.video.getUploadLimits: HTTP 503 Unavailable: try later"},
      {"token refused",
       [&] {
         pds_.Set("com.atproto.server.getServiceAuth",
                  {400, "", R"({"error":"BadExpiration","message":"expiration too far"})"});
       },
       StatusCode::kInvalidArgument,
       "media[0] \"clip.mp4\": com.atproto.server.getServiceAuth: HTTP 400 BadExpiration"},
      {"upload 5xx",
       [&] {
         video_.Set("app.bsky.video.uploadVideo",
                    {500, "", R"({"error":"InternalServerError","message":"boom"})"});
       },
       StatusCode::kUnavailable, "media[0] \"clip.mp4\": app.bsky.video.uploadVideo: HTTP 500"},
      {"upload 4xx",
       [&] {
         video_.Set("app.bsky.video.uploadVideo",
                    {400, "", R"({"error":"InvalidRequest","message":"not an mp4"})"});
       },
       StatusCode::kInvalidArgument,
       "media[0] \"clip.mp4\": app.bsky.video.uploadVideo: HTTP 400 InvalidRequest: not an mp4"},
      {"status 5xx",
       [&] {
         video_.Set("app.bsky.video.getJobStatus", {502, "", "bad gateway"});
       },
       StatusCode::kUnavailable, "media[0] \"clip.mp4\": app.bsky.video.getJobStatus: HTTP 502"},
      {"no job id",
       [&] {
         video_.Set("app.bsky.video.uploadVideo", {200, "", R"({"state":"x"})"});
       },
       StatusCode::kUnavailable,
       "media[0] \"clip.mp4\": app.bsky.video.uploadVideo: /jobId is missing in the answer"},
      {"too slow",
       [&] {
         video_.Set("app.bsky.video.getJobStatus",
                    {200, "",
                     R"({"jobStatus":{"jobId":"job-1","did":"did:plc:company",)"
                     R"("state":"JOB_STATE_ENCODING","progress":10}})"});
       },
       StatusCode::kUnavailable,
       "media[0] \"clip.mp4\": app.bsky.video.getJobStatus: job job-1 is still JOB_STATE_ENCODING "
       "after 3 checks"},
  };
  for (const Case& c : cases) {
    ServeVideo(&pds_, &video_, Blob(1, "video/mp4", 4), 0);
    c.setup();
    size_t records = pds_.requests("com.atproto.repo.createRecord").size();
    size_t polls = video_.requests("app.bsky.video.getJobStatus").size();
    desk::OutboundMessage m = VideoPost("mp4v");
    m.idempotency_key = "post-" + c.name;
    auto r = channel_->Send(m);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << c.name << ": " << r.status();
    EXPECT_EQ(pds_.requests("com.atproto.repo.createRecord").size(), records) << c.name;
    if (c.name == "too slow") {
      // Bounded: exactly video_max_polls checks.
      EXPECT_EQ(video_.requests("app.bsky.video.getJobStatus").size() - polls, 3u);
    }
  }
}

TEST_F(BlueskyMediaTest, ARateLimitedVideoUploadWaitsAsTheServiceSays) {
  ServeVideo(&pds_, &video_, Blob(1, "video/mp4", 4), 0);
  video_.Set("app.bsky.video.uploadVideo",
             {429, "Retry-After: 30\r\n",
              R"({"error":"RateLimitExceeded","message":"Rate Limit Exceeded"})"});
  auto r = channel_->Send(VideoPost("mp4v"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  EXPECT_NE(r.status().message().find("media[0] \"clip.mp4\": app.bsky.video.uploadVideo"),
            std::string::npos)
      << r.status();
  EXPECT_EQ(channel_->retry_after_ms(), 30'000);
  EXPECT_TRUE(pds_.requests("com.atproto.repo.createRecord").empty());
}

TEST_F(BlueskyMediaTest, RenderRefusesTwoVideosMixedMediaAndTooLargeVideos) {
  auto mp4 = [](const std::string& name, size_t n, std::string alt = "") {
    return TestFile(name, "video/mp4", std::string(n, 'v'), std::move(alt));
  };
  struct Case {
    std::vector<desk::OutboundMedia> media;
    std::string want;
  } cases[] = {
      {{mp4("a.mp4", 1), mp4("b.mp4", 1)}, "2 videos, bluesky allows 1 per message"},
      {{mp4("a.mp4", 1), TestFile("bild.png", "image/png", "\x89PNG")},
       "bluesky cannot attach images and a video to the same message"},
      {{mp4("gross.mp4", 120'000'000)},
       "media[0] \"gross.mp4\": 120 MB is over bluesky's 100 MB per video"},
      {{mp4("lang.mp4", 1, std::string(1001, 'a'))},
       "media[0] \"lang.mp4\": the alt text has 1001 characters (graphemes), a Bluesky video "
       "allows 1000"},
  };
  for (const Case& c : cases) ExpectRefused(c.media, c.want);
  EXPECT_TRUE(video_.requests().empty());
  EXPECT_TRUE(pds_.requests("com.atproto.server.getServiceAuth").empty());
  desk::OutboundMessage ok;
  ok.text = "Text";
  ok.media = {mp4("genau.mp4", 10, std::string(1000, 'a'))};
  EXPECT_TRUE(channel_->Render(ok).ok());
}

}  // namespace
}  // namespace leitplanke::channels::bluesky
