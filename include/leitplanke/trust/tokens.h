// Random tokens, token hashing, recovery codes and API token strings.
//
// Secrets handed to clients (session cookies, CSRF tokens, API tokens,
// recovery codes) are generated here from libsodium's CSPRNG; only their
// hashes (HashToken) are ever stored.
//
// Thread-safety: all functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::trust {

// `n` bytes from the CSPRNG.
std::string RandomBytes(size_t n);

// base64url without padding of `bytes` random bytes (32 bytes -> 43 chars).
std::string RandomToken(size_t bytes = 32);

// base64url without padding / standard base64 (both with and without
// padding accepted by the decoder). InvalidArgument on bad input.
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// Lower-case hex and back.
std::string HexEncode(std::string_view bytes);
Result<std::string> HexDecode(std::string_view hex);

// SHA-256 of `data` as 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

// The stored form of a token: Sha256Hex(token). Tokens carry >= 128 bits of
// entropy, so a fast hash is enough (no salt, no argon2).
std::string HashToken(std::string_view token);

// Constant-time comparison (length is not secret).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// --- recovery codes ---------------------------------------------------------

inline constexpr int kRecoveryCodeCount = 10;

// `count` codes like "k7pm-x3cd-9f", 10 characters from an alphabet without
// look-alikes (no 0/o, 1/l/i, u), about 49 bits each.
std::vector<std::string> GenerateRecoveryCodes(int count = kRecoveryCodeCount);

// Lower case, dashes and white space removed: what the user meant to type.
std::string NormalizeRecoveryCode(std::string_view code);

// HashToken(NormalizeRecoveryCode(code)).
std::string HashRecoveryCode(std::string_view code);

// --- API tokens ---------------------------------------------------------------

// "lpt_<prefix>_<secret>": prefix = 8 lower-case hex characters shown in
// lists, secret = 32 random bytes base64url. The stored hash is
// HashToken(<whole token>).
struct ApiTokenString {
  std::string token;   // handed out once
  std::string prefix;  // store::ApiToken::prefix
  std::string hash;    // store::ApiToken::token_hash
};
ApiTokenString GenerateApiToken();

// Checks the shape of an API token and returns its prefix. InvalidArgument
// (without echoing the secret) if it is not "lpt_<8 hex>_<43 base64url>".
Result<std::string> ParseApiTokenPrefix(std::string_view token);

}  // namespace leitplanke::trust
