// The key=value codec: small, strict and lossless for any byte string value.
#include "leitplanke/desk/kv.h"

#include <charconv>

namespace leitplanke::desk {
namespace {

bool ValidKey(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string EncodeKeyValues(const KeyValues& values) {
  std::string out;
  for (const auto& [key, value] : values) {
    out.append(key);
    out.push_back('=');
    for (char c : value) {
      switch (c) {
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        default:
          out.push_back(c);
      }
    }
    out.push_back('\n');
  }
  return out;
}

int64_t RetiredAt(std::string_view settings) {
  Result<KeyValues> kv = DecodeKeyValues(settings);
  if (!kv.ok()) return 0;
  auto it = kv->find(kRetiredAtSetting);
  if (it == kv->end()) return 0;
  int64_t ms = 0;
  std::from_chars(it->second.data(), it->second.data() + it->second.size(), ms);
  return ms;
}

Result<KeyValues> DecodeKeyValues(std::string_view text) {
  KeyValues out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty()) continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos || !ValidKey(line.substr(0, eq))) {
      return Status::InvalidArgument("line " + std::to_string(line_no) +
                                     ": expected key=value with a key of [A-Za-z0-9_.-]");
    }
    std::string value;
    for (size_t i = eq + 1; i < line.size(); ++i) {
      if (line[i] != '\\') {
        value.push_back(line[i]);
        continue;
      }
      if (++i == line.size()) {
        return Status::InvalidArgument("line " + std::to_string(line_no) +
                                       ": dangling backslash at the end");
      }
      switch (line[i]) {
        case '\\':
          value.push_back('\\');
          break;
        case 'n':
          value.push_back('\n');
          break;
        case 'r':
          value.push_back('\r');
          break;
        default:
          return Status::InvalidArgument("line " + std::to_string(line_no) + ": unknown escape \\" +
                                         std::string(1, line[i]));
      }
    }
    out[std::string(line.substr(0, eq))] = std::move(value);
  }
  return out;
}

}  // namespace leitplanke::desk
