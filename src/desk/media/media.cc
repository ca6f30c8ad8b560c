#include "leitplanke/desk/media.h"

#include <algorithm>
#include <cstdio>

#include "leitplanke/base/utf8.h"

namespace leitplanke::desk {

bool IsVideoType(std::string_view mime_type) { return mime_type.rfind("video/", 0) == 0; }

std::string FormatBytes(int64_t bytes) {
  char buf[32];
  if (bytes >= 1000 * 1000) {
    std::snprintf(buf, sizeof buf, "%.1f MB", static_cast<double>(bytes) / 1e6);
  } else if (bytes >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1f KB", static_cast<double>(bytes) / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  }
  std::string s = buf;
  // "5.0 MB" reads as "5 MB".
  const size_t dot0 = s.find(".0 ");
  if (dot0 != std::string::npos) s.erase(dot0, 2);
  return s;
}

Status CheckMedia(const MediaLimits& limits, std::string_view channel_kind,
                  const std::vector<OutboundMedia>& media) {
  if (media.empty()) return Status::Ok();
  const std::string kind(channel_kind);
  if (limits.max_images == 0 && limits.max_videos == 0) {
    return Status::InvalidArgument(kind + " cannot attach files to a message");
  }
  int32_t images = 0;
  int32_t videos = 0;
  for (size_t i = 0; i < media.size(); ++i) {
    const OutboundMedia& m = media[i];
    const std::string where = "media[" + std::to_string(i) + "] \"" + m.name + "\": ";
    if (m.bytes == nullptr) return Status::InvalidArgument(where + "the file's bytes are missing");
    if (std::find(limits.mime_types.begin(), limits.mime_types.end(), m.mime_type) ==
        limits.mime_types.end()) {
      std::string accepted;
      for (const std::string& t : limits.mime_types) accepted += (accepted.empty() ? "" : ", ") + t;
      return Status::InvalidArgument(where + kind + " does not accept " +
                                     (m.mime_type.empty() ? "this file type" : m.mime_type) +
                                     " (accepted: " + accepted + ")");
    }
    const bool video = IsVideoType(m.mime_type);
    const bool gif = m.mime_type == "image/gif";
    int64_t max_bytes = video ? limits.max_video_bytes : limits.max_image_bytes;
    if (gif && limits.max_gif_bytes > 0) max_bytes = limits.max_gif_bytes;
    const int64_t size = static_cast<int64_t>(m.bytes->size());
    if (max_bytes > 0 && size > max_bytes) {
      return Status::InvalidArgument(where + FormatBytes(size) + " is over " + kind + "'s " +
                                     FormatBytes(max_bytes) + " per " +
                                     (video ? "video"
                                      : gif ? "GIF"
                                            : "image"));
    }
    if (!m.alt_text.empty()) {
      if (utf8::FirstInvalid(m.alt_text) != std::string_view::npos) {
        return Status::InvalidArgument(where + "the alt text is not valid UTF-8");
      }
      const size_t chars = utf8::CodePointCount(m.alt_text, m.alt_text.size());
      if (limits.max_alt_text > 0 && chars > static_cast<size_t>(limits.max_alt_text)) {
        return Status::InvalidArgument(where + "the alt text has " + std::to_string(chars) +
                                       " characters, " + kind + " allows " +
                                       std::to_string(limits.max_alt_text));
      }
    }
    (video ? videos : images) += 1;
  }
  if (videos > limits.max_videos) {
    return Status::InvalidArgument(std::to_string(videos) + " videos, " + kind + " allows " +
                                   std::to_string(limits.max_videos) + " per message");
  }
  if (images > limits.max_images) {
    return Status::InvalidArgument(std::to_string(images) + " images, " + kind + " allows " +
                                   std::to_string(limits.max_images) + " per message");
  }
  if (videos > 0 && images > 0 && !limits.mix_images_and_videos) {
    return Status::InvalidArgument(kind + " cannot attach images and a video to the same message");
  }
  return Status::Ok();
}

}  // namespace leitplanke::desk
