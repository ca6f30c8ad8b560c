#include "leitplanke/trust/accounts.h"

#include <cctype>
#include <cstdio>

#include "leitplanke/base/json_string.h"
#include "leitplanke/base/utf8.h"

#include "leitplanke/trust/tokens.h"

namespace leitplanke::trust {
namespace {

const char kInvalidLogin[] = "invalid username or password";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status ValidateUsername(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return Status::InvalidArgument("a username has 1 to 64 characters (got " +
                                   std::to_string(name.size()) + ")");
  }
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return Status::InvalidArgument(
          "a username may contain only a-z, 0-9, '.', '_' and '-' (invalid character at byte "
          "offset " +
          std::to_string(i) + ")");
    }
  }
  return Status::Ok();
}

std::string JsonArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ",";
    out += JsonString(items[i]);
  }
  return out + "]";
}

// Roles of a stored user; names this binary does not know grant nothing.
std::vector<Role> RolesOf(const store::User& user) {
  std::vector<Role> roles;
  for (const auto& name : user.roles) {
    auto r = ParseRole(name);
    if (r.ok()) roles.push_back(*r);
  }
  return roles;
}

std::string UserActor(const store::User& user) { return "user:" + user.username; }
std::string UserTarget(const store::User& user) { return "user:" + user.username; }

// At most `max_bytes` of `s`, made valid UTF-8 (a cut inside a sequence
// becomes U+FFFD), for values that come from clients and are stored.
std::string Clean(std::string_view s, size_t max_bytes) {
  return utf8::Sanitize(s.substr(0, max_bytes));
}

Status CheckText(std::string_view what, std::string_view s, size_t max_bytes) {
  if (s.size() > max_bytes) {
    return Status::InvalidArgument("the " + std::string(what) + " has more than " +
                                   std::to_string(max_bytes) + " bytes (" +
                                   std::to_string(s.size()) + ")");
  }
  size_t bad = utf8::FirstInvalid(s);
  if (bad != std::string_view::npos) {
    return Status::InvalidArgument("the " + std::string(what) +
                                   " is not valid UTF-8 (at byte offset " + std::to_string(bad) +
                                   ")");
  }
  return Status::Ok();
}

Status Denied(std::string_view why) { return Status::PermissionDenied(std::string(why)); }

}  // namespace

std::string Principal::ActorName() const {
  if (api_token_id != 0) return "token:" + std::to_string(api_token_id);
  return "user:" + user.username;
}

AccountService::AccountService(store::Store& store, Vault& vault, AuditLog& audit,
                               LoginThrottle& throttle, const Clock& clock, AccountOptions options)
    : store_(store),
      vault_(vault),
      audit_(audit),
      throttle_(throttle),
      clock_(clock),
      options_(std::move(options)),
      hasher_(options_.password_hash) {}

bool AccountService::MfaRequired(const std::vector<Role>& roles) const {
  for (Role r : roles) {
    for (Role required : options_.mfa_required_roles) {
      if (r == required) return true;
    }
  }
  return false;
}

Status AccountService::Audit(std::string_view actor, std::string_view action,
                             std::string_view target, std::string_view detail_json,
                             std::string_view address) {
  return audit_.Append(actor, action, target, detail_json, address).status();
}

Result<store::User> AccountService::LoadUser(int64_t user_id) {
  auto user = store_.GetUser(user_id);
  if (!user.ok() && user.error().code() == StatusCode::kNotFound) {
    return Status::NotFound("user " + std::to_string(user_id) + " not found");
  }
  return user;
}

// --- users -----------------------------------------------------------------------

Result<store::User> AccountService::CreateUser(std::string_view actor, std::string_view username,
                                               std::string_view display_name,
                                               std::string_view email,
                                               const std::vector<std::string>& roles,
                                               std::string_view password) {
  std::string name = Lower(username);
  LP_RETURN_IF_ERROR(ValidateUsername(name));
  LP_ASSIGN_OR_RETURN(std::vector<Role> parsed, ParseRoles(roles));
  if (parsed.empty()) return Status::InvalidArgument("a user needs at least one role");
  LP_RETURN_IF_ERROR(CheckText("display name", display_name, 200));
  LP_RETURN_IF_ERROR(CheckText("e-mail address", email, 254));
  if (!email.empty() && email.find('@') == std::string_view::npos) {
    return Status::InvalidArgument("the e-mail address \"" + std::string(email) + "\" has no '@'");
  }
  LP_RETURN_IF_ERROR(CheckPasswordPolicy(name, password, options_.password_policy));
  store::User user;
  user.username = name;
  user.display_name = display_name.empty() ? name : std::string(display_name);
  user.email = std::string(email);
  user.roles = RoleNames(parsed);
  LP_ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(password));
  user.created_at = user.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(store::User created, store_.CreateUser(std::move(user)));
  LP_RETURN_IF_ERROR(Audit(actor, "user_create", UserTarget(created),
                           "{\"roles\":" + JsonArray(created.roles) + "}"));
  return created;
}

Result<FirstAdmin> AccountService::CreateFirstAdmin(std::string_view username) {
  std::string name = Lower(username);
  LP_RETURN_IF_ERROR(ValidateUsername(name));
  FirstAdmin out;
  // 18 random bytes: 24 characters, 144 bits; changed at first sign-in.
  out.password = RandomToken(18);
  store::User user;
  user.username = name;
  user.display_name = "Administrator";
  user.roles = {"admin"};
  user.must_change_password = true;
  LP_ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(out.password));
  user.created_at = user.updated_at = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(out.user, store_.CreateFirstUser(std::move(user)));
  LP_RETURN_IF_ERROR(Audit("system", "first_admin_create", UserTarget(out.user), "{}"));
  out.user.password_hash.clear();
  return out;
}

// --- sign-in and sessions ---------------------------------------------------------------

Result<LoginResult> AccountService::Login(std::string_view username, std::string_view password,
                                          std::string_view address, std::string_view user_agent) {
  // Whatever the client sent ends up in the throttle key and the audit log:
  // keep it short and valid UTF-8. A name that cannot exist is looked up as
  // an unknown user, with the same work and answer.
  std::string name = Clean(Lower(username), 64);
  const bool plausible = ValidateUsername(name).ok();
  Status throttled = throttle_.Check(name, address);
  if (!throttled.ok()) {
    if (throttled.code() == StatusCode::kResourceExhausted) {
      LP_RETURN_IF_ERROR(Audit("anonymous", "login_throttled", "user:" + name, "{}", address));
    }
    return throttled;
  }

  Result<store::User> found = Status::NotFound("no such user");
  if (plausible) found = store_.FindUser(name);
  if (!found.ok() && found.error().code() != StatusCode::kNotFound) return found.error();
  std::string reason;
  if (!found.ok()) {
    // Same argon2id work as for a real account: timing does not tell.
    hasher_.DummyVerify(password);
    reason = "unknown user";
  } else if (!hasher_.Verify(found->password_hash, password)) {
    reason = "wrong password";
  } else if (found->disabled) {
    reason = "user disabled";
  }
  if (!reason.empty()) {
    LP_RETURN_IF_ERROR(throttle_.RecordFailure(name, address));
    LP_RETURN_IF_ERROR(Audit("anonymous", "login_failed", "user:" + name,
                             "{\"reason\":" + JsonString(reason) + "}", address));
    return Denied(kInvalidLogin);
  }

  store::User user = std::move(*found);
  LP_RETURN_IF_ERROR(throttle_.RecordSuccess(name));
  Millis now = clock_.NowMillis();
  if (hasher_.NeedsRehash(user.password_hash)) {
    // The cost was raised since this hash was made; the password is at hand
    // only now.
    auto rehashed = hasher_.Hash(password);
    if (rehashed.ok()) {
      user.password_hash = *rehashed;
      user.updated_at = now;
      LP_RETURN_IF_ERROR(store_.UpdateUser(user));
    }
  }

  std::vector<Role> roles = RolesOf(user);
  LoginResult result;
  result.user_id = user.id;
  result.session_cookie = RandomToken(32);
  result.csrf_token = RandomToken(32);
  result.mfa_required = user.totp_enabled;
  result.mfa_enrolment_required = !user.totp_enabled && MfaRequired(roles);
  result.must_change_password = user.must_change_password;
  result.expires_at = now + options_.absolute_timeout;

  store::Session session;
  session.id_hash = HashToken(result.session_cookie);
  session.user_id = user.id;
  session.csrf_token = result.csrf_token;
  session.mfa_passed = !result.mfa_required && !result.mfa_enrolment_required;
  session.address = std::string(address);
  session.user_agent = Clean(user_agent, 512);
  session.created_at = now;
  session.last_seen_at = now;
  session.expires_at = result.expires_at;
  LP_RETURN_IF_ERROR(store_.CreateSession(session));
  LP_RETURN_IF_ERROR(Audit(
      UserActor(user), "login", UserTarget(user),
      std::string("{\"mfa_required\":") + (result.mfa_required ? "true" : "false") + "}", address));
  return result;
}

Result<store::Session> AccountService::LiveSession(std::string_view session_cookie, Millis now) {
  if (session_cookie.empty()) return Denied("not signed in");
  std::string id_hash = HashToken(session_cookie);
  auto session = store_.GetSession(id_hash);
  if (!session.ok()) {
    if (session.error().code() == StatusCode::kNotFound) {
      return Denied("not signed in (unknown session)");
    }
    return session.error();
  }
  if (session->revoked) return Denied("the session has ended; sign in again");
  if (now >= session->expires_at) {
    LP_RETURN_IF_ERROR(store_.RevokeSession(id_hash));
    return Denied("the session has expired; sign in again");
  }
  if (now - session->last_seen_at > options_.idle_timeout) {
    LP_RETURN_IF_ERROR(store_.RevokeSession(id_hash));
    return Denied("the session expired after inactivity; sign in again");
  }
  return session;
}

Result<Principal> AccountService::ResolveSession(std::string_view session_cookie) {
  Millis now = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(store::Session session, LiveSession(session_cookie, now));
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(session.user_id));
  if (user.disabled) {
    LP_RETURN_IF_ERROR(store_.RevokeSession(session.id_hash));
    return Denied("the session has ended; sign in again");
  }
  if (now - session.last_seen_at >= options_.touch_interval) {
    LP_RETURN_IF_ERROR(store_.TouchSession(session.id_hash, now));
  }
  Principal p;
  p.roles = RolesOf(user);
  p.permissions = PermissionsOf(p.roles);
  p.session_id_hash = session.id_hash;
  // A role that needs 2FA given after sign-in still needs it now.
  p.mfa_enrolment_required = !user.totp_enabled && MfaRequired(p.roles);
  p.mfa_passed = session.mfa_passed && !p.mfa_enrolment_required;
  p.must_change_password = user.must_change_password;
  p.csrf_token = session.csrf_token;
  user.password_hash.clear();
  user.totp_secret_enc.clear();
  p.user = std::move(user);
  return p;
}

bool AccountService::CheckCsrf(const Principal& principal, std::string_view csrf_token) {
  return !principal.csrf_token.empty() && ConstantTimeEquals(principal.csrf_token, csrf_token);
}

Status AccountService::Logout(std::string_view session_cookie) {
  if (session_cookie.empty()) return Status::Ok();
  std::string id_hash = HashToken(session_cookie);
  auto session = store_.GetSession(id_hash);
  if (!session.ok()) {
    return session.error().code() == StatusCode::kNotFound ? Status::Ok() : session.error();
  }
  LP_RETURN_IF_ERROR(store_.RevokeSession(id_hash));
  auto user = store_.GetUser(session->user_id);
  std::string who = user.ok() ? UserActor(*user) : "user:" + std::to_string(session->user_id);
  return Audit(who, "logout", who, "{}", session->address);
}

Status AccountService::RevokeAllSessions(std::string_view actor, int64_t user_id) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  LP_RETURN_IF_ERROR(store_.RevokeUserSessions(user_id));
  return Audit(actor, "sessions_revoke", UserTarget(user), "{}");
}

Status AccountService::CompleteMfa(std::string_view session_cookie, std::string_view code,
                                   std::string_view address) {
  Millis now = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(store::Session session, LiveSession(session_cookie, now));
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(session.user_id));
  if (user.disabled) return Denied("the session has ended; sign in again");
  if (!user.totp_enabled) {
    return Status::FailedPrecondition(
        "two-factor authentication is not set up for this account; enrol first");
  }
  LP_RETURN_IF_ERROR(throttle_.Check(user.username, address));

  std::string digits;
  for (char c : code) {
    if (c != ' ') digits += c;
  }
  bool looks_like_totp = digits.size() == static_cast<size_t>(options_.totp.digits) &&
                         digits.find_first_not_of("0123456789") == std::string::npos;
  std::string method;
  std::string failure = "invalid code";
  if (looks_like_totp) {
    LP_ASSIGN_OR_RETURN(std::string seed, vault_.OpenString(user.totp_secret_enc));
    std::optional<int64_t> step = VerifyTotp(seed, digits, now, options_.totp);
    if (step && *step > user.totp_last_step) {
      user.totp_last_step = *step;
      user.updated_at = now;
      LP_RETURN_IF_ERROR(store_.UpdateUser(user));
      method = "totp";
    } else if (step) {
      failure = "this code was already used; wait for the next one";
    }
  } else {
    LP_ASSIGN_OR_RETURN(bool consumed,
                        store_.ConsumeRecoveryCode(user.id, HashRecoveryCode(code), now));
    if (consumed) method = "recovery_code";
  }

  if (method.empty()) {
    LP_RETURN_IF_ERROR(throttle_.RecordFailure(user.username, address));
    LP_RETURN_IF_ERROR(Audit(UserActor(user), "mfa_failed", UserTarget(user),
                             "{\"reason\":" + JsonString(failure) + "}", address));
    return Denied(failure);
  }
  session.mfa_passed = true;
  session.last_seen_at = now;
  LP_RETURN_IF_ERROR(store_.UpdateSession(session));
  LP_RETURN_IF_ERROR(throttle_.RecordSuccess(user.username));
  return Audit(UserActor(user), "mfa_passed", UserTarget(user),
               "{\"method\":" + JsonString(method) + "}", address);
}

// --- TOTP -------------------------------------------------------------------------

Result<TotpEnrolment> AccountService::StartTotpEnrolment(int64_t user_id) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  if (user.totp_enabled) {
    return Status::FailedPrecondition(
        "two-factor authentication is already enabled; reset it before enrolling again");
  }
  std::string seed = GenerateTotpSeed();
  user.totp_secret_enc = vault_.SealString(seed);
  user.totp_last_step = 0;
  user.updated_at = clock_.NowMillis();
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  TotpEnrolment out;
  out.secret_base32 = Base32Encode(seed, /*pad=*/false);
  out.otpauth_uri = TotpUri(options_.issuer, user.username, seed, options_.totp);
  return out;
}

Result<std::vector<std::string>> AccountService::ConfirmTotpEnrolment(
    int64_t user_id, std::string_view code, std::string_view session_cookie) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  if (user.totp_enabled) {
    return Status::FailedPrecondition("two-factor authentication is already enabled");
  }
  if (user.totp_secret_enc.empty()) {
    return Status::FailedPrecondition("no TOTP enrolment in progress; start one first");
  }
  Millis now = clock_.NowMillis();
  LP_ASSIGN_OR_RETURN(std::string seed, vault_.OpenString(user.totp_secret_enc));
  std::optional<int64_t> step = VerifyTotp(seed, code, now, options_.totp);
  if (!step) {
    return Denied("the code does not match; check the code and the device's clock");
  }
  std::optional<store::Session> session;
  if (!session_cookie.empty()) {
    LP_ASSIGN_OR_RETURN(session, LiveSession(session_cookie, now));
    if (session->user_id != user_id) return Denied("the session belongs to another user");
  }
  std::vector<std::string> codes = GenerateRecoveryCodes(kRecoveryCodeCount);
  std::vector<std::string> hashes;
  for (const auto& c : codes) hashes.push_back(HashRecoveryCode(c));
  LP_RETURN_IF_ERROR(store_.ReplaceRecoveryCodes(user.id, hashes));
  user.totp_enabled = true;
  user.totp_last_step = *step;
  user.updated_at = now;
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  if (session) {
    session->mfa_passed = true;
    LP_RETURN_IF_ERROR(store_.UpdateSession(*session));
  }
  LP_RETURN_IF_ERROR(Audit(UserActor(user), "totp_enable", UserTarget(user), "{}"));
  return codes;
}

Status AccountService::ResetTotp(std::string_view actor, int64_t user_id) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  user.totp_enabled = false;
  user.totp_secret_enc.clear();
  user.totp_last_step = 0;
  user.updated_at = clock_.NowMillis();
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  LP_RETURN_IF_ERROR(store_.ReplaceRecoveryCodes(user.id, {}));
  return Audit(actor, "totp_reset", UserTarget(user), "{}");
}

Result<std::vector<std::string>> AccountService::RegenerateRecoveryCodes(std::string_view actor,
                                                                         int64_t user_id) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  if (!user.totp_enabled) {
    return Status::FailedPrecondition("two-factor authentication is not enabled");
  }
  std::vector<std::string> codes = GenerateRecoveryCodes(kRecoveryCodeCount);
  std::vector<std::string> hashes;
  for (const auto& c : codes) hashes.push_back(HashRecoveryCode(c));
  LP_RETURN_IF_ERROR(store_.ReplaceRecoveryCodes(user.id, hashes));
  LP_RETURN_IF_ERROR(Audit(actor, "recovery_codes_regenerate", UserTarget(user), "{}"));
  return codes;
}

// --- passwords, roles, state ---------------------------------------------------------

Status AccountService::ChangePassword(int64_t user_id, std::string_view old_password,
                                      std::string_view new_password,
                                      std::string_view keep_session) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  LP_RETURN_IF_ERROR(throttle_.Check(user.username, ""));
  if (!hasher_.Verify(user.password_hash, old_password)) {
    LP_RETURN_IF_ERROR(throttle_.RecordFailure(user.username, ""));
    return Denied("the current password is wrong");
  }
  LP_RETURN_IF_ERROR(CheckPasswordPolicy(user.username, new_password, options_.password_policy));
  if (new_password == old_password) {
    return Status::InvalidArgument("the new password must differ from the current one");
  }
  Millis now = clock_.NowMillis();
  std::optional<store::Session> keep;
  if (!keep_session.empty()) {
    auto live = LiveSession(keep_session, now);
    if (live.ok() && live->user_id == user_id) keep = *live;
  }
  LP_ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(new_password));
  user.must_change_password = false;
  user.updated_at = now;
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  LP_RETURN_IF_ERROR(store_.RevokeUserSessions(user_id));
  if (keep) LP_RETURN_IF_ERROR(store_.UpdateSession(*keep));  // revoked == false again
  return Audit(UserActor(user), "password_change", UserTarget(user), "{}");
}

Status AccountService::SetPassword(std::string_view actor, int64_t user_id,
                                   std::string_view new_password, bool must_change_password) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  LP_RETURN_IF_ERROR(CheckPasswordPolicy(user.username, new_password, options_.password_policy));
  LP_ASSIGN_OR_RETURN(user.password_hash, hasher_.Hash(new_password));
  user.must_change_password = must_change_password;
  user.updated_at = clock_.NowMillis();
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  LP_RETURN_IF_ERROR(store_.RevokeUserSessions(user_id));
  return Audit(actor, "password_reset", UserTarget(user), "{}");
}

Status AccountService::SetRoles(std::string_view actor, int64_t user_id,
                                const std::vector<std::string>& roles) {
  LP_ASSIGN_OR_RETURN(std::vector<Role> parsed, ParseRoles(roles));
  if (parsed.empty()) return Status::InvalidArgument("a user needs at least one role");
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  std::vector<std::string> before = user.roles;
  user.roles = RoleNames(parsed);
  user.updated_at = clock_.NowMillis();
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  return Audit(actor, "role_change", UserTarget(user),
               "{\"from\":" + JsonArray(before) + ",\"to\":" + JsonArray(user.roles) + "}");
}

Status AccountService::DisableUser(std::string_view actor, int64_t user_id) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  user.disabled = true;
  user.updated_at = clock_.NowMillis();
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  LP_RETURN_IF_ERROR(store_.RevokeUserSessions(user_id));
  return Audit(actor, "user_disable", UserTarget(user), "{}");
}

Status AccountService::EnableUser(std::string_view actor, int64_t user_id) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  user.disabled = false;
  user.updated_at = clock_.NowMillis();
  LP_RETURN_IF_ERROR(store_.UpdateUser(user));
  return Audit(actor, "user_enable", UserTarget(user), "{}");
}

// --- API tokens ----------------------------------------------------------------------

Result<CreatedApiToken> AccountService::CreateApiToken(int64_t user_id, std::string_view name,
                                                       const std::vector<std::string>& scopes,
                                                       Millis expires_at) {
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(user_id));
  if (user.disabled) return Status::FailedPrecondition("the user is disabled");
  if (name.empty()) return Status::InvalidArgument("a token needs a name");
  LP_RETURN_IF_ERROR(CheckText("token name", name, 100));
  if (scopes.empty()) return Status::InvalidArgument("an API token needs at least one scope");
  LP_ASSIGN_OR_RETURN(PermissionSet set, ParseScopes(scopes));
  Millis now = clock_.NowMillis();
  if (expires_at != 0 && expires_at <= now) {
    return Status::InvalidArgument("the token's expiry lies in the past");
  }
  ApiTokenString t = GenerateApiToken();
  store::ApiToken record;
  record.user_id = user_id;
  record.name = std::string(name);
  record.token_hash = t.hash;
  record.prefix = t.prefix;
  record.scopes = set.Names();
  record.created_at = now;
  record.expires_at = expires_at;
  CreatedApiToken out;
  LP_ASSIGN_OR_RETURN(out.record, store_.CreateApiToken(std::move(record)));
  out.token = std::move(t.token);
  LP_RETURN_IF_ERROR(Audit(UserActor(user), "api_token_create",
                           "token:" + std::to_string(out.record.id),
                           "{\"name\":" + JsonString(out.record.name) +
                               ",\"scopes\":" + JsonArray(out.record.scopes) + "}"));
  return out;
}

Result<Principal> AccountService::ResolveApiToken(std::string_view token) {
  const char kInvalid[] = "invalid API token";
  if (!ParseApiTokenPrefix(token).ok()) return Denied(kInvalid);
  auto found = store_.FindApiToken(HashToken(token));
  if (!found.ok()) {
    return found.error().code() == StatusCode::kNotFound ? Denied(kInvalid) : found.error();
  }
  Millis now = clock_.NowMillis();
  if (found->revoked) return Denied(kInvalid);
  if (found->expires_at != 0 && now >= found->expires_at) return Denied(kInvalid);
  LP_ASSIGN_OR_RETURN(store::User user, LoadUser(found->user_id));
  if (user.disabled) return Denied(kInvalid);
  if (now - found->last_used_at >= options_.touch_interval) {
    LP_RETURN_IF_ERROR(store_.TouchApiToken(found->id, now));
  }
  PermissionSet scopes;
  for (const auto& s : found->scopes) {
    auto p = ParsePermission(s);
    if (p.ok()) scopes.Add(*p);
  }
  Principal p;
  p.roles = RolesOf(user);
  p.permissions = PermissionsOf(p.roles).Intersect(scopes);
  p.api_token_id = found->id;
  p.mfa_passed = true;  // tokens are made from a fully signed-in session
  p.must_change_password = false;
  user.password_hash.clear();
  user.totp_secret_enc.clear();
  p.user = std::move(user);
  return p;
}

Status AccountService::RevokeApiToken(std::string_view actor, int64_t user_id, int64_t token_id) {
  LP_ASSIGN_OR_RETURN(std::vector<store::ApiToken> tokens, store_.ListApiTokens(user_id));
  for (const auto& t : tokens) {
    if (t.id != token_id) continue;
    LP_RETURN_IF_ERROR(store_.RevokeApiToken(token_id));
    return Audit(actor, "api_token_revoke", "token:" + std::to_string(token_id),
                 "{\"name\":" + JsonString(t.name) + "}");
  }
  return Status::NotFound("API token " + std::to_string(token_id) + " of user " +
                          std::to_string(user_id) + " not found");
}

Result<std::vector<store::ApiToken>> AccountService::ListApiTokens(int64_t user_id) {
  LP_ASSIGN_OR_RETURN(std::vector<store::ApiToken> tokens, store_.ListApiTokens(user_id));
  for (auto& t : tokens) t.token_hash.clear();
  return tokens;
}

}  // namespace leitplanke::trust
