// Accounts: users, sign-in, sessions, second factor, API tokens.
//
// The service enforces the rules of authentication (who is this?). Whether a
// principal may do something is asked with Principal::Can; the HTTP layer
// asks it for every route. Actor checks for administrative calls (SetRoles,
// DisableUser, ...) are the caller's job: the service records the given actor
// in the audit log.
//
// Secrets returned by this service (session cookie values, one-time
// passwords, recovery codes, API tokens, TOTP seeds) are returned exactly once
// and only their hashes (or vault ciphertext) are stored.
//
// Sign-in failures are uniform: PermissionDenied("invalid username or
// password") for an unknown user, a disabled user and a wrong password alike,
// with the same argon2id work done in each case.
//
// Thread-safety: thread-safe; all state is in the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/store/model.h"
#include "leitplanke/store/store.h"
#include "leitplanke/trust/audit.h"
#include "leitplanke/trust/password.h"
#include "leitplanke/trust/permissions.h"
#include "leitplanke/trust/throttle.h"
#include "leitplanke/trust/totp.h"
#include "leitplanke/trust/vault.h"

namespace leitplanke::trust {

struct AccountOptions {
  Millis idle_timeout = 30 * 60'000;
  Millis absolute_timeout = 12 * 3600'000LL;
  // last_seen_at is written at most this often per session (idle timeouts are
  // precise to this much).
  Millis touch_interval = 60'000;
  std::vector<Role> mfa_required_roles = {Role::kAdmin, Role::kCompliance};
  std::string issuer = "Leitplanke";
  PasswordHashOptions password_hash;
  PasswordPolicy password_policy;
  TotpOptions totp;
};

// Who is making a request, resolved from a session cookie or an API token.
struct Principal {
  store::User user;  // password_hash and totp_secret_enc cleared
  std::vector<Role> roles;
  PermissionSet permissions;            // effective: roles, or roles ∩ scopes for a token
  std::string session_id_hash;          // set for a cookie session
  int64_t api_token_id = 0;             // set for an API token
  bool mfa_passed = false;              // false: only the 2FA endpoints may be used
  bool mfa_enrolment_required = false;  // a role needs 2FA the user has not set up
  // Not enforced by Can(): the HTTP layer lets such a user only change the
  // password (and sign out) until it is done.
  bool must_change_password = false;
  std::string csrf_token;  // sessions only

  // permissions.Has(p), and only once the second factor is passed.
  bool Can(Permission p) const { return mfa_passed && permissions.Has(p); }
  // "user:<name>" or "token:<id>", for the audit log.
  std::string ActorName() const;
};

struct LoginResult {
  int64_t user_id = 0;
  std::string session_cookie;  // the cookie value; returned once
  std::string csrf_token;
  bool mfa_required = false;            // call CompleteMfa next
  bool mfa_enrolment_required = false;  // enrol TOTP next (Start/ConfirmTotpEnrolment)
  bool must_change_password = false;
  Millis expires_at = 0;
};

struct FirstAdmin {
  store::User user;
  std::string password;  // one-time; must be changed at first sign-in
};

struct TotpEnrolment {
  std::string secret_base32;  // for manual entry
  std::string otpauth_uri;    // for the QR code
};

struct CreatedApiToken {
  std::string token;  // returned once
  store::ApiToken record;
};

class AccountService {
 public:
  // Borrows everything; all must outlive the service. Computes one argon2id
  // dummy hash with options.password_hash.
  AccountService(store::Store& store, Vault& vault, AuditLog& audit, LoginThrottle& throttle,
                 const Clock& clock, AccountOptions options = {});

  // --- users ---------------------------------------------------------------
  // Usernames are 1-64 of [a-z0-9._-] after lower-casing. InvalidArgument
  // (bad name, unknown role, password policy), AlreadyExists.
  Result<store::User> CreateUser(std::string_view actor, std::string_view username,
                                 std::string_view display_name, std::string_view email,
                                 const std::vector<std::string>& roles, std::string_view password);
  // First run: creates `username` as admin with a random one-time password
  // (must_change_password) only if there are no users at all;
  // FailedPrecondition otherwise.
  Result<FirstAdmin> CreateFirstAdmin(std::string_view username = "admin");

  // --- sign-in and sessions ------------------------------------------------
  // PermissionDenied("invalid username or password") or ResourceExhausted
  // (throttled). Audited as "login" / "login_failed".
  Result<LoginResult> Login(std::string_view username, std::string_view password,
                            std::string_view address, std::string_view user_agent);
  // Second step of sign-in: a current TOTP code (each time step accepted
  // once) or an unused recovery code (consumed). PermissionDenied on a wrong
  // or replayed code; failures count towards the login throttle.
  Status CompleteMfa(std::string_view session_cookie, std::string_view code,
                     std::string_view address = "");
  // Resolves a cookie with the clock's time: PermissionDenied if unknown,
  // revoked, idle or past its absolute timeout, or if the user is disabled.
  // A session still owing its second factor resolves with mfa_passed = false.
  Result<Principal> ResolveSession(std::string_view session_cookie);
  Status Logout(std::string_view session_cookie);
  Status RevokeAllSessions(std::string_view actor, int64_t user_id);
  // Constant-time check of a request's CSRF token against the session's.
  static bool CheckCsrf(const Principal& principal, std::string_view csrf_token);

  // --- TOTP ----------------------------------------------------------------
  // Stores a new seed (vault-sealed, not yet enabled). FailedPrecondition if
  // 2FA is already enabled (ResetTotp first).
  Result<TotpEnrolment> StartTotpEnrolment(int64_t user_id);
  // Enables 2FA if `code` matches the pending seed and returns 10 recovery
  // codes (once). If `session_cookie` is given, that session counts as having
  // passed the second factor.
  Result<std::vector<std::string>> ConfirmTotpEnrolment(int64_t user_id, std::string_view code,
                                                        std::string_view session_cookie = "");
  // Turns 2FA off and drops the seed and the recovery codes.
  Status ResetTotp(std::string_view actor, int64_t user_id);
  // New recovery codes (the old ones stop working). FailedPrecondition
  // without 2FA.
  Result<std::vector<std::string>> RegenerateRecoveryCodes(std::string_view actor, int64_t user_id);

  // --- passwords, roles, state ----------------------------------------------
  // Checks `old_password`, applies the policy, clears must_change_password
  // and revokes every other session of the user (the one of `keep_session`
  // stays, if given).
  Status ChangePassword(int64_t user_id, std::string_view old_password,
                        std::string_view new_password, std::string_view keep_session = "");
  // Administrative reset: revokes all sessions; must_change_password as given.
  Status SetPassword(std::string_view actor, int64_t user_id, std::string_view new_password,
                     bool must_change_password = true);
  // Audited as "role_change" with the old and new roles.
  Status SetRoles(std::string_view actor, int64_t user_id, const std::vector<std::string>& roles);
  // Disables the user and revokes their sessions; tokens stop resolving.
  Status DisableUser(std::string_view actor, int64_t user_id);
  Status EnableUser(std::string_view actor, int64_t user_id);

  // --- API tokens ------------------------------------------------------------
  // `scopes` are permission names (InvalidArgument if unknown or empty);
  // expires_at 0 = never. The token grants scopes ∩ the user's current roles.
  Result<CreatedApiToken> CreateApiToken(int64_t user_id, std::string_view name,
                                         const std::vector<std::string>& scopes, Millis expires_at);
  // PermissionDenied("invalid API token") if malformed, unknown, revoked or
  // expired, or if its user is disabled.
  Result<Principal> ResolveApiToken(std::string_view token);
  // NotFound unless token `token_id` belongs to `user_id`.
  Status RevokeApiToken(std::string_view actor, int64_t user_id, int64_t token_id);
  Result<std::vector<store::ApiToken>> ListApiTokens(int64_t user_id);

  const AccountOptions& options() const { return options_; }

 private:
  bool MfaRequired(const std::vector<Role>& roles) const;
  Status Audit(std::string_view actor, std::string_view action, std::string_view target,
               std::string_view detail_json, std::string_view address = "");
  Result<store::Session> LiveSession(std::string_view session_cookie, Millis now);
  Result<store::User> LoadUser(int64_t user_id);

  store::Store& store_;
  Vault& vault_;
  AuditLog& audit_;
  LoginThrottle& throttle_;
  const Clock& clock_;
  AccountOptions options_;
  PasswordHasher hasher_;
};

}  // namespace leitplanke::trust
