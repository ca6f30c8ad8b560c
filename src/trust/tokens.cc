#include "leitplanke/trust/tokens.h"

#include <cctype>

#include <sodium.h>

#include "leitplanke/base/check.h"

#include "leitplanke/trust/password.h"

namespace leitplanke::trust {
namespace {

// No 0/o, 1/i/l and no u (v/u look alike in some fonts).
constexpr std::string_view kRecoveryAlphabet = "23456789abcdefghjkmnpqrstvwxyz";
constexpr size_t kApiPrefixChars = 8;
constexpr size_t kApiSecretBytes = 32;

void InitOrDie() { LP_CHECK(EnsureSodium().ok(), "libsodium must initialise"); }

}  // namespace

std::string RandomBytes(size_t n) {
  InitOrDie();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) {
  InitOrDie();
  const int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_encoded_len(bytes.size(), variant), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), variant);
  out.resize(out.size() - 1);  // drop the NUL
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  InitOrDie();
  // One decoder for all four spellings: map the standard alphabet onto the
  // URL-safe one and drop the padding.
  std::string norm;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      norm += '-';
    } else if (c == '/') {
      norm += '_';
    } else if (c == '=') {
      continue;
    } else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_') {
      norm += c;
    } else {
      return Status::InvalidArgument("base64: invalid character at byte offset " +
                                     std::to_string(i));
    }
  }
  std::string out(norm.size() * 3 / 4 + 3, '\0');
  size_t out_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), norm.data(),
                        norm.size(), nullptr, &out_len, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != norm.data() + norm.size()) {
    return Status::InvalidArgument("base64: text of " + std::to_string(text.size()) +
                                   " characters is not valid base64 (truncated?)");
  }
  out.resize(out_len);
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

Result<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return Status::InvalidArgument("hex: odd number of digits (" + std::to_string(hex.size()) +
                                   ")");
  }
  std::string out;
  out.reserve(hex.size() / 2);
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = value(hex[i]);
    int lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("hex: invalid digit at byte offset " +
                                     std::to_string(hi < 0 ? i : i + 1));
    }
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  InitOrDie();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string HashToken(std::string_view token) { return Sha256Hex(token); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  InitOrDie();
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomToken(size_t bytes) { return Base64UrlEncode(RandomBytes(bytes)); }

std::vector<std::string> GenerateRecoveryCodes(int count) {
  InitOrDie();
  std::vector<std::string> codes;
  for (int n = 0; n < count; ++n) {
    std::string code;
    for (int i = 0; i < 10; ++i) {
      if (i == 4 || i == 8) code += '-';
      code += kRecoveryAlphabet[randombytes_uniform(kRecoveryAlphabet.size())];
    }
    codes.push_back(std::move(code));
  }
  return codes;
}

std::string NormalizeRecoveryCode(std::string_view code) {
  std::string out;
  for (unsigned char c : code) {
    if (c == '-' || std::isspace(c)) continue;
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string HashRecoveryCode(std::string_view code) {
  return HashToken(NormalizeRecoveryCode(code));
}

ApiTokenString GenerateApiToken() {
  ApiTokenString t;
  t.prefix = HexEncode(RandomBytes(kApiPrefixChars / 2));
  t.token = "lpt_" + t.prefix + "_" + RandomToken(kApiSecretBytes);
  t.hash = HashToken(t.token);
  return t;
}

Result<std::string> ParseApiTokenPrefix(std::string_view token) {
  const Status bad = Status::InvalidArgument(
      "malformed API token: expected lpt_<8 hex characters>_<43 base64url characters>");
  constexpr size_t kSecretChars = 43;  // 32 bytes, base64url without padding
  if (token.size() != 4 + kApiPrefixChars + 1 + kSecretChars || token.substr(0, 4) != "lpt_" ||
      token[4 + kApiPrefixChars] != '_') {
    return bad;
  }
  std::string_view prefix = token.substr(4, kApiPrefixChars);
  for (char c : prefix) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return bad;
  }
  for (char c : token.substr(4 + kApiPrefixChars + 1)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return bad;
    }
  }
  return std::string(prefix);
}

}  // namespace leitplanke::trust
