#include "leitplanke/base/utf8.h"

#include <algorithm>
#include <cstring>

namespace leitplanke::utf8 {

char32_t Decode(std::string_view s, size_t pos, int* len, bool* valid) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
  const size_t avail = s.size() - pos;
  *valid = true;
  *len = 1;
  const unsigned char c = p[0];
  if (c < 0x80) return c;
  int n;
  char32_t cp;
  char32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    *valid = false;
    return kReplacement;
  }
  if (avail < static_cast<size_t>(n)) {
    *valid = false;
    return kReplacement;
  }
  for (int i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) {
      *valid = false;
      return kReplacement;
    }
    cp = (cp << 6) | (p[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *valid = false;
    return kReplacement;
  }
  *len = n;
  return cp;
}

void Append(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

namespace {
// Length of the all-ASCII prefix of s[i, ...), eight bytes at a time: most
// texts are mostly ASCII, and this runs on every checked text.
size_t SkipAscii(std::string_view s, size_t i) {
  while (i + 8 <= s.size()) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ULL) break;
    i += 8;
  }
  return i;
}
}  // namespace

size_t FirstInvalid(std::string_view s) {
  // Runs on every checked text. ASCII is skipped eight bytes at a time and
  // the scan jumps straight to the first high byte of a word (before, every
  // ASCII byte between two non-ASCII characters cost a call and a reload);
  // the common two-byte sequences (umlauts, Latin-1) are checked inline.
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    if (p[i] < 0x80) {
      bool found = false;
      while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        const uint64_t high = w & 0x8080808080808080ULL;
        if (high != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
          i += static_cast<size_t>(__builtin_ctzll(high)) >> 3;
#else
          while (p[i] < 0x80) ++i;
#endif
          found = true;
          break;
        }
        i += 8;
      }
      if (!found) {
        while (i < n && p[i] < 0x80) ++i;
        if (i >= n) break;
      }
    }
    const unsigned char c = p[i];
    if (c >= 0xC2 && c <= 0xDF) {  // two bytes: any continuation byte completes it
      if (i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
        i += 2;
        continue;
      }
      return i;
    }
    int len;
    bool valid;
    Decode(s, i, &len, &valid);
    if (!valid) return i;
    i += static_cast<size_t>(len);
  }
  return std::string_view::npos;
}

std::vector<size_t> InvalidOffsets(std::string_view s, size_t limit) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.size() && out.size() < limit;) {
    int len;
    bool valid;
    Decode(s, i, &len, &valid);
    if (!valid) out.push_back(i);
    i += len;
  }
  return out;
}

size_t CodePointCount(std::string_view s, size_t byte_offset) {
  size_t n = 0;
  for (size_t i = 0; i < byte_offset && i < s.size();) {
    const size_t ascii_end = std::min(SkipAscii(s.substr(0, byte_offset), i), byte_offset);
    if (ascii_end > i) {
      n += ascii_end - i;
      i = ascii_end;
      continue;
    }
    int len;
    bool valid;
    Decode(s, i, &len, &valid);
    i += len;
    ++n;
  }
  return n;
}

std::string Sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int len;
    bool valid;
    char32_t cp = Decode(s, i, &len, &valid);
    if (valid) {
      out.append(s.substr(i, len));
    } else {
      Append(cp, &out);
    }
    i += len;
  }
  return out;
}

}  // namespace leitplanke::utf8
