// Helpers shared by the SQL stores (SqlStore, SqlDeskStore,
// SqlPublishStore): the clock, id text, comma lists and the archive chain
// that both the desk's outbox and the publish queue append to.
#pragma once

#include <cstdint>
#include <functional>  // ArchiveSealer (desk_model.h does not include it)
#include <string>
#include <vector>

#include "leitplanke/base/status.h"

#include "leitplanke/store/desk_model.h"
#include "leitplanke/store/model.h"

#include "store/sql/connection.h"

namespace leitplanke::store::sql_util {

// PostgreSQL advisory lock key ("LPAR") serialising appends to the archive chain.
constexpr int64_t kArchiveLock = 0x4c504152;

// Wall clock, ms since the epoch.
Millis NowMillis();

// Decimal text of an id, for messages.
std::string Id(int64_t id);

// "a,b,,c" -> {"a", "b", "c"}: the non-empty pieces between commas.
std::vector<std::string> SplitList(const std::string& s);

// The JSON array of an approval chain, from rows (step, username, decision,
// comment, at) ordered by step: [{"step":1,"by":..,"decision":..,"comment":..,"at":..}].
std::string ApprovalChainJson(const sql::ResultSet& chain);

// Numbers `e` after the archive's last entry (seq, prev_hash), lets `seal`
// fill its hashes and inserts it. The caller holds kArchiveLock.
Status AppendSealedArchive(sql::Connection& conn, ArchiveEntry& e, const ArchiveSealer& seal);

}  // namespace leitplanke::store::sql_util
