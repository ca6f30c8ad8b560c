// UTF-8 decoding and validation with exact byte offsets.
//
// Leitplanke never trusts text: every input is validated here first, and an
// invalid sequence is reported with its byte offset while the rest of the text
// is still processed (invalid bytes decode as U+FFFD, one byte at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace leitplanke::utf8 {

inline constexpr char32_t kReplacement = 0xFFFD;

// Decodes the code point starting at `pos`. On success sets *len to its byte
// length (1-4) and returns the code point. On an invalid, overlong, surrogate
// or truncated sequence returns kReplacement with *len = 1 and *valid = false.
char32_t Decode(std::string_view s, size_t pos, int* len, bool* valid);

// Appends the UTF-8 encoding of `cp` (which must be a scalar value).
void Append(char32_t cp, std::string* out);

// Byte offset of the first invalid sequence, or npos if `s` is valid UTF-8.
size_t FirstInvalid(std::string_view s);

// Byte offsets of every invalid sequence (at most `limit` reported).
std::vector<size_t> InvalidOffsets(std::string_view s, size_t limit = 16);

// Number of code points in s[0, byte_offset) (invalid bytes count as one).
size_t CodePointCount(std::string_view s, size_t byte_offset);

// A copy of `s` with every invalid byte replaced by U+FFFD.
std::string Sanitize(std::string_view s);

}  // namespace leitplanke::utf8
