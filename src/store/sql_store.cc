// Every Store method is one transaction over one pooled connection. The SQL
// is shared by both dialects (see sql/connection.h for the conventions);
// where the back ends differ in locking, LockForWrite() hides it.
#include "store/sql_store.h"

#include <filesystem>
#include <map>
#include <set>
#include <utility>

#include "store/sql/sqlite/sqlite_connection.h"
#include "store/sql_util.h"

namespace leitplanke::store {
namespace {

using sql::Blob;
using sql::Bool;
using sql::Int;
using sql::Row;
using sql::Text;
using sql::Value;

// Advisory lock keys (PostgreSQL), ASCII tags: "LPFU", "LPAU", "LPPV".
constexpr int64_t kFirstUserLock = 0x4c504655;
constexpr int64_t kAuditLock = 0x4c504155;
constexpr int64_t kPolicyLock = 0x4c505056;

using sql_util::NowMillis;

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

constexpr const char* kUserCols =
    "id, username, display_name, email, password_hash, locale, disabled, must_change_password, "
    "totp_secret_enc, totp_enabled, totp_last_step, created_at, updated_at";

User UserFromRow(const Row& r) {
  User u;
  u.id = r.Int(0);
  u.username = r.Text(1);
  u.display_name = r.Text(2);
  u.email = r.Text(3);
  u.password_hash = r.Text(4);
  u.locale = r.Text(5);
  u.disabled = r.Bool(6);
  u.must_change_password = r.Bool(7);
  u.totp_secret_enc = r.Text(8);
  u.totp_enabled = r.Bool(9);
  u.totp_last_step = r.Int(10);
  u.created_at = r.Int(11);
  u.updated_at = r.Int(12);
  return u;
}

constexpr const char* kSessionCols =
    "id_hash, user_id, csrf_token, mfa_passed, address, user_agent, created_at, last_seen_at, "
    "expires_at, revoked";

Session SessionFromRow(const Row& r) {
  Session s;
  s.id_hash = r.Text(0);
  s.user_id = r.Int(1);
  s.csrf_token = r.Text(2);
  s.mfa_passed = r.Bool(3);
  s.address = r.Text(4);
  s.user_agent = r.Text(5);
  s.created_at = r.Int(6);
  s.last_seen_at = r.Int(7);
  s.expires_at = r.Int(8);
  s.revoked = r.Bool(9);
  return s;
}

constexpr const char* kTokenCols =
    "id, user_id, name, token_hash, prefix, scopes, created_at, expires_at, last_used_at, revoked";

// Scopes are stored space-separated; they are identifiers like
// "policy:read" and must not contain whitespace.
std::vector<std::string> SplitScopes(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(' ', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

Result<std::string> JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& scope : scopes) {
    if (scope.empty() || scope.find_first_of(" \t\r\n") != std::string::npos) {
      return Status::InvalidArgument("API token scope '" + scope +
                                     "' is empty or contains whitespace");
    }
    if (!out.empty()) out += ' ';
    out += scope;
  }
  return out;
}

ApiToken TokenFromRow(const Row& r) {
  ApiToken t;
  t.id = r.Int(0);
  t.user_id = r.Int(1);
  t.name = r.Text(2);
  t.token_hash = r.Text(3);
  t.prefix = r.Text(4);
  t.scopes = SplitScopes(r.Text(5));
  t.created_at = r.Int(6);
  t.expires_at = r.Int(7);
  t.last_used_at = r.Int(8);
  t.revoked = r.Bool(9);
  return t;
}

constexpr const char* kSecretCols = "name, key_id, nonce, ciphertext, created_at, updated_at";

VaultSecret SecretFromRow(const Row& r) {
  VaultSecret s;
  s.name = r.Text(0);
  s.key_id = r.Text(1);
  s.nonce = r.Text(2);
  s.ciphertext = r.Text(3);
  s.created_at = r.Int(4);
  s.updated_at = r.Int(5);
  return s;
}

constexpr const char* kAuditCols =
    "seq, at, actor, action, target, detail, address, prev_hash, hash, content_hash, purged_at";

AuditEntry AuditFromRow(const Row& r) {
  AuditEntry e;
  e.seq = r.Int(0);
  e.at = r.Int(1);
  e.actor = r.Text(2);
  e.action = r.Text(3);
  e.target = r.Text(4);
  e.detail = r.Text(5);
  e.address = r.Text(6);
  e.prev_hash = r.Text(7);
  e.hash = r.Text(8);
  e.content_hash = r.Text(9);
  e.purged_at = r.Int(10);
  return e;
}

constexpr const char* kPolicyCols =
    "id, name, version, files, sha256, comment, created_by, created_at, active";

PolicyVersion PolicyFromRow(const Row& r) {
  PolicyVersion p;
  p.id = r.Int(0);
  p.name = r.Text(1);
  p.version = static_cast<int32_t>(r.Int(2));
  p.files = r.Text(3);
  p.sha256 = r.Text(4);
  p.comment = r.Text(5);
  p.created_by = r.Text(6);
  p.created_at = r.Int(7);
  p.active = r.Bool(8);
  return p;
}

std::string Q(std::string_view a, std::string_view b = "", std::string_view c = "") {
  std::string s(a);
  s += b;
  s += c;
  return s;
}

Status ExpectOneRow(const sql::ResultSet& rs, std::string what) {
  if (rs.affected == 0) return Status::NotFound(std::move(what));
  return Status::Ok();
}

Status LoadRoles(sql::Connection& conn, User& user) {
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet rs,
      conn.Query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY ord", {Int(user.id)}));
  user.roles.clear();
  for (const Row& r : rs.rows) user.roles.push_back(r.Text(0));
  return Status::Ok();
}

Status WriteRoles(sql::Connection& conn, const User& user) {
  LP_RETURN_IF_ERROR(conn.Query("DELETE FROM user_roles WHERE user_id = $1", {Int(user.id)}));
  std::set<std::string> seen;
  int64_t ord = 0;
  for (const std::string& role : user.roles) {
    if (role.empty()) return Status::InvalidArgument("user role must not be empty");
    if (!seen.insert(role).second) continue;  // duplicates collapse
    LP_RETURN_IF_ERROR(conn.Query("INSERT INTO user_roles (user_id, ord, role) VALUES ($1, $2, $3)",
                                  {Int(user.id), Int(ord++), Text(role)}));
  }
  return Status::Ok();
}

Result<User> InsertUser(sql::Connection& conn, User user) {
  user.username = AsciiLower(user.username);
  if (user.username.empty()) return Status::InvalidArgument("username must not be empty");
  if (user.created_at == 0) user.created_at = NowMillis();
  if (user.updated_at == 0) user.updated_at = user.created_at;
  Result<sql::ResultSet> rs = conn.Query(
      "INSERT INTO users (username, display_name, email, password_hash, locale, disabled, "
      "must_change_password, totp_secret_enc, totp_enabled, totp_last_step, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
      {Text(user.username), Text(user.display_name), Text(user.email), Text(user.password_hash),
       Text(user.locale), Bool(user.disabled), Bool(user.must_change_password),
       Blob(user.totp_secret_enc), Bool(user.totp_enabled), Int(user.totp_last_step),
       Int(user.created_at), Int(user.updated_at)});
  if (!rs.ok()) {
    if (rs.error().code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists("username '" + user.username + "' is taken");
    }
    return rs.error();
  }
  user.id = rs->rows.at(0).Int(0);
  LP_RETURN_IF_ERROR(WriteRoles(conn, user));
  return user;
}

Result<User> SelectUser(sql::Connection& conn, std::string_view where, const Value& key,
                        const std::string& what) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                      conn.Query(Q("SELECT ", kUserCols, Q(" FROM users WHERE ", where)), {key}));
  if (rs.rows.empty()) return Status::NotFound(what);
  User user = UserFromRow(rs.rows[0]);
  LP_RETURN_IF_ERROR(LoadRoles(conn, user));
  return user;
}

}  // namespace

std::string_view SqlStore::backend() const {
  return dialect_ == sql::Dialect::kSqlite ? "sqlite" : "postgres";
}

Status SqlStore::Tx(bool write, const std::function<Status(sql::Connection&)>& fn) {
  LP_ASSIGN_OR_RETURN(sql::Pool::Lease conn, pool_->Acquire());
  Status begun = conn->Begin(write);
  if (!begun.ok() && conn->broken()) {
    // An idle pooled connection may have died (server restart, idle
    // timeout); nothing has happened yet, so one fresh connection is tried.
    { sql::Pool::Lease dead = std::move(conn); }
    pool_->DropIdle();
    LP_ASSIGN_OR_RETURN(sql::Pool::Lease fresh, pool_->Acquire());
    return TxOn(*fresh, write, fn);
  }
  LP_RETURN_IF_ERROR(begun);
  return Finish(*conn, fn);
}

Status SqlStore::TxOn(sql::Connection& conn, bool write,
                      const std::function<Status(sql::Connection&)>& fn) {
  LP_RETURN_IF_ERROR(conn.Begin(write));
  return Finish(conn, fn);
}

Status SqlStore::Finish(sql::Connection& conn, const std::function<Status(sql::Connection&)>& fn) {
  Status s = fn(conn);
  if (!s.ok()) {
    conn.Rollback();
    return s;
  }
  s = conn.Commit();
  if (!s.ok()) conn.Rollback();
  return s;
}

Status SqlStore::LockForWrite(sql::Connection& conn, int64_t key) {
  if (dialect_ != sql::Dialect::kPostgres) return Status::Ok();
  return conn.Query("SELECT pg_advisory_xact_lock($1)", {Int(key)}).status();
}

PoolStats SqlStore::pool_stats() {
  sql::Pool::Stats s = pool_->stats();
  return {s.open, s.idle, s.waiting, s.max};
}

Status SqlStore::Ping() {
  return Tx(false, [](sql::Connection& conn) { return conn.Query("SELECT 1", {}).status(); });
}

// --- users -------------------------------------------------------------------

Result<User> SqlStore::CreateUser(User user) {
  return TxValue<User>(true, [&](sql::Connection& conn) { return InsertUser(conn, user); });
}

Result<User> SqlStore::CreateFirstUser(User user) {
  return TxValue<User>(true, [&](sql::Connection& conn) -> Result<User> {
    LP_RETURN_IF_ERROR(LockForWrite(conn, kFirstUserLock));
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query("SELECT COUNT(*) FROM users", {}));
    if (rs.rows.at(0).Int(0) > 0) {
      return Status::FailedPrecondition("the first user exists already");
    }
    return InsertUser(conn, user);
  });
}

Result<User> SqlStore::GetUser(int64_t id) {
  return TxValue<User>(false, [&](sql::Connection& conn) {
    return SelectUser(conn, "id = $1", Int(id), "no user with id " + std::to_string(id));
  });
}

Result<User> SqlStore::FindUser(std::string_view username) {
  std::string name = AsciiLower(username);
  return TxValue<User>(false, [&](sql::Connection& conn) {
    return SelectUser(conn, "username = $1", Text(name), "no user named '" + name + "'");
  });
}

Result<std::vector<User>> SqlStore::ListUsers() {
  return TxValue<std::vector<User>>(false, [&](sql::Connection& conn) -> Result<std::vector<User>> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query(Q("SELECT ", kUserCols, " FROM users ORDER BY id"), {}));
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet roles,
        conn.Query("SELECT user_id, role FROM user_roles ORDER BY user_id, ord", {}));
    std::map<int64_t, std::vector<std::string>> by_user;
    for (const Row& r : roles.rows) by_user[r.Int(0)].push_back(r.Text(1));
    std::vector<User> out;
    out.reserve(rs.rows.size());
    for (const Row& r : rs.rows) {
      out.push_back(UserFromRow(r));
      out.back().roles = std::move(by_user[out.back().id]);
    }
    return out;
  });
}

Status SqlStore::UpdateUser(const User& in) {
  User user = in;
  user.username = AsciiLower(user.username);
  if (user.username.empty()) return Status::InvalidArgument("username must not be empty");
  if (user.updated_at == 0) user.updated_at = NowMillis();
  return Tx(true, [&](sql::Connection& conn) -> Status {
    Result<sql::ResultSet> rs = conn.Query(
        "UPDATE users SET username = $2, display_name = $3, email = $4, password_hash = $5, "
        "locale = $6, disabled = $7, must_change_password = $8, totp_secret_enc = $9, "
        "totp_enabled = $10, totp_last_step = $11, updated_at = $12 WHERE id = $1",
        {Int(user.id), Text(user.username), Text(user.display_name), Text(user.email),
         Text(user.password_hash), Text(user.locale), Bool(user.disabled),
         Bool(user.must_change_password), Blob(user.totp_secret_enc), Bool(user.totp_enabled),
         Int(user.totp_last_step), Int(user.updated_at)});
    if (!rs.ok()) {
      if (rs.error().code() == StatusCode::kAlreadyExists) {
        return Status::AlreadyExists("username '" + user.username + "' is taken");
      }
      return rs.error();
    }
    LP_RETURN_IF_ERROR(ExpectOneRow(*rs, "no user with id " + std::to_string(user.id)));
    return WriteRoles(conn, user);
  });
}

Result<int64_t> SqlStore::CountUsers() {
  return TxValue<int64_t>(false, [](sql::Connection& conn) -> Result<int64_t> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query("SELECT COUNT(*) FROM users", {}));
    return rs.rows.at(0).Int(0);
  });
}

Status SqlStore::ReplaceRecoveryCodes(int64_t user_id, const std::vector<std::string>& hashes) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_RETURN_IF_ERROR(conn.Query("DELETE FROM recovery_codes WHERE user_id = $1", {Int(user_id)}));
    for (const std::string& h : hashes) {
      Status s = conn.Query(
                         "INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES "
                         "($1, $2, 0)",
                         {Int(user_id), Blob(h)})
                     .status();
      if (s.code() == StatusCode::kNotFound) {
        return Status::NotFound("no user with id " + std::to_string(user_id));
      }
      LP_RETURN_IF_ERROR(s);
    }
    return Status::Ok();
  });
}

Result<bool> SqlStore::ConsumeRecoveryCode(int64_t user_id, std::string_view hash, Millis now) {
  if (now == 0) now = NowMillis();
  return TxValue<bool>(true, [&](sql::Connection& conn) -> Result<bool> {
    // The outer "used_at = 0" is re-checked by PostgreSQL after waiting on a
    // concurrent update of the same row, so a code is consumed only once.
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE recovery_codes SET used_at = $3 WHERE used_at = 0 AND id = (SELECT id "
                   "FROM recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at = 0 "
                   "ORDER BY id LIMIT 1)",
                   {Int(user_id), Blob(hash), Int(now)}));
    return rs.affected > 0;
  });
}

Result<int> SqlStore::CountUnusedRecoveryCodes(int64_t user_id) {
  return TxValue<int>(false, [&](sql::Connection& conn) -> Result<int> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at = 0",
                   {Int(user_id)}));
    return static_cast<int>(rs.rows.at(0).Int(0));
  });
}

// --- teams -------------------------------------------------------------------

Result<Team> SqlStore::CreateTeam(Team team) {
  if (team.name.empty()) return Status::InvalidArgument("team name must not be empty");
  if (team.created_at == 0) team.created_at = NowMillis();
  return TxValue<Team>(true, [&](sql::Connection& conn) -> Result<Team> {
    Result<sql::ResultSet> rs =
        conn.Query("INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id",
                   {Text(team.name), Int(team.created_at)});
    if (!rs.ok() && rs.error().code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists("team '" + team.name + "' exists already");
    }
    if (!rs.ok()) return rs.error();
    team.id = rs->rows.at(0).Int(0);
    return team;
  });
}

Result<std::vector<Team>> SqlStore::ListTeams() {
  return TxValue<std::vector<Team>>(false, [](sql::Connection& conn) -> Result<std::vector<Team>> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("SELECT id, name, created_at FROM teams ORDER BY id", {}));
    std::vector<Team> out;
    for (const Row& r : rs.rows) out.push_back(Team{r.Int(0), r.Text(1), r.Int(2)});
    return out;
  });
}

Status SqlStore::DeleteTeam(int64_t team_id) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("DELETE FROM teams WHERE id = $1", {Int(team_id)}));
    return ExpectOneRow(rs, "no team with id " + std::to_string(team_id));
  });
}

Result<Team> SqlStore::RenameTeam(int64_t team_id, const std::string& name) {
  if (name.empty()) return Status::InvalidArgument("team name must not be empty");
  return TxValue<Team>(true, [&](sql::Connection& conn) -> Result<Team> {
    Result<sql::ResultSet> rs =
        conn.Query("UPDATE teams SET name = $1 WHERE id = $2 RETURNING id, name, created_at",
                   {Text(name), Int(team_id)});
    if (!rs.ok() && rs.error().code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists("team '" + name + "' exists already");
    }
    if (!rs.ok()) return rs.error();
    if (rs->rows.empty()) return Status::NotFound("no team with id " + std::to_string(team_id));
    const Row& r = rs->rows.front();
    return Team{r.Int(0), r.Text(1), r.Int(2)};
  });
}

Status SqlStore::SetTeamMember(const TeamMember& m) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    Status s = conn.Query(
                       "INSERT INTO team_members (team_id, user_id, lead) VALUES ($1, $2, $3) "
                       "ON CONFLICT (team_id, user_id) DO UPDATE SET lead = excluded.lead",
                       {Int(m.team_id), Int(m.user_id), Bool(m.lead)})
                   .status();
    if (s.code() == StatusCode::kNotFound) {
      return Status::NotFound("no team " + std::to_string(m.team_id) + " or no user " +
                              std::to_string(m.user_id));
    }
    return s;
  });
}

Status SqlStore::RemoveTeamMember(int64_t team_id, int64_t user_id) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2",
                                   {Int(team_id), Int(user_id)}));
    return ExpectOneRow(rs, "user " + std::to_string(user_id) + " is not a member of team " +
                                std::to_string(team_id));
  });
}

Result<std::vector<TeamMember>> SqlStore::ListTeamMembers(int64_t team_id) {
  return TxValue<std::vector<TeamMember>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<TeamMember>> {
        LP_ASSIGN_OR_RETURN(sql::ResultSet team,
                            conn.Query("SELECT id FROM teams WHERE id = $1", {Int(team_id)}));
        if (team.rows.empty())
          return Status::NotFound("no team with id " + std::to_string(team_id));
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query("SELECT team_id, user_id, lead FROM team_members WHERE "
                                       "team_id = $1 ORDER BY user_id",
                                       {Int(team_id)}));
        std::vector<TeamMember> out;
        for (const Row& r : rs.rows) out.push_back(TeamMember{r.Int(0), r.Int(1), r.Bool(2)});
        return out;
      });
}

// --- sessions ----------------------------------------------------------------

Status SqlStore::CreateSession(const Session& s) {
  if (s.id_hash.empty()) return Status::InvalidArgument("session id hash must not be empty");
  return Tx(true, [&](sql::Connection& conn) -> Status {
    Status st = conn.Query(Q("INSERT INTO sessions (", kSessionCols,
                             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
                           {Blob(s.id_hash), Int(s.user_id), Text(s.csrf_token), Bool(s.mfa_passed),
                            Text(s.address), Text(s.user_agent), Int(s.created_at),
                            Int(s.last_seen_at), Int(s.expires_at), Bool(s.revoked)})
                    .status();
    if (st.code() == StatusCode::kAlreadyExists) return Status::AlreadyExists("session exists");
    if (st.code() == StatusCode::kNotFound) {
      return Status::NotFound("no user with id " + std::to_string(s.user_id));
    }
    return st;
  });
}

Result<Session> SqlStore::GetSession(std::string_view id_hash) {
  return TxValue<Session>(false, [&](sql::Connection& conn) -> Result<Session> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query(Q("SELECT ", kSessionCols, " FROM sessions WHERE id_hash = $1"),
                                   {Blob(id_hash)}));
    if (rs.rows.empty()) return Status::NotFound("no such session");
    return SessionFromRow(rs.rows[0]);
  });
}

Status SqlStore::TouchSession(std::string_view id_hash, Millis now) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1",
                                   {Blob(id_hash), Int(now)}));
    return ExpectOneRow(rs, "no such session");
  });
}

Status SqlStore::UpdateSession(const Session& s) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE sessions SET user_id = $2, csrf_token = $3, mfa_passed = $4, address = "
                   "$5, user_agent = $6, last_seen_at = $7, expires_at = $8, revoked = $9 WHERE "
                   "id_hash = $1",
                   {Blob(s.id_hash), Int(s.user_id), Text(s.csrf_token), Bool(s.mfa_passed),
                    Text(s.address), Text(s.user_agent), Int(s.last_seen_at), Int(s.expires_at),
                    Bool(s.revoked)}));
    return ExpectOneRow(rs, "no such session");
  });
}

Status SqlStore::RevokeSession(std::string_view id_hash) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE sessions SET revoked = 1 WHERE id_hash = $1", {Blob(id_hash)}));
    return ExpectOneRow(rs, "no such session");
  });
}

Status SqlStore::RevokeUserSessions(int64_t user_id) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    return conn.Query("UPDATE sessions SET revoked = 1 WHERE user_id = $1", {Int(user_id)})
        .status();
  });
}

Result<int64_t> SqlStore::DeleteExpiredSessions(Millis now) {
  return TxValue<int64_t>(true, [&](sql::Connection& conn) -> Result<int64_t> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("DELETE FROM sessions WHERE expires_at <= $1 OR revoked = 1", {Int(now)}));
    return rs.affected;
  });
}

// --- API tokens --------------------------------------------------------------

Result<ApiToken> SqlStore::CreateApiToken(ApiToken t) {
  if (t.token_hash.empty()) return Status::InvalidArgument("token hash must not be empty");
  LP_ASSIGN_OR_RETURN(std::string scopes, JoinScopes(t.scopes));
  if (t.created_at == 0) t.created_at = NowMillis();
  return TxValue<ApiToken>(true, [&](sql::Connection& conn) -> Result<ApiToken> {
    Result<sql::ResultSet> rs = conn.Query(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, created_at, "
        "expires_at, last_used_at, revoked) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
        "RETURNING id",
        {Int(t.user_id), Text(t.name), Blob(t.token_hash), Text(t.prefix), Text(scopes),
         Int(t.created_at), Int(t.expires_at), Int(t.last_used_at), Bool(t.revoked)});
    if (!rs.ok()) {
      if (rs.error().code() == StatusCode::kAlreadyExists) {
        return Status::AlreadyExists("an API token with this hash exists");
      }
      if (rs.error().code() == StatusCode::kNotFound) {
        return Status::NotFound("no user with id " + std::to_string(t.user_id));
      }
      return rs.error();
    }
    t.id = rs->rows.at(0).Int(0);
    return t;
  });
}

Result<ApiToken> SqlStore::FindApiToken(std::string_view token_hash) {
  return TxValue<ApiToken>(false, [&](sql::Connection& conn) -> Result<ApiToken> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(Q("SELECT ", kTokenCols,
                                                        " FROM api_tokens WHERE token_hash = $1"),
                                                      {Blob(token_hash)}));
    if (rs.rows.empty()) return Status::NotFound("no such API token");
    return TokenFromRow(rs.rows[0]);
  });
}

Result<std::vector<ApiToken>> SqlStore::ListApiTokens(int64_t user_id) {
  return TxValue<std::vector<ApiToken>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ApiToken>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(Q("SELECT ", kTokenCols, " FROM api_tokens WHERE user_id = $1 ORDER BY id"),
                       {Int(user_id)}));
        std::vector<ApiToken> out;
        for (const Row& r : rs.rows) out.push_back(TokenFromRow(r));
        return out;
      });
}

Status SqlStore::RevokeApiToken(int64_t token_id) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE api_tokens SET revoked = 1 WHERE id = $1", {Int(token_id)}));
    return ExpectOneRow(rs, "no API token with id " + std::to_string(token_id));
  });
}

Status SqlStore::TouchApiToken(int64_t token_id, Millis now) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1",
                                   {Int(token_id), Int(now)}));
    return ExpectOneRow(rs, "no API token with id " + std::to_string(token_id));
  });
}

// --- throttle ----------------------------------------------------------------

Result<Throttle> SqlStore::GetThrottle(std::string_view key) {
  return TxValue<Throttle>(false, [&](sql::Connection& conn) -> Result<Throttle> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("SELECT key, failures, last_failure_at, locked_until FROM "
                                   "throttle WHERE key = $1",
                                   {Text(key)}));
    Throttle t;
    t.key = std::string(key);
    if (!rs.rows.empty()) {
      t.failures = static_cast<int32_t>(rs.rows[0].Int(1));
      t.last_failure_at = rs.rows[0].Int(2);
      t.locked_until = rs.rows[0].Int(3);
    }
    return t;
  });
}

Status SqlStore::PutThrottle(const Throttle& t) {
  if (t.key.empty()) return Status::InvalidArgument("throttle key must not be empty");
  return Tx(true, [&](sql::Connection& conn) -> Status {
    return conn
        .Query(
            "INSERT INTO throttle (key, failures, last_failure_at, locked_until) VALUES ($1, "
            "$2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
            "last_failure_at = excluded.last_failure_at, locked_until = excluded.locked_until",
            {Text(t.key), Int(t.failures), Int(t.last_failure_at), Int(t.locked_until)})
        .status();
  });
}

Status SqlStore::ClearThrottle(std::string_view key) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    return conn.Query("DELETE FROM throttle WHERE key = $1", {Text(key)}).status();
  });
}

// --- vault -------------------------------------------------------------------

namespace {

Status UpsertSecret(sql::Connection& conn, VaultSecret s, Millis now) {
  if (s.name.empty()) return Status::InvalidArgument("secret name must not be empty");
  if (s.created_at == 0) s.created_at = now;
  if (s.updated_at == 0) s.updated_at = now;
  // created_at of an existing secret is kept: "replace" changes the value.
  return conn
      .Query(Q("INSERT INTO vault_secrets (", kSecretCols,
               ") VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET key_id = "
               "excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext, "
               "updated_at = excluded.updated_at"),
             {Text(s.name), Text(s.key_id), Blob(s.nonce), Blob(s.ciphertext), Int(s.created_at),
              Int(s.updated_at)})
      .status();
}

}  // namespace

Status SqlStore::PutSecret(const VaultSecret& secret) {
  const Millis now = NowMillis();
  return Tx(true, [&](sql::Connection& conn) { return UpsertSecret(conn, secret, now); });
}

Result<VaultSecret> SqlStore::GetSecret(std::string_view name) {
  return TxValue<VaultSecret>(false, [&](sql::Connection& conn) -> Result<VaultSecret> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query(Q("SELECT ", kSecretCols, " FROM vault_secrets WHERE name = $1"), {Text(name)}));
    if (rs.rows.empty()) return Status::NotFound("no secret named '" + std::string(name) + "'");
    return SecretFromRow(rs.rows[0]);
  });
}

Result<std::vector<VaultSecret>> SqlStore::ListSecrets() {
  return TxValue<std::vector<VaultSecret>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<VaultSecret>> {
        // COLLATE "C" on PostgreSQL gives the same byte order as SQLite.
        std::string order =
            dialect_ == sql::Dialect::kPostgres ? " ORDER BY name COLLATE \"C\"" : " ORDER BY name";
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(Q("SELECT ", kSecretCols, Q(" FROM vault_secrets", order)), {}));
        std::vector<VaultSecret> out;
        for (const Row& r : rs.rows) out.push_back(SecretFromRow(r));
        return out;
      });
}

Status SqlStore::DeleteSecret(std::string_view name) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("DELETE FROM vault_secrets WHERE name = $1", {Text(name)}));
    return ExpectOneRow(rs, "no secret named '" + std::string(name) + "'");
  });
}

Status SqlStore::ReplaceAllSecrets(const std::vector<VaultSecret>& secrets) {
  const Millis now = NowMillis();
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_RETURN_IF_ERROR(conn.Query("DELETE FROM vault_secrets", {}));
    for (const VaultSecret& s : secrets) LP_RETURN_IF_ERROR(UpsertSecret(conn, s, now));
    return Status::Ok();
  });
}

// --- audit -------------------------------------------------------------------

Result<AuditEntry> SqlStore::AppendAudit(AuditEntry entry, const AuditHasher& hasher) {
  std::vector<AuditEntry> one;
  one.push_back(std::move(entry));
  LP_ASSIGN_OR_RETURN(std::vector<AuditEntry> appended, AppendAuditBatch(std::move(one), hasher));
  return std::move(appended.front());
}

Result<std::vector<AuditEntry>> SqlStore::AppendAuditBatch(std::vector<AuditEntry> entries,
                                                           const AuditHasher& hasher) {
  if (!hasher) return Status::InvalidArgument("AppendAudit needs a hasher");
  if (entries.empty()) return entries;
  const Millis now = NowMillis();
  for (AuditEntry& e : entries) {
    if (e.at == 0) e.at = now;
  }
  return TxValue<std::vector<AuditEntry>>(
      true, [&](sql::Connection& conn) -> Result<std::vector<AuditEntry>> {
        LP_RETURN_IF_ERROR(LockForWrite(conn, kAuditLock));
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet last,
            conn.Query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", {}));
        int64_t seq = last.rows.empty() ? 0 : last.rows[0].Int(0);
        std::string prev = last.rows.empty() ? std::string() : last.rows[0].Text(1);
        // The transaction may be retried: work on a copy each time.
        std::vector<AuditEntry> out = entries;
        for (AuditEntry& entry : out) {
          entry.seq = ++seq;
          entry.prev_hash = prev;
          entry.hash = hasher(entry);
          prev = entry.hash;
          LP_RETURN_IF_ERROR(
              conn.Query(Q("INSERT INTO audit_log (", kAuditCols,
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0)"),
                         {Int(entry.seq), Int(entry.at), Text(entry.actor), Text(entry.action),
                          Text(entry.target), Text(entry.detail), Text(entry.address),
                          Blob(entry.prev_hash), Blob(entry.hash), Blob(entry.content_hash)}));
        }
        return out;
      });
}

Result<std::vector<AuditEntry>> SqlStore::ListAudit(int64_t from_seq, int64_t limit) {
  if (limit < 0) return Status::InvalidArgument("audit list limit must not be negative");
  return TxValue<std::vector<AuditEntry>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<AuditEntry>> {
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query(Q("SELECT ", kAuditCols,
                                         " FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"),
                                       {Int(from_seq), Int(limit)}));
        std::vector<AuditEntry> out;
        for (const Row& r : rs.rows) out.push_back(AuditFromRow(r));
        return out;
      });
}

Result<int64_t> SqlStore::PurgeAudit(Millis before, Millis now) {
  return TxValue<int64_t>(true, [&](sql::Connection& conn) -> Result<int64_t> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE audit_log SET actor = '', target = '', detail = '{}', address = '', "
                   "purged_at = $2 WHERE at < $1 AND purged_at = 0 RETURNING seq",
                   {Int(before), Int(now)}));
    return static_cast<int64_t>(rs.rows.size());
  });
}

// --- policy packs ------------------------------------------------------------

namespace {

Status ActivateIn(sql::Connection& conn, int64_t id) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                      conn.Query("SELECT name FROM policy_versions WHERE id = $1", {Int(id)}));
  if (rs.rows.empty()) return Status::NotFound("no policy version with id " + std::to_string(id));
  return conn
      .Query(
          "UPDATE policy_versions SET active = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE "
          "name = $2",
          {Int(id), Text(rs.rows[0].Text(0))})
      .status();
}

}  // namespace

Result<PolicyVersion> SqlStore::AddPolicyVersion(PolicyVersion v) {
  if (v.name.empty()) return Status::InvalidArgument("policy pack name must not be empty");
  if (v.created_at == 0) v.created_at = NowMillis();
  return TxValue<PolicyVersion>(true, [&](sql::Connection& conn) -> Result<PolicyVersion> {
    LP_RETURN_IF_ERROR(LockForWrite(conn, kPolicyLock));
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet last,
        conn.Query("SELECT COALESCE(MAX(version), 0) FROM policy_versions WHERE name = $1",
                   {Text(v.name)}));
    v.version = static_cast<int32_t>(last.rows.at(0).Int(0) + 1);
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("INSERT INTO policy_versions (name, version, files, sha256, comment, "
                   "created_by, created_at, active) VALUES ($1, $2, $3, $4, $5, $6, $7, 0) "
                   "RETURNING id",
                   {Text(v.name), Int(v.version), Blob(v.files), Text(v.sha256), Text(v.comment),
                    Text(v.created_by), Int(v.created_at)}));
    v.id = rs.rows.at(0).Int(0);
    if (v.active) LP_RETURN_IF_ERROR(ActivateIn(conn, v.id));
    return v;
  });
}

Result<PolicyVersion> SqlStore::GetPolicyVersion(int64_t id) {
  return TxValue<PolicyVersion>(false, [&](sql::Connection& conn) -> Result<PolicyVersion> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query(Q("SELECT ", kPolicyCols, " FROM policy_versions WHERE id = $1"), {Int(id)}));
    if (rs.rows.empty()) return Status::NotFound("no policy version with id " + std::to_string(id));
    return PolicyFromRow(rs.rows[0]);
  });
}

Result<std::vector<PolicyVersion>> SqlStore::ListPolicyVersions(std::string_view name) {
  return TxValue<std::vector<PolicyVersion>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<PolicyVersion>> {
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query(Q("SELECT ", kPolicyCols,
                                         " FROM policy_versions WHERE name = $1 ORDER BY version"),
                                       {Text(name)}));
        std::vector<PolicyVersion> out;
        for (const Row& r : rs.rows) out.push_back(PolicyFromRow(r));
        return out;
      });
}

Status SqlStore::ActivatePolicyVersion(int64_t id) {
  return Tx(true, [&](sql::Connection& conn) -> Status {
    LP_RETURN_IF_ERROR(LockForWrite(conn, kPolicyLock));
    return ActivateIn(conn, id);
  });
}

Result<std::optional<PolicyVersion>> SqlStore::ActivePolicyVersion(std::string_view name) {
  return TxValue<std::optional<PolicyVersion>>(
      false, [&](sql::Connection& conn) -> Result<std::optional<PolicyVersion>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(
                Q("SELECT ", kPolicyCols,
                  " FROM policy_versions WHERE name = $1 AND active = 1 ORDER BY id LIMIT 1"),
                {Text(name)}));
        if (rs.rows.empty()) return std::optional<PolicyVersion>();
        return std::optional<PolicyVersion>(PolicyFromRow(rs.rows[0]));
      });
}

// --- backup ------------------------------------------------------------------

Status SqlStore::Backup(const std::string& path) {
  if (dialect_ != sql::Dialect::kSqlite) {
    return Status::Unimplemented(
        "Backup is only built in for SQLite; back up PostgreSQL with pg_dump (or use Dump)");
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::AlreadyExists("backup target " + path + " exists; refusing to overwrite it");
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  LP_ASSIGN_OR_RETURN(sql::Pool::Lease conn, pool_->Acquire());
  auto* sqlite = dynamic_cast<sql::SqliteConnection*>(&*conn);
  if (sqlite == nullptr) return Status::Internal("SQLite store without a SQLite connection");
  Status s = sqlite->BackupTo(path);
  if (!s.ok()) std::filesystem::remove(path, ec);
  return s;
}

}  // namespace leitplanke::store
