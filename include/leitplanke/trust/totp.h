// TOTP second factor (RFC 6238 over RFC 4226 HOTP, HMAC-SHA1) and base32
// (RFC 4648), as used by authenticator apps.
//
// VerifyTotp returns the time step a code matched so that the caller can
// refuse a replay: a code is accepted only for a step greater than the last
// accepted one (store::User::totp_last_step).
//
// Thread-safety: all functions are pure or use only libsodium's thread-safe
// random source.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

namespace leitplanke::trust {

// RFC 4648 section 6 base32 (alphabet A-Z2-7). With `pad`, the output is
// padded with '=' to a multiple of 8 characters.
std::string Base32Encode(std::string_view bytes, bool pad = true);

// Decodes base32. Accepts lower case, optional '=' padding, and ignores
// spaces (as users type them from a screen). InvalidArgument naming the
// offending character and its byte offset otherwise.
Result<std::string> Base32Decode(std::string_view text);

struct TotpOptions {
  int digits = 6;  // 6..8
  int step_seconds = 30;
  int window = 1;  // steps accepted either side of the current one
};

// HOTP value (RFC 4226) of `key` at `counter`, zero padded to `digits`.
std::string HotpCode(std::string_view key, uint64_t counter, int digits = 6);

// The TOTP time step of `now` (floor(now / step)).
int64_t TotpStep(Millis now, int step_seconds = 30);

// The TOTP code of `key` at time `now`.
std::string TotpCode(std::string_view key, Millis now, const TotpOptions& options = {});

// If `code` (digits; spaces ignored) is the code of a step within
// options.window steps of now, returns that step; otherwise nullopt. Every
// candidate is compared in constant time.
std::optional<int64_t> VerifyTotp(std::string_view key, std::string_view code, Millis now,
                                  const TotpOptions& options = {});

// A fresh 20-byte (160-bit) random seed, as RFC 4226 recommends.
std::string GenerateTotpSeed();

// otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>
// (&digits / &period only when they differ from 6 / 30). Issuer and account
// are percent-encoded.
std::string TotpUri(std::string_view issuer, std::string_view account, std::string_view seed,
                    const TotpOptions& options = {});

}  // namespace leitplanke::trust
