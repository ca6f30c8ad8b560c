// Master keys, key files and sealing (no store).
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leitplanke/trust/tokens.h"
#include "leitplanke/trust/vault.h"

namespace leitplanke::trust {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lp_trust_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& content, mode_t mode) {
  std::ofstream(path, std::ios::binary) << content;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0);
}

TEST(MasterKeyTest, ParsesHexBase64AndRaw) {
  std::string raw = RandomBytes(32);
  auto from_raw = MasterKey::Parse(raw);
  ASSERT_TRUE(from_raw.ok());
  auto from_hex = MasterKey::Parse(HexEncode(raw) + "\n");
  ASSERT_TRUE(from_hex.ok()) << from_hex.error();
  auto from_b64 = MasterKey::Parse("  " + Base64UrlEncode(raw) + "\n");
  ASSERT_TRUE(from_b64.ok()) << from_b64.error();
  EXPECT_EQ(from_raw->bytes(), raw);
  EXPECT_EQ(from_hex->bytes(), raw);
  EXPECT_EQ(from_b64->bytes(), raw);
  EXPECT_EQ(from_hex->id(), from_raw->id());
  EXPECT_EQ(from_raw->id().size(), 16u);
  EXPECT_NE(MasterKey::Generate().id(), from_raw->id());
  auto bad = MasterKey::Parse("too short");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(MasterKey::FromBytes(std::string(31, 'x')).ok());
}

TEST(MasterKeyTest, KeyFileModeIsEnforced) {
  TempDir dir;
  std::string path = dir.File("master.key");
  auto generated = GenerateMasterKeyFile(path);
  ASSERT_TRUE(generated.ok()) << generated.error();
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto loaded = LoadMasterKeyFile(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error();
  EXPECT_EQ(loaded->id(), generated->id());

  // Never overwrites.
  auto again = GenerateMasterKeyFile(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), StatusCode::kAlreadyExists);

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto refused = LoadMasterKeyFile(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.error().message(), "master key file " + path +
                                           " has mode 0644; it must be 0600 or stricter (chmod "
                                           "600 " +
                                           path + ")");
  ASSERT_EQ(::chmod(path.c_str(), 0640), 0);
  EXPECT_FALSE(LoadMasterKeyFile(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(LoadMasterKeyFile(path).ok());

  auto missing = LoadMasterKeyFile(dir.File("nope.key"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);

  std::string junk = dir.File("junk.key");
  WriteFile(junk, "not a key at all", 0600);
  auto bad = LoadMasterKeyFile(junk);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find(junk), std::string::npos);
}

TEST(MasterKeyTest, FromEnvironment) {
  ::unsetenv(kMasterKeyEnv);
  auto missing = LoadMasterKey("");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), StatusCode::kNotFound);
  std::string raw = RandomBytes(32);
  ::setenv(kMasterKeyEnv, HexEncode(raw).c_str(), 1);
  auto key = LoadMasterKey("");
  ::unsetenv(kMasterKeyEnv);
  ASSERT_TRUE(key.ok()) << key.error();
  EXPECT_EQ(key->bytes(), raw);
}

TEST(SealTest, RoundTripAndWrongKey) {
  MasterKey key = MasterKey::Generate();
  MasterKey other = MasterKey::Generate();
  Sealed s = Seal(key, "channel secret");
  EXPECT_EQ(s.key_id, key.id());
  EXPECT_EQ(s.nonce.size(), 24u);
  EXPECT_EQ(s.ciphertext.find("channel secret"), std::string::npos);
  auto plain = Open(key, s);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "channel secret");
  // Fresh nonce every time.
  EXPECT_NE(Seal(key, "channel secret").ciphertext, s.ciphertext);

  auto wrong = Open(other, s);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.error().message().find("sealed with master key " + key.id()), std::string::npos);

  Sealed tampered = s;
  tampered.ciphertext[0] ^= 1;
  auto broken = Open(key, tampered);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), StatusCode::kDataLoss);

  std::string str = SealString(key, "JBSWY3DPEHPK3PXP");
  EXPECT_EQ(str.rfind("v1." + key.id() + ".", 0), 0u);
  EXPECT_EQ(*OpenString(key, str), "JBSWY3DPEHPK3PXP");
  EXPECT_EQ(*SealedStringKeyId(str), key.id());
  EXPECT_EQ(OpenString(other, str).error().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(OpenString(key, "v2.x.y").error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*OpenString(key, SealString(key, "")), "");
}

}  // namespace
}  // namespace leitplanke::trust
