// Reading a connector's settings and secrets (desk::ChannelConfig) the same
// way in every web-API connector, with errors that name the channel kind,
// the channel and the setting:
//
//   "<kind> channel '<name>': setting '<key>' <what>"
//   "<kind> channel '<name>': secret '<key>' is required"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/desk/channel.h"

#include "channels/http/http_client.h"

namespace leitplanke::channels {

// True when `s` has a byte <= 0x20 (space, control) or DEL.
bool HasSpaceOrControl(std::string_view s);

class ConfigReader {
 public:
  // `kind` as in ChannelConfig::kind, e.g. "meta"; it also opens the errors.
  ConfigReader(const desk::ChannelConfig& config, std::string kind);

  const desk::ChannelConfig& config() const { return config_; }

  // InvalidArgument unless the config's kind is empty or `kind`.
  Status CheckKind() const;

  // The setting `key`, "" when absent.
  std::string Get(std::string_view key) const;

  // InvalidArgument "<kind> channel '<name>': setting '<key>' <what>".
  Status Error(std::string_view key, std::string_view what) const;

  // A whole number in [min, max]; `def` when absent.
  Result<int64_t> Int(std::string_view key, int64_t def, int64_t min, int64_t max) const;
  // "true" or "false"; `def` when absent.
  Result<bool> Bool(std::string_view key, bool def) const;

  // A secret that must be present and non-empty, without white space or
  // control characters.
  Result<std::string> Secret(std::string_view key) const;
  // The same, but "" when absent.
  Result<std::string> OptionalSecret(std::string_view key) const;

  // The base URL in setting `key` (`def` when absent) without trailing '/':
  // https://, or http:// only for a loopback host (127.0.0.1, localhost,
  // [::1]); no query, fragment, user or white space.
  Result<std::string> BaseUrl(std::string_view key, std::string_view def) const;

  // verify_tls (default true), connect_timeout_ms (10 s, 1..600000) and
  // timeout_ms (30 s, 1..3600000).
  Result<HttpOptions> Http() const;

 private:
  // "<kind> channel '<name>': <noun> '<key>' <what>".
  Status Problem(std::string_view noun, std::string_view key, std::string_view what) const;

  const desk::ChannelConfig& config_;
  std::string kind_;
};

}  // namespace leitplanke::channels
