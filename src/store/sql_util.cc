#include "store/sql_util.h"

#include <chrono>

#include "leitplanke/base/json_string.h"
#include "leitplanke/base/result.h"

namespace leitplanke::store::sql_util {

using sql::Int;
using sql::Row;
using sql::Text;

Millis NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Id(int64_t id) { return std::to_string(id); }

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    if (end > start) out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string ApprovalChainJson(const sql::ResultSet& chain) {
  std::string out = "[";
  for (const Row& d : chain.rows) {
    if (out.size() > 1) out += ",";
    out += "{\"step\":" + std::to_string(d.Int(0) + 1) + ",\"by\":";
    AppendJsonString(out, d.Text(1));
    out += ",\"decision\":";
    AppendJsonString(out, d.Text(2));
    out += ",\"comment\":";
    AppendJsonString(out, d.Text(3));
    out += ",\"at\":" + std::to_string(d.Int(4)) + "}";
  }
  out += "]";
  return out;
}

Status AppendSealedArchive(sql::Connection& conn, ArchiveEntry& e, const ArchiveSealer& seal) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet last,
                      conn.Query("SELECT seq, hash FROM archive ORDER BY seq DESC LIMIT 1", {}));
  e.seq = last.rows.empty() ? 1 : last.rows[0].Int(0) + 1;
  e.prev_hash = last.rows.empty() ? std::string() : last.rows[0].Text(1);
  seal(&e);
  return conn
      .Query(
          "INSERT INTO archive (seq, at, kind, channel_id, channel, conversation_id, "
          "message_id, external_id, author, subject, wire_text, verdict, approvals, "
          "content_hash, prev_hash, hash, purged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
          "$9, $10, $11, $12, $13, $14, $15, $16, 0)",
          {Int(e.seq), Int(e.at), Text(e.kind), Int(e.channel_id), Text(e.channel),
           Int(e.conversation_id), Int(e.message_id), Text(e.external_id), Text(e.author),
           Text(e.subject), Text(e.wire_text), Text(e.verdict), Text(e.approvals),
           Text(e.content_hash), Text(e.prev_hash), Text(e.hash)})
      .status();
}

}  // namespace leitplanke::store::sql_util
