// Digests the connectors use to sign requests and check webhook signatures
// (OpenSSL underneath; nothing of it in this header). Hex and base64 are in
// encoding.h.
#pragma once

#include <string>
#include <string_view>

namespace leitplanke::channels {

// HMAC-SHA256 / HMAC-SHA1 of `message` under `key`, as raw bytes.
std::string HmacSha256(std::string_view key, std::string_view message);
std::string HmacSha1(std::string_view key, std::string_view message);
// HMAC-SHA256 as lower-case hex and as standard base64 (with padding).
std::string HmacSha256Hex(std::string_view key, std::string_view message);
std::string HmacSha256Base64(std::string_view key, std::string_view message);

// Equality in time independent of where the strings differ. Empty strings
// never match (an unset secret must not verify an empty signature).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

}  // namespace leitplanke::channels
