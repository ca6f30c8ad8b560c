// Images of new posts: limits and Render refusals, initializeUpload with the
// organisation as owner, the bytes by PUT to the upload URL, content.media
// for one image and content.multiImage in the files' order, and the failure
// of an upload step, against FakeLinkedIn on loopback.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "channels/linkedin/linkedin.h"
#include "fake/media_files.h"
#include "fake_linkedin.h"

namespace leitplanke::channels::linkedin {
namespace {

using nlohmann::json;
using testing::FakeLinkedIn;
using channels::testing::PseudoRandomBytes;
using channels::testing::TestFile;

constexpr char kOrg[] = "urn:li:organization:5515715";

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
    c.settings = {
        {"organization_id", "5515715"}, {"api_url", server_.base_url()}, {"api_version", "202411"}};
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
  EXPECT_EQ(l.max_videos, 0);
  EXPECT_EQ(l.mime_types, (std::vector<std::string>{"image/jpeg", "image/png", "image/gif"}));
  auto refused = [&](const desk::OutboundMessage& m, const std::string& needle) {
    auto r = channel_->Render(m);
    ASSERT_FALSE(r.ok()) << needle;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  std::vector<desk::OutboundMedia> many;
  for (int i = 0; i < 21; ++i) many.push_back(TestFile("p.jpg", "image/jpeg", "j"));
  refused(Post(many), "21 images");
  refused(Post({TestFile("clip.mp4", "video/mp4", "mp4")}), "video/mp4");
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

}  // namespace
}  // namespace leitplanke::channels::linkedin
