// Pure crypto helpers: passwords, TOTP, base32, tokens, the clock.
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "leitplanke/base/clock.h"

#include "leitplanke/store/model.h"
#include "leitplanke/trust/audit.h"
#include "leitplanke/trust/password.h"
#include "leitplanke/trust/tokens.h"
#include "leitplanke/trust/totp.h"

namespace leitplanke::trust {
namespace {

// --- passwords ------------------------------------------------------------------------

TEST(PasswordTest, HashVerifiesOnlyTheSamePassword) {
  auto hash = HashPassword("correct horse battery", PasswordHashOptionsForTest());
  ASSERT_TRUE(hash.ok()) << hash.error();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse batterY"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  // Salted: the same password hashes differently.
  auto again = HashPassword("correct horse battery", PasswordHashOptionsForTest());
  ASSERT_TRUE(again.ok());
  EXPECT_NE(*hash, *again);
}

TEST(PasswordTest, MalformedHashesNeverMatch) {
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  EXPECT_FALSE(VerifyPassword(std::string(500, 'a'), "x"));
}

TEST(PasswordTest, NeedsRehashWhenTheCostDiffers) {
  PasswordHashOptions cheap = PasswordHashOptionsForTest();
  auto hash = HashPassword("correct horse battery", cheap);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(NeedsRehash(*hash, cheap));
  PasswordHashOptions dearer = cheap;
  dearer.ops_limit += 1;
  EXPECT_TRUE(NeedsRehash(*hash, dearer));
  EXPECT_TRUE(NeedsRehash("not a hash", cheap));
}

TEST(PasswordTest, BadOptionsAreRejected) {
  PasswordHashOptions bad{0, 1};
  auto hash = HashPassword("whatever whatever", bad);
  ASSERT_FALSE(hash.ok());
  EXPECT_EQ(hash.error().code(), StatusCode::kInvalidArgument);
}

TEST(PasswordTest, HasherDummyVerifyAndHash) {
  PasswordHasher hasher(PasswordHashOptionsForTest());
  hasher.DummyVerify("anything");  // must not crash; the result is discarded
  auto hash = hasher.Hash("long enough password");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hasher.Verify(*hash, "long enough password"));
  EXPECT_FALSE(hasher.NeedsRehash(*hash));
}

TEST(PasswordPolicyTest, Rules) {
  EXPECT_TRUE(CheckPasswordPolicy("alice", "a long passphrase").ok());
  Status s = CheckPasswordPolicy("alice", "short");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the password must have at least 12 characters (it has 5)");
  // Twelve code points but more bytes counts as twelve characters.
  EXPECT_TRUE(CheckPasswordPolicy("bob", "äöüäöüäöüäöü").ok());
  EXPECT_EQ(CheckPasswordPolicy("bob", "äöüäöüäöüäö").message(),
            "the password must have at least 12 characters (it has 11)");
  EXPECT_EQ(CheckPasswordPolicy("verylongusername", "VeryLongUsername").message(),
            "the password must not be the username");
  EXPECT_EQ(CheckPasswordPolicy("alice", "my name is ALICE ok").message(),
            "the password must not contain the username");
  EXPECT_EQ(CheckPasswordPolicy("alice", std::string(1025, 'x')).message(),
            "the password is too long: at most 1024 bytes are allowed (it has 1025)");
  EXPECT_TRUE(CheckPasswordPolicy("alice", std::string(1024, 'x')).ok());
  EXPECT_EQ(CheckPasswordPolicy("alice", "valid start \xff and more").message(),
            "the password is not valid UTF-8 (at byte offset 12)");
}

// --- base32 (RFC 4648 section 10) ----------------------------------------------------------

TEST(Base32Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "MY======"},
      {"fo", "MZXQ===="},
      {"foo", "MZXW6==="},
      {"foob", "MZXW6YQ="},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI======"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base32Encode(plain), encoded);
    auto decoded = Base32Decode(encoded);
    ASSERT_TRUE(decoded.ok()) << encoded << ": " << decoded.error();
    EXPECT_EQ(*decoded, plain);
  }
}

TEST(Base32Test, LenientInputStrictErrors) {
  EXPECT_EQ(Base32Encode("foobar", /*pad=*/false), "MZXW6YTBOI");
  EXPECT_EQ(*Base32Decode("mzxw 6ytb oi"), "foobar");
  auto bad = Base32Decode("MZX1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "base32: invalid character '1' at byte offset 3");
  EXPECT_FALSE(Base32Decode("M").ok());
  EXPECT_FALSE(Base32Decode("MY==M===").ok());
}

// --- TOTP (RFC 6238 appendix B, SHA1) -------------------------------------------------------

TEST(TotpTest, Rfc6238Sha1Vectors) {
  const std::string key = "12345678901234567890";
  const std::pair<int64_t, std::string> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  TotpOptions eight;
  eight.digits = 8;
  for (const auto& [seconds, code] : vectors) {
    EXPECT_EQ(TotpCode(key, seconds * 1000, eight), code) << seconds;
    auto step = VerifyTotp(key, code, seconds * 1000, eight);
    ASSERT_TRUE(step.has_value()) << seconds;
    EXPECT_EQ(*step, seconds / 30);
  }
  // The 6-digit code is the last six digits of the same truncation.
  EXPECT_EQ(TotpCode(key, 59'000), "287082");
}

TEST(TotpTest, WindowOfOneStepEitherSide) {
  EXPECT_EQ(GenerateTotpSeed().size(), 20u);
  // A fixed key and time whose codes for steps -2..+2 are all distinct, so
  // every expectation below is deterministic.
  const std::string key = "12345678901234567890";
  const Millis now = 1'700'000'000'000;
  const int64_t step = TotpStep(now);
  std::set<std::string> codes;
  for (int d = -2; d <= 2; ++d) codes.insert(TotpCode(key, now + d * 30'000));
  ASSERT_EQ(codes.size(), 5u);
  for (int d = -1; d <= 1; ++d) {
    auto matched = VerifyTotp(key, TotpCode(key, now + d * 30'000), now);
    ASSERT_TRUE(matched.has_value()) << d;
    EXPECT_EQ(*matched, step + d);
  }
  EXPECT_FALSE(VerifyTotp(key, TotpCode(key, now + 60'000), now).has_value());
  EXPECT_FALSE(VerifyTotp(key, TotpCode(key, now - 60'000), now).has_value());
  EXPECT_FALSE(VerifyTotp(key, "12345", now).has_value());
  EXPECT_FALSE(VerifyTotp(key, "abcdef", now).has_value());
  std::string spaced = TotpCode(key, now);
  spaced.insert(3, " ");
  EXPECT_EQ(VerifyTotp(key, spaced, now), step);
}

TEST(TotpTest, Uri) {
  EXPECT_EQ(TotpUri("Leitplanke", "alice", "foobar"),
            "otpauth://totp/Leitplanke:alice?secret=MZXW6YTBOI&issuer=Leitplanke");
  TotpOptions o;
  o.digits = 8;
  EXPECT_EQ(TotpUri("ACME Corp", "a@b.de", "foobar", o),
            "otpauth://totp/ACME%20Corp:a%40b.de?secret=MZXW6YTBOI&issuer=ACME%20Corp&digits=8");
}

// --- tokens ------------------------------------------------------------------------------

TEST(TokensTest, RandomTokensAreUrlSafeAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string t = RandomToken();
    EXPECT_EQ(t.size(), 43u);
    EXPECT_EQ(
        t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos);
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(TokensTest, HashesAndEncodings) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HashToken("abc"), Sha256Hex("abc"));
  EXPECT_TRUE(ConstantTimeEquals("same", "same"));
  EXPECT_FALSE(ConstantTimeEquals("same", "sane"));
  EXPECT_FALSE(ConstantTimeEquals("same", "same!"));
  EXPECT_EQ(HexEncode("\x01\xab"), "01ab");
  EXPECT_EQ(*HexDecode("01AB"), "\x01\xab");
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64Decode("+/8="), "\xfb\xff");
  EXPECT_EQ(*Base64Decode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64Decode("a!b").ok());
}

TEST(TokensTest, RecoveryCodes) {
  auto codes = GenerateRecoveryCodes();
  ASSERT_EQ(codes.size(), 10u);
  std::regex shape("[2-9a-hjkmnp-tv-z]{4}-[2-9a-hjkmnp-tv-z]{4}-[2-9a-hjkmnp-tv-z]{2}");
  std::set<std::string> distinct(codes.begin(), codes.end());
  EXPECT_EQ(distinct.size(), 10u);
  for (const auto& c : codes) {
    EXPECT_TRUE(std::regex_match(c, shape)) << c;
    std::string shouted;
    for (char ch : c) {
      if (ch != '-') shouted += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    EXPECT_EQ(HashRecoveryCode(shouted), HashRecoveryCode(c));
    EXPECT_EQ(HashRecoveryCode(" " + c + " "), HashRecoveryCode(c));
  }
  EXPECT_NE(HashRecoveryCode(codes[0]), HashRecoveryCode(codes[1]));
}

TEST(TokensTest, ApiTokenFormat) {
  ApiTokenString t = GenerateApiToken();
  EXPECT_TRUE(std::regex_match(t.token, std::regex("lpt_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")))
      << t.token;
  EXPECT_EQ(t.hash, HashToken(t.token));
  auto prefix = ParseApiTokenPrefix(t.token);
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(*prefix, t.prefix);
  EXPECT_EQ(t.token.substr(4, 8), t.prefix);
  EXPECT_FALSE(ParseApiTokenPrefix("lpt_abc").ok());
  EXPECT_FALSE(ParseApiTokenPrefix("xyz_" + t.token.substr(4)).ok());
  std::string upper = t.token;
  upper[5] = 'G';
  EXPECT_FALSE(ParseApiTokenPrefix(upper).ok());
  auto err = ParseApiTokenPrefix("lpt_secretsecret");
  EXPECT_EQ(err.error().message().find("secretsecret"), std::string::npos);
}

// --- audit hash -----------------------------------------------------------------------------

TEST(AuditHashTest, CoversEveryFieldUnambiguously) {
  store::AuditEntry e;
  e.seq = 7;
  e.at = 1000;
  e.actor = "user:ab";
  e.action = "c";
  e.target = "t";
  e.detail = "{}";
  e.address = "10.0.0.1";
  e.prev_hash = "00";
  const std::string base = AuditHash(e);
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(AuditHash(e), base);
  e.hash = "ignored";
  EXPECT_EQ(AuditHash(e), base);  // the hash field itself is not covered
  auto changed = [&](auto mutate) {
    store::AuditEntry copy = e;
    mutate(copy);
    return AuditHash(copy) != base;
  };
  EXPECT_TRUE(changed([](auto& x) { x.seq = 8; }));
  EXPECT_TRUE(changed([](auto& x) { x.at = 1001; }));
  EXPECT_TRUE(changed([](auto& x) { x.actor = "user:a"; }));
  EXPECT_TRUE(changed([](auto& x) { x.action = "d"; }));
  EXPECT_TRUE(changed([](auto& x) { x.target = ""; }));
  EXPECT_TRUE(changed([](auto& x) { x.detail = "{ }"; }));
  EXPECT_TRUE(changed([](auto& x) { x.address = ""; }));
  EXPECT_TRUE(changed([](auto& x) { x.prev_hash = "01"; }));
  // Moving a byte from one field to the next changes the hash.
  EXPECT_TRUE(changed([](auto& x) {
    x.actor = "user:a";
    x.action = "bc";
  }));
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(5000);
  EXPECT_EQ(clock.NowMillis(), 5000);
  clock.Advance(250);
  clock.AdvanceSeconds(2);
  EXPECT_EQ(clock.NowMillis(), 7250);
  clock.Set(1);
  EXPECT_EQ(clock.NowMillis(), 1);
  EXPECT_GT(SystemClock::Default().NowMillis(), 1'600'000'000'000);
}

}  // namespace
}  // namespace leitplanke::trust
