// Fuzz target for SniffMedia (src/desk/media/sniff.cc): any byte string
// either sniffs to an accepted type (images with a non-zero size) or fails
// with InvalidArgument and a message; it never reads past the input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "leitplanke/desk/media.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = leitplanke::desk::SniffMedia(in);
  if (!r.ok()) {
    if (r.status().code() != leitplanke::StatusCode::kInvalidArgument ||
        r.status().message().empty()) {
      std::fprintf(stderr, "SniffMedia: not an InvalidArgument with a message\n");
      std::abort();
    }
    return 0;
  }
  const bool image = r->mime_type.rfind("image/", 0) == 0;
  if (image && (r->width <= 0 || r->height <= 0)) {
    std::fprintf(stderr, "SniffMedia: an image without a size\n");
    std::abort();
  }
  if (!image && r->mime_type != "video/mp4" && r->mime_type != "video/quicktime") {
    std::fprintf(stderr, "SniffMedia: unexpected type\n");
    std::abort();
  }
  return 0;
}
