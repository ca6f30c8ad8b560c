// SQLite back end of the SQL layer (sqlite3 C API).
//
// Each connection opens the file itself with WAL journaling, a busy timeout,
// foreign keys on and synchronous=NORMAL. Write transactions use BEGIN
// IMMEDIATE so that concurrent writers queue on the busy timeout instead of
// failing on a lock upgrade.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "store/sql/connection.h"

struct sqlite3;
struct sqlite3_stmt;

namespace leitplanke::store::sql {

class SqliteConnection final : public Connection {
 public:
  // Opens (creating if missing) the database file at `path`.
  static Result<std::unique_ptr<SqliteConnection>> Open(const std::string& path);
  ~SqliteConnection() override;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }
  Status Exec(const std::string& sql) override;
  Result<ResultSet> Query(std::string_view sql, const std::vector<Value>& params) override;
  Status Begin(bool write) override;
  Status Commit() override;
  void Rollback() override;

  // Copies the whole database into a new file at `path` with the online
  // backup API.
  Status BackupTo(const std::string& path);
  sqlite3* handle() { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  Status Error(std::string_view what) const;
  // The prepared statement for `sql` from the cache, or prepared now.
  Result<sqlite3_stmt*> Prepare(std::string_view sql);
  void FinalizeAll();

  sqlite3* db_;
  // Prepared statements by their text: the store issues a small fixed set
  // of statements, and preparing one costs more than running it.
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// Copies database `from` into `to` page by page (sqlite3_backup_*).
Status SqliteCopy(sqlite3* from, sqlite3* to, std::string_view what);

}  // namespace leitplanke::store::sql
