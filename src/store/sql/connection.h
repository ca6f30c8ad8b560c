// The small SQL layer under SqlStore: one Connection interface, two back ends
// (sqlite/, postgres/), and a bounded connection pool.
//
// SQL text is written once for both dialects: positional parameters are
// $1..$N (SQLite connections rewrite them to ?N), integers are BIGINT,
// booleans BIGINT 0/1, times BIGINT milliseconds. Only DDL differs per dialect
// (see schema.cc).
//
// Results are materialised: Query() returns every row at once. The store's
// tables are small per query (one user, one page of audit entries), so this
// keeps both back ends simple and the cursor lifetime out of the callers.
//
// Thread-safety: a Connection is used by one thread at a time (the pool hands
// it out exclusively). Pool is thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

namespace leitplanke::store::sql {

enum class Dialect { kSqlite, kPostgres };

// A parameter or a result cell. kText and kBlob both carry bytes in `s`; the
// distinction matters when binding (PostgreSQL TEXT must be UTF-8, BYTEA not).
struct Value {
  enum class Kind { kNull, kInt, kText, kBlob };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  std::string s;
};

inline Value Null() { return {}; }
inline Value Int(int64_t v) { return {Value::Kind::kInt, v, {}}; }
inline Value Bool(bool v) { return Int(v ? 1 : 0); }
inline Value Text(std::string_view v) { return {Value::Kind::kText, 0, std::string(v)}; }
inline Value Blob(std::string_view v) { return {Value::Kind::kBlob, 0, std::string(v)}; }

// One result row. Accessors convert leniently (an integer read as text gives
// its decimal form, NULL reads as 0 / ""), because both back ends report
// types slightly differently for computed columns.
class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}
  size_t size() const { return cells_.size(); }
  bool IsNull(size_t col) const { return cells_.at(col).kind == Value::Kind::kNull; }
  int64_t Int(size_t col) const;
  bool Bool(size_t col) const { return Int(col) != 0; }
  std::string Text(size_t col) const;  // text or blob bytes
  const Value& cell(size_t col) const { return cells_.at(col); }

 private:
  std::vector<Value> cells_;
};

struct ResultSet {
  std::vector<Row> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// One statement of a QueryMany() batch.
struct Statement {
  std::string sql;
  std::vector<Value> params;
  // PostgreSQL: planned with the actual values on every execution instead of
  // once as a prepared statement. For lookups whose best plan depends on
  // statistics that change while a connection keeps the statement: a generic
  // plan made when the table was small stays a scan as it grows.
  bool plan_each_time = false;
};

// Errors are mapped to Status codes the store can pass on: unique violation
// -> AlreadyExists, foreign-key violation -> NotFound, lock timeout / lost
// connection -> Unavailable, anything else -> Internal.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one or more statements without parameters (DDL, PRAGMA).
  virtual Status Exec(const std::string& sql) = 0;
  // Runs exactly one statement with positional parameters $1..$N.
  virtual Result<ResultSet> Query(std::string_view sql, const std::vector<Value>& params) = 0;
  // Runs `statements` in order and returns one ResultSet per statement.
  // Stops at the first error and returns it (the statements after it have
  // no effect). PostgreSQL sends the whole batch in one pipeline, one round
  // trip instead of one per statement; SQLite runs them one by one (no round
  // trips to save). Use inside a transaction.
  virtual Result<std::vector<ResultSet>> QueryMany(const std::vector<Statement>& statements) {
    std::vector<ResultSet> out;
    out.reserve(statements.size());
    for (const Statement& st : statements) {
      Result<ResultSet> rs = Query(st.sql, st.params);
      if (!rs.ok()) return rs.error();
      out.push_back(std::move(*rs));
    }
    return out;
  }
  // `write` transactions take the write lock up front (SQLite: BEGIN
  // IMMEDIATE), so they never fail half-way on a lock upgrade.
  virtual Status Begin(bool write) = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;  // best effort; errors are ignored
  // True when the connection is unusable and must not return to the pool.
  virtual bool broken() const { return false; }
};

// A bounded pool. Connections are created lazily by `factory`, at most
// `max_size` at a time; Acquire() blocks while all are in use.
class Pool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;

  // A connection on loan; returns it to the pool when destroyed.
  class Lease {
   public:
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  Pool(Factory factory, size_t max_size) : factory_(std::move(factory)), max_size_(max_size) {}
  // Adds an already open connection (the one migrations ran on).
  void Add(std::unique_ptr<Connection> conn);
  Result<Lease> Acquire();
  // Closes every idle connection (after one was found dead, the others
  // usually are too: the server restarted).
  void DropIdle();

  struct Stats {
    size_t open = 0;  // idle + leased
    size_t idle = 0;
    size_t waiting = 0;  // callers blocked in Acquire()
    size_t max = 0;
  };
  Stats stats();

 private:
  void Release(std::unique_ptr<Connection> conn);

  Factory factory_;
  const size_t max_size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;     // idle + leased
  size_t waiting_ = 0;  // blocked in Acquire()
};

// Rewrites $N placeholders to ?N outside string literals and quoted
// identifiers (for SQLite). Exposed for tests.
std::string RewritePlaceholders(std::string_view sql);

}  // namespace leitplanke::store::sql
