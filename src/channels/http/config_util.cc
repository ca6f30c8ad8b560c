#include "channels/http/config_util.h"

#include <algorithm>
#include <utility>

#include "leitplanke/base/utf8.h"

namespace leitplanke::channels {
namespace {

bool IsLoopbackHost(std::string_view authority) {
  std::string_view host = authority;
  if (host.rfind("[::1]", 0) == 0) {
    host = "[::1]";
  } else {
    host = host.substr(0, host.rfind(':'));
  }
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

}  // namespace

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

ConfigReader::ConfigReader(const desk::ChannelConfig& config, std::string kind)
    : config_(config), kind_(std::move(kind)) {}

Status ConfigReader::CheckKind() const {
  if (config_.kind.empty() || config_.kind == kind_) return Status::Ok();
  return Status::InvalidArgument("channel '" + config_.name + "' is of kind '" + config_.kind +
                                 "', not '" + kind_ + "'");
}

std::string ConfigReader::Get(std::string_view key) const {
  auto it = config_.settings.find(std::string(key));
  return it == config_.settings.end() ? std::string() : it->second;
}

Status ConfigReader::Problem(std::string_view noun, std::string_view key,
                             std::string_view what) const {
  std::string msg = kind_;
  msg += " channel '";
  msg += config_.name;
  msg += "': ";
  msg += noun;
  msg += " '";
  msg += key;
  msg += "' ";
  msg += what;
  return Status::InvalidArgument(msg);
}

Status ConfigReader::Error(std::string_view key, std::string_view what) const {
  return Problem("setting", key, what);
}

Result<int64_t> ConfigReader::Int(std::string_view key, int64_t def, int64_t min,
                                  int64_t max) const {
  std::string v = Get(key);
  if (v.empty()) return def;
  if (v.size() > 15 ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error(key, "must be a whole number, got '" + utf8::Sanitize(v) + "'");
  }
  int64_t n = std::stoll(v);
  if (n < min || n > max) {
    return Error(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

Result<bool> ConfigReader::Bool(std::string_view key, bool def) const {
  std::string v = Get(key);
  if (v.empty()) return def;
  if (v == "true") return true;
  if (v == "false") return false;
  return Error(key, "must be true or false");
}

Result<std::string> ConfigReader::OptionalSecret(std::string_view key) const {
  auto it = config_.secrets.find(std::string(key));
  if (it == config_.secrets.end()) return std::string();
  if (HasSpaceOrControl(it->second)) {
    return Problem("secret", key, "contains white space or control characters");
  }
  return it->second;
}

Result<std::string> ConfigReader::Secret(std::string_view key) const {
  LP_ASSIGN_OR_RETURN(std::string v, OptionalSecret(key));
  if (v.empty()) return Problem("secret", key, "is required");
  return v;
}

Result<std::string> ConfigReader::BaseUrl(std::string_view key, std::string_view def) const {
  std::string url = Get(key);
  if (url.empty()) url = std::string(def);
  while (!url.empty() && url.back() == '/') url.pop_back();
  bool https = url.rfind("https://", 0) == 0;
  bool http = url.rfind("http://", 0) == 0;
  if (!https && !http) return Error(key, "must start with https://");
  size_t authority = https ? 8 : 7;
  if (url.find_first_of("?#@") != std::string::npos || HasSpaceOrControl(url) ||
      url.size() <= authority) {
    return Error(key, "must be a plain URL without query or user");
  }
  if (http && !IsLoopbackHost(std::string_view(url).substr(authority).substr(
                  0, url.find('/', authority) - authority))) {
    return Error(key, "must use https:// (http:// only for a loopback address)");
  }
  return url;
}

Result<HttpOptions> ConfigReader::Http() const {
  HttpOptions http;
  LP_ASSIGN_OR_RETURN(http.verify_tls, Bool("verify_tls", true));
  LP_ASSIGN_OR_RETURN(int64_t connect_ms, Int("connect_timeout_ms", 10'000, 1, 600'000));
  LP_ASSIGN_OR_RETURN(int64_t timeout_ms, Int("timeout_ms", 30'000, 1, 3'600'000));
  http.connect_timeout_ms = static_cast<long>(connect_ms);  // NOLINT(google-runtime-int)
  http.timeout_ms = static_cast<long>(timeout_ms);          // NOLINT(google-runtime-int)
  return http;
}

}  // namespace leitplanke::channels
