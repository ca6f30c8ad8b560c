#include "channels/http/json_pointer.h"

namespace leitplanke::channels {

std::string JsonPtr(const std::string& base, std::string_view key) {
  std::string out = base;
  out += '/';
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string JsonPtr(const std::string& base, size_t index) {
  return JsonPtr(base, std::to_string(index));
}

Status MissingAt(const std::string& ptr) {
  return Status::InvalidArgument(ptr.empty() ? std::string("/ is missing") : ptr + " is missing");
}

Status WrongTypeAt(const std::string& ptr, std::string_view want) {
  std::string msg = ptr.empty() ? std::string("/") : ptr;
  msg += " must be ";
  msg += want;
  return Status::InvalidArgument(msg);
}

}  // namespace leitplanke::channels
