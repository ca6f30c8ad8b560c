// Store: the one way the pillars reach persistent state.
//
// Every method is one transaction: it either happens completely or not at
// all. Implementations are thread-safe; callers may share one Store among
// threads. Methods block (they do I/O) and must not run on HTTP I/O threads.
//
// Two back ends implement it: SQLite (WAL, one file, the embedded default) and
// PostgreSQL (several instances behind a load balancer). Open one with
// OpenStore(); both pass the same contract suite (tests/unit/store/).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "leitplanke/store/desk_store.h"
#include "leitplanke/store/model.h"
#include "leitplanke/store/publish_store.h"

namespace leitplanke::store {

// Computes the chain hash of an audit entry whose seq and prev_hash are set.
using AuditHasher = std::function<std::string(const AuditEntry&)>;

// Connections of a store's pool, for the metrics endpoint.
struct PoolStats {
  size_t open = 0;  // idle + in use
  size_t idle = 0;
  size_t waiting = 0;  // callers waiting for a connection
  size_t max = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string_view backend() const = 0;
  // Schema version after migrations.
  virtual int schema_version() const = 0;
  // A cheap round trip to the database, for /readyz.
  virtual Status Ping() = 0;
  virtual PoolStats pool_stats() = 0;

  // The desk's tables (the shared inbox), over the same database and pool.
  // Lives as long as the Store.
  virtual DeskStore& desk() = 0;
  // The publish pillar's tables (posts, their send queue, shares), likewise.
  virtual PublishStore& publish() = 0;

  // --- users -------------------------------------------------------------
  // Sets user.id, created_at (if 0) and returns the stored user.
  // AlreadyExists if the username is taken.
  virtual Result<User> CreateUser(User user) = 0;
  // Creates `user` only if no user exists at all (first run). Returns
  // FailedPrecondition if there is already a user. Atomic across instances.
  virtual Result<User> CreateFirstUser(User user) = 0;
  virtual Result<User> GetUser(int64_t id) = 0;                  // NotFound
  virtual Result<User> FindUser(std::string_view username) = 0;  // NotFound
  virtual Result<std::vector<User>> ListUsers() = 0;             // ordered by id
  // Replaces every field but id and created_at. NotFound if absent.
  virtual Status UpdateUser(const User& user) = 0;
  virtual Result<int64_t> CountUsers() = 0;

  // Recovery codes: hashes only. Replace drops all previous codes.
  virtual Status ReplaceRecoveryCodes(int64_t user_id, const std::vector<std::string>& hashes) = 0;
  // Marks the code with this hash used; false if there is no unused one.
  virtual Result<bool> ConsumeRecoveryCode(int64_t user_id, std::string_view hash, Millis now) = 0;
  virtual Result<int> CountUnusedRecoveryCodes(int64_t user_id) = 0;

  // --- teams -------------------------------------------------------------
  virtual Result<Team> CreateTeam(Team team) = 0;  // AlreadyExists
  virtual Result<std::vector<Team>> ListTeams() = 0;
  virtual Status DeleteTeam(int64_t team_id) = 0;
  // The renamed team; NotFound, AlreadyExists.
  virtual Result<Team> RenameTeam(int64_t team_id, const std::string& name) = 0;
  virtual Status SetTeamMember(const TeamMember& member) = 0;  // insert or update
  virtual Status RemoveTeamMember(int64_t team_id, int64_t user_id) = 0;
  // Ordered by user_id. NotFound if the team does not exist.
  virtual Result<std::vector<TeamMember>> ListTeamMembers(int64_t team_id) = 0;

  // --- sessions ----------------------------------------------------------
  virtual Status CreateSession(const Session& session) = 0;
  virtual Result<Session> GetSession(std::string_view id_hash) = 0;  // NotFound
  virtual Status TouchSession(std::string_view id_hash, Millis now) = 0;
  virtual Status UpdateSession(const Session& session) = 0;
  virtual Status RevokeSession(std::string_view id_hash) = 0;
  virtual Status RevokeUserSessions(int64_t user_id) = 0;
  // Deletes sessions with expires_at <= now and revoked sessions (a revoked
  // session is as dead as an expired one); returns how many.
  virtual Result<int64_t> DeleteExpiredSessions(Millis now) = 0;

  // --- API tokens --------------------------------------------------------
  virtual Result<ApiToken> CreateApiToken(ApiToken token) = 0;
  virtual Result<ApiToken> FindApiToken(std::string_view token_hash) = 0;  // NotFound
  virtual Result<std::vector<ApiToken>> ListApiTokens(int64_t user_id) = 0;
  virtual Status RevokeApiToken(int64_t token_id) = 0;
  virtual Status TouchApiToken(int64_t token_id, Millis now) = 0;

  // --- login throttling ----------------------------------------------------
  virtual Result<Throttle> GetThrottle(std::string_view key) = 0;  // zero record if absent
  virtual Status PutThrottle(const Throttle& throttle) = 0;
  virtual Status ClearThrottle(std::string_view key) = 0;

  // --- vault ---------------------------------------------------------------
  virtual Status PutSecret(const VaultSecret& secret) = 0;           // insert or replace
  virtual Result<VaultSecret> GetSecret(std::string_view name) = 0;  // NotFound
  virtual Result<std::vector<VaultSecret>> ListSecrets() = 0;
  virtual Status DeleteSecret(std::string_view name) = 0;
  // Replaces all secrets at once (key rotation): all or nothing.
  virtual Status ReplaceAllSecrets(const std::vector<VaultSecret>& secrets) = 0;

  // --- audit log -----------------------------------------------------------
  // Appends atomically: reads the last entry, sets entry.seq and prev_hash,
  // computes hash with `hasher`, inserts. Serialised across instances.
  virtual Result<AuditEntry> AppendAudit(AuditEntry entry, const AuditHasher& hasher) = 0;
  // Appends several entries, in order, in one transaction (one lock, one
  // commit): for entries that arrive at a high rate, such as audited checks.
  virtual Result<std::vector<AuditEntry>> AppendAuditBatch(std::vector<AuditEntry> entries,
                                                           const AuditHasher& hasher) = 0;
  // Entries with seq in [from_seq, from_seq + limit), in seq order. Precisely:
  // the first `limit` entries with seq >= from_seq, so that a gap left by
  // deleted rows shows up as a jump in seq instead of an empty page.
  virtual Result<std::vector<AuditEntry>> ListAudit(int64_t from_seq, int64_t limit) = 0;
  // Retention: empties actor, target, detail ("{}") and address of entries
  // written before `before` that are not purged yet and sets their
  // purged_at to `now`; seq, at, action and the hashes stay. Returns how
  // many entries were purged.
  virtual Result<int64_t> PurgeAudit(Millis before, Millis now) = 0;

  // --- policy packs --------------------------------------------------------
  // Assigns id and the next version number for version.name.
  virtual Result<PolicyVersion> AddPolicyVersion(PolicyVersion version) = 0;
  virtual Result<PolicyVersion> GetPolicyVersion(int64_t id) = 0;  // NotFound
  virtual Result<std::vector<PolicyVersion>> ListPolicyVersions(std::string_view name) = 0;
  // Makes `id` the only active version of its name.
  virtual Status ActivatePolicyVersion(int64_t id) = 0;
  virtual Result<std::optional<PolicyVersion>> ActivePolicyVersion(std::string_view name) = 0;

  // --- backup --------------------------------------------------------------
  // Writes a consistent copy of the whole database to `path` (SQLite: online
  // backup API; PostgreSQL: Unimplemented, use pg_dump). AlreadyExists if
  // `path` exists: a backup never overwrites a file.
  virtual Status Backup(const std::string& path) = 0;

  // Logical dump of every table, one JSON object per line
  // ({"table":"users","row":{...}}), in an order that Load() can replay.
  // Works for both back ends, so a dump from SQLite loads into PostgreSQL.
  // The first line is a header {"dump":"leitplanke","schema_version":N};
  // blobs (hashes, ciphertexts, pack files) are base64 strings. The output is
  // deterministic: the same data dumps byte-identically from either back end.
  virtual Status Dump(const std::function<Status(std::string_view line)>& sink) = 0;
  // Loads a dump into an empty database (FailedPrecondition otherwise), in one
  // transaction. Errors name the line number.
  virtual Status Load(const std::function<bool(std::string& line)>& next_line) = 0;
};

// Opens a store from a URL and applies pending migrations:
//   sqlite:///abs/path/leitplanke.db, sqlite:relative/path.db, a plain path,
//   postgresql://user@host:port/db (any libpq connection URI).
// FailedPrecondition if the database has a newer schema than this binary knows.
Result<std::unique_ptr<Store>> OpenStore(std::string_view url);

// Restores a file written by Store::Backup() (SQLite) into `db_path`, which
// must not exist or be empty (FailedPrecondition otherwise). The backup is
// checked with PRAGMA quick_check first (DataLoss if damaged). Creates the
// parent directory of `db_path`. Used by `leitplanke restore`; the server
// must not be running on `db_path`.
Status RestoreSqliteBackup(const std::string& backup_path, const std::string& db_path);

}  // namespace leitplanke::store
