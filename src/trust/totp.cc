#include "leitplanke/trust/totp.h"

#include <array>
#include <cstdio>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "leitplanke/trust/tokens.h"

namespace leitplanke::trust {
namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::string_view bytes, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 4) / 5 * 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kBase32Alphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32Alphabet[(buffer << (5 - bits)) & 31];
  if (pad) {
    while (out.size() % 8 != 0) out += '=';
  }
  return out;
}

Result<std::string> Base32Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  size_t symbols = 0;
  size_t padding_at = std::string_view::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == ' ') continue;
    if (c == '=') {
      if (padding_at == std::string_view::npos) padding_at = i;
      continue;
    }
    if (padding_at != std::string_view::npos) {
      return Status::InvalidArgument("base32: character after padding at byte offset " +
                                     std::to_string(i));
    }
    int v = Base32Value(c);
    if (v < 0) {
      return Status::InvalidArgument("base32: invalid character '" + std::string(1, c) +
                                     "' at byte offset " + std::to_string(i));
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    ++symbols;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xFF);
      bits -= 8;
    }
  }
  // 1, 3 and 6 symbols in the last group cannot come from whole bytes.
  size_t rest = symbols % 8;
  if (rest == 1 || rest == 3 || rest == 6) {
    return Status::InvalidArgument("base32: " + std::to_string(symbols) +
                                   " symbols cannot encode whole bytes (truncated?)");
  }
  return out;
}

std::string HotpCode(std::string_view key, uint64_t counter, int digits) {
  if (digits < 6) digits = 6;
  if (digits > 8) digits = 8;
  std::array<unsigned char, 8> message;
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), mac,
       &mac_len);
  // Dynamic truncation, RFC 4226 section 5.3.
  int offset = mac[mac_len - 1] & 0x0F;
  uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7F) << 24) |
                    (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                    (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                    static_cast<uint32_t>(mac[offset + 3]);
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

int64_t TotpStep(Millis now, int step_seconds) {
  return FloorDiv(now, int64_t{step_seconds} * 1000);
}

std::string TotpCode(std::string_view key, Millis now, const TotpOptions& options) {
  return HotpCode(key, static_cast<uint64_t>(TotpStep(now, options.step_seconds)), options.digits);
}

std::optional<int64_t> VerifyTotp(std::string_view key, std::string_view code, Millis now,
                                  const TotpOptions& options) {
  std::string digits;
  for (char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9') return std::nullopt;
    digits += c;
  }
  if (digits.size() != static_cast<size_t>(options.digits)) return std::nullopt;
  int64_t current = TotpStep(now, options.step_seconds);
  std::optional<int64_t> matched;
  // No early exit: every candidate is computed and compared.
  for (int64_t step = current - options.window; step <= current + options.window; ++step) {
    if (step < 0) continue;
    if (ConstantTimeEquals(HotpCode(key, static_cast<uint64_t>(step), options.digits), digits)) {
      matched = step;
    }
  }
  return matched;
}

std::string GenerateTotpSeed() { return RandomBytes(20); }

std::string TotpUri(std::string_view issuer, std::string_view account, std::string_view seed,
                    const TotpOptions& options) {
  std::string uri = "otpauth://totp/" + PercentEncode(issuer) + ":" + PercentEncode(account) +
                    "?secret=" + Base32Encode(seed, /*pad=*/false) +
                    "&issuer=" + PercentEncode(issuer);
  if (options.digits != 6) uri += "&digits=" + std::to_string(options.digits);
  if (options.step_seconds != 30) uri += "&period=" + std::to_string(options.step_seconds);
  return uri;
}

}  // namespace leitplanke::trust
