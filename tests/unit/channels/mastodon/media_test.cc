// Media of the Mastodon connector against the loopback fake: the limits
// from the instance, the multipart upload byte for byte, the processing
// poll, the status with media_ids in order, and failures that post nothing.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/mastodon/mastodon.h"
#include "fake/media_files.h"
#include "fake_mastodon.h"

namespace leitplanke::channels::mastodon {
namespace {

using channels::testing::TestFile;
using nlohmann::json;
using testing::FakeMastodon;

desk::ChannelConfig Config(const FakeMastodon& server) {
  desk::ChannelConfig c;
  c.name = "support-mastodon";
  c.kind = "mastodon";
  c.settings["base_url"] = server.base_url();
  c.settings.emplace("media_poll_interval_ms", "0");
  c.secrets["access_token"] = "test-token";
  return c;
}

std::unique_ptr<MastodonChannel> Make(const desk::ChannelConfig& config) {
  auto ch = MakeMastodon(config);
  EXPECT_TRUE(ch.ok()) << ch.status();
  return ch.ok() ? std::move(*ch) : nullptr;
}

desk::OutboundMessage Post(std::string text, std::vector<desk::OutboundMedia> media) {
  desk::OutboundMessage m;
  m.idempotency_key = "post-7";
  m.text = std::move(text);
  m.is_public = true;
  m.media = std::move(media);
  return m;
}

// Bytes that would break a careless multipart writer or parser: NUL, CR LF,
// dashes and something that looks like a boundary.
std::string Binary(char seed, size_t n) {
  std::string s("\x89PNG\r\n\x1a\n\0\r\n--leitplanke-part-7f3a9c\r\n", 37);
  for (size_t i = 0; s.size() < n; ++i) s.push_back(static_cast<char>(seed + i * 7));
  return s;
}

std::vector<std::string> Paths(const FakeMastodon& server) {
  std::vector<std::string> out;
  for (const auto& r : server.requests()) {
    if (r.path != "/api/v2/instance") out.push_back(r.method + " " + r.path);
  }
  return out;
}

TEST(MastodonMedia, LimitsFromTheInstance) {
  FakeMastodon server;
  FakeMastodon::MediaConfig mc;
  mc.max_media_attachments = 6;
  mc.image_size_limit = 2'000'000;
  mc.video_size_limit = 40'000'000;
  mc.description_limit = 1000;
  mc.supported_mime_types = {"image/jpeg", "image/png", "image/heic", "video/mp4"};
  server.SetMediaConfig(mc);
  auto ch = Make(Config(server));
  desk::MediaLimits l = ch->media_limits();
  EXPECT_EQ(l.max_images, 6);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_FALSE(l.mix_images_and_videos);
  EXPECT_EQ(l.max_image_bytes, 2'000'000);
  EXPECT_EQ(l.max_video_bytes, 40'000'000);
  EXPECT_EQ(l.max_alt_text, 1000);
  EXPECT_EQ(l.mime_types, mc.supported_mime_types);
  // Read once.
  (void)ch->media_limits();
  EXPECT_EQ(server.requests_to("/api/v2/instance").size(), 1u);
}

TEST(MastodonMedia, DefaultsWhenTheInstanceDoesNotSay) {
  FakeMastodon server;  // announces no media configuration
  auto ch = Make(Config(server));
  desk::MediaLimits l = ch->media_limits();
  EXPECT_EQ(l.max_images, 4);
  EXPECT_EQ(l.max_videos, 1);
  EXPECT_EQ(l.max_image_bytes, 16 * 1024 * 1024);
  EXPECT_EQ(l.max_video_bytes, 99 * 1024 * 1024);
  EXPECT_EQ(l.max_alt_text, 1500);
  EXPECT_EQ(l.mime_types, (std::vector<std::string>{"image/jpeg", "image/png", "image/gif",
                                                    "image/webp", "video/mp4"}));

  FakeMastodon old;
  old.SetInstanceStatus(404);
  auto ch2 = Make(Config(old));
  EXPECT_EQ(ch2->media_limits().max_images, 4);
  EXPECT_EQ(ch2->media_limits().max_image_bytes, 16 * 1024 * 1024);
}

TEST(MastodonMedia, UploadsEachFileThenPostsTheStatusWithTheIdsInOrder) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  const std::string a = Binary('a', 5000);
  const std::string b = Binary('q', 3001);
  auto msg = Post("Unser Team beim Sommerfest.",
                  {TestFile("team.png", "image/png", a, "Fünf Leute lachen vor einem Zelt."),
                   TestFile("zelt \"2\".jpg", "image/jpeg", b)});
  auto wire = ch->Render(msg);
  ASSERT_TRUE(wire.ok()) << wire.status();
  msg.text = *wire;
  auto receipt = ch->Send(msg);
  ASSERT_TRUE(receipt.ok()) << receipt.status();

  auto uploads = server.uploads();
  ASSERT_EQ(uploads.size(), 2u);
  ASSERT_EQ(uploads[0].parts.size(), 2u);
  EXPECT_EQ(uploads[0].parts[0].name, "file");
  EXPECT_EQ(uploads[0].parts[0].filename, "team.png");
  EXPECT_EQ(uploads[0].parts[0].content_type, "image/png");
  EXPECT_EQ(uploads[0].parts[0].data, a);  // byte for byte
  EXPECT_EQ(uploads[0].parts[1].name, "description");
  EXPECT_EQ(uploads[0].parts[1].filename, "");
  EXPECT_EQ(uploads[0].parts[1].data, "Fünf Leute lachen vor einem Zelt.");
  // No alt text: no description field.
  ASSERT_EQ(uploads[1].parts.size(), 1u);
  EXPECT_EQ(uploads[1].parts[0].filename, "zelt %222%22.jpg");
  EXPECT_EQ(uploads[1].parts[0].content_type, "image/jpeg");
  EXPECT_EQ(uploads[1].parts[0].data, b);

  auto posted = server.posted_statuses();
  ASSERT_EQ(posted.size(), 1u);
  json body = json::parse(posted[0]);
  EXPECT_EQ(body["status"], "Unser Team beim Sommerfest.");
  EXPECT_EQ(body["media_ids"], json::array({uploads[0].id, uploads[1].id}));
  EXPECT_EQ(Paths(server), (std::vector<std::string>{"POST /api/v2/media", "POST /api/v2/media",
                                                     "POST /api/v1/statuses"}));
  auto statuses = server.requests_to("/api/v1/statuses");
  EXPECT_EQ(statuses[0].headers.at("idempotency-key"), "post-7");
}

TEST(MastodonMedia, WithoutMediaTheStatusHasNoMediaIds) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  ASSERT_TRUE(ch->Send(Post("Nur Text.", {})).ok());
  EXPECT_FALSE(json::parse(server.posted_statuses().at(0)).contains("media_ids"));
  EXPECT_TRUE(server.uploads().empty());
}

TEST(MastodonMedia, AProcessingUploadIsPolledUntilItIsReady) {
  FakeMastodon server;
  server.SetMediaProcessing(2);  // 202, then 206, 206, 200
  auto ch = Make(Config(server));
  auto receipt = ch->Send(Post(
      "Das neue Video.", {TestFile("clip.mp4", "video/mp4", Binary('v', 20000), "Ein Rundgang.")}));
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  const std::string id = server.uploads().at(0).id;
  EXPECT_EQ(Paths(server),
            (std::vector<std::string>{"POST /api/v2/media", "GET /api/v1/media/" + id,
                                      "GET /api/v1/media/" + id, "GET /api/v1/media/" + id,
                                      "POST /api/v1/statuses"}));
  EXPECT_EQ(json::parse(server.posted_statuses().at(0))["media_ids"], json::array({id}));
}

TEST(MastodonMedia, StillProcessingAfterTheLastCheckIsUnavailableAndPostsNothing) {
  FakeMastodon server;
  server.SetMediaProcessing(10);
  auto config = Config(server);
  config.settings["media_poll_attempts"] = "3";
  auto ch = Make(config);
  auto r = ch->Send(Post("Video.", {TestFile("clip.mp4", "video/mp4", Binary('v', 100))}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "media[0] \"clip.mp4\": the server was still processing the upload after 3 checks");
  EXPECT_EQ(server.requests_to("/api/v1/media/").size(), 3u);
  EXPECT_TRUE(server.posted_statuses().empty());
}

TEST(MastodonMedia, UploadFailuresAreMappedAndPostNothing) {
  struct Case {
    int status;
    std::string body;
    StatusCode code;
    std::string want;
  } cases[] = {
      {413, "<html><head><title>413 Request Entity Too Large</title></head></html>",
       StatusCode::kInvalidArgument,
       "POST /api/v2/media for media[1] \"b.png\": HTTP 413: <html><head><title>413 Request "
       "Entity Too Large</title></head></html>"},
      {422, R"({"error":"Validation failed: File content type is invalid"})",
       StatusCode::kInvalidArgument,
       "POST /api/v2/media for media[1] \"b.png\": HTTP 422: Validation failed: File content "
       "type is invalid"},
      {500, "<html><body>We're sorry</body></html>", StatusCode::kUnavailable,
       "POST /api/v2/media for media[1] \"b.png\": HTTP 500"},
      {403, R"({"error":"This action is outside the authorized scopes"})",
       StatusCode::kPermissionDenied, "outside the authorized scopes"},
  };
  for (const Case& c : cases) {
    FakeMastodon server;
    auto ch = Make(Config(server));
    server.FailUpload(1, c.status, c.body);  // the second file fails
    auto r = ch->Send(Post("Zwei Bilder.", {TestFile("a.png", "image/png", Binary('a', 64)),
                                            TestFile("b.png", "image/png", Binary('b', 64))}));
    ASSERT_FALSE(r.ok()) << c.status;
    EXPECT_EQ(r.status().code(), c.code) << r.status();
    EXPECT_NE(r.status().message().find(c.want), std::string::npos) << r.status();
    EXPECT_TRUE(server.posted_statuses().empty()) << c.status;
    EXPECT_TRUE(server.requests_to("/api/v1/statuses").empty()) << c.status;
  }
}

TEST(MastodonMedia, ARateLimitedUploadWaitsAsTheServerSays) {
  FakeMastodon server;
  auto ch = Make(Config(server));
  server.SetMode(FakeMastodon::Mode::kRetryAfter);
  auto r = ch->Send(Post("Bild.", {TestFile("a.png", "image/png", Binary('a', 64))}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status();
  EXPECT_EQ(ch->retry_after_ms(), 120'000);
  EXPECT_NE(r.status().message().find("media[0] \"a.png\""), std::string::npos) << r.status();
  EXPECT_TRUE(server.requests_to("/api/v1/statuses").empty());
}

TEST(MastodonMedia, RenderRefusesWhatTheInstanceCannotTake) {
  FakeMastodon server;
  FakeMastodon::MediaConfig mc;
  mc.image_size_limit = 2'000'000;
  server.SetMediaConfig(mc);
  auto ch = Make(Config(server));
  auto png = [](const std::string& name, size_t n) {
    return TestFile(name, "image/png", std::string(n, 'x'));
  };
  struct Case {
    std::vector<desk::OutboundMedia> media;
    std::string want;
  } cases[] = {
      {{png("1.png", 10), png("2.png", 10), png("3.png", 10), png("4.png", 10), png("5.png", 10)},
       "5 images, mastodon allows 4 per message"},
      {{png("klein.png", 10), png("gross.png", 2'100'000)},
       "media[1] \"gross.png\": 2.1 MB is over mastodon's 2 MB per image"},
      {{TestFile("scan.bmp", "image/bmp", "BM")},
       "media[0] \"scan.bmp\": mastodon does not accept image/bmp (accepted: image/jpeg, "
       "image/png, image/gif, image/webp, video/mp4)"},
      {{png("a.png", 10), TestFile("b.mp4", "video/mp4", "v")},
       "mastodon cannot attach images and a video to the same message"},
      {{TestFile("a.mp4", "video/mp4", "v"), TestFile("b.mp4", "video/mp4", "v")},
       "2 videos, mastodon allows 1 per message"},
      {{TestFile("a.png", "image/png", "x", std::string(1501, 'a'))},
       "media[0] \"a.png\": the alt text has 1501 characters, mastodon allows 1500"},
  };
  for (const Case& c : cases) {
    auto r = ch->Render(Post("Text", c.media));
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.want);
  }
  EXPECT_TRUE(ch->Render(Post("Text", {png("a.png", 2'000'000)})).ok());
  EXPECT_TRUE(server.uploads().empty());
}

}  // namespace
}  // namespace leitplanke::channels::mastodon
