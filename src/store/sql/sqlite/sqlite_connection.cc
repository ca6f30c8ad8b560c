// SQLite connection: statements are prepared once per connection and kept
// (the store uses a small fixed set); each use resets them afterwards.
#include "store/sql/sqlite/sqlite_connection.h"

#include <utility>

#include <sqlite3.h>

namespace leitplanke::store::sql {
namespace {

constexpr size_t kMaxCachedStatements = 256;

// Returns a cached statement to its initial state on every path out of Query.
struct StmtReset {
  void operator()(sqlite3_stmt* s) const {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
};
using StmtLease = std::unique_ptr<sqlite3_stmt, StmtReset>;

Status MapError(sqlite3* db, int rc, std::string_view what) {
  int ext = db != nullptr ? sqlite3_extended_errcode(db) : rc;
  std::string msg =
      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Status::AlreadyExists(std::move(msg));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return Status::NotFound("referenced row does not exist (" + msg + ")");
    default:
      break;
  }
  switch (ext & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:  // the environment, not the data: permissions,
    case SQLITE_READONLY:  // a full disk, I/O errors
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_PERM:
      return Status::Unavailable(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::DataLoss(std::move(msg));
    case SQLITE_CONSTRAINT:
      return Status::InvalidArgument(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

}  // namespace

Status SqliteCopy(sqlite3* from, sqlite3* to, std::string_view what) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) return MapError(to, sqlite3_errcode(to), what);
  int rc;
  do {
    // Copy in chunks; a busy source (concurrent writer) is retried after a
    // short sleep, as the backup API documentation recommends.
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return MapError(to, rc, what);
  return Status::Ok();
}

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));  // owns db even on error
  if (rc != SQLITE_OK) return MapError(db, rc, "opening SQLite database " + path);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 10000);
  Status s =
      conn->Exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;");
  if (!s.ok()) return s.WithContext("configuring SQLite database " + path);
  return conn;
}

SqliteConnection::~SqliteConnection() {
  FinalizeAll();
  sqlite3_close_v2(db_);
}

void SqliteConnection::FinalizeAll() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
}

Result<sqlite3_stmt*> SqliteConnection::Prepare(std::string_view sql) {
  std::string key(sql);
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;
  if (statements_.size() >= kMaxCachedStatements) FinalizeAll();
  std::string text = RewritePlaceholders(sql);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size()),
                         SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
    return Error("SQLite prepare");
  }
  statements_.emplace(std::move(key), raw);
  return raw;
}

Status SqliteConnection::Error(std::string_view what) const {
  return MapError(db_, sqlite3_errcode(db_), what);
}

Status SqliteConnection::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);  // the same text is available from sqlite3_errmsg
  if (rc != SQLITE_OK) return Error("SQLite exec");
  return Status::Ok();
}

Result<ResultSet> SqliteConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  LP_ASSIGN_OR_RETURN(sqlite3_stmt * raw, Prepare(sql));
  StmtLease lease(raw);
  for (size_t i = 0; i < params.size(); ++i) {
    const Value& p = params[i];
    int idx = static_cast<int>(i + 1);
    int rc = SQLITE_OK;
    switch (p.kind) {
      case Value::Kind::kNull:
        rc = sqlite3_bind_null(raw, idx);
        break;
      case Value::Kind::kInt:
        rc = sqlite3_bind_int64(raw, idx, p.i);
        break;
      case Value::Kind::kText:
        rc = sqlite3_bind_text64(raw, idx, p.s.data(), p.s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
      case Value::Kind::kBlob:
        // An empty blob bound with a null pointer would become NULL.
        rc = p.s.empty() ? sqlite3_bind_zeroblob(raw, idx, 0)
                         : sqlite3_bind_blob64(raw, idx, p.s.data(), p.s.size(), SQLITE_TRANSIENT);
        break;
    }
    if (rc != SQLITE_OK) return Error("SQLite bind");
  }
  ResultSet out;
  const int ncols = sqlite3_column_count(raw);
  while (true) {
    int rc = sqlite3_step(raw);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error("SQLite step");
    std::vector<Value> cells(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      Value& v = cells[static_cast<size_t>(c)];
      switch (sqlite3_column_type(raw, c)) {
        case SQLITE_INTEGER:
        case SQLITE_FLOAT:
          v.kind = Value::Kind::kInt;
          v.i = sqlite3_column_int64(raw, c);
          break;
        case SQLITE_TEXT: {
          v.kind = Value::Kind::kText;
          const auto* p = sqlite3_column_text(raw, c);
          v.s.assign(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(raw, c)));
          break;
        }
        case SQLITE_BLOB: {
          v.kind = Value::Kind::kBlob;
          const void* p = sqlite3_column_blob(raw, c);
          int n = sqlite3_column_bytes(raw, c);
          if (p != nullptr) v.s.assign(static_cast<const char*>(p), static_cast<size_t>(n));
          break;
        }
        default:
          break;  // NULL
      }
    }
    out.rows.emplace_back(std::move(cells));
  }
  out.affected = sqlite3_changes64(db_);
  return out;
}

Status SqliteConnection::Begin(bool write) {
  return Exec(write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Status SqliteConnection::Commit() { return Exec("COMMIT"); }

void SqliteConnection::Rollback() {
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

Status SqliteConnection::BackupTo(const std::string& path) {
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(dest, sqlite3_close_v2);
  if (rc != SQLITE_OK) return MapError(dest, rc, "opening backup file " + path);
  return SqliteCopy(db_, dest, "backing up to " + path);
}

}  // namespace leitplanke::store::sql
