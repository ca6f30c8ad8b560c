// DeskStore over the SQL layer. Every method is one transaction from
// SqlStore's pool. Where the back ends differ in locking:
//  - PostgreSQL takes row locks (FOR UPDATE) before read-modify-write and
//    FOR UPDATE SKIP LOCKED where several instances compete for work (outbox
//    claims, routing); SQLite's BEGIN IMMEDIATE serialises writers already.
//  - A failed statement aborts a PostgreSQL transaction, so uniqueness is
//    checked by a SELECT first wherever a conflict is an expected outcome
//    (duplicate messages, used idempotency keys).
//
// Lists of keys are sent as IN lists of a fixed width (padded by repeating
// the first key), so the statement text stays the same and the prepared
// statement is reused on both back ends.
#include "store/sql_desk_store.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "store/sql_store.h"
#include "store/sql_util.h"

namespace leitplanke::store {
namespace {

using sql::Blob;
using sql::Bool;
using sql::Int;
using sql::Row;
using sql::Statement;
using sql::Text;
using sql::Value;
using sql_util::Id;
using sql_util::kArchiveLock;
using sql_util::NowMillis;
using sql_util::SplitList;

constexpr size_t kInWidth = 32;        // keys per IN list
constexpr size_t kPreviewBytes = 140;  // last_preview length
constexpr int32_t kMaxInboxPage = 500;
constexpr int64_t kDenseTag = 1000;  // tagged conversations from which a tag counts as common

// "$first, $first+1, ..." (count placeholders).
std::string Placeholders(size_t first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    out += '$';
    out += std::to_string(first + i);
  }
  return out;
}

// Runs `query(sql_in_list, params)` once per chunk of kInWidth keys; the
// statement gets `prefix` params first, then the chunk padded to the width.
template <class Fn>
Status ForChunks(const std::vector<Value>& keys, const std::vector<Value>& prefix, Fn&& fn) {
  const std::string in = "(" + Placeholders(prefix.size() + 1, kInWidth) + ")";
  for (size_t start = 0; start < keys.size(); start += kInWidth) {
    std::vector<Value> params = prefix;
    for (size_t i = 0; i < kInWidth; ++i) {
      size_t k = start + i;
      params.push_back(k < keys.size() ? keys[k] : keys[start]);
    }
    LP_RETURN_IF_ERROR(fn(in, params));
  }
  return Status::Ok();
}

// The first ~140 bytes of `body` on one line, cut at a UTF-8 boundary.
std::string Preview(std::string_view body) {
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return "";
  body.remove_prefix(start);
  size_t n = std::min(body.size(), kPreviewBytes);
  if (n < body.size()) {
    // Back up over continuation bytes (10xxxxxx) to the start of a character.
    while (n > 0 && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80) --n;
  }
  std::string out(body.substr(0, n));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

Result<std::string> JoinList(const std::vector<std::string>& items, std::string_view what) {
  std::string out;
  for (const std::string& s : items) {
    if (s.empty() || s.find(',') != std::string::npos) {
      return Status::InvalidArgument(std::string(what) + " entry '" + s +
                                     "' is empty or contains a comma");
    }
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

// --- row mapping ---------------------------------------------------------------

constexpr const char* kChannelCols =
    "id, name, kind, team_id, settings, paused, poll_cursor, last_poll_at, last_ok_at, "
    "last_error, last_error_at, created_at, updated_at";

ChannelRow ChannelFromRow(const Row& r) {
  ChannelRow c;
  c.id = r.Int(0);
  c.name = r.Text(1);
  c.kind = r.Text(2);
  c.team_id = r.Int(3);
  c.settings = r.Text(4);
  c.paused = r.Bool(5);
  c.cursor = r.Text(6);
  c.last_poll_at = r.Int(7);
  c.last_ok_at = r.Int(8);
  c.last_error = r.Text(9);
  c.last_error_at = r.Int(10);
  c.created_at = r.Int(11);
  c.updated_at = r.Int(12);
  return c;
}

constexpr const char* kConvCols =
    "c.id, c.channel_id, c.contact_id, c.team_id, c.thread_key, c.subject, c.state, c.priority, "
    "c.language, c.is_public, c.assignee_id, c.assigned_at, c.waiting_since, c.first_inbound_at, "
    "c.first_response_at, c.resolved_at, c.last_message_at, c.last_preview, c.version, "
    "c.sla_checked_at, c.created_at, c.updated_at, c.purged_at";
constexpr size_t kConvColCount = 23;

Conversation ConvFromRow(const Row& r) {
  Conversation c;
  c.id = r.Int(0);
  c.channel_id = r.Int(1);
  c.contact_id = r.Int(2);
  c.team_id = r.Int(3);
  c.thread_key = r.Text(4);
  c.subject = r.Text(5);
  c.state = static_cast<ConversationState>(r.Int(6));
  c.priority = static_cast<int32_t>(r.Int(7));
  c.language = r.Text(8);
  c.is_public = r.Bool(9);
  c.assignee_id = r.Int(10);
  c.assigned_at = r.Int(11);
  c.waiting_since = r.Int(12);
  c.first_inbound_at = r.Int(13);
  c.first_response_at = r.Int(14);
  c.resolved_at = r.Int(15);
  c.last_message_at = r.Int(16);
  c.last_preview = r.Text(17);
  c.version = r.Int(18);
  c.sla_checked_at = r.Int(19);
  c.created_at = r.Int(20);
  c.updated_at = r.Int(21);
  c.purged_at = r.Int(22);
  return c;
}

constexpr const char* kMessageCols =
    "m.id, m.conversation_id, m.channel_id, m.direction, m.external_id, m.in_reply_to, m.author, "
    "m.author_user_id, m.subject, m.body, m.html, m.is_public, m.language, m.delivery, m.verdict, "
    "m.sent_at, m.created_at";

Message MessageFromRow(const Row& r) {
  Message m;
  m.id = r.Int(0);
  m.conversation_id = r.Int(1);
  m.channel_id = r.Int(2);
  m.direction = static_cast<MessageDirection>(r.Int(3));
  m.external_id = r.Text(4);
  m.in_reply_to = r.Text(5);
  m.author = r.Text(6);
  m.author_user_id = r.Int(7);
  m.subject = r.Text(8);
  m.body = r.Text(9);
  m.html = r.Text(10);
  m.is_public = r.Bool(11);
  m.language = r.Text(12);
  m.delivery = static_cast<DeliveryState>(r.Int(13));
  m.verdict = r.Text(14);
  m.sent_at = r.Int(15);
  m.created_at = r.Int(16);
  return m;
}

constexpr const char* kOutboxCols =
    "id, message_id, channel_id, idempotency_key, payload, state, attempts, next_attempt_at, "
    "last_error, external_id, claimed_by, claimed_until, created_at, updated_at";

OutboxItem OutboxFromRow(const Row& r) {
  OutboxItem o;
  o.id = r.Int(0);
  o.message_id = r.Int(1);
  o.channel_id = r.Int(2);
  o.idempotency_key = r.Text(3);
  o.payload = r.Text(4);
  o.state = static_cast<OutboxState>(r.Int(5));
  o.attempts = static_cast<int32_t>(r.Int(6));
  o.next_attempt_at = r.Int(7);
  o.last_error = r.Text(8);
  o.external_id = r.Text(9);
  o.claimed_by = r.Text(10);
  o.claimed_until = r.Int(11);
  o.created_at = r.Int(12);
  o.updated_at = r.Int(13);
  return o;
}

constexpr const char* kDeadLetterCols =
    "id, channel_id, source, payload, reason, created_at, replayed_at";

DeadLetter DeadLetterFromRow(const Row& r) {
  DeadLetter d;
  d.id = r.Int(0);
  d.channel_id = r.Int(1);
  d.source = r.Text(2);
  d.payload = r.Text(3);
  d.reason = r.Text(4);
  d.created_at = r.Int(5);
  d.replayed_at = r.Int(6);
  return d;
}

constexpr const char* kCannedCols = "id, team_id, name, language, body, created_at, updated_at";

CannedReply CannedFromRow(const Row& r) {
  CannedReply c;
  c.id = r.Int(0);
  c.team_id = r.Int(1);
  c.name = r.Text(2);
  c.language = r.Text(3);
  c.body = r.Text(4);
  c.created_at = r.Int(5);
  c.updated_at = r.Int(6);
  return c;
}

constexpr const char* kTeamSettingsCols =
    "team_id, routing_mode, default_capacity, match_language, language_fallback, away_grace_ms, "
    "sla_first_response_ms, sla_next_response_ms, sla_resolution_ms, calendar, updated_at";

TeamDeskSettings TeamSettingsFromRow(const Row& r) {
  TeamDeskSettings t;
  t.team_id = r.Int(0);
  t.routing_mode = r.Text(1);
  t.default_capacity = static_cast<int32_t>(r.Int(2));
  t.match_language = r.Bool(3);
  t.language_fallback = r.Bool(4);
  t.away_grace_ms = r.Int(5);
  t.sla_first_response_ms = r.Int(6);
  t.sla_next_response_ms = r.Int(7);
  t.sla_resolution_ms = r.Int(8);
  t.calendar = r.Text(9);
  t.updated_at = r.Int(10);
  return t;
}

// --- shared statements ------------------------------------------------------------

Status ExpectOne(const sql::ResultSet& rs, std::string what) {
  if (rs.affected == 0) return Status::NotFound(std::move(what));
  return Status::Ok();
}

Status LoadTags(sql::Connection& conn, std::vector<Conversation*> convs) {
  if (convs.empty()) return Status::Ok();
  std::unordered_map<int64_t, Conversation*> by_id;
  std::vector<Value> keys;
  for (Conversation* c : convs) {
    c->tags.clear();
    if (by_id.emplace(c->id, c).second) keys.push_back(Int(c->id));
  }
  return ForChunks(keys, {}, [&](const std::string& in, const std::vector<Value>& params) {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("SELECT conversation_id, tag FROM conversation_tags WHERE "
                                   "conversation_id IN " +
                                       in + " ORDER BY conversation_id, tag",
                                   params));
    for (const Row& r : rs.rows) {
      auto it = by_id.find(r.Int(0));
      if (it != by_id.end()) it->second->tags.push_back(r.Text(1));
    }
    return Status::Ok();
  });
}

Result<Conversation> SelectConversation(sql::Connection& conn, int64_t id, const char* lock) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                      conn.Query(std::string("SELECT ") + kConvCols +
                                     " FROM conversations c WHERE c.id = $1" + lock,
                                 {Int(id)}));
  if (rs.rows.empty()) return Status::NotFound("no conversation with id " + Id(id));
  Conversation c = ConvFromRow(rs.rows[0]);
  LP_RETURN_IF_ERROR(LoadTags(conn, {&c}));
  return c;
}

// The tag rows carry the conversation's team and recency (for the inbox's
// tag filter); every write of a conversation refreshes them.
constexpr const char* kSyncTags =
    "UPDATE conversation_tags SET team_id = $2, last_message_at = $3 WHERE conversation_id = $1";

// The same for the conversations of an IN list, from their stored rows.
constexpr const char* kSyncTagsIn =
    "UPDATE conversation_tags SET team_id = (SELECT c.team_id FROM conversations c WHERE c.id = "
    "conversation_tags.conversation_id), last_message_at = (SELECT c.last_message_at FROM "
    "conversations c WHERE c.id = conversation_tags.conversation_id) WHERE conversation_id IN ";

// An agent's open_load counts the conversations assigned to them that are
// not resolved. Every write that moves a conversation's assignee or its
// open/resolved status adjusts it in the same transaction, so routing reads
// the load with the agent's row instead of counting conversations.
bool CountsAsLoad(const Conversation& c) {
  return c.assignee_id != 0 && c.state != ConversationState::kResolved;
}

using LoadDeltas = std::map<int64_t, int64_t>;  // user → change of open_load

void AddLoadChange(LoadDeltas& d, const Conversation& before, const Conversation& after) {
  if (CountsAsLoad(before)) d[before.assignee_id] -= 1;
  if (CountsAsLoad(after)) d[after.assignee_id] += 1;
}

void AddLoadStatements(std::vector<sql::Statement>& out, const LoadDeltas& d) {
  for (const auto& [user, n] : d) {
    if (n == 0) continue;
    out.push_back(
        {"INSERT INTO agent_desk_states (user_id, available, away_since, capacity, "
         "languages, skills, signature, last_assigned_at, open_load) VALUES ($1, 0, 0, "
         "0, '', '', '', 0, $2) ON CONFLICT (user_id) DO UPDATE SET open_load = "
         "agent_desk_states.open_load + excluded.open_load",
         {Int(user), Int(n)}});
  }
}

// Writes every mutable column of `c` (read-modify-write under the row lock);
// `before` is the row as read, for the assignee's open_load.
Status SaveConversation(sql::Connection& conn, const Conversation& before, const Conversation& c) {
  LoadDeltas load;
  AddLoadChange(load, before, c);
  std::vector<sql::Statement> loads;
  AddLoadStatements(loads, load);
  for (const sql::Statement& st : loads) LP_RETURN_IF_ERROR(conn.Query(st.sql, st.params).status());
  LP_RETURN_IF_ERROR(conn.Query(kSyncTags, {Int(c.id), Int(c.team_id), Int(c.last_message_at)}));
  return conn
      .Query(
          "UPDATE conversations SET contact_id = $2, team_id = $3, thread_key = $4, subject = $5, "
          "state = $6, priority = $7, language = $8, is_public = $9, assignee_id = $10, "
          "assigned_at = $11, waiting_since = $12, first_inbound_at = $13, first_response_at = "
          "$14, resolved_at = $15, last_message_at = $16, last_preview = $17, version = $18, "
          "sla_checked_at = $19, updated_at = $20 WHERE id = $1",
          {Int(c.id),
           Int(c.contact_id),
           Int(c.team_id),
           Text(c.thread_key),
           Text(c.subject),
           Int(static_cast<int>(c.state)),
           Int(c.priority),
           Text(c.language),
           Bool(c.is_public),
           Int(c.assignee_id),
           Int(c.assigned_at),
           Int(c.waiting_since),
           Int(c.first_inbound_at),
           Int(c.first_response_at),
           Int(c.resolved_at),
           Int(c.last_message_at),
           Text(c.last_preview),
           Int(c.version),
           Int(c.sla_checked_at),
           Int(c.updated_at)})
      .status();
}

Status InsertMessage(sql::Connection& conn, Message& m) {
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet rs,
      conn.Query(
          "INSERT INTO messages (conversation_id, channel_id, direction, external_id, "
          "in_reply_to, author, author_user_id, subject, body, html, is_public, language, "
          "delivery, verdict, sent_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
          "$8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
          {Int(m.conversation_id), Int(m.channel_id), Int(static_cast<int>(m.direction)),
           Text(m.external_id), Text(m.in_reply_to), Text(m.author), Int(m.author_user_id),
           Text(m.subject), Text(m.body), Text(m.html), Bool(m.is_public), Text(m.language),
           Int(static_cast<int>(m.delivery)), Text(m.verdict), Int(m.sent_at), Int(m.created_at)}));
  m.id = rs.rows.at(0).Int(0);
  int64_t ord = 0;
  for (const StoredAttachment& a : m.attachments) {
    LP_RETURN_IF_ERROR(conn.Query(
        "INSERT INTO message_attachments (message_id, ord, name, mime_type, size_bytes, url) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
        {Int(m.id), Int(ord++), Text(a.name), Text(a.mime_type), Int(a.size), Text(a.url)}));
  }
  return Status::Ok();
}

Status InsertEvent(sql::Connection& conn, int64_t conversation_id, ConversationEventKind kind,
                   Millis at, std::string_view actor, std::string_view detail) {
  return conn
      .Query(
          "INSERT INTO conversation_events (conversation_id, kind, at, actor, detail) VALUES "
          "($1, $2, $3, $4, $5)",
          {Int(conversation_id), Int(static_cast<int>(kind)), Int(at), Text(actor), Text(detail)})
      .status();
}

ConversationEventKind EventForState(ConversationState s) {
  switch (s) {
    case ConversationState::kPendingCustomer:
      return ConversationEventKind::kPendingCustomer;
    case ConversationState::kResolved:
      return ConversationEventKind::kResolved;
    case ConversationState::kNew:
    case ConversationState::kOpen:
      break;
  }
  return ConversationEventKind::kOpen;
}

bool ValidState(ConversationState s) {
  int v = static_cast<int>(s);
  return v >= 0 && v <= 3;
}

// Moves `c` to `state` at `at` (resolved_at follows the state).
void ApplyState(Conversation& c, ConversationState state, Millis at) {
  c.state = state;
  c.resolved_at = state == ConversationState::kResolved ? at : 0;
}

Result<TeamDeskSettings> SelectTeamSettings(sql::Connection& conn, int64_t team_id) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                      conn.Query(std::string("SELECT ") + kTeamSettingsCols +
                                     " FROM team_desk_settings WHERE team_id = $1",
                                 {Int(team_id)}));
  if (rs.rows.empty()) {
    TeamDeskSettings defaults;
    defaults.team_id = team_id;
    return defaults;
  }
  return TeamSettingsFromRow(rs.rows[0]);
}

Result<std::vector<AgentDeskState>> SelectTeamAgents(sql::Connection& conn, int64_t team_id) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet team,
                      conn.Query("SELECT id FROM teams WHERE id = $1", {Int(team_id)}));
  if (team.rows.empty()) return Status::NotFound("no team with id " + Id(team_id));
  // open_load: conversations assigned to the agent in any team that are not
  // resolved (kept by every write, see CountsAsLoad).
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet rs,
      conn.Query("SELECT m.user_id, a.available, a.away_since, a.capacity, a.languages, a.skills, "
                 "a.signature, a.last_assigned_at, a.open_load FROM team_members m LEFT "
                 "JOIN agent_desk_states a ON a.user_id = m.user_id WHERE m.team_id = $1 ORDER BY "
                 "m.user_id",
                 {Int(team_id)}));
  std::vector<AgentDeskState> out;
  out.reserve(rs.rows.size());
  for (const Row& r : rs.rows) {
    AgentDeskState a;
    a.user_id = r.Int(0);
    a.available = r.Bool(1);
    a.away_since = r.Int(2);
    a.capacity = static_cast<int32_t>(r.Int(3));
    a.languages = SplitList(r.Text(4));
    a.skills = SplitList(r.Text(5));
    a.signature = r.Text(6);
    a.last_assigned_at = r.Int(7);
    a.open_load = static_cast<int32_t>(r.Int(8));
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

const char* SqlDeskStore::ForUpdate() const {
  return dialect_ == sql::Dialect::kPostgres ? " FOR UPDATE" : "";
}

const char* SqlDeskStore::SkipLocked() const {
  return dialect_ == sql::Dialect::kPostgres ? " FOR UPDATE SKIP LOCKED" : "";
}

// Ids are taken before the rows are inserted, so that a batch is inserted
// by a few multi-row statements without RETURNING (whose row order is not
// promised). PostgreSQL: the identity sequence hands out `n` values. SQLite:
// the writer holds the database lock (BEGIN IMMEDIATE), so the ids after
// the AUTOINCREMENT counter are free; inserting them moves the counter on.
sql::Statement SqlDeskStore::IdStatement(const char* table, size_t n) const {
  if (dialect_ == sql::Dialect::kPostgres) {
    // The sequence is looked up once, not once per row.
    return {std::string("SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence('") + table +
                "', 'id')::regclass AS seq) s CROSS JOIN generate_series(1, $1)",
            {Int(static_cast<int64_t>(n))}};
  }
  return {std::string("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '") + table +
              "'), 0), $1",
          {Int(static_cast<int64_t>(n))}};
}

std::vector<int64_t> SqlDeskStore::IdsFrom(const sql::ResultSet& rs, size_t n) const {
  std::vector<int64_t> ids;
  ids.reserve(n);
  if (dialect_ == sql::Dialect::kPostgres) {
    for (const Row& r : rs.rows) ids.push_back(r.Int(0));
    std::sort(ids.begin(), ids.end());
  } else if (!rs.rows.empty()) {
    for (size_t k = 0; k < n; ++k) ids.push_back(rs.rows[0].Int(0) + 1 + static_cast<int64_t>(k));
  }
  return ids;
}

// --- channels -------------------------------------------------------------------------

Result<ChannelRow> SqlDeskStore::CreateChannel(ChannelRow ch) {
  if (ch.name.empty()) return Status::InvalidArgument("channel name must not be empty");
  if (ch.kind.empty()) return Status::InvalidArgument("channel '" + ch.name + "' has no kind");
  if (ch.created_at == 0) ch.created_at = NowMillis();
  if (ch.updated_at == 0) ch.updated_at = ch.created_at;
  return store_.TxValue<ChannelRow>(true, [&](sql::Connection& conn) -> Result<ChannelRow> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet existing,
                        conn.Query("SELECT id FROM channels WHERE name = $1", {Text(ch.name)}));
    if (!existing.rows.empty()) {
      return Status::AlreadyExists("channel '" + ch.name + "' exists already");
    }
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query(
            "INSERT INTO channels (name, kind, team_id, settings, paused, poll_cursor, "
            "last_poll_at, last_ok_at, last_error, last_error_at, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            {Text(ch.name), Text(ch.kind), Int(ch.team_id), Text(ch.settings), Bool(ch.paused),
             Text(ch.cursor), Int(ch.last_poll_at), Int(ch.last_ok_at), Text(ch.last_error),
             Int(ch.last_error_at), Int(ch.created_at), Int(ch.updated_at)}));
    ch.id = rs.rows.at(0).Int(0);
    return ch;
  });
}

Result<ChannelRow> SqlDeskStore::GetChannel(int64_t id) {
  return store_.TxValue<ChannelRow>(false, [&](sql::Connection& conn) -> Result<ChannelRow> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(std::string("SELECT ") + kChannelCols +
                                                          " FROM channels WHERE id = $1",
                                                      {Int(id)}));
    if (rs.rows.empty()) return Status::NotFound("no channel with id " + Id(id));
    return ChannelFromRow(rs.rows[0]);
  });
}

Result<ChannelRow> SqlDeskStore::FindChannel(std::string_view name) {
  return store_.TxValue<ChannelRow>(false, [&](sql::Connection& conn) -> Result<ChannelRow> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(std::string("SELECT ") + kChannelCols +
                                                          " FROM channels WHERE name = $1",
                                                      {Text(name)}));
    if (rs.rows.empty()) return Status::NotFound("no channel named '" + std::string(name) + "'");
    return ChannelFromRow(rs.rows[0]);
  });
}

Result<std::vector<ChannelRow>> SqlDeskStore::ListChannels() {
  return store_.TxValue<std::vector<ChannelRow>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ChannelRow>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(std::string("SELECT ") + kChannelCols + " FROM channels ORDER BY id", {}));
        std::vector<ChannelRow> out;
        for (const Row& r : rs.rows) out.push_back(ChannelFromRow(r));
        return out;
      });
}

Status SqlDeskStore::UpdateChannel(int64_t id, int64_t team_id, std::string_view settings,
                                   bool paused) {
  const Millis now = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE channels SET team_id = $2, settings = $3, paused = $4, "
                   "updated_at = $5 WHERE id = $1",
                   {Int(id), Int(team_id), Text(settings), Bool(paused), Int(now)}));
    return ExpectOne(rs, "no channel with id " + Id(id));
  });
}

Status SqlDeskStore::DeleteChannel(int64_t id) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet used,
        conn.Query("SELECT id FROM conversations WHERE channel_id = $1 LIMIT 1", {Int(id)}));
    if (!used.rows.empty()) {
      return Status::FailedPrecondition("channel " + Id(id) +
                                        " still has conversations; pause it instead");
    }
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("DELETE FROM channels WHERE id = $1", {Int(id)}));
    return ExpectOne(rs, "no channel with id " + Id(id));
  });
}

Status SqlDeskStore::RecordChannelHealth(int64_t id, Millis at, bool ok, std::string_view error) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    Result<sql::ResultSet> rs =
        ok ? conn.Query(
                 "UPDATE channels SET last_poll_at = $2, last_ok_at = $2, last_error = '' "
                 "WHERE id = $1",
                 {Int(id), Int(at)})
           : conn.Query(
                 "UPDATE channels SET last_poll_at = $2, last_error = $3, last_error_at = "
                 "$2 WHERE id = $1",
                 {Int(id), Int(at), Text(error)});
    if (!rs.ok()) return rs.error();
    return ExpectOne(*rs, "no channel with id " + Id(id));
  });
}

// --- inbound --------------------------------------------------------------------------

namespace {

// Ingest works in a few rounds of statements (one pipeline each on
// PostgreSQL) instead of several round trips per message:
//   0. lock the channel; look up the batch's external ids, handles and
//      thread keys;
//   (plan every item in memory: duplicate, contact, conversation)
//   1. insert new contacts; lock and load the existing conversations and
//      contacts the batch touches;
//   (apply every item to its conversation in memory)
//   2. insert handles and new conversations;
//   3. insert messages;
//   4. attachments, events, conversation/contact updates, the cursor.
struct ContactSlot {
  int64_t id = 0;  // 0 until inserted (new contacts)
  bool is_new = false;
  std::string handle;        // new contacts: the handle to store
  std::string display_name;  // new: initial; existing: wanted (empty = keep)
  std::string language;
};

struct ConvSlot {
  int64_t id = 0;  // 0 until inserted (new conversations)
  bool is_new = false;
  Conversation conv;
};

struct ItemPlan {
  bool duplicate = false;
  int64_t dup_message_id = 0;  // a stored duplicate
  int dup_of_item = -1;        // a duplicate of an earlier item of the batch
  size_t contact = 0;          // ContactSlot index
  size_t conv = 0;             // ConvSlot index
  bool created = false;
  bool reopened = false;
  Message message;
};

// Where an external id of this channel lives: a stored message or an
// earlier item of the batch.
struct KnownId {
  int64_t message_id = 0;
  int item = -1;
  size_t conv = 0;  // ConvSlot index
};

Statement InStatement(const std::string& head, const std::string& tail,
                      const std::vector<Value>& prefix, const std::vector<Value>& keys,
                      size_t start) {
  Statement st;
  st.sql = head + "(" + Placeholders(prefix.size() + 1, kInWidth) + ")" + tail;
  st.params = prefix;
  for (size_t i = 0; i < kInWidth; ++i) {
    size_t k = start + i;
    st.params.push_back(k < keys.size() ? keys[k] : keys[start]);
  }
  return st;
}

// Appends one IN-list statement per chunk of `keys`; returns how many.
size_t AddInStatements(std::vector<Statement>& out, const std::string& head,
                       const std::string& tail, const std::vector<Value>& prefix,
                       const std::vector<Value>& keys) {
  size_t n = 0;
  for (size_t start = 0; start < keys.size(); start += kInWidth, ++n) {
    out.push_back(InStatement(head, tail, prefix, keys, start));
  }
  return n;
}

constexpr const char* kConvInsertCols =
    "channel_id, contact_id, team_id, thread_key, subject, state, priority, language, is_public, "
    "assignee_id, assigned_at, waiting_since, first_inbound_at, first_response_at, resolved_at, "
    "last_message_at, last_preview, version, sla_checked_at, created_at, updated_at";

std::vector<Value> ConversationInsertParams(const Conversation& c) {
  return {Int(c.channel_id),       Int(c.contact_id),        Int(c.team_id),
          Text(c.thread_key),      Text(c.subject),          Int(static_cast<int>(c.state)),
          Int(c.priority),         Text(c.language),         Bool(c.is_public),
          Int(c.assignee_id),      Int(c.assigned_at),       Int(c.waiting_since),
          Int(c.first_inbound_at), Int(c.first_response_at), Int(c.resolved_at),
          Int(c.last_message_at),  Text(c.last_preview),     Int(c.version),
          Int(c.sla_checked_at),   Int(c.created_at),        Int(c.updated_at)};
}

constexpr const char* kUpdateConversation =
    "UPDATE conversations SET contact_id = $2, team_id = $3, thread_key = $4, subject = $5, "
    "state = $6, priority = $7, language = $8, is_public = $9, assignee_id = $10, "
    "assigned_at = $11, waiting_since = $12, first_inbound_at = $13, first_response_at = "
    "$14, resolved_at = $15, last_message_at = $16, last_preview = $17, version = $18, "
    "sla_checked_at = $19, updated_at = $20 WHERE id = $1";

Statement ConversationUpdate(const Conversation& c) {
  return {kUpdateConversation,
          {Int(c.id),
           Int(c.contact_id),
           Int(c.team_id),
           Text(c.thread_key),
           Text(c.subject),
           Int(static_cast<int>(c.state)),
           Int(c.priority),
           Text(c.language),
           Bool(c.is_public),
           Int(c.assignee_id),
           Int(c.assigned_at),
           Int(c.waiting_since),
           Int(c.first_inbound_at),
           Int(c.first_response_at),
           Int(c.resolved_at),
           Int(c.last_message_at),
           Text(c.last_preview),
           Int(c.version),
           Int(c.sla_checked_at),
           Int(c.updated_at)}};
}

constexpr const char* kMessageInsertCols =
    "id, conversation_id, channel_id, direction, external_id, in_reply_to, author, "
    "author_user_id, subject, body, html, is_public, language, delivery, verdict, sent_at, "
    "created_at";

std::vector<Value> MessageRow(const Message& m) {
  return {Int(m.id),           Int(m.conversation_id),
          Int(m.channel_id),   Int(static_cast<int>(m.direction)),
          Text(m.external_id), Text(m.in_reply_to),
          Text(m.author),      Int(m.author_user_id),
          Text(m.subject),     Text(m.body),
          Text(m.html),        Bool(m.is_public),
          Text(m.language),    Int(static_cast<int>(m.delivery)),
          Text(m.verdict),     Int(m.sent_at),
          Int(m.created_at)};
}

// Appends statements `head` VALUES (...), (...) `tail` for `rows` (each
// `width` values) in chunks of 32, 8 and 1 rows, so that three statement
// texts serve any number of rows.
void AddRowStatements(std::vector<Statement>& out, const std::string& head, const std::string& tail,
                      size_t width, const std::vector<std::vector<Value>>& rows) {
  size_t i = 0;
  for (size_t chunk : {size_t{32}, size_t{8}, size_t{1}}) {
    while (rows.size() - i >= chunk) {
      Statement st;
      st.sql = head + " VALUES ";
      for (size_t r = 0; r < chunk; ++r) {
        st.sql += r == 0 ? "(" : ", (";
        st.sql += Placeholders(r * width + 1, width);
        st.sql += ')';
        st.params.insert(st.params.end(), rows[i + r].begin(), rows[i + r].end());
      }
      st.sql += tail;
      out.push_back(std::move(st));
      i += chunk;
    }
  }
}

void AddInsertRows(std::vector<Statement>& out, const std::string& head, size_t width,
                   const std::vector<std::vector<Value>>& rows) {
  AddRowStatements(out, head, "", width, rows);
}

constexpr const char* kInsertAttachment =
    "INSERT INTO message_attachments (message_id, ord, name, mime_type, size_bytes, url) VALUES "
    "($1, $2, $3, $4, $5, $6)";

constexpr const char* kInsertEvent =
    "INSERT INTO conversation_events (conversation_id, kind, at, actor, detail) VALUES ($1, $2, "
    "$3, $4, $5)";

}  // namespace

Result<std::vector<IngestOutcome>> SqlDeskStore::Ingest(int64_t channel_id,
                                                        const std::vector<IngestItem>& items,
                                                        std::string_view cursor) {
  const Millis now = NowMillis();
  return store_.TxValue<std::vector<
      IngestOutcome>>(true, [&](sql::Connection& conn) -> Result<std::vector<IngestOutcome>> {
    const Value channel = Int(channel_id);
    // --- round 0: lock the channel, look up what the items refer to.
    std::vector<Value> ext_keys, handle_keys, thread_keys;
    {
      std::set<std::string> ext, handles, threads;
      for (const IngestItem& item : items) {
        const Message& m = item.message;
        if (!m.external_id.empty()) ext.insert(m.external_id);
        if (!m.in_reply_to.empty()) ext.insert(m.in_reply_to);
        for (const std::string& ref : item.references) {
          if (!ref.empty()) ext.insert(ref);
        }
        if (!m.author.empty()) handles.insert(m.author);
        if (!item.thread_key.empty()) threads.insert(item.thread_key);
      }
      for (const std::string& s : ext) ext_keys.push_back(Text(s));
      for (const std::string& s : handles) handle_keys.push_back(Text(s));
      for (const std::string& s : threads) thread_keys.push_back(Text(s));
    }
    std::vector<Statement> round;
    // The channel row lock comes first: it serialises ingests of one
    // channel across instances (PostgreSQL), and the lookups after it
    // see what the previous holder committed.
    round.push_back(
        {std::string("SELECT team_id FROM channels WHERE id = $1") + ForUpdate(), {channel}});
    // "external_id <> ''" lets both planners use the partial unique
    // index messages_external.
    const size_t n_ext = AddInStatements(
        round,
        "SELECT external_id, id, conversation_id FROM messages WHERE channel_id = $1 AND "
        "external_id <> '' AND external_id IN ",
        "", {channel}, ext_keys);
    const size_t n_handles = AddInStatements(
        round,
        // Correlated lookups instead of a join: a primary-key probe per row
        // whatever the statistics say.
        "SELECT h.handle, h.contact_id, (SELECT k.display_name FROM contacts k WHERE k.id = "
        "h.contact_id), (SELECT k.language FROM contacts k WHERE k.id = h.contact_id) FROM "
        "contact_handles h WHERE h.channel_id = $1 AND h.handle IN ",
        "", {channel}, handle_keys);
    AddInStatements(round,
                    "SELECT thread_key, MAX(id) FROM conversations WHERE channel_id = $1 AND "
                    "thread_key IN ",
                    " GROUP BY thread_key", {channel}, thread_keys);
    // The lookups are planned with their values: cached generic plans of
    // these IN lists turned into scans as the tables grew (ingest fell from
    // thousands of messages per second to hundreds on PostgreSQL).
    for (size_t k = 1; k < round.size(); ++k) round[k].plan_each_time = true;
    LP_ASSIGN_OR_RETURN(std::vector<sql::ResultSet> r0, conn.QueryMany(round));
    if (r0[0].rows.empty()) return Status::NotFound("no channel with id " + Id(channel_id));
    const int64_t team_id = r0[0].rows[0].Int(0);

    std::vector<ConvSlot> convs;
    std::unordered_map<int64_t, size_t> conv_by_id;  // existing conversations
    auto existing_conv = [&](int64_t id) {
      auto [it, inserted] = conv_by_id.emplace(id, convs.size());
      if (inserted) {
        ConvSlot slot;
        slot.id = id;
        convs.push_back(std::move(slot));
      }
      return it->second;
    };
    std::unordered_map<std::string, KnownId> known;
    std::unordered_map<std::string, size_t> contact_by_handle;
    // Stored display name and language of the existing contacts, by id.
    std::unordered_map<int64_t, std::pair<std::string, std::string>> stored_contacts;
    std::vector<ContactSlot> contacts;
    std::unordered_map<std::string, size_t> threads;
    size_t next = 1;
    for (size_t i = 0; i < n_ext; ++i, ++next) {
      for (const Row& r : r0[next].rows) {
        known[r.Text(0)] = {r.Int(1), -1, existing_conv(r.Int(2))};
      }
    }
    for (size_t i = 0; i < n_handles; ++i, ++next) {
      for (const Row& r : r0[next].rows) {
        if (contact_by_handle.count(r.Text(0)) != 0) continue;
        ContactSlot slot;
        slot.id = r.Int(1);
        stored_contacts[slot.id] = {r.Text(2), r.Text(3)};
        contact_by_handle[r.Text(0)] = contacts.size();
        contacts.push_back(std::move(slot));
      }
    }
    for (; next < r0.size(); ++next) {
      for (const Row& r : r0[next].rows) threads[r.Text(0)] = existing_conv(r.Int(1));
    }

    // --- plan every item: duplicate, contact, conversation.
    std::vector<ItemPlan> plans(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      const IngestItem& item = items[i];
      ItemPlan& plan = plans[i];
      const std::string where = "ingest item " + std::to_string(i);
      if (item.channel_id != 0 && item.channel_id != channel_id) {
        return Status::InvalidArgument(where + " names channel " + Id(item.channel_id) +
                                       ", the batch is for channel " + Id(channel_id));
      }
      const Message& m = item.message;
      if (m.author.empty()) return Status::InvalidArgument(where + " has no author handle");
      if (!m.external_id.empty()) {
        auto dup = known.find(m.external_id);
        if (dup != known.end()) {
          plan.duplicate = true;
          plan.dup_message_id = dup->second.message_id;
          plan.dup_of_item = dup->second.item;
          plan.conv = dup->second.conv;
          continue;
        }
      }
      auto contact_it = contact_by_handle.find(m.author);
      if (contact_it == contact_by_handle.end()) {
        ContactSlot slot;
        slot.is_new = true;
        slot.handle = m.author;
        slot.display_name = item.author_name.empty() ? m.author : item.author_name;
        contact_it = contact_by_handle.emplace(m.author, contacts.size()).first;
        contacts.push_back(std::move(slot));
      }
      plan.contact = contact_it->second;
      ContactSlot& contact = contacts[plan.contact];
      if (!item.author_name.empty()) contact.display_name = item.author_name;
      if (!m.language.empty()) contact.language = m.language;

      // Parent, then references newest first, then the thread key.
      const KnownId* parent = nullptr;
      if (!m.in_reply_to.empty()) {
        if (auto it = known.find(m.in_reply_to); it != known.end()) parent = &it->second;
      }
      for (auto ref = item.references.rbegin(); parent == nullptr && ref != item.references.rend();
           ++ref) {
        if (auto it = known.find(*ref); it != known.end()) parent = &it->second;
      }
      if (parent != nullptr) {
        plan.conv = parent->conv;
      } else if (auto it = item.thread_key.empty() ? threads.end() : threads.find(item.thread_key);
                 it != threads.end()) {
        plan.conv = it->second;
      } else {
        ConvSlot slot;
        slot.is_new = true;
        plan.conv = convs.size();
        plan.created = true;
        convs.push_back(std::move(slot));
        if (!item.thread_key.empty()) threads[item.thread_key] = plan.conv;
      }
      if (!m.external_id.empty()) {
        known[m.external_id] = {0, static_cast<int>(i), plan.conv};
      }
    }

    // --- round 1: ids for the new rows; lock and load the touched
    // conversations.
    std::vector<size_t> new_contacts, new_convs, stored_items;
    std::vector<Value> old_conv_ids;
    for (size_t c = 0; c < contacts.size(); ++c) {
      if (contacts[c].is_new) new_contacts.push_back(c);
    }
    for (size_t s = 0; s < convs.size(); ++s) {
      if (convs[s].is_new) {
        new_convs.push_back(s);
      } else {
        old_conv_ids.push_back(Int(convs[s].id));
      }
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (!plans[i].duplicate) stored_items.push_back(i);
    }
    round.clear();
    round.push_back(IdStatement("contacts", new_contacts.size()));
    round.push_back(IdStatement("conversations", new_convs.size()));
    round.push_back(IdStatement("messages", stored_items.size()));
    // One primary-key lookup per row, not an IN list: right after a bulk
    // import PostgreSQL's statistics still say "a few rows" and it would
    // answer an IN list with a sequential scan. Other writers lock one
    // conversation at a time (RouteTeam skips locked rows), so this lock
    // order cannot deadlock.
    const size_t first_conv_stmt = round.size();
    const std::string lock_conv =
        std::string("SELECT ") + kConvCols + " FROM conversations c WHERE c.id = $1" + ForUpdate();
    for (const Value& id : old_conv_ids) round.push_back({lock_conv, {id}});
    const size_t n_conv_stmts = old_conv_ids.size();
    LP_ASSIGN_OR_RETURN(std::vector<sql::ResultSet> r1, conn.QueryMany(round));
    std::vector<int64_t> contact_ids = IdsFrom(r1[0], new_contacts.size());
    std::vector<int64_t> conv_ids = IdsFrom(r1[1], new_convs.size());
    std::vector<int64_t> message_ids = IdsFrom(r1[2], stored_items.size());
    if (contact_ids.size() != new_contacts.size() || conv_ids.size() != new_convs.size() ||
        message_ids.size() != stored_items.size()) {
      return Status::Internal("ingest: the database handed out too few ids");
    }
    for (size_t k = 0; k < new_contacts.size(); ++k) contacts[new_contacts[k]].id = contact_ids[k];
    for (size_t k = 0; k < new_convs.size(); ++k) {
      convs[new_convs[k]].id = conv_ids[k];
      convs[new_convs[k]].conv.id = conv_ids[k];
    }
    for (size_t k = first_conv_stmt; k < first_conv_stmt + n_conv_stmts; ++k) {
      for (const Row& r : r1[k].rows) convs[conv_by_id.at(r.Int(0))].conv = ConvFromRow(r);
    }

    // --- apply the items to their conversations, in order.
    LoadDeltas load;  // reopened conversations count for their assignee again
    for (size_t k = 0; k < stored_items.size(); ++k) {
      const size_t i = stored_items[k];
      ItemPlan& plan = plans[i];
      const IngestItem& item = items[i];
      const Millis at = item.received_at != 0 ? item.received_at : now;
      ConvSlot& slot = convs[plan.conv];
      Conversation& c = slot.conv;
      if (plan.created) {
        c.channel_id = channel_id;
        c.contact_id = contacts[plan.contact].id;
        c.team_id = team_id;
        c.thread_key = item.thread_key;
        c.subject = item.message.subject;
        c.state = ConversationState::kNew;
        c.created_at = at;
        c.updated_at = at;
      }
      if (c.state == ConversationState::kResolved) {
        plan.reopened = true;
        if (c.assignee_id != 0) load[c.assignee_id] += 1;
        ApplyState(c, ConversationState::kOpen, at);
      } else if (c.state == ConversationState::kPendingCustomer) {
        ApplyState(c, ConversationState::kOpen, at);
      }
      c.version += 1;
      if (c.waiting_since == 0) c.waiting_since = at;
      if (c.first_inbound_at == 0) c.first_inbound_at = at;
      if (at >= c.last_message_at) {
        c.last_message_at = at;
        c.last_preview = Preview(item.message.body);
      }
      if (!item.message.language.empty()) c.language = item.message.language;
      c.is_public = item.message.is_public;
      if (c.subject.empty()) c.subject = item.message.subject;
      c.updated_at = std::max(c.updated_at, at);

      Message& m = plan.message;
      m = item.message;
      m.id = message_ids[k];
      m.conversation_id = slot.id;
      m.channel_id = channel_id;
      m.direction = MessageDirection::kInbound;
      m.delivery = DeliveryState::kNone;
      if (m.sent_at == 0) m.sent_at = at;
      m.created_at = at;
    }

    // --- round 2: every insert and update, parents before children.
    round.clear();
    std::vector<std::vector<Value>> rows;
    for (size_t c : new_contacts) {
      rows.push_back({Int(contacts[c].id), Text(contacts[c].display_name),
                      Text(contacts[c].language), Int(now), Int(now)});
    }
    AddInsertRows(round,
                  "INSERT INTO contacts (id, display_name, language, created_at, updated_at)", 5,
                  rows);
    rows.clear();
    for (size_t c : new_contacts) {
      rows.push_back({channel, Text(contacts[c].handle), Int(contacts[c].id)});
    }
    AddInsertRows(round, "INSERT INTO contact_handles (channel_id, handle, contact_id)", 3, rows);
    rows.clear();
    for (size_t s : new_convs) {
      std::vector<Value> row = {Int(convs[s].id)};
      std::vector<Value> rest = ConversationInsertParams(convs[s].conv);
      row.insert(row.end(), rest.begin(), rest.end());
      rows.push_back(std::move(row));
    }
    AddInsertRows(round, std::string("INSERT INTO conversations (id, ") + kConvInsertCols + ")", 22,
                  rows);
    rows.clear();
    for (size_t i : stored_items) rows.push_back(MessageRow(plans[i].message));
    AddInsertRows(round, std::string("INSERT INTO messages (") + kMessageInsertCols + ")", 17,
                  rows);
    rows.clear();
    std::vector<std::vector<Value>> events;
    for (size_t i : stored_items) {
      const ItemPlan& plan = plans[i];
      const Message& m = plan.message;
      int64_t ord = 0;
      for (const StoredAttachment& a : m.attachments) {
        rows.push_back(
            {Int(m.id), Int(ord++), Text(a.name), Text(a.mime_type), Int(a.size), Text(a.url)});
      }
      const std::string detail = "{\"message_id\":" + Id(m.id) + "}";
      if (plan.reopened) {
        events.push_back({Int(m.conversation_id),
                          Int(static_cast<int>(ConversationEventKind::kReopened)),
                          Int(m.created_at), Text("customer"), Text(detail)});
      }
      events.push_back({Int(m.conversation_id),
                        Int(static_cast<int>(ConversationEventKind::kInbound)), Int(m.created_at),
                        Text("customer"), Text(detail)});
    }
    AddInsertRows(round,
                  "INSERT INTO message_attachments (message_id, ord, name, mime_type, size_bytes, "
                  "url)",
                  6, rows);
    AddInsertRows(round,
                  "INSERT INTO conversation_events (conversation_id, kind, at, actor, detail)", 5,
                  events);
    // One UPDATE by primary key per conversation: an UPDATE ... FROM
    // (VALUES ...) joins, and with stale statistics PostgreSQL picks a
    // sequential scan of the whole table for it.
    std::vector<Value> updated;
    for (const ConvSlot& slot : convs) {
      if (!slot.is_new && slot.conv.id != 0) {
        round.push_back(ConversationUpdate(slot.conv));
        updated.push_back(Int(slot.conv.id));
      }
    }
    // Their tag rows follow (by primary key; most conversations have none).
    AddInStatements(round, kSyncTagsIn, "", {}, updated);
    AddLoadStatements(round, load);
    for (const ContactSlot& c : contacts) {
      if (c.is_new) continue;
      auto stored = stored_contacts.find(c.id);
      if (stored == stored_contacts.end()) continue;
      std::string name = c.display_name.empty() ? stored->second.first : c.display_name;
      std::string language = c.language.empty() ? stored->second.second : c.language;
      if (name == stored->second.first && language == stored->second.second) continue;
      round.push_back(
          {"UPDATE contacts SET display_name = $2, language = $3, updated_at = $4 WHERE id = $1",
           {Int(c.id), Text(name), Text(language), Int(now)}});
    }
    if (!cursor.empty()) {
      round.push_back({"UPDATE channels SET poll_cursor = $2, updated_at = $3 WHERE id = $1",
                       {channel, Text(cursor), Int(now)}});
    }
    LP_RETURN_IF_ERROR(conn.QueryMany(round));

    std::vector<IngestOutcome> out;
    out.reserve(items.size());
    for (const ItemPlan& plan : plans) {
      IngestOutcome o;
      o.duplicate = plan.duplicate;
      o.created = plan.created;
      o.reopened = plan.reopened;
      o.conversation_id = convs[plan.conv].id;
      o.message_id = plan.duplicate ? (plan.dup_of_item >= 0
                                           ? plans[static_cast<size_t>(plan.dup_of_item)].message.id
                                           : plan.dup_message_id)
                                    : plan.message.id;
      out.push_back(o);
    }
    return out;
  });
}

// --- conversations --------------------------------------------------------------------

Result<Conversation> SqlDeskStore::GetConversation(int64_t id) {
  return store_.TxValue<Conversation>(
      false, [&](sql::Connection& conn) { return SelectConversation(conn, id, ""); });
}

Result<std::vector<InboxRow>> SqlDeskStore::ListInbox(const InboxQuery& q) {
  std::set<int> states;
  for (ConversationState s : q.states) {
    if (!ValidState(s)) {
      return Status::InvalidArgument("inbox query: unknown conversation state " +
                                     std::to_string(static_cast<int>(s)));
    }
    states.insert(static_cast<int>(s));
  }
  const int32_t limit = q.limit <= 0 ? 50 : std::min(q.limit, kMaxInboxPage);
  // The statement and its parameters; `dense_tag`: the tag is on many
  // conversations (see below).
  std::vector<Value> params;
  std::string sql;
  auto build = [&](bool dense_tag) {
    params.clear();
    auto param = [&](Value v) {
      params.push_back(std::move(v));
      std::string p(1, '$');
      p += std::to_string(params.size());
      return p;
    };
    // Priority and response-due conditions, the same in every plan.
    auto extra = [&]() {
      std::vector<std::string> conds;
      if (!q.priorities.empty()) {
        std::string list;
        for (int32_t p : q.priorities) list += (list.empty() ? "" : ", ") + param(Int(p));
        conds.push_back("c.priority IN (" + list + ")");
      }
      if (q.response_due_before != 0) {
        // The target that runs while a customer waits: first response until
        // the first reply, next response after it (wall time, see InboxQuery).
        const std::string target =
            "CASE WHEN c.first_response_at = 0 THEN s.sla_first_response_ms ELSE "
            "s.sla_next_response_ms END";
        conds.push_back("c.state IN (0, 1) AND c.waiting_since > 0 AND c.waiting_since + (SELECT " +
                        target + " FROM team_desk_settings s WHERE s.team_id = c.team_id AND " +
                        target + " > 0) <= " + param(Int(q.response_due_before)));
      }
      return conds;
    };
    // The filters of one branch; `state` < 0: no state condition.
    auto where = [&](int state) {
      std::string w;
      auto add = [&](const std::string& cond) {
        w += w.empty() ? " WHERE " : " AND ";
        w += cond;
      };
      if (q.team_id != 0) add("c.team_id = " + param(Int(q.team_id)));
      if (state >= 0) add("c.state = " + param(Int(state)));
      // "Unassigned" as a literal, so that the planner may use the partial
      // index conversations_team_unassigned_recent (a parameter could be
      // anything in a generic plan).
      if (q.assignee_id == 0) add("c.assignee_id = 0");
      if (q.assignee_id > 0) add("c.assignee_id = " + param(Int(q.assignee_id)));
      if (q.channel_id != 0) add("c.channel_id = " + param(Int(q.channel_id)));
      for (const std::string& cond : extra()) add(cond);
      if (!q.tag.empty() && dense_tag) {
        // Probed row by row while walking an ordered range: a page is found
        // after a few rows per match. A scalar subquery, because PostgreSQL
        // turns EXISTS into a join and then scans the whole table for it.
        add("(SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id AND t.tag = " +
            param(Text(q.tag)) + ") = 1");
      } else if (!q.tag.empty()) {
        // Few tagged conversations: read them from the tag index and sort.
        add("c.id IN (SELECT t.conversation_id FROM conversation_tags t WHERE t.tag = " +
            param(Text(q.tag)) + ")");
      }
      if (q.before_last_message_at != 0 || q.before_id != 0) {
        std::string at = param(Int(q.before_last_message_at));
        std::string id = param(Int(q.before_id));
        add("(c.last_message_at < " + at + " OR (c.last_message_at = " + at + " AND c.id < " + id +
            "))");
      }
      return w;
    };
    const std::string order = " ORDER BY c.last_message_at DESC, c.id DESC LIMIT ";
    const std::string select = std::string("SELECT ") + kConvCols +
                               ", k.display_name, ch.kind FROM conversations c JOIN contacts k ON "
                               "k.id = c.contact_id JOIN channels ch ON ch.id = c.channel_id";
    if (!q.tag.empty() && q.team_id != 0) {
      // The tag's rows carry team and recency: walk (tag, team,
      // last_message_at, id) newest first and check the other filters on
      // each conversation by primary key. A page costs a few index steps per
      // match whether the tag is rare or on every second conversation.
      std::string w =
          " WHERE t.tag = " + param(Text(q.tag)) + " AND t.team_id = " + param(Int(q.team_id));
      if (!states.empty()) {
        std::string list;
        for (int st : states) list += (list.empty() ? "" : ", ") + param(Int(st));
        w += " AND c.state IN (" + list + ")";
      }
      if (q.assignee_id >= 0) w += " AND c.assignee_id = " + param(Int(q.assignee_id));
      if (q.channel_id != 0) w += " AND c.channel_id = " + param(Int(q.channel_id));
      for (const std::string& cond : extra()) w += " AND " + cond;
      if (q.before_last_message_at != 0 || q.before_id != 0) {
        std::string at = param(Int(q.before_last_message_at));
        std::string id = param(Int(q.before_id));
        w += " AND (t.last_message_at < " + at + " OR (t.last_message_at = " + at +
             " AND t.conversation_id < " + id + "))";
      }
      sql = std::string("SELECT ") + kConvCols +
            ", k.display_name, ch.kind FROM conversation_tags t JOIN conversations c ON c.id = "
            "t.conversation_id JOIN contacts k ON k.id = c.contact_id JOIN channels ch ON ch.id = "
            "c.channel_id" +
            w + " ORDER BY t.last_message_at DESC, t.conversation_id DESC LIMIT " +
            param(Int(limit));
      return;
    }
    if (states.size() == 1 || (q.team_id == 0 && q.assignee_id < 0)) {
      // One ordered index range: (team|assignee, state, last_message_at, id)
      // for one state, or the recency indexes.
      std::string w;
      if (states.size() == 1) {
        w = where(*states.begin());
      } else if (states.empty()) {
        w = where(-1);
      } else {
        // Several states without team or assignee: filtered while walking
        // the recency index.
        std::string list;
        for (int s : states) list += (list.empty() ? "" : ", ") + param(Int(s));
        w = where(-1);
        w += (w.empty() ? " WHERE " : " AND ") + ("c.state IN (" + list + ")");
      }
      sql = select + w + order + param(Int(limit));
    } else {
      // Several states (none given: all four) of a team or an assignee: the
      // newest `limit` of each state come from its own ordered index range,
      // and only those few rows are merged. Neither planner merges ordered
      // ranges for "state IN (...)" by itself; it would sort every match.
      if (states.empty()) states = {0, 1, 2, 3};
      std::string branches;
      int n = 0;
      for (int s : states) {
        if (!branches.empty()) branches += " UNION ALL ";
        std::string w = where(s);
        branches += "SELECT * FROM (SELECT c.id FROM conversations c" + w + order +
                    param(Int(limit)) + ") AS b" + std::to_string(n++);
      }
      sql = select + " JOIN (" + branches + ") AS u ON u.id = c.id" + order + param(Int(limit));
    }
  };
  return store_.TxValue<std::vector<InboxRow>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<InboxRow>> {
        bool dense_tag = false;
        if (!q.tag.empty() && q.team_id == 0) {
          // Which plan suits the tag depends on how many carry it; counting
          // up to a cap costs one short index range.
          LP_ASSIGN_OR_RETURN(sql::ResultSet n,
                              conn.Query("SELECT COUNT(*) FROM (SELECT 1 FROM conversation_tags "
                                         "WHERE tag = $1 LIMIT $2) AS x",
                                         {Text(q.tag), Int(kDenseTag)}));
          dense_tag = n.rows.at(0).Int(0) >= kDenseTag;
        }
        build(dense_tag);
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, params));
        std::vector<InboxRow> out;
        out.reserve(rs.rows.size());
        for (const Row& r : rs.rows) {
          InboxRow row;
          row.conversation = ConvFromRow(r);
          row.contact_name = r.Text(kConvColCount);
          row.channel_kind = r.Text(kConvColCount + 1);
          out.push_back(std::move(row));
        }
        std::vector<Conversation*> convs;
        for (InboxRow& row : out) convs.push_back(&row.conversation);
        LP_RETURN_IF_ERROR(LoadTags(conn, convs));
        return out;
      });
}

Result<Conversation> SqlDeskStore::FindConversationByThread(int64_t channel_id,
                                                            std::string_view thread_key) {
  if (thread_key.empty()) return Status::NotFound("no conversation with an empty thread key");
  return store_.TxValue<Conversation>(false, [&](sql::Connection& conn) -> Result<Conversation> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query(std::string("SELECT ") + kConvCols +
                       " FROM conversations c WHERE c.channel_id = $1 AND c.thread_key = $2 "
                       "ORDER BY c.id DESC LIMIT 1",
                   {Int(channel_id), Text(thread_key)}));
    if (rs.rows.empty()) {
      return Status::NotFound("no conversation on channel " + Id(channel_id) + " with thread '" +
                              std::string(thread_key) + "'");
    }
    Conversation c = ConvFromRow(rs.rows[0]);
    LP_RETURN_IF_ERROR(LoadTags(conn, {&c}));
    return c;
  });
}

Result<std::vector<Message>> SqlDeskStore::ListMessages(int64_t conversation_id) {
  return store_.TxValue<std::vector<Message>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Message>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet exists,
            conn.Query("SELECT id FROM conversations WHERE id = $1", {Int(conversation_id)}));
        if (exists.rows.empty()) {
          return Status::NotFound("no conversation with id " + Id(conversation_id));
        }
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query(std::string("SELECT ") + kMessageCols +
                                           " FROM messages m WHERE m.conversation_id = $1 "
                                           "ORDER BY m.id",
                                       {Int(conversation_id)}));
        std::vector<Message> out;
        std::unordered_map<int64_t, size_t> index;
        for (const Row& r : rs.rows) {
          out.push_back(MessageFromRow(r));
          index[out.back().id] = out.size() - 1;
        }
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet att,
            conn.Query("SELECT a.message_id, a.name, a.mime_type, a.size_bytes, a.url FROM "
                       "message_attachments a JOIN messages m ON m.id = a.message_id WHERE "
                       "m.conversation_id = $1 ORDER BY a.message_id, a.ord",
                       {Int(conversation_id)}));
        for (const Row& r : att.rows) {
          auto it = index.find(r.Int(0));
          if (it == index.end()) continue;
          out[it->second].attachments.push_back({r.Text(1), r.Text(2), r.Int(3), r.Text(4)});
        }
        return out;
      });
}

Result<std::vector<ConversationEvent>> SqlDeskStore::ListEvents(int64_t conversation_id) {
  return store_.TxValue<std::vector<ConversationEvent>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ConversationEvent>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet exists,
            conn.Query("SELECT id FROM conversations WHERE id = $1", {Int(conversation_id)}));
        if (exists.rows.empty()) {
          return Status::NotFound("no conversation with id " + Id(conversation_id));
        }
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query("SELECT id, conversation_id, kind, at, actor, detail FROM "
                                       "conversation_events WHERE conversation_id = $1 ORDER BY id",
                                       {Int(conversation_id)}));
        std::vector<ConversationEvent> out;
        for (const Row& r : rs.rows) {
          out.push_back({r.Int(0), r.Int(1), static_cast<ConversationEventKind>(r.Int(2)), r.Int(3),
                         r.Text(4), r.Text(5)});
        }
        return out;
      });
}

Result<Contact> SqlDeskStore::GetContact(int64_t id) {
  return store_.TxValue<Contact>(false, [&](sql::Connection& conn) -> Result<Contact> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("SELECT id, display_name, language, created_at, updated_at "
                                   "FROM contacts WHERE id = $1",
                                   {Int(id)}));
    if (rs.rows.empty()) return Status::NotFound("no contact with id " + Id(id));
    const Row& r = rs.rows[0];
    return Contact{r.Int(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4)};
  });
}

Result<std::vector<ContactHandle>> SqlDeskStore::ListContactHandles(int64_t contact_id) {
  return store_.TxValue<std::vector<ContactHandle>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ContactHandle>> {
        LP_ASSIGN_OR_RETURN(sql::ResultSet exists,
                            conn.Query("SELECT id FROM contacts WHERE id = $1", {Int(contact_id)}));
        if (exists.rows.empty()) return Status::NotFound("no contact with id " + Id(contact_id));
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query("SELECT contact_id, channel_id, handle FROM contact_handles "
                                       "WHERE contact_id = $1 ORDER BY channel_id, handle",
                                       {Int(contact_id)}));
        std::vector<ContactHandle> out;
        for (const Row& r : rs.rows) out.push_back({r.Int(0), r.Int(1), r.Text(2)});
        return out;
      });
}

Result<Conversation> SqlDeskStore::SetState(int64_t conversation_id, ConversationState state,
                                            std::string_view actor, Millis at,
                                            int64_t expected_version) {
  if (!ValidState(state)) {
    return Status::InvalidArgument("unknown conversation state " +
                                   std::to_string(static_cast<int>(state)));
  }
  if (at == 0) at = NowMillis();
  return store_.TxValue<Conversation>(true, [&](sql::Connection& conn) -> Result<Conversation> {
    LP_ASSIGN_OR_RETURN(Conversation c, SelectConversation(conn, conversation_id, ForUpdate()));
    const Conversation read = c;
    if (expected_version >= 0 && c.version != expected_version) {
      return Status::FailedPrecondition("conversation " + Id(conversation_id) +
                                        " changed (version " + Id(c.version) + ", expected " +
                                        Id(expected_version) + ")");
    }
    if (c.state == state) return c;
    const bool reopened = c.state == ConversationState::kResolved;
    ApplyState(c, state, at);
    c.version += 1;
    c.updated_at = at;
    LP_RETURN_IF_ERROR(SaveConversation(conn, read, c));
    LP_RETURN_IF_ERROR(
        InsertEvent(conn, c.id, reopened ? ConversationEventKind::kReopened : EventForState(state),
                    at, actor, ""));
    return c;
  });
}

Result<Conversation> SqlDeskStore::Assign(int64_t conversation_id, int64_t user_id,
                                          std::string_view actor, Millis at) {
  if (at == 0) at = NowMillis();
  return store_.TxValue<Conversation>(true, [&](sql::Connection& conn) -> Result<Conversation> {
    if (user_id != 0) {
      LP_ASSIGN_OR_RETURN(sql::ResultSet user,
                          conn.Query("SELECT id FROM users WHERE id = $1", {Int(user_id)}));
      if (user.rows.empty()) return Status::NotFound("no user with id " + Id(user_id));
    }
    LP_ASSIGN_OR_RETURN(Conversation c, SelectConversation(conn, conversation_id, ForUpdate()));
    const Conversation read = c;
    c.assignee_id = user_id;
    c.assigned_at = user_id != 0 ? at : 0;
    c.version += 1;
    c.updated_at = at;
    LP_RETURN_IF_ERROR(SaveConversation(conn, read, c));
    LP_RETURN_IF_ERROR(InsertEvent(conn, c.id, ConversationEventKind::kAssigned, at, actor,
                                   "{\"user_id\":" + Id(user_id) + "}"));
    return c;
  });
}

Result<Conversation> SqlDeskStore::SetPriority(int64_t conversation_id, int32_t priority) {
  if (priority < 0 || priority > 2) {
    return Status::InvalidArgument("priority " + std::to_string(priority) +
                                   " is not 0 (normal), 1 (high) or 2 (urgent)");
  }
  const Millis now = NowMillis();
  return store_.TxValue<Conversation>(true, [&](sql::Connection& conn) -> Result<Conversation> {
    LP_ASSIGN_OR_RETURN(Conversation c, SelectConversation(conn, conversation_id, ForUpdate()));
    const Conversation read = c;
    if (c.priority == priority) return c;
    c.priority = priority;
    c.version += 1;
    c.updated_at = now;
    LP_RETURN_IF_ERROR(SaveConversation(conn, read, c));
    return c;
  });
}

Result<Conversation> SqlDeskStore::SetTags(int64_t conversation_id,
                                           const std::vector<std::string>& tags) {
  std::set<std::string> distinct;
  for (const std::string& t : tags) {
    if (t.empty()) return Status::InvalidArgument("tag must not be empty");
    distinct.insert(t);
  }
  const Millis now = NowMillis();
  return store_.TxValue<Conversation>(true, [&](sql::Connection& conn) -> Result<Conversation> {
    LP_ASSIGN_OR_RETURN(Conversation c, SelectConversation(conn, conversation_id, ForUpdate()));
    const Conversation read = c;
    LP_RETURN_IF_ERROR(conn.Query("DELETE FROM conversation_tags WHERE conversation_id = $1",
                                  {Int(conversation_id)}));
    for (const std::string& t : distinct) {
      LP_RETURN_IF_ERROR(
          conn.Query("INSERT INTO conversation_tags (conversation_id, tag, team_id, "
                     "last_message_at) VALUES ($1, $2, $3, $4)",
                     {Int(conversation_id), Text(t), Int(c.team_id), Int(c.last_message_at)}));
    }
    c.tags.assign(distinct.begin(), distinct.end());
    c.version += 1;
    c.updated_at = now;
    LP_RETURN_IF_ERROR(SaveConversation(conn, read, c));
    return c;
  });
}

Result<Message> SqlDeskStore::AddNote(int64_t conversation_id, Message note) {
  if (note.created_at == 0) note.created_at = NowMillis();
  return store_.TxValue<Message>(true, [&](sql::Connection& conn) -> Result<Message> {
    LP_ASSIGN_OR_RETURN(Conversation c, SelectConversation(conn, conversation_id, ForUpdate()));
    const Conversation read = c;
    Message m = note;
    m.id = 0;
    m.conversation_id = c.id;
    m.channel_id = c.channel_id;
    m.direction = MessageDirection::kNote;
    m.delivery = DeliveryState::kNone;
    m.external_id.clear();  // notes never leave the desk
    LP_RETURN_IF_ERROR(InsertMessage(conn, m));
    c.version += 1;
    c.updated_at = m.created_at;
    LP_RETURN_IF_ERROR(SaveConversation(conn, read, c));
    LP_RETURN_IF_ERROR(InsertEvent(conn, c.id, ConversationEventKind::kNote, m.created_at, m.author,
                                   "{\"message_id\":" + Id(m.id) + "}"));
    return m;
  });
}

// --- outbound -------------------------------------------------------------------------

Result<OutboxItem> SqlDeskStore::EnqueueReply(int64_t conversation_id, Message message,
                                              OutboxItem item, int64_t expected_version,
                                              ConversationState next_state) {
  if (next_state != ConversationState::kOpen && next_state != ConversationState::kPendingCustomer &&
      next_state != ConversationState::kResolved) {
    return Status::InvalidArgument(
        "a reply leaves the conversation open, pending-customer or resolved");
  }
  if (item.idempotency_key.empty()) {
    return Status::InvalidArgument("outbox item needs an idempotency key");
  }
  const Millis at = message.created_at != 0 ? message.created_at : NowMillis();
  return store_.TxValue<OutboxItem>(true, [&](sql::Connection& conn) -> Result<OutboxItem> {
    LP_ASSIGN_OR_RETURN(Conversation c, SelectConversation(conn, conversation_id, ForUpdate()));
    const Conversation read = c;
    LP_ASSIGN_OR_RETURN(sql::ResultSet used,
                        conn.Query("SELECT id FROM outbox WHERE idempotency_key = $1",
                                   {Text(item.idempotency_key)}));
    if (!used.rows.empty()) {
      return Status::AlreadyExists("reply with idempotency key '" + item.idempotency_key +
                                   "' was already accepted (outbox item " +
                                   Id(used.rows[0].Int(0)) + ")");
    }
    if (expected_version >= 0 && c.version != expected_version) {
      return Status::FailedPrecondition("conversation " + Id(conversation_id) +
                                        " changed (version " + Id(c.version) + ", expected " +
                                        Id(expected_version) + "); read the new messages first");
    }
    Message m = message;
    m.id = 0;
    m.conversation_id = c.id;
    m.channel_id = c.channel_id;
    m.direction = MessageDirection::kOutbound;
    m.delivery = DeliveryState::kQueued;
    m.external_id.clear();  // set when the channel confirms the send
    m.created_at = at;
    LP_RETURN_IF_ERROR(InsertMessage(conn, m));

    OutboxItem o = item;
    o.message_id = m.id;
    o.channel_id = c.channel_id;
    o.state = OutboxState::kPending;
    o.attempts = 0;
    if (o.next_attempt_at == 0) o.next_attempt_at = at;
    o.last_error.clear();
    o.external_id.clear();
    o.claimed_by.clear();
    o.claimed_until = 0;
    o.created_at = at;
    o.updated_at = at;
    Result<sql::ResultSet> rs = conn.Query(
        "INSERT INTO outbox (message_id, channel_id, idempotency_key, payload, state, attempts, "
        "next_attempt_at, last_error, external_id, claimed_by, claimed_until, created_at, "
        "updated_at) VALUES ($1, $2, $3, $4, 0, 0, $5, '', '', '', 0, $6, $6) RETURNING id",
        {Int(o.message_id), Int(o.channel_id), Text(o.idempotency_key), Text(o.payload),
         Int(o.next_attempt_at), Int(at)});
    if (!rs.ok() && rs.error().code() == StatusCode::kAlreadyExists) {
      return Status::AlreadyExists("reply with idempotency key '" + item.idempotency_key +
                                   "' was already accepted");
    }
    if (!rs.ok()) return rs.error();
    o.id = rs->rows.at(0).Int(0);

    const ConversationState before = c.state;
    if (c.first_response_at == 0) c.first_response_at = at;
    c.waiting_since = 0;
    if (before != next_state) ApplyState(c, next_state, at);
    c.last_message_at = std::max(c.last_message_at, at);
    c.last_preview = Preview(m.body);
    c.version += 1;
    c.updated_at = at;
    LP_RETURN_IF_ERROR(SaveConversation(conn, read, c));
    const std::string detail = "{\"message_id\":" + Id(m.id) + "}";
    LP_RETURN_IF_ERROR(
        InsertEvent(conn, c.id, ConversationEventKind::kOutbound, at, m.author, detail));
    if (before != next_state) {
      LP_RETURN_IF_ERROR(InsertEvent(conn, c.id, EventForState(next_state), at, m.author, ""));
    }
    return o;
  });
}

Result<std::vector<OutboxItem>> SqlDeskStore::ClaimOutbox(std::string_view claimer, Millis now,
                                                          Millis lease_ms, int32_t limit) {
  if (claimer.empty()) return Status::InvalidArgument("outbox claimer must not be empty");
  if (lease_ms <= 0) return Status::InvalidArgument("outbox lease must be positive");
  if (limit <= 0) return std::vector<OutboxItem>{};
  return store_.TxValue<std::vector<OutboxItem>>(
      true, [&](sql::Connection& conn) -> Result<std::vector<OutboxItem>> {
        // Due: pending and its time has come, or sending with an expired
        // lease (the sender died). attempts counts claims.
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(std::string("UPDATE outbox SET state = 1, attempts = attempts + 1, "
                                   "claimed_by = $2, claimed_until = $3, updated_at = $1 WHERE "
                                   "id IN (SELECT id FROM outbox WHERE (state = 0 AND "
                                   "next_attempt_at <= $1) OR (state = 1 AND claimed_until <= "
                                   "$1) ORDER BY id LIMIT $4") +
                           SkipLocked() + ") RETURNING " + kOutboxCols,
                       {Int(now), Text(claimer), Int(now + lease_ms), Int(limit)}));
        std::vector<OutboxItem> out;
        for (const Row& r : rs.rows) out.push_back(OutboxFromRow(r));
        std::sort(out.begin(), out.end(),
                  [](const OutboxItem& a, const OutboxItem& b) { return a.id < b.id; });
        return out;
      });
}

Status SqlDeskStore::CompleteOutbox(int64_t item_id, std::string_view external_id, Millis at,
                                    const ArchiveSealer& seal) {
  if (at == 0) at = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    if (seal) LP_RETURN_IF_ERROR(store_.LockForWrite(conn, kArchiveLock));
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("UPDATE outbox SET state = 2, external_id = $2, claimed_by = "
                                   "'', claimed_until = 0, last_error = '', updated_at = $3 WHERE "
                                   "id = $1 RETURNING message_id",
                                   {Int(item_id), Text(external_id), Int(at)}));
    if (rs.rows.empty()) return Status::NotFound("no outbox item with id " + Id(item_id));
    const int64_t message_id = rs.rows[0].Int(0);
    if (!external_id.empty()) {
      // The message's external id makes replies to it thread here; a second
      // message with the same id on the channel would be a channel bug.
      LP_ASSIGN_OR_RETURN(sql::ResultSet clash,
                          conn.Query("SELECT o.id FROM messages o JOIN messages m ON m.id = $1 "
                                     "WHERE o.channel_id = m.channel_id AND o.external_id <> '' "
                                     "AND o.external_id = $2 AND o.id <> $1",
                                     {Int(message_id), Text(external_id)}));
      if (!clash.rows.empty()) {
        return Status::AlreadyExists("external id '" + std::string(external_id) +
                                     "' is already stored on message " + Id(clash.rows[0].Int(0)));
      }
    }
    LP_RETURN_IF_ERROR(
        conn.Query("UPDATE messages SET delivery = 2, external_id = $2, sent_at = $3 WHERE id = $1",
                   {Int(message_id), Text(external_id), Int(at)})
            .status());
    if (!seal) return Status::Ok();
    return AppendArchive(conn, item_id, message_id, external_id, at, seal);
  });
}

Status SqlDeskStore::AppendArchive(sql::Connection& conn, int64_t item_id, int64_t message_id,
                                   std::string_view external_id, Millis at,
                                   const ArchiveSealer& seal) {
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet msg,
      conn.Query("SELECT m.conversation_id, m.channel_id, ch.name, ch.kind, m.author, m.subject, "
                 "m.body, m.verdict, o.idempotency_key FROM messages m JOIN channels ch ON ch.id "
                 "= m.channel_id JOIN outbox o ON o.id = $2 WHERE m.id = $1",
                 {Int(message_id), Int(item_id)}));
  if (msg.rows.empty()) return Status::NotFound("no message with id " + Id(message_id));
  const Row& r = msg.rows[0];
  ArchiveEntry e;
  e.at = at;
  e.conversation_id = r.Int(0);
  e.channel_id = r.Int(1);
  e.channel = r.Text(2) + " (" + r.Text(3) + ")";
  e.message_id = message_id;
  e.external_id = std::string(external_id);
  e.author = r.Text(4);
  e.subject = r.Text(5);
  e.wire_text = r.Text(6);
  e.verdict = r.Text(7).empty() ? "{}" : r.Text(7);
  // The approval chain of a held reply (the outbox key is the approval's).
  LP_ASSIGN_OR_RETURN(
      sql::ResultSet chain,
      conn.Query("SELECT d.step, u.username, d.decision, d.comment, d.at FROM approvals a JOIN "
                 "approval_decisions d ON d.approval_id = a.id JOIN users u ON u.id = d.user_id "
                 "WHERE a.idempotency_key = $1 ORDER BY d.step",
                 {Text(r.Text(8))}));
  e.approvals = sql_util::ApprovalChainJson(chain);
  return sql_util::AppendSealedArchive(conn, e, seal);
}

Result<std::vector<ArchiveEntry>> SqlDeskStore::ListArchive(int64_t from_seq, int32_t limit) {
  if (limit <= 0) return std::vector<ArchiveEntry>{};
  return store_.TxValue<std::vector<ArchiveEntry>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ArchiveEntry>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query("SELECT seq, at, kind, channel_id, channel, conversation_id, message_id, "
                       "external_id, author, subject, wire_text, verdict, approvals, "
                       "content_hash, prev_hash, hash, purged_at FROM archive WHERE seq >= $1 "
                       "ORDER BY seq LIMIT $2",
                       {Int(from_seq), Int(limit)}));
        std::vector<ArchiveEntry> out;
        out.reserve(rs.rows.size());
        for (const Row& r : rs.rows) {
          ArchiveEntry e;
          e.seq = r.Int(0);
          e.at = r.Int(1);
          e.kind = r.Text(2);
          e.channel_id = r.Int(3);
          e.channel = r.Text(4);
          e.conversation_id = r.Int(5);
          e.message_id = r.Int(6);
          e.external_id = r.Text(7);
          e.author = r.Text(8);
          e.subject = r.Text(9);
          e.wire_text = r.Text(10);
          e.verdict = r.Text(11);
          e.approvals = r.Text(12);
          e.content_hash = r.Text(13);
          e.prev_hash = r.Text(14);
          e.hash = r.Text(15);
          e.purged_at = r.Int(16);
          out.push_back(std::move(e));
        }
        return out;
      });
}

Result<int64_t> SqlDeskStore::PurgeArchive(Millis before, Millis now) {
  return store_.TxValue<int64_t>(true, [&](sql::Connection& conn) -> Result<int64_t> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE archive SET author = '', subject = '', wire_text = '', verdict = '', "
                   "approvals = '', purged_at = $2 WHERE at < $1 AND purged_at = 0 RETURNING seq",
                   {Int(before), Int(now)}));
    return static_cast<int64_t>(rs.rows.size());
  });
}

// Event details that message retention keeps: machine values the store
// writes itself, in exactly their shape. Inbound, outbound and reopened:
// {"message_id":N} (the message row stays, emptied); assigned:
// {"user_id":N} (as the conversation's assignee_id, which reports read);
// SLA warning and breach: {"target":"…","kind":"…","cycle":N,"notify":[ids]}.
// Every other detail is emptied: notes, state changes and whatever else a
// detail holds (an old dump, another writer), since it may carry words. The
// shape test: the expected start and end, no space, and for the one-key
// details at most two quotes (so the value is no string).
static_assert(static_cast<int>(ConversationEventKind::kInbound) == 0 &&
              static_cast<int>(ConversationEventKind::kOutbound) == 1 &&
              static_cast<int>(ConversationEventKind::kReopened) == 5 &&
              static_cast<int>(ConversationEventKind::kAssigned) == 6 &&
              static_cast<int>(ConversationEventKind::kSlaWarning) == 8 &&
              static_cast<int>(ConversationEventKind::kSlaBreach) == 9);
constexpr const char* kMachineEventDetail =
    "(kind IN (0, 1, 5) AND detail LIKE '{\"message_id\":%}' AND detail NOT LIKE '%\"%\"%\"%' "
    "AND detail NOT LIKE '% %') OR (kind = 6 AND detail LIKE '{\"user_id\":%}' AND detail NOT "
    "LIKE '%\"%\"%\"%' AND detail NOT LIKE '% %') OR (kind IN (8, 9) AND detail LIKE "
    "'{\"target\":\"%\",\"kind\":\"%\",\"cycle\":%,\"notify\":[%]}' AND detail NOT LIKE '% %')";

Result<DeskPurged> SqlDeskStore::PurgeConversations(Millis before, Millis now) {
  // Conversations per transaction: a first run over years of history works
  // in many short transactions instead of one long one.
  constexpr int64_t kBatch = 512;
  DeskPurged out;
  for (;;) {
    Result<DeskPurged> done =
        store_.TxValue<DeskPurged>(true, [&](sql::Connection& conn) -> Result<DeskPurged> {
          LP_ASSIGN_OR_RETURN(
              sql::ResultSet due,
              conn.Query("SELECT id FROM conversations WHERE state = 3 AND resolved_at > 0 AND "
                         "resolved_at < $1 AND purged_at < resolved_at ORDER BY id LIMIT $2",
                         {Int(before), Int(kBatch)}));
          std::vector<Value> ids;
          for (const Row& r : due.rows) ids.push_back(Int(r.Int(0)));
          DeskPurged batch;
          if (ids.empty()) return batch;
          LP_RETURN_IF_ERROR(ForChunks(
              ids, {}, [&](const std::string& in, const std::vector<Value>& params) -> Status {
                const std::string msgs =
                    "(SELECT id FROM messages WHERE conversation_id IN " + in + ")";
                LP_ASSIGN_OR_RETURN(
                    sql::ResultSet att,
                    conn.Query("DELETE FROM message_attachments WHERE message_id IN " + msgs +
                                   " RETURNING message_id",
                               params));
                batch.attachments += static_cast<int64_t>(att.rows.size());
                LP_ASSIGN_OR_RETURN(
                    sql::ResultSet m,
                    conn.Query(
                        "UPDATE messages SET author = '', subject = '', body = '', html = '', "
                        "verdict = '' WHERE conversation_id IN " +
                            in +
                            " AND (author <> '' OR subject <> '' OR body <> '' OR html <> '' OR "
                            "verdict <> '') RETURNING id",
                        params));
                batch.messages += static_cast<int64_t>(m.rows.size());
                LP_RETURN_IF_ERROR(
                    conn.Query("UPDATE outbox SET payload = '', last_error = '' WHERE "
                               "state IN (2, 3) AND message_id IN " +
                                   msgs,
                               params)
                        .status());
                LP_RETURN_IF_ERROR(conn.Query("UPDATE approvals SET text = '', wire_text = '', "
                                              "payload = '', verdict = '' WHERE state <> 0 AND "
                                              "conversation_id IN " +
                                                  in,
                                              params)
                                       .status());
                // The approvers' comments on those decided approvals (the
                // archive keeps its own copy of a sent reply's chain).
                LP_ASSIGN_OR_RETURN(
                    sql::ResultSet comments,
                    conn.Query("UPDATE approval_decisions SET comment = '' WHERE comment <> '' "
                               "AND approval_id IN (SELECT id FROM approvals WHERE state <> 0 AND "
                               "conversation_id IN " +
                                   in + ")",
                               params));
                batch.decision_comments += comments.affected;
                LP_ASSIGN_OR_RETURN(
                    sql::ResultSet details,
                    conn.Query(std::string("UPDATE conversation_events SET detail = '' WHERE "
                                           "conversation_id IN ") +
                                   in + " AND detail <> '' AND NOT (" + kMachineEventDetail + ")",
                               params));
                batch.event_details += details.affected;
                return Status::Ok();
              }));
          // Only the ids looked at (the padding of the last chunk repeats one).
          for (const Value& id : ids) {
            LP_RETURN_IF_ERROR(
                conn.Query("UPDATE conversations SET subject = '', last_preview = '', "
                           "purged_at = $2 WHERE id = $1",
                           {id, Int(now)})
                    .status());
          }
          batch.conversations = static_cast<int64_t>(ids.size());
          return batch;
        });
    if (!done.ok()) return done.error();
    out.conversations += done->conversations;
    out.messages += done->messages;
    out.attachments += done->attachments;
    out.decision_comments += done->decision_comments;
    out.event_details += done->event_details;
    if (done->conversations < kBatch) break;
  }
  // Raw payloads of deliveries that could not be read (replayed or not),
  // and webhook event ids. The desk forgets event ids after its replay
  // window on the next delivery with ids; this also clears them for a
  // channel that gets none. A replay of a delivery whose ids are gone is
  // accepted but changes nothing: its messages are found by external id,
  // which purged messages keep.
  LP_RETURN_IF_ERROR(store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet letters,
        conn.Query("DELETE FROM dead_letters WHERE created_at < $1", {Int(before)}));
    out.dead_letters = letters.affected;
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet events,
        conn.Query("DELETE FROM webhook_events WHERE received_at < $1", {Int(before)}));
    out.webhook_events = events.affected;
    return Status::Ok();
  }));
  // Contacts: one pass over the conversations per run. PostgreSQL plans NOT
  // EXISTS as an anti join (NOT IN hashes only what fits in work_mem);
  // SQLite builds NOT IN's list once (a correlated NOT EXISTS would scan
  // conversations per contact: there is no index on contact_id).
  const bool pg = dialect_ == sql::Dialect::kPostgres;
  LP_RETURN_IF_ERROR(store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet gone,
        conn.Query(pg ? "DELETE FROM contacts ct WHERE created_at < $1 AND NOT EXISTS (SELECT 1 "
                        "FROM conversations c WHERE c.contact_id = ct.id) RETURNING id"
                      : "DELETE FROM contacts WHERE created_at < $1 AND id NOT IN (SELECT "
                        "contact_id FROM conversations) RETURNING id",
                   {Int(before)}));
    out.contacts_deleted = static_cast<int64_t>(gone.rows.size());
    // Contacts with conversations, none of them live (open, or resolved and
    // not purged since), that still have a name or a handle.
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet idle,
        conn.Query(
            pg ? "SELECT ct.id FROM contacts ct WHERE EXISTS (SELECT 1 FROM conversations c "
                 "WHERE c.contact_id = ct.id) AND NOT EXISTS (SELECT 1 FROM conversations c "
                 "WHERE c.contact_id = ct.id AND (c.state <> 3 OR c.purged_at < c.resolved_at)) "
                 "AND (ct.display_name <> '' OR EXISTS (SELECT 1 FROM contact_handles h WHERE "
                 "h.contact_id = ct.id))"
               : "SELECT id FROM contacts WHERE id IN (SELECT contact_id FROM conversations) AND "
                 "id NOT IN (SELECT contact_id FROM conversations WHERE state <> 3 OR purged_at "
                 "< resolved_at) AND (display_name <> '' OR id IN (SELECT contact_id FROM "
                 "contact_handles))",
            {}));
    std::vector<Value> ids;
    for (const Row& r : idle.rows) ids.push_back(Int(r.Int(0)));
    LP_RETURN_IF_ERROR(
        ForChunks(ids, {}, [&](const std::string& in, const std::vector<Value>& params) {
          return conn.Query("DELETE FROM contact_handles WHERE contact_id IN " + in, params)
              .status();
        }));
    LP_RETURN_IF_ERROR(
        ForChunks(ids, {Int(now)}, [&](const std::string& in, const std::vector<Value>& params) {
          return conn
              .Query("UPDATE contacts SET display_name = '', updated_at = $1 WHERE id IN " + in,
                     params)
              .status();
        }));
    out.contacts_anonymised = static_cast<int64_t>(ids.size());
    return Status::Ok();
  }));
  return out;
}

Status SqlDeskStore::FailOutbox(int64_t item_id, std::string_view error, Millis retry_at,
                                Millis at) {
  if (at == 0) at = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    Result<sql::ResultSet> rs =
        retry_at != 0 ? conn.Query(
                            "UPDATE outbox SET state = 0, next_attempt_at = $3, last_error = $2, "
                            "claimed_by = '', claimed_until = 0, updated_at = $4 WHERE id = $1 "
                            "RETURNING message_id",
                            {Int(item_id), Text(error), Int(retry_at), Int(at)})
                      : conn.Query(
                            "UPDATE outbox SET state = 3, last_error = $2, claimed_by = '', "
                            "claimed_until = 0, updated_at = $3 WHERE id = $1 RETURNING message_id",
                            {Int(item_id), Text(error), Int(at)});
    if (!rs.ok()) return rs.error();
    if (rs->rows.empty()) return Status::NotFound("no outbox item with id " + Id(item_id));
    if (retry_at != 0) return Status::Ok();
    return conn.Query("UPDATE messages SET delivery = 3 WHERE id = $1", {Int(rs->rows[0].Int(0))})
        .status();
  });
}

Result<std::vector<OutboxItem>> SqlDeskStore::ListOutbox(int64_t message_id) {
  return store_.TxValue<std::vector<OutboxItem>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<OutboxItem>> {
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                            conn.Query(std::string("SELECT ") + kOutboxCols +
                                           " FROM outbox WHERE message_id = $1 ORDER BY id",
                                       {Int(message_id)}));
        std::vector<OutboxItem> out;
        for (const Row& r : rs.rows) out.push_back(OutboxFromRow(r));
        return out;
      });
}

// --- routing --------------------------------------------------------------------------

Status SqlDeskStore::PutTeamDeskSettings(const TeamDeskSettings& in) {
  TeamDeskSettings t = in;
  if (t.routing_mode.empty()) return Status::InvalidArgument("routing mode must not be empty");
  if (t.updated_at == 0) t.updated_at = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    Status s =
        conn.Query(std::string("INSERT INTO team_desk_settings (") + kTeamSettingsCols +
                       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT "
                       "(team_id) DO UPDATE SET routing_mode = excluded.routing_mode, "
                       "default_capacity = excluded.default_capacity, match_language = "
                       "excluded.match_language, language_fallback = excluded.language_fallback, "
                       "away_grace_ms = excluded.away_grace_ms, sla_first_response_ms = "
                       "excluded.sla_first_response_ms, sla_next_response_ms = "
                       "excluded.sla_next_response_ms, sla_resolution_ms = "
                       "excluded.sla_resolution_ms, calendar = excluded.calendar, updated_at = "
                       "excluded.updated_at",
                   {Int(t.team_id), Text(t.routing_mode), Int(t.default_capacity),
                    Bool(t.match_language), Bool(t.language_fallback), Int(t.away_grace_ms),
                    Int(t.sla_first_response_ms), Int(t.sla_next_response_ms),
                    Int(t.sla_resolution_ms), Text(t.calendar), Int(t.updated_at)})
            .status();
    if (s.code() == StatusCode::kNotFound) {
      return Status::NotFound("no team with id " + Id(t.team_id));
    }
    return s;
  });
}

Result<TeamDeskSettings> SqlDeskStore::GetTeamDeskSettings(int64_t team_id) {
  return store_.TxValue<TeamDeskSettings>(
      false, [&](sql::Connection& conn) { return SelectTeamSettings(conn, team_id); });
}

Status SqlDeskStore::PutAgentDeskState(const AgentDeskState& a) {
  LP_ASSIGN_OR_RETURN(std::string languages, JoinList(a.languages, "language"));
  LP_ASSIGN_OR_RETURN(std::string skills, JoinList(a.skills, "skill"));
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    // last_assigned_at only moves forward: routing sets it, and a settings
    // form that read an older value must not move it back.
    Status s = conn.Query(
                       "INSERT INTO agent_desk_states (user_id, available, away_since, capacity, "
                       "languages, skills, signature, last_assigned_at) VALUES ($1, $2, $3, $4, "
                       "$5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET available = "
                       "excluded.available, away_since = excluded.away_since, capacity = "
                       "excluded.capacity, languages = excluded.languages, skills = "
                       "excluded.skills, signature = excluded.signature, last_assigned_at = CASE "
                       "WHEN excluded.last_assigned_at > agent_desk_states.last_assigned_at THEN "
                       "excluded.last_assigned_at ELSE agent_desk_states.last_assigned_at END",
                       {Int(a.user_id), Bool(a.available), Int(a.away_since), Int(a.capacity),
                        Text(languages), Text(skills), Text(a.signature), Int(a.last_assigned_at)})
                   .status();
    if (s.code() == StatusCode::kNotFound) {
      return Status::NotFound("no user with id " + Id(a.user_id));
    }
    return s;
  });
}

Result<std::vector<AgentDeskState>> SqlDeskStore::ListTeamAgents(int64_t team_id) {
  return store_.TxValue<std::vector<AgentDeskState>>(
      false, [&](sql::Connection& conn) { return SelectTeamAgents(conn, team_id); });
}

Result<std::vector<Assignment>> SqlDeskStore::RouteTeam(int64_t team_id, Millis now, int32_t limit,
                                                        const RoutingDecision& decide) {
  if (!decide) return Status::InvalidArgument("RouteTeam needs a routing decision");
  if (now == 0) now = NowMillis();
  if (limit <= 0) return std::vector<Assignment>{};
  return store_.TxValue<
      std::vector<Assignment>>(true, [&](sql::Connection& conn) -> Result<std::vector<Assignment>> {
    LP_ASSIGN_OR_RETURN(TeamDeskSettings settings, SelectTeamSettings(conn, team_id));
    LP_ASSIGN_OR_RETURN(std::vector<AgentDeskState> agents, SelectTeamAgents(conn, team_id));
    // Highest priority first, then longest waiting (0 = not waiting:
    // last). Rows another instance is routing are skipped (PostgreSQL).
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query(std::string("SELECT ") + kConvCols +
                       " FROM conversations c WHERE c.team_id = $1 AND c.assignee_id = 0 AND "
                       "c.state <> 3 ORDER BY c.priority DESC, CASE WHEN c.waiting_since = 0 "
                       "THEN 1 ELSE 0 END, c.waiting_since, c.id LIMIT $2" +
                       SkipLocked(),
                   {Int(team_id), Int(limit)}));
    std::vector<Conversation> claimed;
    for (const Row& r : rs.rows) claimed.push_back(ConvFromRow(r));
    if (claimed.empty()) return std::vector<Assignment>{};
    std::vector<Conversation*> ptrs;
    for (Conversation& c : claimed) ptrs.push_back(&c);
    LP_RETURN_IF_ERROR(LoadTags(conn, ptrs));

    std::vector<Assignment> wanted = decide(settings, agents, claimed);

    std::unordered_map<int64_t, Conversation*> open;
    for (Conversation& c : claimed) open[c.id] = &c;
    std::set<int64_t> members;
    for (const AgentDeskState& a : agents) members.insert(a.user_id);
    std::vector<Assignment> made;
    std::vector<sql::Statement> writes;  // one pipeline on PostgreSQL
    std::vector<std::vector<Value>> events;
    std::map<int64_t, Millis> stamps;  // agent → last assignment stamp
    LoadDeltas load;
    for (const Assignment& a : wanted) {
      auto it = open.find(a.conversation_id);
      // Only claimed conversations, each once, and only to team members.
      if (it == open.end() || a.user_id == 0 || members.count(a.user_id) == 0) continue;
      Conversation& c = *it->second;
      open.erase(it);
      const Conversation read = c;  // unassigned and open, as claimed
      c.assignee_id = a.user_id;
      c.assigned_at = now;
      c.version += 1;
      c.updated_at = now;
      AddLoadChange(load, read, c);
      writes.push_back(ConversationUpdate(c));
      events.push_back({Int(c.id), Int(static_cast<int>(ConversationEventKind::kAssigned)),
                        Int(now), Text("system"), Text("{\"user_id\":" + Id(a.user_id) + "}")});
      // One millisecond apart in decision order, so round-robin keeps its
      // rotation across batches (equal stamps would tie).
      stamps[a.user_id] = now + static_cast<Millis>(made.size());
      made.push_back(a);
    }
    if (made.empty()) return made;
    AddInsertRows(writes,
                  "INSERT INTO conversation_events (conversation_id, kind, at, actor, detail)", 5,
                  events);
    for (const auto& [user, stamp] : stamps) {
      writes.push_back(
          {"INSERT INTO agent_desk_states (user_id, available, away_since, capacity, "
           "languages, skills, signature, last_assigned_at) VALUES ($1, 0, 0, 0, '', '', '', "
           "$2) ON CONFLICT (user_id) DO UPDATE SET last_assigned_at = excluded.last_assigned_at",
           {Int(user), Int(stamp)}});
    }
    AddLoadStatements(writes, load);
    // (Assigning changes neither team nor recency: the tag rows stay.)
    LP_RETURN_IF_ERROR(conn.QueryMany(writes).status());
    return made;
  });
}

// --- SLA ------------------------------------------------------------------------------

Result<std::vector<Conversation>> SqlDeskStore::ListSlaCandidates(int64_t team_id,
                                                                  Millis checked_before,
                                                                  int32_t limit) {
  if (limit <= 0) return std::vector<Conversation>{};
  return store_.TxValue<std::vector<Conversation>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Conversation>> {
        Result<sql::ResultSet> rs =
            team_id != 0
                ? conn.Query(std::string("SELECT ") + kConvCols +
                                 " FROM conversations c WHERE c.team_id = $1 AND c.state <> 3 AND "
                                 "c.sla_checked_at < $2 ORDER BY c.sla_checked_at, c.id LIMIT $3",
                             {Int(team_id), Int(checked_before), Int(limit)})
                : conn.Query(std::string("SELECT ") + kConvCols +
                                 " FROM conversations c WHERE c.state <> 3 AND c.sla_checked_at "
                                 "< $1 ORDER BY c.sla_checked_at, c.id LIMIT $2",
                             {Int(checked_before), Int(limit)});
        if (!rs.ok()) return rs.error();
        std::vector<Conversation> out;
        for (const Row& r : rs->rows) out.push_back(ConvFromRow(r));
        std::vector<Conversation*> ptrs;
        for (Conversation& c : out) ptrs.push_back(&c);
        LP_RETURN_IF_ERROR(LoadTags(conn, ptrs));
        return out;
      });
}

Status SqlDeskStore::RecordSlaCheck(int64_t conversation_id, Millis checked_at,
                                    const std::vector<ConversationEvent>& alerts) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("UPDATE conversations SET sla_checked_at = $2 WHERE id = $1",
                                   {Int(conversation_id), Int(checked_at)}));
    LP_RETURN_IF_ERROR(ExpectOne(rs, "no conversation with id " + Id(conversation_id)));
    for (const ConversationEvent& e : alerts) {
      LP_RETURN_IF_ERROR(InsertEvent(conn, conversation_id, e.kind, e.at != 0 ? e.at : checked_at,
                                     e.actor.empty() ? std::string_view("system") : e.actor,
                                     e.detail));
    }
    return Status::Ok();
  });
}

// --- dead letters -----------------------------------------------------------------------

Result<DeadLetter> SqlDeskStore::AddDeadLetter(DeadLetter d) {
  if (d.created_at == 0) d.created_at = NowMillis();
  return store_.TxValue<DeadLetter>(true, [&](sql::Connection& conn) -> Result<DeadLetter> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("INSERT INTO dead_letters (channel_id, source, payload, reason, created_at, "
                   "replayed_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                   {Int(d.channel_id), Text(d.source), Blob(d.payload), Text(d.reason),
                    Int(d.created_at), Int(d.replayed_at)}));
    d.id = rs.rows.at(0).Int(0);
    return d;
  });
}

Result<std::vector<DeadLetter>> SqlDeskStore::ListDeadLetters(bool include_replayed,
                                                              int32_t limit) {
  if (limit <= 0) return std::vector<DeadLetter>{};
  return store_.TxValue<std::vector<DeadLetter>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<DeadLetter>> {
        std::string sql = std::string("SELECT ") + kDeadLetterCols + " FROM dead_letters" +
                          (include_replayed ? "" : " WHERE replayed_at = 0") +
                          " ORDER BY id DESC LIMIT $1";
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, {Int(limit)}));
        std::vector<DeadLetter> out;
        for (const Row& r : rs.rows) out.push_back(DeadLetterFromRow(r));
        return out;
      });
}

Result<DeadLetter> SqlDeskStore::GetDeadLetter(int64_t id) {
  return store_.TxValue<DeadLetter>(false, [&](sql::Connection& conn) -> Result<DeadLetter> {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(std::string("SELECT ") + kDeadLetterCols +
                                                          " FROM dead_letters WHERE id = $1",
                                                      {Int(id)}));
    if (rs.rows.empty()) return Status::NotFound("no dead letter with id " + Id(id));
    return DeadLetterFromRow(rs.rows[0]);
  });
}

Status SqlDeskStore::MarkDeadLetterReplayed(int64_t id, Millis at) {
  if (at == 0) at = NowMillis();
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE dead_letters SET replayed_at = $2 WHERE id = $1", {Int(id), Int(at)}));
    return ExpectOne(rs, "no dead letter with id " + Id(id));
  });
}

// --- presence ---------------------------------------------------------------------------

Status SqlDeskStore::TouchPresence(int64_t conversation_id, int64_t user_id, bool typing,
                                   Millis now, Millis stale_before) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    // Checked first: a foreign-key violation would abort a PostgreSQL
    // transaction and name no side.
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet conv,
        conn.Query("SELECT id FROM conversations WHERE id = $1", {Int(conversation_id)}));
    if (conv.rows.empty())
      return Status::NotFound("no conversation with id " + Id(conversation_id));
    LP_ASSIGN_OR_RETURN(sql::ResultSet user,
                        conn.Query("SELECT id FROM users WHERE id = $1", {Int(user_id)}));
    if (user.rows.empty()) return Status::NotFound("no user with id " + Id(user_id));
    LP_RETURN_IF_ERROR(conn.Query("DELETE FROM conversation_viewers WHERE user_id = $1 AND "
                                  "seen_at < $2 AND conversation_id <> $3",
                                  {Int(user_id), Int(stale_before), Int(conversation_id)})
                           .status());
    return conn
        .Query(
            "INSERT INTO conversation_viewers (conversation_id, user_id, typing, seen_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (conversation_id, user_id) DO UPDATE SET "
            "typing = excluded.typing, seen_at = excluded.seen_at",
            {Int(conversation_id), Int(user_id), Bool(typing), Int(now)})
        .status();
  });
}

Result<std::vector<Viewer>> SqlDeskStore::ListPresence(int64_t conversation_id, Millis since) {
  return store_.TxValue<std::vector<Viewer>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Viewer>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query("SELECT v.user_id, u.username, v.typing, v.seen_at FROM "
                       "conversation_viewers v JOIN users u ON u.id = v.user_id WHERE "
                       "v.conversation_id = $1 AND v.seen_at >= $2 ORDER BY v.user_id",
                       {Int(conversation_id), Int(since)}));
        std::vector<Viewer> out;
        out.reserve(rs.rows.size());
        for (const Row& r : rs.rows) out.push_back({r.Int(0), r.Text(1), r.Bool(2), r.Int(3)});
        return out;
      });
}

// --- approvals ----------------------------------------------------------------------------

namespace {

constexpr const char* kApprovalCols =
    "a.id, a.kind, a.conversation_id, a.channel_id, a.requested_by, u.username, a.text, "
    "a.wire_text, a.payload, a.verdict, a.language, a.idempotency_key, a.next_state, a.steps, "
    "a.step, a.state, a.queued, a.created_at, a.updated_at, a.expires_at, a.post_id";
constexpr const char* kApprovalFrom = " FROM approvals a JOIN users u ON u.id = a.requested_by";

Approval ApprovalFromRow(const Row& r) {
  Approval a;
  a.id = r.Int(0);
  a.kind = r.Text(1);
  a.conversation_id = r.Int(2);
  a.channel_id = r.Int(3);
  a.requested_by = r.Int(4);
  a.requested_by_name = r.Text(5);
  a.text = r.Text(6);
  a.wire_text = r.Text(7);
  a.payload = r.Text(8);
  a.verdict = r.Text(9);
  a.language = r.Text(10);
  a.idempotency_key = r.Text(11);
  a.next_state = static_cast<int32_t>(r.Int(12));
  a.steps = static_cast<int32_t>(r.Int(13));
  a.step = static_cast<int32_t>(r.Int(14));
  a.state = static_cast<ApprovalState>(r.Int(15));
  a.queued = r.Bool(16);
  a.created_at = r.Int(17);
  a.updated_at = r.Int(18);
  a.expires_at = r.Int(19);
  a.post_id = r.Int(20);  // NULL (a reply) reads as 0
  return a;
}

Result<Approval> SelectApproval(sql::Connection& conn, int64_t id) {
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(std::string("SELECT ") + kApprovalCols +
                                                        kApprovalFrom + " WHERE a.id = $1",
                                                    {Int(id)}));
  if (rs.rows.empty()) return Status::NotFound("no approval with id " + Id(id));
  return ApprovalFromRow(rs.rows[0]);
}

}  // namespace

Result<Approval> SqlDeskStore::CreateApproval(Approval a) {
  if (a.idempotency_key.empty())
    return Status::InvalidArgument("approval needs an idempotency key");
  if (a.steps < 1) return Status::InvalidArgument("approval needs at least one step");
  if (a.created_at == 0) a.created_at = NowMillis();
  a.updated_at = a.created_at;
  return store_.TxValue<Approval>(true, [&](sql::Connection& conn) -> Result<Approval> {
    if (a.post_id != 0) {
      // A post has one pending approval, whoever edited it last.
      LP_RETURN_IF_ERROR(
          conn.Query("UPDATE approvals SET state = $1, updated_at = $2 WHERE "
                     "post_id = $3 AND state = $4",
                     {Int(static_cast<int>(ApprovalState::kSuperseded)), Int(a.created_at),
                      Int(a.post_id), Int(static_cast<int>(ApprovalState::kPending))})
              .status());
    } else {
      LP_RETURN_IF_ERROR(conn.Query("UPDATE approvals SET state = $1, updated_at = $2 WHERE "
                                    "conversation_id = $3 AND requested_by = $4 AND state = $5",
                                    {Int(static_cast<int>(ApprovalState::kSuperseded)),
                                     Int(a.created_at), Int(a.conversation_id), Int(a.requested_by),
                                     Int(static_cast<int>(ApprovalState::kPending))})
                             .status());
    }
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query(
            "INSERT INTO approvals (kind, conversation_id, channel_id, requested_by, text, "
            "wire_text, payload, verdict, language, idempotency_key, next_state, steps, "
            "step, state, queued, created_at, updated_at, expires_at, post_id) VALUES ($1, "
            "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 0, $13, 0, $14, $14, $15, $16) "
            "RETURNING id",
            {Text(a.kind), a.conversation_id != 0 ? Int(a.conversation_id) : sql::Null(),
             Int(a.channel_id), Int(a.requested_by), Text(a.text), Text(a.wire_text),
             Text(a.payload), Text(a.verdict), Text(a.language), Text(a.idempotency_key),
             Int(a.next_state), Int(a.steps), Int(static_cast<int>(ApprovalState::kPending)),
             Int(a.created_at), Int(a.expires_at), a.post_id != 0 ? Int(a.post_id) : sql::Null()}));
    return SelectApproval(conn, rs.rows.at(0).Int(0));
  });
}

Result<Approval> SqlDeskStore::GetApproval(int64_t id) {
  return store_.TxValue<Approval>(
      false, [&](sql::Connection& conn) -> Result<Approval> { return SelectApproval(conn, id); });
}

Result<std::vector<Approval>> SqlDeskStore::ListApprovals(int state, int32_t limit,
                                                          int64_t before_id) {
  if (limit <= 0) return std::vector<Approval>{};
  return store_.TxValue<std::vector<Approval>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Approval>> {
        std::vector<Value> params;
        std::string sql = std::string("SELECT ") + kApprovalCols + kApprovalFrom;
        auto add = [&](const char* cond, Value v) {
          params.push_back(std::move(v));
          sql += params.size() == 1 ? " WHERE " : " AND ";
          sql += cond;
          sql += std::to_string(params.size());
        };
        if (state >= 0) add("a.state = $", Int(state));
        if (before_id > 0) add("a.id < $", Int(before_id));
        sql += " ORDER BY a.id DESC LIMIT $" + std::to_string(params.size() + 1);
        params.push_back(Int(limit));
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, params));
        std::vector<Approval> out;
        for (const Row& r : rs.rows) out.push_back(ApprovalFromRow(r));
        return out;
      });
}

Result<std::vector<ApprovalDecision>> SqlDeskStore::ListApprovalDecisions(int64_t approval_id) {
  return store_.TxValue<std::vector<ApprovalDecision>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ApprovalDecision>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query("SELECT d.approval_id, d.step, d.user_id, u.username, d.decision, "
                       "d.comment, d.at FROM approval_decisions d JOIN users u ON u.id = "
                       "d.user_id WHERE d.approval_id = $1 ORDER BY d.step",
                       {Int(approval_id)}));
        std::vector<ApprovalDecision> out;
        for (const Row& r : rs.rows) {
          out.push_back({r.Int(0), static_cast<int32_t>(r.Int(1)), r.Int(2), r.Text(3), r.Text(4),
                         r.Text(5), r.Int(6)});
        }
        return out;
      });
}

Result<Approval> SqlDeskStore::DecideApproval(ApprovalDecision d, ApprovalState new_state,
                                              Millis now) {
  return store_.TxValue<Approval>(true, [&](sql::Connection& conn) -> Result<Approval> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet lock,
        conn.Query(std::string("SELECT id FROM approvals WHERE id = $1") + ForUpdate(),
                   {Int(d.approval_id)}));
    if (lock.rows.empty()) return Status::NotFound("no approval with id " + Id(d.approval_id));
    LP_ASSIGN_OR_RETURN(Approval a, SelectApproval(conn, d.approval_id));
    if (a.state != ApprovalState::kPending || a.step != d.step) {
      return Status::FailedPrecondition("approval " + Id(a.id) +
                                        " was decided meanwhile; reload it");
    }
    LP_ASSIGN_OR_RETURN(sql::ResultSet mine,
                        conn.Query("SELECT step FROM approval_decisions WHERE approval_id = $1 AND "
                                   "user_id = $2",
                                   {Int(a.id), Int(d.user_id)}));
    if (!mine.rows.empty()) {
      return Status::AlreadyExists("this user already decided on approval " + Id(a.id));
    }
    LP_RETURN_IF_ERROR(conn.Query("INSERT INTO approval_decisions (approval_id, step, user_id, "
                                  "decision, comment, at) VALUES ($1, $2, $3, $4, $5, $6)",
                                  {Int(a.id), Int(d.step), Int(d.user_id), Text(d.decision),
                                   Text(d.comment), Int(now)})
                           .status());
    const int32_t step = d.decision == "approve" ? a.step + 1 : a.step;
    LP_RETURN_IF_ERROR(
        conn.Query("UPDATE approvals SET step = $2, state = $3, updated_at = $4 WHERE id = $1",
                   {Int(a.id), Int(step), Int(static_cast<int>(new_state)), Int(now)})
            .status());
    return SelectApproval(conn, a.id);
  });
}

Result<std::vector<Approval>> SqlDeskStore::ListApprovalsToQueue(int32_t limit) {
  return store_.TxValue<std::vector<Approval>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Approval>> {
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet rs,
            conn.Query(std::string("SELECT ") + kApprovalCols + kApprovalFrom +
                           " WHERE a.state = $1 AND a.queued = 0 ORDER BY a.id "
                           "LIMIT $2",
                       {Int(static_cast<int>(ApprovalState::kApproved)), Int(limit)}));
        std::vector<Approval> out;
        for (const Row& r : rs.rows) out.push_back(ApprovalFromRow(r));
        return out;
      });
}

Status SqlDeskStore::MarkApprovalQueued(int64_t id, Millis now) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    return conn
        .Query("UPDATE approvals SET queued = 1, updated_at = $2 WHERE id = $1",
               {Int(id), Int(now)})
        .status();
  });
}

Status SqlDeskStore::SetApprovalState(int64_t id, ApprovalState state, Millis now) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    return conn
        .Query("UPDATE approvals SET state = $2, updated_at = $3 WHERE id = $1 AND state = $4",
               {Int(id), Int(static_cast<int>(state)), Int(now),
                Int(static_cast<int>(ApprovalState::kPending))})
        .status();
  });
}

Result<std::vector<Approval>> SqlDeskStore::ExpireApprovals(Millis now) {
  return store_.TxValue<std::vector<Approval>>(
      true, [&](sql::Connection& conn) -> Result<std::vector<Approval>> {
        // One statement decides which expire, so a decision taken at the same
        // moment on another instance is never overwritten.
        LP_ASSIGN_OR_RETURN(
            sql::ResultSet expired,
            conn.Query("UPDATE approvals SET state = $1, updated_at = $2 WHERE state = $3 AND "
                       "expires_at > 0 AND expires_at < $2 RETURNING id",
                       {Int(static_cast<int>(ApprovalState::kExpired)), Int(now),
                        Int(static_cast<int>(ApprovalState::kPending))}));
        std::vector<Approval> out;
        out.reserve(expired.rows.size());
        for (const Row& r : expired.rows) {
          LP_ASSIGN_OR_RETURN(Approval a, SelectApproval(conn, r.Int(0)));
          out.push_back(std::move(a));
        }
        std::sort(out.begin(), out.end(),
                  [](const Approval& x, const Approval& y) { return x.id < y.id; });
        return out;
      });
}

// --- connector state --------------------------------------------------------------------

Result<std::string> SqlDeskStore::GetChannelState(int64_t channel_id) {
  return store_.TxValue<std::string>(false, [&](sql::Connection& conn) -> Result<std::string> {
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("SELECT state FROM channel_states WHERE channel_id = $1", {Int(channel_id)}));
    return rs.rows.empty() ? std::string() : rs.rows[0].Text(0);
  });
}

Status SqlDeskStore::SaveChannelState(int64_t channel_id, std::string_view state, Millis now) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    return conn
        .Query(
            "INSERT INTO channel_states (channel_id, state, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (channel_id) DO UPDATE SET state = excluded.state, updated_at = "
            "excluded.updated_at",
            {Int(channel_id), Text(state), Int(now)})
        .status();
  });
}

// --- webhook events ---------------------------------------------------------------------

Result<size_t> SqlDeskStore::CountSeenWebhookEvents(int64_t channel_id,
                                                    const std::vector<std::string>& event_ids) {
  return store_.TxValue<size_t>(false, [&](sql::Connection& conn) -> Result<size_t> {
    size_t seen = 0;
    for (const std::string& id : event_ids) {
      LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                          conn.Query("SELECT 1 FROM webhook_events WHERE channel_id = $1 AND "
                                     "event_id = $2",
                                     {Int(channel_id), Text(id)}));
      seen += rs.rows.empty() ? 0 : 1;
    }
    return seen;
  });
}

Status SqlDeskStore::RememberWebhookEvents(int64_t channel_id,
                                           const std::vector<std::string>& event_ids, Millis now,
                                           Millis forget_before) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_RETURN_IF_ERROR(
        conn.Query("DELETE FROM webhook_events WHERE received_at < $1", {Int(forget_before)})
            .status());
    for (const std::string& id : event_ids) {
      LP_RETURN_IF_ERROR(conn.Query("INSERT INTO webhook_events (channel_id, event_id, "
                                    "received_at) VALUES ($1, $2, $3) ON CONFLICT (channel_id, "
                                    "event_id) DO NOTHING",
                                    {Int(channel_id), Text(id), Int(now)})
                             .status());
    }
    return Status::Ok();
  });
}

// --- reports ----------------------------------------------------------------------------

Result<std::vector<Conversation>> SqlDeskStore::ListConversationsBetween(int64_t team_id,
                                                                         Millis from, Millis to) {
  return store_.TxValue<std::vector<Conversation>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<Conversation>> {
        // first_inbound_at 0 (no inbound yet) never falls in a range.
        std::string sql = std::string("SELECT ") + kConvCols +
                          " FROM conversations c WHERE c.first_inbound_at >= $1 AND "
                          "c.first_inbound_at < $2 AND c.first_inbound_at <> 0" +
                          (team_id != 0 ? " AND c.team_id = $3" : "") +
                          " ORDER BY c.first_inbound_at, c.id";
        std::vector<Value> params = {Int(from), Int(to)};
        if (team_id != 0) params.push_back(Int(team_id));
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, params));
        std::vector<Conversation> out;
        for (const Row& r : rs.rows) out.push_back(ConvFromRow(r));
        std::vector<Conversation*> ptrs;
        for (Conversation& c : out) ptrs.push_back(&c);
        LP_RETURN_IF_ERROR(LoadTags(conn, ptrs));
        return out;
      });
}

Result<std::vector<DeskStore::VolumeRow>> SqlDeskStore::MessageVolume(int64_t team_id, Millis from,
                                                                      Millis to) {
  return store_.TxValue<std::vector<VolumeRow>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<VolumeRow>> {
        // Integer division floors for the non-negative times stored here.
        std::string sql =
            "SELECT m.channel_id, (m.created_at / 3600000) * 3600000, SUM(CASE WHEN m.direction "
            "= 0 THEN 1 ELSE 0 END), SUM(CASE WHEN m.direction = 1 THEN 1 ELSE 0 END) FROM "
            "messages m";
        std::vector<Value> params = {Int(from), Int(to)};
        if (team_id != 0) {
          sql += " JOIN conversations c ON c.id = m.conversation_id";
        }
        sql += " WHERE m.created_at >= $1 AND m.created_at < $2 AND m.direction IN (0, 1)";
        if (team_id != 0) {
          sql += " AND c.team_id = $3";
          params.push_back(Int(team_id));
        }
        sql += " GROUP BY 1, 2 ORDER BY 1, 2";
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, params));
        std::vector<VolumeRow> out;
        for (const Row& r : rs.rows) out.push_back({r.Int(0), r.Int(1), r.Int(2), r.Int(3)});
        return out;
      });
}

Result<std::vector<DeskStore::ReplyVerdictRow>> SqlDeskStore::ListReplyVerdicts(
    int64_t team_id, Millis from, Millis to, int64_t after_id, int32_t limit) {
  if (limit <= 0) return std::vector<ReplyVerdictRow>{};
  return store_.TxValue<std::vector<ReplyVerdictRow>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<ReplyVerdictRow>> {
        std::string sql = "SELECT m.id, m.channel_id, m.created_at, m.verdict FROM messages m";
        if (team_id != 0) sql += " JOIN conversations c ON c.id = m.conversation_id";
        sql +=
            " WHERE m.created_at >= $1 AND m.created_at < $2 AND m.direction = 1 AND m.id > $3 "
            "AND m.verdict <> ''";
        std::vector<Value> params = {Int(from), Int(to), Int(after_id)};
        if (team_id != 0) {
          params.push_back(Int(team_id));
          sql += " AND c.team_id = $4";
        }
        params.push_back(Int(limit));
        sql += " ORDER BY m.id LIMIT $" + std::to_string(params.size());
        LP_ASSIGN_OR_RETURN(sql::ResultSet rs, conn.Query(sql, params));
        std::vector<ReplyVerdictRow> out;
        out.reserve(rs.rows.size());
        for (const Row& r : rs.rows) out.push_back({r.Int(0), r.Int(1), r.Int(2), r.Text(3)});
        return out;
      });
}

// --- canned replies ---------------------------------------------------------------------

Result<CannedReply> SqlDeskStore::PutCannedReply(CannedReply c) {
  if (c.name.empty()) return Status::InvalidArgument("canned reply name must not be empty");
  const Millis now = NowMillis();
  if (c.updated_at == 0) c.updated_at = now;
  return store_.TxValue<CannedReply>(true, [&](sql::Connection& conn) -> Result<CannedReply> {
    if (c.id == 0) {
      if (c.created_at == 0) c.created_at = now;
      LP_ASSIGN_OR_RETURN(
          sql::ResultSet rs,
          conn.Query("INSERT INTO canned_replies (team_id, name, language, body, created_at, "
                     "updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                     {Int(c.team_id), Text(c.name), Text(c.language), Text(c.body),
                      Int(c.created_at), Int(c.updated_at)}));
      c.id = rs.rows.at(0).Int(0);
      return c;
    }
    LP_ASSIGN_OR_RETURN(
        sql::ResultSet rs,
        conn.Query("UPDATE canned_replies SET team_id = $2, name = $3, language = $4, body = $5, "
                   "updated_at = $6 WHERE id = $1 RETURNING created_at",
                   {Int(c.id), Int(c.team_id), Text(c.name), Text(c.language), Text(c.body),
                    Int(c.updated_at)}));
    if (rs.rows.empty()) return Status::NotFound("no canned reply with id " + Id(c.id));
    c.created_at = rs.rows[0].Int(0);
    return c;
  });
}

Result<std::vector<CannedReply>> SqlDeskStore::ListCannedReplies(int64_t team_id) {
  return store_.TxValue<std::vector<CannedReply>>(
      false, [&](sql::Connection& conn) -> Result<std::vector<CannedReply>> {
        const std::string order = dialect_ == sql::Dialect::kPostgres
                                      ? " ORDER BY name COLLATE \"C\", id"
                                      : " ORDER BY name, id";
        Result<sql::ResultSet> rs =
            team_id != 0
                ? conn.Query(std::string("SELECT ") + kCannedCols +
                                 " FROM canned_replies WHERE team_id = $1 OR team_id = 0" + order,
                             {Int(team_id)})
                : conn.Query(std::string("SELECT ") + kCannedCols + " FROM canned_replies" + order,
                             {});
        if (!rs.ok()) return rs.error();
        std::vector<CannedReply> out;
        for (const Row& r : rs->rows) out.push_back(CannedFromRow(r));
        return out;
      });
}

Status SqlDeskStore::DeleteCannedReply(int64_t id) {
  return store_.Tx(true, [&](sql::Connection& conn) -> Status {
    LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                        conn.Query("DELETE FROM canned_replies WHERE id = $1", {Int(id)}));
    return ExpectOne(rs, "no canned reply with id " + Id(id));
  });
}

}  // namespace leitplanke::store
