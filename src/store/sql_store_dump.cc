// Logical dump and load. One JSON object per line: a header
//   {"dump":"leitplanke","schema_version":N}
// then {"table":"<name>","row":{<column>:<value>,...}} for every row, tables
// parents first, rows in key order, columns in schema order. Integers are
// JSON numbers, text JSON strings, blobs base64 strings. Because the order is
// total and text is sorted bytewise on both back ends, dumping the same data
// from SQLite and PostgreSQL gives byte-identical output.
#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "store/schema.h"
#include "store/sql_store.h"

namespace leitplanke::store {
namespace {

using ojson = nlohmann::ordered_json;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) |
                 static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Strict: length a multiple of 4, padding only at the end.
bool Base64Decode(std::string_view in, std::string& out) {
  if (in.size() % 4 != 0) return false;
  out.clear();
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int pad = 0;
    if (last && in[i + 3] == '=') pad = in[i + 2] == '=' ? 2 : 1;
    uint32_t n = 0;
    for (size_t k = 0; k < 4; ++k) {
      int v = 0;
      if (k >= 4 - static_cast<size_t>(pad)) {
        if (in[i + k] != '=') return false;
      } else {
        v = Base64Value(in[i + k]);
        if (v < 0) return false;
      }
      n = (n << 6) | static_cast<uint32_t>(v);
    }
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return true;
}

std::string OrderBy(const TableSpec& t, sql::Dialect dialect) {
  std::string out;
  for (const std::string& col : t.order_by) {
    if (!out.empty()) out += ", ";
    out += col;
    for (const ColumnSpec& c : t.columns) {
      // PostgreSQL sorts text by the database collation; "C" is bytewise
      // like SQLite, which keeps dumps identical across back ends.
      if (c.name == col && c.type == ColumnType::kText && dialect == sql::Dialect::kPostgres) {
        out += " COLLATE \"C\"";
      }
    }
  }
  return out;
}

std::string ColumnList(const TableSpec& t) {
  std::string out;
  for (const ColumnSpec& c : t.columns) {
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

Result<std::string> RowToLine(const TableSpec& t, const sql::Row& r) {
  ojson row = ojson::object();
  for (size_t i = 0; i < t.columns.size(); ++i) {
    const ColumnSpec& c = t.columns[i];
    if (r.IsNull(i)) {
      row[c.name] = nullptr;
    } else if (c.type == ColumnType::kInt) {
      row[c.name] = r.Int(i);
    } else if (c.type == ColumnType::kBlob) {
      row[c.name] = Base64Encode(r.Text(i));
    } else {
      row[c.name] = r.Text(i);
    }
  }
  ojson line = ojson::object();
  line["table"] = t.name;
  line["row"] = std::move(row);
  try {
    return line.dump();
  } catch (const nlohmann::json::exception& e) {
    return Status::DataLoss("table " + t.name + ": a text column is not valid UTF-8 (" + e.what() +
                            ")");
  }
}

Result<std::vector<sql::Value>> RowParams(const TableSpec& t, const nlohmann::json& row) {
  if (!row.is_object()) return Status::InvalidArgument("\"row\" must be an object");
  for (const auto& item : row.items()) {
    bool known = false;
    for (const ColumnSpec& c : t.columns) known = known || c.name == item.key();
    if (!known) {
      return Status::InvalidArgument("table " + t.name + " has no column '" + item.key() + "'");
    }
  }
  std::vector<sql::Value> params;
  for (const ColumnSpec& c : t.columns) {
    auto it = row.find(c.name);
    if (it == row.end()) {
      return Status::InvalidArgument("row of table " + t.name + " lacks column '" + c.name + "'");
    }
    const std::string where = "/row/" + c.name;
    if (it->is_null()) {
      params.push_back(sql::Null());
    } else if (c.type == ColumnType::kInt) {
      if (!it->is_number_integer() ||
          (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
        return Status::InvalidArgument(where + ": expected a 64-bit integer");
      }
      params.push_back(sql::Int(it->get<int64_t>()));
    } else if (!it->is_string()) {
      return Status::InvalidArgument(where + ": expected a string");
    } else if (c.type == ColumnType::kBlob) {
      std::string bytes;
      if (!Base64Decode(it->get_ref<const std::string&>(), bytes)) {
        return Status::InvalidArgument(where + ": not valid base64");
      }
      params.push_back(sql::Blob(bytes));
    } else {
      params.push_back(sql::Text(it->get_ref<const std::string&>()));
    }
  }
  return params;
}

}  // namespace

Status SqlStore::Dump(const std::function<Status(std::string_view line)>& sink) {
  return Tx(false, [&](sql::Connection& conn) -> Status {
    if (dialect_ == sql::Dialect::kPostgres) {
      // One snapshot for all tables, as SQLite's read transaction gives.
      LP_RETURN_IF_ERROR(conn.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    }
    ojson header = ojson::object();
    header["dump"] = "leitplanke";
    header["schema_version"] = schema_version_;
    LP_RETURN_IF_ERROR(sink(header.dump()));
    for (const TableSpec& t : Tables()) {
      LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                          conn.Query("SELECT " + ColumnList(t) + " FROM " + t.name + " ORDER BY " +
                                         OrderBy(t, dialect_),
                                     {}));
      for (const sql::Row& r : rs.rows) {
        LP_ASSIGN_OR_RETURN(std::string line, RowToLine(t, r));
        LP_RETURN_IF_ERROR(sink(line));
      }
    }
    return Status::Ok();
  });
}

Status SqlStore::Load(const std::function<bool(std::string& line)>& next_line) {
  std::map<std::string, const TableSpec*> by_name;
  for (const TableSpec& t : Tables()) by_name[t.name] = &t;
  return Tx(true, [&](sql::Connection& conn) -> Status {
    for (const TableSpec& t : Tables()) {
      LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query("SELECT COUNT(*) FROM " + t.name, {}));
      if (rs.rows.at(0).Int(0) != 0) {
        return Status::FailedPrecondition("cannot load a dump into a non-empty database (table " +
                                          t.name + " has " + std::to_string(rs.rows[0].Int(0)) +
                                          " rows)");
      }
    }
    std::string line;
    int64_t line_no = 0;
    bool seen_data = false;
    while (next_line(line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      const std::string at = "dump line " + std::to_string(line_no);
      nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (j.is_discarded() || !j.is_object()) {
        return Status::InvalidArgument(at + ": not a JSON object");
      }
      if (j.contains("dump")) {
        auto v = j.find("schema_version");
        if (seen_data || j["dump"] != "leitplanke" || v == j.end() || !v->is_number_integer()) {
          return Status::InvalidArgument(at + ": malformed or misplaced dump header");
        }
        if (v->get<int64_t>() != schema_version_) {
          return Status::FailedPrecondition(at + ": the dump has schema version " +
                                            std::to_string(v->get<int64_t>()) + ", this database " +
                                            std::to_string(schema_version_));
        }
        seen_data = true;
        continue;
      }
      seen_data = true;
      auto table = j.find("table");
      auto row = j.find("row");
      if (table == j.end() || !table->is_string() || row == j.end()) {
        return Status::InvalidArgument(at + ": expected {\"table\":...,\"row\":{...}}");
      }
      auto spec = by_name.find(table->get<std::string>());
      if (spec == by_name.end()) {
        return Status::InvalidArgument(at + ": unknown table '" + table->get<std::string>() + "'");
      }
      const TableSpec& t = *spec->second;
      Result<std::vector<sql::Value>> params = RowParams(t, *row);
      if (!params.ok()) return params.error().WithContext(at);
      std::string sql = "INSERT INTO " + t.name + " (" + ColumnList(t) + ") VALUES (";
      for (size_t i = 0; i < t.columns.size(); ++i) {
        sql += (i == 0 ? "$" : ", $") + std::to_string(i + 1);
      }
      sql += ")";
      Status s = conn.Query(sql, *params).status();
      if (!s.ok()) return s.WithContext(at);
    }
    if (dialect_ == sql::Dialect::kPostgres) {
      // Rows came with explicit ids; move each identity sequence past them.
      for (const TableSpec& t : Tables()) {
        if (t.identity.empty()) continue;
        LP_RETURN_IF_ERROR(conn.Query("SELECT setval(pg_get_serial_sequence('" + t.name + "', '" +
                                          t.identity + "'), (SELECT COALESCE(MAX(" + t.identity +
                                          "), 0) + 1 FROM " + t.name + "), false)",
                                      {}));
      }
    }
    return Status::Ok();
  });
}

}  // namespace leitplanke::store
