// Media of outgoing messages: what a file is (sniffed from its bytes, not
// from its name or a client's Content-Type) and whether a channel can take
// it. Pure functions, used by the publisher before it renders a post and
// by connectors before they upload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::desk {

// What SniffMedia read from a file's first bytes.
struct MediaInfo {
  std::string
      mime_type;      // image/jpeg, image/png, image/gif, image/webp, video/mp4, video/quicktime
  int32_t width = 0;  // pixels; 0 for videos (not read)
  int32_t height = 0;
  bool animated = false;  // a GIF with more than one frame, an animated WebP
};

// The type of a file from its magic bytes (JPEG, PNG, GIF, WebP, MP4/MOV by
// their `ftyp` box) and, for images, the size from its headers (PNG IHDR,
// GIF logical screen, JPEG SOFn, WebP VP8/VP8L/VP8X). InvalidArgument for an
// unknown type ("not an image or video this server accepts: starts with
// 25 50 44 46 (PDF?)") and for a truncated or corrupt header, naming the
// byte offset. Never reads past `bytes`.
Result<MediaInfo> SniffMedia(std::string_view bytes);

// True for "video/..." types.
bool IsVideoType(std::string_view mime_type);

// Checks `media` against `limits` of a channel of kind `channel_kind`:
// count of images and videos, mixing, type, size per file and alt text
// length. InvalidArgument naming the file (by position and name) and the
// limit, e.g. "media[2] \"team.png\": 6.2 MB is over mastodon's 5 MB per
// image". A channel without media support refuses any file.
Status CheckMedia(const MediaLimits& limits, std::string_view channel_kind,
                  const std::vector<OutboundMedia>& media);

// "5 MB", "976.6 KB", "512 B": how limits are spelt in messages.
std::string FormatBytes(int64_t bytes);

}  // namespace leitplanke::desk
