#include "leitplanke/trust/accounts.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "leitplanke/trust/tokens.h"
#include "leitplanke/trust/totp.h"

#include "test_env.h"

namespace leitplanke::trust {
namespace {

constexpr char kPassword[] = "a long passphrase";
constexpr Millis kMinute = 60'000;

class AccountsTest : public testing::TrustEnv {
 protected:
  store::User MakeUser(const std::string& name, std::vector<std::string> roles) {
    auto user =
        accounts_->CreateUser("user:root", name, name, name + "@example.org", roles, kPassword);
    EXPECT_TRUE(user.ok()) << user.error();
    return user.ok() ? *user : store::User{};
  }

  LoginResult MustLogin(const std::string& name, const std::string& password = kPassword) {
    auto login = accounts_->Login(name, password, "10.0.0.1", "test");
    EXPECT_TRUE(login.ok()) << login.error();
    return login.ok() ? *login : LoginResult{};
  }

  // Enrols TOTP for `user_id` and returns the seed.
  std::string Enrol(int64_t user_id, std::vector<std::string>* recovery = nullptr,
                    const std::string& cookie = "") {
    auto enrol = accounts_->StartTotpEnrolment(user_id);
    EXPECT_TRUE(enrol.ok()) << enrol.error();
    std::string seed = *Base32Decode(enrol->secret_base32);
    auto codes =
        accounts_->ConfirmTotpEnrolment(user_id, TotpCode(seed, clock_.NowMillis()), cookie);
    EXPECT_TRUE(codes.ok()) << codes.error();
    if (recovery != nullptr && codes.ok()) *recovery = *codes;
    return seed;
  }

  std::vector<store::AuditEntry> AuditEntries() {
    auto all = store_->ListAudit(1, 10'000);
    EXPECT_TRUE(all.ok());
    return all.ok() ? *all : std::vector<store::AuditEntry>{};
  }

  bool Audited(const std::string& action, const std::string& target) {
    for (const auto& e : AuditEntries()) {
      if (e.action == action && e.target == target) return true;
    }
    return false;
  }
};

TEST_F(AccountsTest, CreateUserValidates) {
  store::User u = MakeUser("Alice", {"agent"});
  EXPECT_EQ(u.username, "alice");
  EXPECT_TRUE(VerifyPassword(u.password_hash, kPassword));
  auto dup = accounts_->CreateUser("user:root", "ALICE", "", "", {"agent"}, kPassword);
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  auto bad_role = accounts_->CreateUser("user:root", "bob", "", "", {"root"}, kPassword);
  EXPECT_EQ(bad_role.status().code(), StatusCode::kInvalidArgument);
  auto bad_name = accounts_->CreateUser("user:root", "bob smith", "", "", {"agent"}, kPassword);
  EXPECT_EQ(bad_name.status().code(), StatusCode::kInvalidArgument);
  auto weak = accounts_->CreateUser("user:root", "bob", "", "", {"agent"}, "bob-bob-bob-bob");
  EXPECT_EQ(weak.status().message(), "the password must not contain the username");
  EXPECT_TRUE(Audited("user_create", "user:alice"));
}

TEST_F(AccountsTest, FirstAdminOnlyOnAnEmptyStore) {
  auto admin = accounts_->CreateFirstAdmin();
  ASSERT_TRUE(admin.ok()) << admin.error();
  EXPECT_EQ(admin->user.roles, std::vector<std::string>{"admin"});
  EXPECT_TRUE(admin->user.must_change_password);
  EXPECT_GE(admin->password.size(), 20u);
  LoginResult login = MustLogin("admin", admin->password);
  EXPECT_TRUE(login.must_change_password);
  EXPECT_TRUE(login.mfa_enrolment_required);  // admins must use 2FA
  EXPECT_EQ(accounts_->CreateFirstAdmin().status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(AccountsTest, LoginFailuresDoNotRevealWhichPartWasWrong) {
  store::User u = MakeUser("alice", {"agent"});
  store::User dora = MakeUser("dora", {"agent"});
  ASSERT_TRUE(accounts_->DisableUser("user:root", dora.id).ok());
  Status unknown = accounts_->Login("nobody", kPassword, "10.0.0.1", "").status();
  Status wrong = accounts_->Login("alice", "wrong password!", "10.0.0.2", "").status();
  Status disabled = accounts_->Login("dora", kPassword, "10.0.0.3", "").status();
  EXPECT_EQ(unknown.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(unknown.message(), "invalid username or password");
  EXPECT_EQ(wrong, unknown);
  EXPECT_EQ(disabled, unknown);
  // Names that cannot exist fail the same way and are stored cleaned up.
  Status odd = accounts_->Login(std::string(300, 'x') + "\xff", kPassword, "10.0.0.4", "").status();
  EXPECT_EQ(odd, unknown);
  EXPECT_TRUE(Audited("login_failed", "user:" + std::string(64, 'x')));
  EXPECT_TRUE(Audited("login_failed", "user:nobody"));
  EXPECT_TRUE(Audited("login_failed", "user:alice"));
  LoginResult ok = MustLogin("ALICE");
  EXPECT_EQ(ok.user_id, u.id);
  EXPECT_TRUE(Audited("login", "user:alice"));
}

TEST_F(AccountsTest, LockoutAfterFiveFailuresEvenWithTheRightPassword) {
  MakeUser("alice", {"agent"});
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(accounts_->Login("alice", "wrong password!", "10.0.0.1", "").status().code(),
              StatusCode::kPermissionDenied);
  }
  auto locked = accounts_->Login("alice", kPassword, "10.0.0.9", "");
  EXPECT_EQ(locked.status().code(), StatusCode::kResourceExhausted);
  // Unknown accounts lock the same way.
  for (int i = 0; i < 5; ++i) (void)accounts_->Login("ghost", "x", "10.0.0.5", "");
  EXPECT_EQ(accounts_->Login("ghost", "x", "10.0.0.6", "").status().code(),
            StatusCode::kResourceExhausted);
  clock_.AdvanceSeconds(30);
  MustLogin("alice");
}

TEST_F(AccountsTest, SessionsResolveAndExpire) {
  store::User u = MakeUser("alice", {"agent"});
  LoginResult login = MustLogin("alice");
  EXPECT_FALSE(login.mfa_required);
  EXPECT_FALSE(login.mfa_enrolment_required);
  // Only the hash of the cookie is stored.
  EXPECT_EQ(store_->GetSession(login.session_cookie).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->GetSession(HashToken(login.session_cookie)).ok());

  auto p = accounts_->ResolveSession(login.session_cookie);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->user.id, u.id);
  EXPECT_TRUE(p->user.password_hash.empty());
  EXPECT_TRUE(p->mfa_passed);
  EXPECT_TRUE(p->Can(Permission::kCheck));
  EXPECT_TRUE(p->Can(Permission::kPolicyRead));
  EXPECT_FALSE(p->Can(Permission::kPolicyWrite));
  EXPECT_EQ(p->ActorName(), "user:alice");
  EXPECT_TRUE(AccountService::CheckCsrf(*p, login.csrf_token));
  EXPECT_FALSE(AccountService::CheckCsrf(*p, login.csrf_token + "x"));
  EXPECT_FALSE(accounts_->ResolveSession("made-up").ok());

  // Idle timeout: activity keeps it alive, 31 quiet minutes end it.
  clock_.Advance(29 * kMinute);
  ASSERT_TRUE(accounts_->ResolveSession(login.session_cookie).ok());
  clock_.Advance(29 * kMinute);
  ASSERT_TRUE(accounts_->ResolveSession(login.session_cookie).ok());
  clock_.Advance(31 * kMinute);
  auto idle = accounts_->ResolveSession(login.session_cookie);
  EXPECT_EQ(idle.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(idle.status().message(), "the session expired after inactivity; sign in again");

  // Absolute timeout: 12 h even with steady activity.
  LoginResult second = MustLogin("alice");
  Millis start = clock_.NowMillis();
  while (clock_.NowMillis() - start < 12 * 60 * kMinute - 20 * kMinute) {
    clock_.Advance(20 * kMinute);
    ASSERT_TRUE(accounts_->ResolveSession(second.session_cookie).ok());
  }
  clock_.Advance(20 * kMinute);
  EXPECT_EQ(accounts_->ResolveSession(second.session_cookie).status().message(),
            "the session has expired; sign in again");
}

TEST_F(AccountsTest, LogoutRevokeAndDisable) {
  store::User u = MakeUser("alice", {"agent"});
  LoginResult a = MustLogin("alice");
  LoginResult b = MustLogin("alice");
  ASSERT_TRUE(accounts_->Logout(a.session_cookie).ok());
  EXPECT_FALSE(accounts_->ResolveSession(a.session_cookie).ok());
  EXPECT_TRUE(accounts_->ResolveSession(b.session_cookie).ok());
  ASSERT_TRUE(accounts_->RevokeAllSessions("user:root", u.id).ok());
  EXPECT_FALSE(accounts_->ResolveSession(b.session_cookie).ok());

  LoginResult c = MustLogin("alice");
  auto token = accounts_->CreateApiToken(u.id, "ci", {"check"}, 0);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(accounts_->DisableUser("user:root", u.id).ok());
  EXPECT_FALSE(accounts_->ResolveSession(c.session_cookie).ok());
  EXPECT_FALSE(accounts_->ResolveApiToken(token->token).ok());
  EXPECT_TRUE(Audited("user_disable", "user:alice"));
  ASSERT_TRUE(accounts_->EnableUser("user:root", u.id).ok());
  MustLogin("alice");
}

TEST_F(AccountsTest, MfaEnrolmentLoginReplayAndRecoveryCodes) {
  store::User u = MakeUser("carla", {"compliance"});
  LoginResult first = MustLogin("carla");
  EXPECT_FALSE(first.mfa_required);
  EXPECT_TRUE(first.mfa_enrolment_required);
  auto pending = accounts_->ResolveSession(first.session_cookie);
  ASSERT_TRUE(pending.ok());
  EXPECT_FALSE(pending->mfa_passed);
  EXPECT_TRUE(pending->mfa_enrolment_required);
  EXPECT_FALSE(pending->Can(Permission::kCheck));
  EXPECT_FALSE(pending->Can(Permission::kOwnAccount));

  auto enrol = accounts_->StartTotpEnrolment(u.id);
  ASSERT_TRUE(enrol.ok()) << enrol.error();
  EXPECT_EQ(enrol->otpauth_uri, "otpauth://totp/Leitplanke:carla?secret=" + enrol->secret_base32 +
                                    "&issuer=Leitplanke");
  // The seed is stored sealed, and 2FA is not on until confirmed.
  auto stored = store_->GetUser(u.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->totp_enabled);
  EXPECT_EQ(stored->totp_secret_enc.rfind("v1." + key_.id() + ".", 0), 0u);
  EXPECT_EQ(stored->totp_secret_enc.find(enrol->secret_base32), std::string::npos);
  std::string seed = *Base32Decode(enrol->secret_base32);

  auto wrong = accounts_->ConfirmTotpEnrolment(u.id, "000000", first.session_cookie);
  if (TotpCode(seed, clock_.NowMillis()) != "000000") {
    EXPECT_EQ(wrong.status().code(), StatusCode::kPermissionDenied);
  }
  std::string enrol_code = TotpCode(seed, clock_.NowMillis());
  auto recovery = accounts_->ConfirmTotpEnrolment(u.id, enrol_code, first.session_cookie);
  ASSERT_TRUE(recovery.ok()) << recovery.error();
  ASSERT_EQ(recovery->size(), 10u);
  EXPECT_EQ(*store_->CountUnusedRecoveryCodes(u.id), 10);
  EXPECT_TRUE(accounts_->ResolveSession(first.session_cookie)->Can(Permission::kPolicyWrite));
  EXPECT_EQ(accounts_->StartTotpEnrolment(u.id).status().code(), StatusCode::kFailedPrecondition);

  // Next sign-in owes the second factor.
  LoginResult second = MustLogin("carla");
  EXPECT_TRUE(second.mfa_required);
  EXPECT_FALSE(accounts_->ResolveSession(second.session_cookie)->mfa_passed);
  // The code used for enrolment is spent: replay refused.
  Status replay = accounts_->CompleteMfa(second.session_cookie, enrol_code);
  EXPECT_EQ(replay.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(replay.message(), "this code was already used; wait for the next one");
  clock_.AdvanceSeconds(30);
  std::string fresh = TotpCode(seed, clock_.NowMillis());
  ASSERT_TRUE(accounts_->CompleteMfa(second.session_cookie, fresh).ok());
  auto passed = accounts_->ResolveSession(second.session_cookie);
  ASSERT_TRUE(passed.ok());
  EXPECT_TRUE(passed->mfa_passed);
  EXPECT_TRUE(passed->Can(Permission::kAuditRead));
  EXPECT_FALSE(passed->Can(Permission::kUsersWrite));

  // The same code in another session is a replay too.
  LoginResult third = MustLogin("carla");
  EXPECT_EQ(accounts_->CompleteMfa(third.session_cookie, fresh).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(accounts_->CompleteMfa(third.session_cookie, "not-a-code").code(),
            StatusCode::kPermissionDenied);

  // A recovery code works once, whatever its case and dashes.
  std::string code = (*recovery)[3];
  std::string typed;
  for (char c : code) {
    if (c != '-') typed += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  ASSERT_TRUE(accounts_->CompleteMfa(third.session_cookie, typed).ok());
  EXPECT_TRUE(accounts_->ResolveSession(third.session_cookie)->mfa_passed);
  EXPECT_EQ(*store_->CountUnusedRecoveryCodes(u.id), 9);
  LoginResult fourth = MustLogin("carla");
  EXPECT_EQ(accounts_->CompleteMfa(fourth.session_cookie, code).code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Audited("mfa_passed", "user:carla"));
  EXPECT_TRUE(Audited("mfa_failed", "user:carla"));

  // Reset turns 2FA off; the compliance role then needs a new enrolment.
  ASSERT_TRUE(accounts_->ResetTotp("user:root", u.id).ok());
  EXPECT_EQ(*store_->CountUnusedRecoveryCodes(u.id), 0);
  LoginResult fifth = MustLogin("carla");
  EXPECT_TRUE(fifth.mfa_enrolment_required);
}

TEST_F(AccountsTest, WrongMfaCodesCountTowardsTheThrottle) {
  store::User u = MakeUser("alice", {"agent"});
  std::string seed = Enrol(u.id);
  LoginResult login = MustLogin("alice");
  ASSERT_TRUE(login.mfa_required);
  std::string good = TotpCode(seed, clock_.NowMillis() + 120'000);  // outside the window
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(accounts_->CompleteMfa(login.session_cookie, good).code(),
              StatusCode::kPermissionDenied);
  }
  clock_.AdvanceSeconds(1);
  EXPECT_EQ(accounts_->CompleteMfa(login.session_cookie, TotpCode(seed, clock_.NowMillis())).code(),
            StatusCode::kResourceExhausted);
}

TEST_F(AccountsTest, PasswordChangeAndReset) {
  store::User u = MakeUser("alice", {"agent"});
  LoginResult keep = MustLogin("alice");
  LoginResult other = MustLogin("alice");
  EXPECT_EQ(accounts_->ChangePassword(u.id, "not the password", "another long one").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(accounts_->ChangePassword(u.id, kPassword, "short").code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      accounts_->ChangePassword(u.id, kPassword, "another long one", keep.session_cookie).ok());
  EXPECT_TRUE(accounts_->ResolveSession(keep.session_cookie).ok());
  EXPECT_FALSE(accounts_->ResolveSession(other.session_cookie).ok());
  EXPECT_FALSE(accounts_->Login("alice", kPassword, "", "").ok());
  MustLogin("alice", "another long one");

  ASSERT_TRUE(accounts_->SetPassword("user:root", u.id, "set by the admin").ok());
  EXPECT_FALSE(accounts_->ResolveSession(keep.session_cookie).ok());
  LoginResult after = MustLogin("alice", "set by the admin");
  EXPECT_TRUE(after.must_change_password);
  EXPECT_TRUE(Audited("password_reset", "user:alice"));
}

TEST_F(AccountsTest, RoleChangesAreAuditedAndApplyAtOnce) {
  store::User u = MakeUser("alice", {"advocate"});
  LoginResult login = MustLogin("alice");
  EXPECT_FALSE(accounts_->ResolveSession(login.session_cookie)->Can(Permission::kPolicyRead));
  ASSERT_TRUE(accounts_->SetRoles("user:root", u.id, {"approver"}).ok());
  EXPECT_TRUE(accounts_->ResolveSession(login.session_cookie)->Can(Permission::kTeamsRead));
  EXPECT_EQ(accounts_->SetRoles("user:root", u.id, {"boss"}).code(), StatusCode::kInvalidArgument);
  bool found = false;
  for (const auto& e : AuditEntries()) {
    if (e.action == "role_change") {
      found = true;
      EXPECT_EQ(e.actor, "user:root");
      EXPECT_EQ(e.target, "user:alice");
      EXPECT_EQ(e.detail, "{\"from\":[\"advocate\"],\"to\":[\"approver\"]}");
    }
  }
  EXPECT_TRUE(found);
  // Becoming admin without 2FA withholds everything until enrolment.
  ASSERT_TRUE(accounts_->SetRoles("user:root", u.id, {"admin"}).ok());
  auto p = accounts_->ResolveSession(login.session_cookie);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->mfa_enrolment_required);
  EXPECT_FALSE(p->Can(Permission::kUsersWrite));
}

TEST_F(AccountsTest, ApiTokensGrantScopesIntersectedWithRoles) {
  store::User u = MakeUser("carla", {"compliance"});
  auto bad = accounts_->CreateApiToken(u.id, "ci", {"check", "sudo"}, 0);
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(accounts_->CreateApiToken(u.id, "ci", {}, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(accounts_->CreateApiToken(u.id, "bad \xff", {"check"}, 0).status().message(),
            "the token name is not valid UTF-8 (at byte offset 4)");
  EXPECT_EQ(accounts_->CreateApiToken(u.id, "old", {"check"}, clock_.NowMillis()).status().code(),
            StatusCode::kInvalidArgument);

  Millis expires = clock_.NowMillis() + 60 * kMinute;
  auto created =
      accounts_->CreateApiToken(u.id, "ci", {"check", "policy:write", "users:write"}, expires);
  ASSERT_TRUE(created.ok()) << created.error();
  EXPECT_EQ(created->token.rfind("lpt_" + created->record.prefix + "_", 0), 0u);
  EXPECT_EQ(created->record.token_hash, HashToken(created->token));

  auto p = accounts_->ResolveApiToken(created->token);
  ASSERT_TRUE(p.ok()) << p.error();
  EXPECT_EQ(p->ActorName(), "token:" + std::to_string(created->record.id));
  EXPECT_EQ(p->permissions.Names(), (std::vector<std::string>{"check", "policy:write"}));
  EXPECT_TRUE(p->Can(Permission::kPolicyWrite));
  EXPECT_FALSE(p->Can(Permission::kUsersWrite));  // in scope, but not in the roles
  EXPECT_FALSE(p->Can(Permission::kAuditRead));   // in the roles, but not in scope

  ASSERT_TRUE(accounts_->SetRoles("user:root", u.id, {"agent"}).ok());
  EXPECT_EQ(accounts_->ResolveApiToken(created->token)->permissions.Names(),
            std::vector<std::string>{"check"});

  auto listed = accounts_->ListApiTokens(u.id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE((*listed)[0].token_hash.empty());

  const std::string invalid = "invalid API token";
  EXPECT_EQ(accounts_->ResolveApiToken("lpt_nonsense").status().message(), invalid);
  std::string altered = created->token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(accounts_->ResolveApiToken(altered).status().message(), invalid);

  clock_.Advance(60 * kMinute);
  EXPECT_EQ(accounts_->ResolveApiToken(created->token).status().message(), invalid);

  auto second = accounts_->CreateApiToken(u.id, "bot", {"check"}, 0);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(accounts_->ResolveApiToken(second->token).ok());
  EXPECT_EQ(accounts_->RevokeApiToken("user:carla", u.id + 1, second->record.id).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(accounts_->RevokeApiToken("user:carla", u.id, second->record.id).ok());
  EXPECT_EQ(accounts_->ResolveApiToken(second->token).status().message(), invalid);
}

TEST_F(AccountsTest, EverythingLeavesAnIntactAuditChain) {
  store::User u = MakeUser("alice", {"agent"});
  MustLogin("alice");
  (void)accounts_->Login("alice", "wrong password!", "10.0.0.1", "");
  ASSERT_TRUE(accounts_->SetRoles("user:root", u.id, {"publisher"}).ok());
  auto report = audit_->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->message;
  EXPECT_EQ(report->entries_checked, 4);
}

}  // namespace
}  // namespace leitplanke::trust
