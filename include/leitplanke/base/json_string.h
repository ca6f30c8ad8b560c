// JSON string literals without a JSON library, for the places that write
// small documents by hand (error bodies, audit details, verdicts).
#pragma once

#include <string>
#include <string_view>

namespace leitplanke {

// Appends `s` to `out` as a JSON string literal, quotes included. Control
// characters are escaped; invalid UTF-8 bytes become U+FFFD, so the output
// is always valid JSON whatever the input.
void AppendJsonString(std::string& out, std::string_view s);

// The same, as a new string.
std::string JsonString(std::string_view s);

}  // namespace leitplanke
