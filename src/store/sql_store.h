// SqlStore: the one implementation of store::Store, written against the
// small SQL layer in sql/ so that SQLite and PostgreSQL share every query.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "leitplanke/store/store.h"

#include "store/sql/connection.h"
#include "store/sql_desk_store.h"
#include "store/sql_publish_store.h"

namespace leitplanke::store {

class SqlStore final : public Store {
 public:
  // `pool` hands out connections of one dialect; migrations have run.
  // `sqlite_path` is the database file for the SQLite back end (Backup).
  SqlStore(std::unique_ptr<sql::Pool> pool, sql::Dialect dialect, int schema_version,
           std::string sqlite_path)
      : pool_(std::move(pool)),
        dialect_(dialect),
        schema_version_(schema_version),
        sqlite_path_(std::move(sqlite_path)),
        desk_(*this, dialect),
        publish_(*this, dialect) {}

  std::string_view backend() const override;
  int schema_version() const override { return schema_version_; }
  PoolStats pool_stats() override;
  Status Ping() override;
  DeskStore& desk() override { return desk_; }
  PublishStore& publish() override { return publish_; }

  Result<User> CreateUser(User user) override;
  Result<User> CreateFirstUser(User user) override;
  Result<User> GetUser(int64_t id) override;
  Result<User> FindUser(std::string_view username) override;
  Result<std::vector<User>> ListUsers() override;
  Status UpdateUser(const User& user) override;
  Result<int64_t> CountUsers() override;
  Status ReplaceRecoveryCodes(int64_t user_id, const std::vector<std::string>& hashes) override;
  Result<bool> ConsumeRecoveryCode(int64_t user_id, std::string_view hash, Millis now) override;
  Result<int> CountUnusedRecoveryCodes(int64_t user_id) override;

  Result<Team> CreateTeam(Team team) override;
  Result<std::vector<Team>> ListTeams() override;
  Status DeleteTeam(int64_t team_id) override;
  Result<Team> RenameTeam(int64_t team_id, const std::string& name) override;
  Status SetTeamMember(const TeamMember& member) override;
  Status RemoveTeamMember(int64_t team_id, int64_t user_id) override;
  Result<std::vector<TeamMember>> ListTeamMembers(int64_t team_id) override;

  Status CreateSession(const Session& session) override;
  Result<Session> GetSession(std::string_view id_hash) override;
  Status TouchSession(std::string_view id_hash, Millis now) override;
  Status UpdateSession(const Session& session) override;
  Status RevokeSession(std::string_view id_hash) override;
  Status RevokeUserSessions(int64_t user_id) override;
  Result<int64_t> DeleteExpiredSessions(Millis now) override;

  Result<ApiToken> CreateApiToken(ApiToken token) override;
  Result<ApiToken> FindApiToken(std::string_view token_hash) override;
  Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) override;
  Status RevokeApiToken(int64_t token_id) override;
  Status TouchApiToken(int64_t token_id, Millis now) override;

  Result<Throttle> GetThrottle(std::string_view key) override;
  Status PutThrottle(const Throttle& throttle) override;
  Status ClearThrottle(std::string_view key) override;

  Status PutSecret(const VaultSecret& secret) override;
  Result<VaultSecret> GetSecret(std::string_view name) override;
  Result<std::vector<VaultSecret>> ListSecrets() override;
  Status DeleteSecret(std::string_view name) override;
  Status ReplaceAllSecrets(const std::vector<VaultSecret>& secrets) override;

  Result<AuditEntry> AppendAudit(AuditEntry entry, const AuditHasher& hasher) override;
  Result<std::vector<AuditEntry>> AppendAuditBatch(std::vector<AuditEntry> entries,
                                                   const AuditHasher& hasher) override;
  Result<std::vector<AuditEntry>> ListAudit(int64_t from_seq, int64_t limit) override;
  Result<int64_t> PurgeAudit(Millis before, Millis now) override;

  Result<PolicyVersion> AddPolicyVersion(PolicyVersion version) override;
  Result<PolicyVersion> GetPolicyVersion(int64_t id) override;
  Result<std::vector<PolicyVersion>> ListPolicyVersions(std::string_view name) override;
  Status ActivatePolicyVersion(int64_t id) override;
  Result<std::optional<PolicyVersion>> ActivePolicyVersion(std::string_view name) override;

  Status Backup(const std::string& path) override;
  Status Dump(const std::function<Status(std::string_view line)>& sink) override;
  Status Load(const std::function<bool(std::string& line)>& next_line) override;

 private:
  friend class SqlDeskStore;  // shares the pool and the transaction helpers
  friend class SqlPublishStore;

  // Runs `fn` in one transaction on a pooled connection: commit if it
  // returns OK, roll back otherwise.
  Status Tx(bool write, const std::function<Status(sql::Connection&)>& fn);
  Status TxOn(sql::Connection& conn, bool write, const std::function<Status(sql::Connection&)>& fn);
  // Runs `fn` inside an open transaction, then commits or rolls back.
  static Status Finish(sql::Connection& conn, const std::function<Status(sql::Connection&)>& fn);

  template <class T, class F>
  Result<T> TxValue(bool write, F&& fn) {
    std::optional<T> out;
    Status s = Tx(write, [&](sql::Connection& conn) -> Status {
      Result<T> r = fn(conn);
      if (!r.ok()) return r.error();
      out = std::move(*r);
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return std::move(*out);
  }

  // On PostgreSQL, takes a transaction-scoped advisory lock (released at
  // commit/rollback); on SQLite, BEGIN IMMEDIATE already serialises writers.
  Status LockForWrite(sql::Connection& conn, int64_t key);

  std::unique_ptr<sql::Pool> pool_;
  const sql::Dialect dialect_;
  const int schema_version_;
  const std::string sqlite_path_;
  SqlDeskStore desk_;
  SqlPublishStore publish_;
};

}  // namespace leitplanke::store
