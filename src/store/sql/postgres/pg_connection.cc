// PostgreSQL connection over libpq. Every call is a synchronous round trip;
// the pool above gives each thread its own connection. Statements are
// prepared on first use and kept for the life of the connection.
#include "store/sql/postgres/pg_connection.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#include <libpq-fe.h>

namespace leitplanke::store::sql {
namespace {

// Type OIDs from the pg_type catalogue (stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;

// Prepared statements per connection before the cache is dropped and
// started again (the store's fixed set stays far below it; a Load of a
// dump adds one per table).
constexpr size_t kMaxPreparedStatements = 512;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

Status MapError(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string detail = res != nullptr ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) detail.pop_back();
  std::string msg = std::string(what) + ": " + detail;
  if (PQstatus(conn) != CONNECTION_OK) return Status::Unavailable(std::move(msg));
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string_view code = state != nullptr ? state : "";
  if (code == "23505") return Status::AlreadyExists(std::move(msg));
  if (code == "23503") return Status::NotFound("referenced row does not exist (" + msg + ")");
  if (code.substr(0, 2) == "23" || code.substr(0, 2) == "22") {
    return Status::InvalidArgument(std::move(msg));
  }
  if (code == "40001" || code == "40P01" || code == "55P03" || code.substr(0, 2) == "08" ||
      code == "57P01") {
    return Status::Unavailable(std::move(msg));
  }
  return Status::Internal(std::move(msg));
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// BYTEA in text output format is "\x" followed by hex digits (bytea_output =
// hex, set at connect).
bool DecodeByteaHex(const char* text, size_t len, std::string& out) {
  if (len < 2 || text[0] != '\\' || text[1] != 'x' || (len % 2) != 0) return false;
  out.clear();
  out.reserve((len - 2) / 2);
  for (size_t i = 2; i < len; i += 2) {
    int hi = HexDigit(text[i]);
    int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>((hi << 4) | lo);
  }
  return true;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& conninfo) {
  PGconn* raw = PQconnectdb(conninfo.c_str());
  if (raw == nullptr) return Status::Internal("libpq could not allocate a connection");
  std::unique_ptr<PgConnection> conn(new PgConnection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(raw);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Status::Unavailable("connecting to PostgreSQL: " + msg);
  }
  PQsetNoticeProcessor(raw, IgnoreNotice, nullptr);
  LP_RETURN_IF_ERROR(
      conn->Exec("SET client_encoding = 'UTF8'; SET bytea_output = 'hex'; SET "
                 "standard_conforming_strings = on;"
                 "SET lock_timeout = '30s'"));
  return conn;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return poisoned_ || PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::Exec(const std::string& sql) {
  ResultPtr res(PQexec(conn_, sql.c_str()));
  ExecStatusType st = res != nullptr ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return MapError(conn_, res.get(), "PostgreSQL exec");
  }
  return Status::Ok();
}

namespace {

// Parameters in the form PQexecPrepared takes; `storage` keeps the decimal
// text of integers alive.
struct BoundParams {
  std::vector<Oid> types;
  std::vector<std::string> storage;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  std::string key;  // parameter kinds + "|" + the statement: the cache key
};

Result<BoundParams> Bind(std::string_view sql, const std::vector<Value>& params) {
  const size_t n = params.size();
  BoundParams b;
  b.types.assign(n, 0);
  b.storage.resize(n);
  b.values.assign(n, nullptr);
  b.lengths.assign(n, 0);
  b.formats.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Value& p = params[i];
    switch (p.kind) {
      case Value::Kind::kNull:
        break;
      case Value::Kind::kInt:
        b.types[i] = kInt8Oid;
        b.storage[i] = std::to_string(p.i);
        b.values[i] = b.storage[i].c_str();
        break;
      case Value::Kind::kText:
        b.types[i] = kTextOid;
        if (p.s.find('\0') != std::string::npos) {
          return Status::InvalidArgument("PostgreSQL text parameter $" + std::to_string(i + 1) +
                                         " contains a NUL byte");
        }
        b.values[i] = p.s.c_str();
        break;
      case Value::Kind::kBlob:
        b.types[i] = kByteaOid;
        b.values[i] = p.s.data();
        b.lengths[i] = static_cast<int>(p.s.size());
        b.formats[i] = 1;  // binary: the raw bytes
        break;
    }
  }
  // The key includes the parameter types: a statement prepared with an
  // integer parameter must not be reused for a NULL or a blob.
  b.key.reserve(sql.size() + n + 1);
  for (size_t i = 0; i < n; ++i) b.key += static_cast<char>('0' + static_cast<int>(params[i].kind));
  b.key += '|';
  b.key += sql;
  return b;
}

Result<ResultSet> ReadResult(PGconn* conn, PGresult* res) {
  ExecStatusType st = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    return MapError(conn, res, "PostgreSQL query");
  }
  ResultSet out;
  const int nrows = PQntuples(res);
  const int ncols = PQnfields(res);
  out.rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    std::vector<Value> cells(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, r, c)) continue;
      Value& v = cells[static_cast<size_t>(c)];
      const char* data = PQgetvalue(res, r, c);
      size_t len = static_cast<size_t>(PQgetlength(res, r, c));
      switch (PQftype(res, c)) {
        case kInt8Oid:
        case kInt4Oid:
        case kInt2Oid:
          v.kind = Value::Kind::kInt;
          v.i = std::strtoll(data, nullptr, 10);
          break;
        case kBoolOid:
          v.kind = Value::Kind::kInt;
          v.i = (len > 0 && data[0] == 't') ? 1 : 0;
          break;
        case kByteaOid:
          v.kind = Value::Kind::kBlob;
          if (!DecodeByteaHex(data, len, v.s)) {
            return Status::Internal("PostgreSQL returned BYTEA that is not in hex format");
          }
          break;
        default:
          v.kind = Value::Kind::kText;
          v.s.assign(data, len);
          break;
      }
    }
    out.rows.emplace_back(std::move(cells));
  }
  const char* tuples = PQcmdTuples(res);
  if (tuples != nullptr && *tuples != '\0') out.affected = std::strtoll(tuples, nullptr, 10);
  return out;
}

}  // namespace

Result<ResultSet> PgConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  LP_ASSIGN_OR_RETURN(BoundParams b, Bind(sql, params));
  const int n = static_cast<int>(params.size());
  LP_ASSIGN_OR_RETURN(std::string name, Prepare(b.key, std::string(sql), n, b.types.data()));
  ResultPtr res(PQexecPrepared(conn_, name.c_str(), n, b.values.data(), b.lengths.data(),
                               b.formats.data(), /*resultFormat=*/0));
  return ReadResult(conn_, res.get());
}

Result<std::vector<ResultSet>> PgConnection::QueryMany(const std::vector<Statement>& statements) {
  if (statements.size() <= 1) return Connection::QueryMany(statements);
  // Statements are prepared (synchronously, once per connection) before the
  // pipeline starts, so the pipeline only carries executions.
  std::vector<BoundParams> bound;
  std::vector<std::string> names;
  bound.reserve(statements.size());
  names.reserve(statements.size());
  for (const Statement& st : statements) {
    LP_ASSIGN_OR_RETURN(BoundParams b, Bind(st.sql, st.params));
    std::string name;
    if (!st.plan_each_time) {
      LP_ASSIGN_OR_RETURN(
          name, Prepare(b.key, st.sql, static_cast<int>(st.params.size()), b.types.data()));
    }
    bound.push_back(std::move(b));
    names.push_back(std::move(name));
  }
  if (PQenterPipelineMode(conn_) != 1) {
    return Status::Internal("PostgreSQL: cannot enter pipeline mode: " +
                            std::string(PQerrorMessage(conn_)));
  }
  // libpq flushes a blocking connection while sending and reads pending
  // input meanwhile, so a long pipeline cannot deadlock on full buffers.
  size_t sent = 0;
  for (; sent < statements.size(); ++sent) {
    const BoundParams& b = bound[sent];
    const Statement& st = statements[sent];
    const int n = static_cast<int>(st.params.size());
    const int ok = st.plan_each_time
                       ? PQsendQueryParams(conn_, st.sql.c_str(), n, b.types.data(),
                                           b.values.data(), b.lengths.data(), b.formats.data(),
                                           /*resultFormat=*/0)
                       : PQsendQueryPrepared(conn_, names[sent].c_str(), n, b.values.data(),
                                             b.lengths.data(), b.formats.data(),
                                             /*resultFormat=*/0);
    if (ok != 1) break;
  }
  Status error = Status::Ok();
  if (sent < statements.size()) {
    error = Status::Unavailable("PostgreSQL pipeline send: " + std::string(PQerrorMessage(conn_)));
  }
  if (PQpipelineSync(conn_) != 1 && error.ok()) {
    error = Status::Unavailable("PostgreSQL pipeline sync: " + std::string(PQerrorMessage(conn_)));
  }
  std::vector<ResultSet> out;
  out.reserve(statements.size());
  // One result per statement, each followed by NULL; then the sync.
  bool lost = false;
  for (size_t i = 0; i < sent && !lost; ++i) {
    ResultPtr res(PQgetResult(conn_));
    if (res == nullptr) {
      lost = true;
      break;
    }
    if (PQresultStatus(res.get()) != PGRES_PIPELINE_ABORTED && error.ok()) {
      Result<ResultSet> rs = ReadResult(conn_, res.get());
      if (rs.ok()) {
        out.push_back(std::move(*rs));
      } else {
        error = rs.error();
      }
    }
    while (ResultPtr extra{PQgetResult(conn_)}) {
    }
  }
  if (!lost) {
    ResultPtr sync(PQgetResult(conn_));
    lost = sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC;
  }
  if (lost || PQexitPipelineMode(conn_) != 1) {
    poisoned_ = true;  // unknown protocol state: the pool drops this connection
    if (error.ok()) error = Status::Unavailable("PostgreSQL pipeline lost its results");
  }
  if (!error.ok()) return error;
  return out;
}

Result<std::string> PgConnection::Prepare(const std::string& key, const std::string& sql, int n,
                                          const Oid* types) {
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;
  if (statements_.size() >= kMaxPreparedStatements &&
      PQtransactionStatus(conn_) != PQTRANS_INERROR) {
    ResultPtr res(PQexec(conn_, "DEALLOCATE ALL"));
    if (res != nullptr && PQresultStatus(res.get()) == PGRES_COMMAND_OK) statements_.clear();
  }
  std::string name = "lp_" + std::to_string(next_statement_++);
  ResultPtr res(PQprepare(conn_, name.c_str(), sql.c_str(), n, types));
  if (res == nullptr || PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return MapError(conn_, res.get(), "PostgreSQL prepare");
  }
  statements_.emplace(key, name);
  return name;
}

Status PgConnection::Begin(bool /*write*/) { return Exec("BEGIN"); }

Status PgConnection::Commit() { return Exec("COMMIT"); }

void PgConnection::Rollback() {
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE) {
    ResultPtr res(PQexec(conn_, "ROLLBACK"));
  }
}

}  // namespace leitplanke::store::sql
