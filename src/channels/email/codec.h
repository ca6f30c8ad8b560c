// Codecs of Internet mail: quoted-printable, base64, RFC 2047 encoded words,
// RFC 2231 parameter values, charset conversion to UTF-8 and RFC 5322 dates.
//
// All functions are pure and take untrusted bytes: they never crash on any
// input, and decoders either recover (as mail readers must) or report what is
// wrong and at which byte offset of their input.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"

namespace leitplanke::channels::email {

// Decodes a quoted-printable body (RFC 2045 6.7). Soft line breaks ("=" at a
// line end, CRLF or LF) are removed; malformed "=" sequences are kept
// literally, as RFC 2045 recommends for robust decoders.
std::string DecodeQuotedPrintable(std::string_view in);

// Encodes UTF-8 text as quoted-printable with CRLF hard line breaks for each
// "\n" in `text` and soft line breaks keeping every line at most 76 bytes.
// Bytes outside printable ASCII, "=", trailing white space and a "." at the
// start of a line are escaped.
std::string EncodeQuotedPrintable(std::string_view text);

// Decodes base64, ignoring line breaks and white space; padding may end any
// group (mailers that pad each line). An invalid character or a group of a
// single character is an InvalidArgument naming its byte offset.
Result<std::string> DecodeBase64(std::string_view in);
std::string EncodeBase64(std::string_view in);

// Converts `bytes` in `charset` (a MIME charset name such as "iso-8859-1",
// "windows-1252", "utf-8"; case-insensitive) to valid UTF-8. An unknown or
// empty charset is treated as UTF-8 when the bytes are valid UTF-8, otherwise
// as windows-1252. Undecodable bytes become U+FFFD.
std::string ToUtf8(std::string_view bytes, std::string_view charset);

// Decodes an unstructured header value: unfolds line breaks, decodes RFC 2047
// encoded words (=?charset?B|Q?...?=, white space between adjacent encoded
// words dropped), converts raw 8-bit bytes to UTF-8 and trims. Malformed
// encoded words are kept literally.
std::string DecodeHeaderText(std::string_view raw);

// Encodes `text` (UTF-8) for an unstructured header: returned unchanged when
// it is printable ASCII, else as RFC 2047 B-encoded words (UTF-8) of at most
// 68 bytes each, joined with "\r\n " (folded), never splitting a character.
std::string EncodeHeaderText(std::string_view text);

// Decodes an RFC 2231 extended parameter value "charset'language'%XX..." to
// UTF-8.
std::string DecodeRfc2231Value(std::string_view value);

// Parses an RFC 5322 date-time ("Tue, 3 Mar 2026 14:05:00 +0100", obsolete
// zone names and two-digit years accepted) to milliseconds since the epoch.
// InvalidArgument naming the field that is wrong.
Result<int64_t> ParseMailDate(std::string_view text);

// Formats milliseconds since the epoch as an RFC 5322 date-time in UTC
// ("Sat, 28 Nov 2026 10:49:17 +0000").
std::string FormatMailDate(int64_t epoch_ms);

// Lower-cases ASCII letters.
std::string AsciiLower(std::string_view s);

}  // namespace leitplanke::channels::email
