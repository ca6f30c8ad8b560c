// JSON pointers (RFC 6901) for the errors of the connectors' payload
// parsers: "where" in "what and where".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "leitplanke/base/status.h"

namespace leitplanke::channels {

// `base` + "/" + `key` with '~' and '/' escaped ("~0", "~1").
std::string JsonPtr(const std::string& base, std::string_view key);
std::string JsonPtr(const std::string& base, size_t index);

// InvalidArgument "<ptr> is missing" / "<ptr> must be <want>" ("/" for the
// document itself).
Status MissingAt(const std::string& ptr);
Status WrongTypeAt(const std::string& ptr, std::string_view want);

}  // namespace leitplanke::channels
