#include <gtest/gtest.h>

#include "leitplanke/trust/tokens.h"

#include "test_env.h"

namespace leitplanke::trust {
namespace {

using VaultTest = testing::TrustEnv;

TEST_F(VaultTest, PutGetListDelete) {
  ASSERT_TRUE(vault_->Put("channel/x/consumer_secret", "s3cr3t").ok());
  ASSERT_TRUE(vault_->Put("webhook/meta", "hook key").ok());
  auto got = vault_->Get("channel/x/consumer_secret");
  ASSERT_TRUE(got.ok()) << got.error();
  EXPECT_EQ(*got, "s3cr3t");

  // At rest only ciphertext.
  auto raw = store_->GetSecret("channel/x/consumer_secret");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->key_id, key_.id());
  EXPECT_EQ(raw->ciphertext.find("s3cr3t"), std::string::npos);

  auto list = vault_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].key_id, key_.id());

  // Replacing keeps created_at.
  Millis created = raw->created_at;
  clock_.AdvanceSeconds(10);
  ASSERT_TRUE(vault_->Put("channel/x/consumer_secret", "rotated by hand").ok());
  EXPECT_EQ(*vault_->Get("channel/x/consumer_secret"), "rotated by hand");
  EXPECT_EQ(store_->GetSecret("channel/x/consumer_secret")->created_at, created);

  ASSERT_TRUE(vault_->Delete("webhook/meta").ok());
  EXPECT_EQ(vault_->Get("webhook/meta").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault_->Put("", "x").code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, RotateReencryptsSecretsAndTotpSeeds) {
  ASSERT_TRUE(vault_->Put("a", "alpha").ok());
  ASSERT_TRUE(vault_->Put("b", "beta").ok());
  auto user = accounts_->CreateUser("system", "dora", "Dora", "", {"agent"}, "a long passphrase");
  ASSERT_TRUE(user.ok()) << user.error();
  auto enrol = accounts_->StartTotpEnrolment(user->id);
  ASSERT_TRUE(enrol.ok()) << enrol.error();

  MasterKey new_key = MasterKey::Generate();
  auto report = vault_->Rotate(new_key);
  ASSERT_TRUE(report.ok()) << report.error();
  EXPECT_EQ(report->secrets_rotated, 2);
  EXPECT_EQ(report->totp_seeds_rotated, 1);
  EXPECT_EQ(report->old_key_id, key_.id());
  EXPECT_EQ(report->new_key_id, new_key.id());
  EXPECT_EQ(vault_->key_id(), new_key.id());
  EXPECT_EQ(*vault_->Get("a"), "alpha");

  // A server started with the old key cannot open anything, and says why.
  Vault old_vault(*store_, key_, clock_);
  auto refused = old_vault.Get("a");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("sealed with master key " + new_key.id() +
                                           ", but the loaded master key is " + key_.id()),
            std::string::npos)
      << refused.error();
  // One started with the new key can.
  Vault new_vault(*store_, new_key, clock_);
  EXPECT_EQ(*new_vault.Get("b"), "beta");
  auto stored = store_->GetUser(user->id);
  ASSERT_TRUE(stored.ok());
  auto seed = new_vault.OpenString(stored->totp_secret_enc);
  ASSERT_TRUE(seed.ok()) << seed.error();
  EXPECT_EQ(Base32Encode(*seed, false), enrol->secret_base32);
  EXPECT_FALSE(old_vault.OpenString(stored->totp_secret_enc).ok());

  // Rotating to the same key is refused.
  EXPECT_EQ(vault_->Rotate(new_key).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, RotateRefusesAThirdKeyAndChangesNothing) {
  ASSERT_TRUE(vault_->Put("a", "alpha").ok());
  MasterKey stranger = MasterKey::Generate();
  Sealed s = Seal(stranger, "foreign");
  store::VaultSecret foreign;
  foreign.name = "z/foreign";
  foreign.key_id = s.key_id;
  foreign.nonce = s.nonce;
  foreign.ciphertext = s.ciphertext;
  ASSERT_TRUE(store_->PutSecret(foreign).ok());

  auto report = vault_->Rotate(MasterKey::Generate());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(report.error().message().find("vault secret z/foreign is sealed with master key " +
                                          stranger.id()),
            std::string::npos)
      << report.error();
  EXPECT_EQ(vault_->key_id(), key_.id());
  EXPECT_EQ(*vault_->Get("a"), "alpha");
}

}  // namespace
}  // namespace leitplanke::trust
