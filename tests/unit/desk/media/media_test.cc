#include "leitplanke/desk/media.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace leitplanke::desk {
namespace {

OutboundMedia File(std::string name, std::string mime, size_t size) {
  OutboundMedia m;
  m.name = std::move(name);
  m.mime_type = std::move(mime);
  m.bytes = std::make_shared<const std::string>(size, 'x');
  return m;
}

MediaLimits FourImagesOrOneVideo() {
  MediaLimits l;
  l.max_images = 4;
  l.max_videos = 1;
  l.max_image_bytes = 5'000'000;
  l.max_gif_bytes = 15'000'000;
  l.max_video_bytes = 512'000'000;
  l.max_alt_text = 10;
  l.mime_types = {"image/jpeg", "image/png", "image/gif", "video/mp4"};
  return l;
}

TEST(CheckMedia, NoMediaIsAlwaysFine) { EXPECT_TRUE(CheckMedia(MediaLimits{}, "email", {}).ok()); }

TEST(CheckMedia, ChannelWithoutMediaRefusesAnyFile) {
  Status s = CheckMedia(MediaLimits{}, "email", {File("a.png", "image/png", 10)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "email cannot attach files to a message");
}

TEST(CheckMedia, WithinLimits) {
  const MediaLimits l = FourImagesOrOneVideo();
  EXPECT_TRUE(CheckMedia(l, "x",
                         {File("a.png", "image/png", 5'000'000), File("b.jpg", "image/jpeg", 1),
                          File("c.gif", "image/gif", 14'000'000), File("d.png", "image/png", 1)})
                  .ok());
  EXPECT_TRUE(CheckMedia(l, "x", {File("v.mp4", "video/mp4", 100'000'000)}).ok());
}

TEST(CheckMedia, NamesTheFileAndTheLimit) {
  const MediaLimits l = FourImagesOrOneVideo();
  Status s =
      CheckMedia(l, "x", {File("a.png", "image/png", 1), File("big.png", "image/png", 6'200'000)});
  EXPECT_EQ(s.message(), "media[1] \"big.png\": 6.2 MB is over x's 5 MB per image");
  s = CheckMedia(l, "x", {File("anim.gif", "image/gif", 16'000'000)});
  EXPECT_EQ(s.message(), "media[0] \"anim.gif\": 16 MB is over x's 15 MB per GIF");
  s = CheckMedia(l, "x", {File("doc.pdf", "application/pdf", 1)});
  EXPECT_EQ(s.message(),
            "media[0] \"doc.pdf\": x does not accept application/pdf (accepted: image/jpeg, "
            "image/png, image/gif, video/mp4)");
  OutboundMedia missing = File("a.png", "image/png", 1);
  missing.bytes = nullptr;
  EXPECT_EQ(CheckMedia(l, "x", {missing}).message(),
            "media[0] \"a.png\": the file's bytes are missing");
}

TEST(CheckMedia, CountsAndMixing) {
  const MediaLimits l = FourImagesOrOneVideo();
  std::vector<OutboundMedia> five(5, File("a.png", "image/png", 1));
  EXPECT_EQ(CheckMedia(l, "x", five).message(), "5 images, x allows 4 per message");
  EXPECT_EQ(
      CheckMedia(l, "x", {File("v.mp4", "video/mp4", 1), File("w.mp4", "video/mp4", 1)}).message(),
      "2 videos, x allows 1 per message");
  EXPECT_EQ(
      CheckMedia(l, "x", {File("a.png", "image/png", 1), File("v.mp4", "video/mp4", 1)}).message(),
      "x cannot attach images and a video to the same message");
  MediaLimits mixed = l;
  mixed.mix_images_and_videos = true;
  EXPECT_TRUE(
      CheckMedia(mixed, "x", {File("a.png", "image/png", 1), File("v.mp4", "video/mp4", 1)}).ok());
}

TEST(CheckMedia, AltTextCountedInCharactersNotBytes) {
  const MediaLimits l = FourImagesOrOneVideo();
  OutboundMedia m = File("a.png", "image/png", 1);
  m.alt_text = "Grüße äöü!";  // 10 characters, 14 bytes
  EXPECT_TRUE(CheckMedia(l, "x", {m}).ok());
  m.alt_text += "?";
  EXPECT_EQ(CheckMedia(l, "x", {m}).message(),
            "media[0] \"a.png\": the alt text has 11 characters, x allows 10");
  m.alt_text = std::string("ab\xC3", 3);
  EXPECT_EQ(CheckMedia(l, "x", {m}).message(),
            "media[0] \"a.png\": the alt text is not valid UTF-8");
}

TEST(FormatBytes, Units) {
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(976'560), "976.6 KB");
  EXPECT_EQ(FormatBytes(5'000'000), "5 MB");
  EXPECT_EQ(FormatBytes(16'000'000), "16 MB");
}

}  // namespace
}  // namespace leitplanke::desk
