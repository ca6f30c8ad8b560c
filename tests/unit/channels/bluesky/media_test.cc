// Images of the Bluesky channel against FakePds on loopback: the limits,
// uploadBlob with the raw bytes, the embed with the blob objects as
// returned, alt text and aspect ratio, failures that write no record, and
// Render refusing video, too many and too large files.
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

using nlohmann::json;
using testing::FakePds;
using channels::testing::TestFile;

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

  FakePds pds_;
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

TEST_F(BlueskyMediaTest, MediaLimitsAreImagesOnly) {
  desk::MediaLimits l = channel_->media_limits();
  EXPECT_EQ(l.max_images, 4);
  EXPECT_EQ(l.max_videos, 0);
  EXPECT_EQ(l.max_image_bytes, 1'000'000);
  EXPECT_EQ(l.mime_types,
            (std::vector<std::string>{"image/jpeg", "image/png", "image/gif", "image/webp"}));
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

TEST_F(BlueskyMediaTest, RenderRefusesVideoTooManyAndTooLarge) {
  auto png = [](const std::string& name, size_t n) {
    return TestFile(name, "image/png", std::string(n, 'x'));
  };
  struct Case {
    std::vector<desk::OutboundMedia> media;
    std::string want;
  } cases[] = {
      {{TestFile("clip.mp4", "video/mp4", "v")},
       "media[0] \"clip.mp4\": bluesky does not accept video/mp4 (accepted: image/jpeg, "
       "image/png, image/gif, image/webp)"},
      {{png("1.png", 1), png("2.png", 1), png("3.png", 1), png("4.png", 1), png("5.png", 1)},
       "5 images, bluesky allows 4 per message"},
      {{png("gross.png", 1'200'000)},
       "media[0] \"gross.png\": 1.2 MB is over bluesky's 1 MB per image"},
  };
  for (const Case& c : cases) {
    desk::OutboundMessage m;
    m.text = "Text";
    m.media = c.media;
    auto r = channel_->Render(m);
    ASSERT_FALSE(r.ok()) << c.want;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.want);
    // Send refuses the same before any network call.
    EXPECT_FALSE(channel_->Send(m).ok());
  }
  EXPECT_TRUE(pds_.requests("com.atproto.repo.uploadBlob").empty());
  desk::OutboundMessage ok;
  ok.text = "Text";
  ok.media = {png("genau.png", 1'000'000)};
  EXPECT_TRUE(channel_->Render(ok).ok());
}

}  // namespace
}  // namespace leitplanke::channels::bluesky
