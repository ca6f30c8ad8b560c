// Encodings the web-API connectors share: hex, base64, percent-encoding of
// URL parts, form decoding, and UTC calendar time to milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace leitplanke::channels {

// Lower-case hex and standard base64 (RFC 4648 with padding) of `bytes`.
std::string Hex(std::string_view bytes);
std::string Base64(std::string_view bytes);

// Percent-encoding of everything but the unreserved characters of RFC 3986
// (A-Z a-z 0-9 - . _ ~), upper-case hex digits.
std::string PercentEncode(std::string_view s);

// The value of a hex digit, -1 for any other character.
int HexDigitValue(char c);

// application/x-www-form-urlencoded decoding: "%XX" and '+' as a space; a
// '%' without two hex digits stays as it is.
std::string FormDecode(std::string_view s);

// Milliseconds since 1970 of a UTC calendar time; -1 when a field is out of
// range (years 1970..9999, seconds up to 60).
int64_t UtcMillis(int year, int month, int day, int hour, int minute, int second);

}  // namespace leitplanke::channels
