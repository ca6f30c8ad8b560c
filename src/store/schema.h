// The store's schema: versioned migrations per dialect and a description of
// every table for the logical dump.
#pragma once

#include <string>
#include <vector>

#include "leitplanke/base/status.h"

#include "store/sql/connection.h"

namespace leitplanke::store {

// The newest schema version this binary knows.
int LatestSchemaVersion();

// Applies pending migrations on `conn` in one transaction and returns the
// resulting version. FailedPrecondition if the database is newer than this
// binary. Safe to run concurrently from several processes.
Result<int> Migrate(sql::Connection& conn);
// Only up to version `up_to` (tests: a database as an older binary left it).
Result<int> Migrate(sql::Connection& conn, int up_to);

enum class ColumnType { kInt, kText, kBlob };

struct ColumnSpec {
  std::string name;
  ColumnType type;
};

struct TableSpec {
  std::string name;
  std::vector<ColumnSpec> columns;
  std::vector<std::string> order_by;  // a total order (key columns), so dumps are deterministic
  std::string identity;               // column backed by a sequence on PostgreSQL, or empty
};

// Every data table, parents before children (the order Dump writes and Load
// replays).
const std::vector<TableSpec>& Tables();

}  // namespace leitplanke::store
