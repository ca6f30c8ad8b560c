#include <string>

#include <gtest/gtest.h>

#include "leitplanke/desk/media.h"

namespace leitplanke::desk {
namespace {

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string Le16(uint32_t v) { return {static_cast<char>(v), static_cast<char>(v >> 8)}; }
std::string Le24(uint32_t v) { return Le16(v) + std::string(1, static_cast<char>(v >> 16)); }

std::string Png(uint32_t w, uint32_t h) {
  return std::string("\x89PNG\r\n\x1A\n", 8) + Be32(13) + "IHDR" + Be32(w) + Be32(h) +
         std::string("\x08\x06\0\0\0", 5) + Be32(0) /* crc, not checked */;
}

// One image block: descriptor, LZW code size, one data sub-block, terminator.
std::string GifFrame() {
  return std::string("\x2C", 1) + Le16(0) + Le16(0) + Le16(1) + Le16(1) + std::string(1, '\0') +
         std::string("\x02\x02\x44\x01\x00", 5);
}

std::string Gif(uint32_t w, uint32_t h, int frames) {
  // Global colour table of 2 entries (flag 0x80, size 0).
  std::string g = "GIF89a" + Le16(w) + Le16(h) + std::string("\x80\0\0", 3) + std::string(6, '\0');
  // NETSCAPE2.0 loop extension, then graphic control + frame per frame.
  g += std::string("\x21\xFF\x0B", 3) + "NETSCAPE2.0" + std::string("\x03\x01\0\0\0", 5);
  for (int i = 0; i < frames; ++i) {
    g += std::string("\x21\xF9\x04\x00\x0A\x00\x00\x00", 8);
    g += GifFrame();
  }
  return g + ";";
}

std::string Jpeg(uint32_t w, uint32_t h) {
  std::string j("\xFF\xD8", 2);
  // APP0 JFIF (length 16).
  j += std::string("\xFF\xE0", 2) + std::string("\x00\x10", 2) + "JFIF" + std::string(10, '\0');
  // A DQT segment of 4 bytes, fill bytes before the next marker.
  j += std::string("\xFF\xDB\x00\x04\x00\x00", 6);
  j += std::string("\xFF\xFF\xC2", 3);  // progressive SOF2 after a fill byte
  j += std::string("\x00\x11\x08", 3) +
       std::string{static_cast<char>(h >> 8), static_cast<char>(h), static_cast<char>(w >> 8),
                   static_cast<char>(w)} +
       std::string(10, '\0');
  j += std::string("\xFF\xDA\x00\x02", 4);
  return j;
}

std::string Riff(const std::string& chunk, const std::string& data) {
  std::string d = data;
  return "RIFF" + Le16(static_cast<uint32_t>(d.size() + 12)) + std::string(2, '\0') + "WEBP" +
         chunk + Le16(static_cast<uint32_t>(d.size())) + std::string(2, '\0') + d;
}

std::string WebpLossy(uint32_t w, uint32_t h) {
  return Riff("VP8 ", std::string("\x10\x02\x00\x9D\x01\x2A", 6) + Le16(w) + Le16(h) +
                          std::string(8, '\0'));
}

std::string WebpLossless(uint32_t w, uint32_t h) {
  const uint32_t bits = (w - 1) | ((h - 1) << 14);
  return Riff("VP8L", std::string("\x2F", 1) + Le16(bits & 0xFFFF) + Le16(bits >> 16) +
                          std::string(4, '\0'));
}

std::string WebpExtended(uint32_t w, uint32_t h, bool animated) {
  return Riff("VP8X", std::string(1, animated ? '\x12' : '\x10') + std::string(3, '\0') +
                          Le24(w - 1) + Le24(h - 1));
}

std::string Mp4(const std::string& brand) {
  return Be32(24) + "ftyp" + brand + Be32(0) + "isommp41" + Be32(8) + "mdat";
}

TEST(SniffMedia, Png) {
  auto r = SniffMedia(Png(640, 480));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mime_type, "image/png");
  EXPECT_EQ(r->width, 640);
  EXPECT_EQ(r->height, 480);
  EXPECT_FALSE(r->animated);
}

TEST(SniffMedia, GifStillAndAnimated) {
  auto still = SniffMedia(Gif(320, 200, 1));
  ASSERT_TRUE(still.ok()) << still.status().message();
  EXPECT_EQ(still->mime_type, "image/gif");
  EXPECT_EQ(still->width, 320);
  EXPECT_EQ(still->height, 200);
  EXPECT_FALSE(still->animated);
  auto anim = SniffMedia(Gif(16, 9, 3));
  ASSERT_TRUE(anim.ok()) << anim.status().message();
  EXPECT_TRUE(anim->animated);
  EXPECT_EQ(anim->width, 16);
}

TEST(SniffMedia, JpegReadsTheFrameHeaderAfterOtherSegments) {
  auto r = SniffMedia(Jpeg(1920, 1080));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->mime_type, "image/jpeg");
  EXPECT_EQ(r->width, 1920);
  EXPECT_EQ(r->height, 1080);
}

TEST(SniffMedia, JpegWithoutFrameHeaderIsCorrupt) {
  const std::string j = std::string("\xFF\xD8\xFF\xDB\x00\x04\x00\x00\xFF\xDA\x00\x02", 12);
  auto r = SniffMedia(j);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "JPEG: no frame header (SOFn) before the image data at byte 8");
}

TEST(SniffMedia, WebpAllThreeHeaders) {
  auto lossy = SniffMedia(WebpLossy(800, 600));
  ASSERT_TRUE(lossy.ok()) << lossy.status().message();
  EXPECT_EQ(lossy->mime_type, "image/webp");
  EXPECT_EQ(lossy->width, 800);
  EXPECT_EQ(lossy->height, 600);
  auto lossless = SniffMedia(WebpLossless(123, 4567));
  ASSERT_TRUE(lossless.ok()) << lossless.status().message();
  EXPECT_EQ(lossless->width, 123);
  EXPECT_EQ(lossless->height, 4567);
  auto ext = SniffMedia(WebpExtended(5000, 3, true));
  ASSERT_TRUE(ext.ok()) << ext.status().message();
  EXPECT_EQ(ext->width, 5000);
  EXPECT_EQ(ext->height, 3);
  EXPECT_TRUE(ext->animated);
  EXPECT_FALSE(SniffMedia(WebpExtended(5, 3, false))->animated);
}

TEST(SniffMedia, Mp4AndQuickTime) {
  auto mp4 = SniffMedia(Mp4("isom"));
  ASSERT_TRUE(mp4.ok()) << mp4.status().message();
  EXPECT_EQ(mp4->mime_type, "video/mp4");
  EXPECT_EQ(mp4->width, 0);
  auto mov = SniffMedia(Mp4("qt  "));
  ASSERT_TRUE(mov.ok());
  EXPECT_EQ(mov->mime_type, "video/quicktime");
  auto heic = SniffMedia(Mp4("heic"));
  ASSERT_FALSE(heic.ok());
  EXPECT_EQ(heic.status().message(),
            "not an image or video this server accepts: starts with 00 00 00 18 (HEIC?)");
}

TEST(SniffMedia, UnknownTypesNameTheirFirstBytes) {
  auto pdf = SniffMedia("%PDF-1.7\n...");
  ASSERT_FALSE(pdf.ok());
  EXPECT_EQ(pdf.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pdf.status().message(),
            "not an image or video this server accepts: starts with 25 50 44 46 (PDF?)");
  EXPECT_EQ(SniffMedia("hi").status().message(),
            "not an image or video this server accepts: starts with 68 69");
  EXPECT_EQ(SniffMedia("").status().message(), "the file is empty");
}

TEST(SniffMedia, CorruptHeadersNameTheOffset) {
  EXPECT_EQ(SniffMedia(Png(0, 10)).status().message(), "PNG: image size 0x10 at byte 16");
  std::string png = Png(1, 1);
  png.replace(12, 4, "IDAT");
  EXPECT_EQ(SniffMedia(png).status().message(), "PNG: the first chunk is not IHDR at byte 12");
  std::string gif = Gif(2, 2, 1);
  gif[13 + 6] = '\x99';  // the first block after the colour table
  EXPECT_EQ(SniffMedia(gif).status().message(), "GIF: unknown block 0x99 at byte 19");
  EXPECT_EQ(SniffMedia(Png(1, 1).substr(0, 20)).status().message(),
            "PNG: the file ends at byte 20 inside the IHDR header (24 bytes)");
}

// Every prefix of every sample either sniffs or fails with InvalidArgument;
// none reads out of bounds (the sanitizer builds would catch it).
TEST(SniffMedia, EveryTruncationFailsCleanly) {
  const std::string samples[] = {
      Png(3, 4),        Gif(5, 6, 2),         Jpeg(7, 8),
      WebpLossy(9, 10), WebpLossless(11, 12), WebpExtended(13, 14, false),
      Mp4("mp42")};
  for (const std::string& s : samples) {
    const auto full = SniffMedia(s);
    ASSERT_TRUE(full.ok()) << full.status().message();
    for (size_t n = 0; n < s.size(); ++n) {
      auto r = SniffMedia(std::string_view(s).substr(0, n));
      if (!r.ok()) {
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        EXPECT_FALSE(r.status().message().empty());
      } else {
        // A prefix that still sniffs is a whole header: same type and size.
        EXPECT_EQ(r->mime_type, full->mime_type) << n;
        EXPECT_EQ(r->width, full->width) << n;
      }
    }
  }
  // Headers themselves never sniff from a cut before their size fields.
  EXPECT_FALSE(SniffMedia(Png(3, 4).substr(0, 23)).ok());
  EXPECT_FALSE(SniffMedia(Gif(3, 4, 1).substr(0, 12)).ok());
  EXPECT_FALSE(SniffMedia(Gif(3, 4, 1).substr(0, 30)).ok());  // no trailer, no frame
}

}  // namespace
}  // namespace leitplanke::desk
