// PostgreSQL back end of the SQL layer (libpq C API).
//
// Statements are prepared once per connection (PQprepare, named by a
// counter) and run with PQexecPrepared: the store issues a small fixed set of
// statements, and parsing and planning them again on every call costs more
// than a simple one takes to run. Parameters: integers and text in text format,
// blobs in binary format (raw bytes, no escaping). Results come back in text
// format; BYTEA columns are decoded from hex, integer columns parsed, so the
// rows look the same as SQLite's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

#include "store/sql/connection.h"

struct pg_conn;

namespace leitplanke::store::sql {

class PgConnection final : public Connection {
 public:
  // `conninfo` is any libpq connection string or URI.
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& conninfo);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Dialect dialect() const override { return Dialect::kPostgres; }
  Status Exec(const std::string& sql) override;
  Result<ResultSet> Query(std::string_view sql, const std::vector<Value>& params) override;
  // One pipeline (libpq pipeline mode): every statement is sent, then one
  // sync, then the results are read.
  Result<std::vector<ResultSet>> QueryMany(const std::vector<Statement>& statements) override;
  Status Begin(bool write) override;
  Status Commit() override;
  void Rollback() override;
  bool broken() const override;

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // The name of the prepared statement for `key` (the statement text and
  // its parameter types), prepared now if needed.
  Result<std::string> Prepare(const std::string& key, const std::string& sql, int n,
                              const unsigned int* types);

  pg_conn* conn_;
  bool poisoned_ = false;  // the protocol state is unknown (a pipeline broke)
  std::unordered_map<std::string, std::string> statements_;
  uint64_t next_statement_ = 0;
};

}  // namespace leitplanke::store::sql
