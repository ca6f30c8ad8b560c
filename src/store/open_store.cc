// OpenStore: URL parsing, connection pools, migrations; and the SQLite
// restore used by `leitplanke restore`.
#include <filesystem>
#include <system_error>
#include <utility>

#include <sqlite3.h>

#include "leitplanke/store/store.h"

#include "store/schema.h"
#include "store/sql/postgres/pg_connection.h"
#include "store/sql/sqlite/sqlite_connection.h"
#include "store/sql_store.h"

namespace leitplanke::store {
namespace {

// Connections per store. SQLite writers serialise on the file lock anyway;
// readers run in parallel under WAL. Small on purpose: a PostgreSQL server
// serves several instances.
constexpr size_t kPoolSize = 4;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

Status EnsureParentDir(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::Unavailable("cannot create directory " + parent.string() + ": " + ec.message());
  }
  return Status::Ok();
}

// Resolves a SQLite URL or plain path to a file path.
Result<std::string> SqlitePath(std::string_view url) {
  std::string_view path = url;
  if (StartsWith(url, "sqlite://")) {
    path = url.substr(9);
    if (!StartsWith(path, "/")) {
      return Status::InvalidArgument(
          "store URL '" + std::string(url) +
          "': use sqlite:///absolute/path.db or sqlite:relative/path.db");
    }
  } else if (StartsWith(url, "sqlite:")) {
    path = url.substr(7);
  } else if (url.find("://") != std::string_view::npos) {
    return Status::InvalidArgument("store URL '" + std::string(url) +
                                   "': unknown scheme (expected sqlite:, postgres:// or "
                                   "postgresql://)");
  }
  if (path.empty())
    return Status::InvalidArgument("store URL '" + std::string(url) + "' has no path");
  if (path == ":memory:" || StartsWith(path, "file:")) {
    return Status::InvalidArgument("store URL '" + std::string(url) +
                                   "': in-memory and file: URI databases are not supported; give a "
                                   "file path");
  }
  if (path.find('?') != std::string_view::npos) {
    return Status::InvalidArgument("store URL '" + std::string(url) +
                                   "': query parameters are not supported");
  }
  return std::string(path);
}

Result<std::unique_ptr<Store>> OpenSqlite(const std::string& path) {
  LP_RETURN_IF_ERROR(EnsureParentDir(path));
  LP_ASSIGN_OR_RETURN(std::unique_ptr<sql::SqliteConnection> first,
                      sql::SqliteConnection::Open(path));
  Result<int> version = Migrate(*first);
  if (!version.ok()) return version.error().WithContext("store " + path);
  auto pool = std::make_unique<sql::Pool>(
      [path]() -> Result<std::unique_ptr<sql::Connection>> {
        LP_ASSIGN_OR_RETURN(std::unique_ptr<sql::SqliteConnection> c,
                            sql::SqliteConnection::Open(path));
        return std::unique_ptr<sql::Connection>(std::move(c));
      },
      kPoolSize);
  pool->Add(std::move(first));
  return std::unique_ptr<Store>(
      std::make_unique<SqlStore>(std::move(pool), sql::Dialect::kSqlite, *version, path));
}

Result<std::unique_ptr<Store>> OpenPostgres(const std::string& url) {
  LP_ASSIGN_OR_RETURN(std::unique_ptr<sql::PgConnection> first, sql::PgConnection::Open(url));
  Result<int> version = Migrate(*first);
  if (!version.ok()) return version.error().WithContext("PostgreSQL store");
  auto pool = std::make_unique<sql::Pool>(
      [url]() -> Result<std::unique_ptr<sql::Connection>> {
        LP_ASSIGN_OR_RETURN(std::unique_ptr<sql::PgConnection> c, sql::PgConnection::Open(url));
        return std::unique_ptr<sql::Connection>(std::move(c));
      },
      kPoolSize);
  pool->Add(std::move(first));
  return std::unique_ptr<Store>(
      std::make_unique<SqlStore>(std::move(pool), sql::Dialect::kPostgres, *version, ""));
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(std::string_view url) {
  if (url.empty()) return Status::InvalidArgument("store URL is empty");
  if (StartsWith(url, "postgres://") || StartsWith(url, "postgresql://")) {
    return OpenPostgres(std::string(url));
  }
  LP_ASSIGN_OR_RETURN(std::string path, SqlitePath(url));
  return OpenSqlite(path);
}

Status RestoreSqliteBackup(const std::string& backup_path, const std::string& db_path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(backup_path, ec)) {
    return Status::NotFound("backup file " + backup_path + " does not exist");
  }
  if (std::filesystem::exists(db_path, ec) && std::filesystem::file_size(db_path, ec) > 0) {
    return Status::FailedPrecondition("restore target " + db_path +
                                      " exists and is not empty; move it away first");
  }
  LP_RETURN_IF_ERROR(EnsureParentDir(db_path));
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(backup_path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, DbCloser> src(raw);
  if (rc != SQLITE_OK) {
    return Status::DataLoss("cannot open backup " + backup_path + ": " + sqlite3_errmsg(raw));
  }
  // Refuse garbage before touching the target.
  sqlite3_stmt* stmt = nullptr;
  std::string check;
  if (sqlite3_prepare_v2(raw, "PRAGMA quick_check", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    if (text != nullptr) check = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(stmt);
  if (check != "ok") {
    return Status::DataLoss(
        "backup " + backup_path + " is not an intact SQLite database" +
        (check.empty() ? std::string(": ") + sqlite3_errmsg(raw) : ": " + check));
  }
  raw = nullptr;
  rc = sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, DbCloser> dest(raw);
  if (rc != SQLITE_OK) {
    return Status::Unavailable("cannot create " + db_path + ": " + sqlite3_errmsg(raw));
  }
  return sql::SqliteCopy(src.get(), dest.get(), "restoring " + backup_path + " into " + db_path);
}

}  // namespace leitplanke::store
