// A flat string map as text, one "key=value" per line, for values the desk
// stores opaquely (channel settings, outbox payloads) without a JSON library.
// Values escape backslash, newline and carriage return ("\\", "\n", "\r");
// keys are [A-Za-z0-9_.-]+. Decoding names the line of a malformed entry.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"

namespace leitplanke::desk {

using KeyValues = std::map<std::string, std::string>;

std::string EncodeKeyValues(const KeyValues& values);
Result<KeyValues> DecodeKeyValues(std::string_view text);

// The channel setting that marks a retired channel (epoch ms): it keeps its
// row for its conversations but sends and receives nothing any more.
inline constexpr char kRetiredAtSetting[] = "retired_at";
// When the channel with these settings was retired; 0 if it is not.
int64_t RetiredAt(std::string_view settings);

}  // namespace leitplanke::desk
