// A flat string map as text, one "key=value" per line, for values the desk
// stores opaquely (channel settings, outbox payloads) without a JSON library.
// Values escape backslash, newline and carriage return ("\\", "\n", "\r");
// keys are [A-Za-z0-9_.-]+. Decoding names the line of a malformed entry.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"

namespace leitplanke::desk {

using KeyValues = std::map<std::string, std::string>;

std::string EncodeKeyValues(const KeyValues& values);
Result<KeyValues> DecodeKeyValues(std::string_view text);

}  // namespace leitplanke::desk
