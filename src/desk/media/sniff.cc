// SniffMedia: the type and pixel size of a file from its first bytes. Every
// read is bounds-checked against the input; a header that ends early or
// holds nonsense is an InvalidArgument naming the byte offset.
#include <cstdio>
#include <string>

#include "leitplanke/desk/media.h"

namespace leitplanke::desk {
namespace {

uint32_t Be16(std::string_view b, size_t at) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 8) |
         static_cast<unsigned char>(b[at + 1]);
}
uint32_t Be32(std::string_view b, size_t at) { return (Be16(b, at) << 16) | Be16(b, at + 2); }
uint32_t Le16(std::string_view b, size_t at) {
  return static_cast<unsigned char>(b[at]) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 1])) << 8);
}
uint32_t Le24(std::string_view b, size_t at) {
  return Le16(b, at) | (static_cast<uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16);
}
uint32_t Le32(std::string_view b, size_t at) { return Le16(b, at) | (Le16(b, at + 2) << 16); }
unsigned char U8(std::string_view b, size_t at) { return static_cast<unsigned char>(b[at]); }

Status Truncated(const char* format, size_t at, const char* what) {
  return Status::InvalidArgument(std::string(format) + ": the file ends at byte " +
                                 std::to_string(at) + " inside " + what);
}

Status Corrupt(const char* format, size_t at, const std::string& what) {
  return Status::InvalidArgument(std::string(format) + ": " + what + " at byte " +
                                 std::to_string(at));
}

Status CheckSize(const char* format, size_t at, uint32_t width, uint32_t height, MediaInfo* info) {
  if (width == 0 || height == 0) {
    return Corrupt(format, at,
                   "image size " + std::to_string(width) + "x" + std::to_string(height));
  }
  if (width > 0x7fffffffu || height > 0x7fffffffu) {
    return Corrupt(format, at, "image size out of range");
  }
  info->width = static_cast<int32_t>(width);
  info->height = static_cast<int32_t>(height);
  return Status::Ok();
}

Result<MediaInfo> SniffPng(std::string_view b) {
  MediaInfo info;
  info.mime_type = "image/png";
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
  if (b.size() < 24) return Truncated("PNG", b.size(), "the IHDR header (24 bytes)");
  if (b.substr(12, 4) != "IHDR") return Corrupt("PNG", 12, "the first chunk is not IHDR");
  if (Be32(b, 8) != 13) return Corrupt("PNG", 8, "IHDR length is not 13");
  Status s = CheckSize("PNG", 16, Be32(b, 16), Be32(b, 20), &info);
  if (!s.ok()) return s;
  return info;
}

// Walks the GIF's blocks far enough to see a second frame (animated).
Result<MediaInfo> SniffGif(std::string_view b) {
  MediaInfo info;
  info.mime_type = "image/gif";
  if (b.size() < 13) return Truncated("GIF", b.size(), "the logical screen descriptor (13 bytes)");
  Status s = CheckSize("GIF", 6, Le16(b, 6), Le16(b, 8), &info);
  if (!s.ok()) return s;
  size_t at = 13;
  if (U8(b, 10) & 0x80) at += 3u * (2u << (U8(b, 10) & 7));
  int frames = 0;
  auto skip_sub_blocks = [&](const char* what) -> Status {
    for (;;) {
      if (at >= b.size()) return Truncated("GIF", b.size(), what);
      const size_t n = U8(b, at);
      at += 1 + n;
      if (n == 0) return Status::Ok();
    }
  };
  while (frames < 2) {
    if (at >= b.size()) return Truncated("GIF", b.size(), "the block list (no trailer)");
    const unsigned char block = U8(b, at);
    if (block == 0x3B) break;  // trailer
    if (block == 0x21) {       // extension: label, sub-blocks
      at += 2;
      Status e = skip_sub_blocks("an extension block");
      if (!e.ok()) return e;
    } else if (block == 0x2C) {  // image descriptor (10 bytes), local colour table, LZW data
      if (at + 10 > b.size()) return Truncated("GIF", b.size(), "an image descriptor");
      const unsigned char flags = U8(b, at + 9);
      at += 10;
      if (flags & 0x80) at += 3u * (2u << (flags & 7));
      at += 1;  // LZW minimum code size
      Status e = skip_sub_blocks("the image data");
      if (!e.ok()) return e;
      ++frames;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%02X", block);
      return Corrupt("GIF", at, std::string("unknown block 0x") + hex);
    }
  }
  if (frames == 0) return Corrupt("GIF", at, "no image in the file");
  info.animated = frames > 1;
  return info;
}

bool IsSof(unsigned char m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

Result<MediaInfo> SniffJpeg(std::string_view b) {
  MediaInfo info;
  info.mime_type = "image/jpeg";
  size_t at = 2;
  for (;;) {
    if (at >= b.size()) return Truncated("JPEG", b.size(), "the segments before the frame header");
    if (U8(b, at) != 0xFF) return Corrupt("JPEG", at, "no segment marker");
    while (at < b.size() && U8(b, at) == 0xFF) ++at;  // fill bytes
    if (at >= b.size()) return Truncated("JPEG", b.size(), "a segment marker");
    const unsigned char marker = U8(b, at);
    const size_t marker_at = at - 1;
    ++at;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (marker == 0xD9 || marker == 0xDA || marker == 0xD8) {
      return Corrupt("JPEG", marker_at, "no frame header (SOFn) before the image data");
    }
    if (at + 2 > b.size()) return Truncated("JPEG", b.size(), "a segment length");
    const size_t length = Be16(b, at);
    if (length < 2) return Corrupt("JPEG", at, "segment length " + std::to_string(length));
    if (IsSof(marker)) {
      // Length (2), precision (1), height (2), width (2).
      if (at + 7 > b.size()) return Truncated("JPEG", b.size(), "the frame header (SOFn)");
      Status s = CheckSize("JPEG", at + 3, Be16(b, at + 5), Be16(b, at + 3), &info);
      if (!s.ok()) return s;
      return info;
    }
    at += length;
  }
}

Result<MediaInfo> SniffWebp(std::string_view b) {
  MediaInfo info;
  info.mime_type = "image/webp";
  if (b.size() < 20) return Truncated("WebP", b.size(), "the first chunk header (20 bytes)");
  const std::string_view chunk = b.substr(12, 4);
  const size_t data = 20;
  if (chunk == "VP8 ") {
    // Frame tag (3), start code 9D 01 2A, width and height 14 bits each.
    if (b.size() < data + 10) return Truncated("WebP", b.size(), "the VP8 frame header");
    if (U8(b, data + 3) != 0x9D || U8(b, data + 4) != 0x01 || U8(b, data + 5) != 0x2A) {
      return Corrupt("WebP", data + 3, "no VP8 start code");
    }
    Status s =
        CheckSize("WebP", data + 6, Le16(b, data + 6) & 0x3FFF, Le16(b, data + 8) & 0x3FFF, &info);
    if (!s.ok()) return s;
    return info;
  }
  if (chunk == "VP8L") {
    // Signature 0x2F, then width-1 and height-1 in 14 bits each.
    if (b.size() < data + 5) return Truncated("WebP", b.size(), "the VP8L header");
    if (U8(b, data) != 0x2F) return Corrupt("WebP", data, "no VP8L signature");
    const uint32_t bits = Le32(b, data + 1);
    Status s = CheckSize("WebP", data + 1, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, &info);
    if (!s.ok()) return s;
    return info;
  }
  if (chunk == "VP8X") {
    // Flags (1), reserved (3), canvas width-1 and height-1 in 24 bits each.
    if (b.size() < data + 10) return Truncated("WebP", b.size(), "the VP8X header");
    info.animated = (U8(b, data) & 0x02) != 0;
    Status s = CheckSize("WebP", data + 4, Le24(b, data + 4) + 1, Le24(b, data + 7) + 1, &info);
    if (!s.ok()) return s;
    return info;
  }
  return Corrupt("WebP", 12, "unknown first chunk \"" + std::string(chunk) + "\"");
}

// A guess for the refusal message, from well-known magic numbers.
std::string Hint(std::string_view b) {
  auto starts = [&](std::string_view p) { return b.substr(0, p.size()) == p; };
  if (starts("%PDF")) return "PDF";
  if (starts("PK\x03\x04")) return "ZIP or an office document";
  if (starts("BM")) return "BMP";
  if (starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4))) return "TIFF";
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") {
    const std::string_view brand = b.substr(8, 4);
    if (brand == "avif" || brand == "avis") return "AVIF";
    return "HEIC";
  }
  if (starts("<svg") || starts("<?xml")) return "SVG or XML";
  if (starts("<")) return "HTML";
  if (starts("\x1F\x8B")) return "gzip";
  if (starts("RIFF") && b.size() >= 12)
    return std::string(b.substr(8, 4)) == "AVI " ? "AVI" : "RIFF";
  if (starts("\x1A\x45\xDF\xA3")) return "WebM or Matroska";
  if (starts("OggS")) return "Ogg";
  if (starts("ID3")) return "MP3";
  return "";
}

}  // namespace

Result<MediaInfo> SniffMedia(std::string_view b) {
  if (b.empty()) return Status::InvalidArgument("the file is empty");
  auto starts = [&](std::string_view p) { return b.substr(0, p.size()) == p; };
  if (starts("\x89PNG\r\n\x1A\n")) return SniffPng(b);
  if (starts("GIF87a") || starts("GIF89a")) return SniffGif(b);
  if (starts("\xFF\xD8\xFF")) return SniffJpeg(b);
  if (starts("RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return SniffWebp(b);
  if (b.size() >= 12 && b.substr(4, 4) == "ftyp") {
    const std::string_view brand = b.substr(8, 4);
    static constexpr std::string_view kMp4[] = {"isom", "iso2", "iso4", "iso5", "iso6", "mp41",
                                                "mp42", "avc1", "M4V ", "M4VP", "dash", "3gp4",
                                                "3gp5", "3gp6", "MSNV", "f4v "};
    MediaInfo info;
    if (brand == "qt  ") {
      info.mime_type = "video/quicktime";
      return info;
    }
    for (std::string_view m : kMp4) {
      if (brand == m) {
        info.mime_type = "video/mp4";
        return info;
      }
    }
  }
  std::string hex;
  for (size_t i = 0; i < b.size() && i < 4; ++i) {
    char h[4];
    std::snprintf(h, sizeof h, "%s%02X", i == 0 ? "" : " ", static_cast<unsigned char>(b[i]));
    hex += h;
  }
  const std::string hint = Hint(b);
  return Status::InvalidArgument("not an image or video this server accepts: starts with " + hex +
                                 (hint.empty() ? "" : " (" + hint + "?)"));
}

}  // namespace leitplanke::desk
