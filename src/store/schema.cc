// Migrations are one DDL text per version, shared by both dialects with two
// placeholders the dialect fills in: {id} (an auto-assigned BIGINT primary
// key) and {blob} (BLOB / BYTEA). Where DDL diverges, a version carries a
// further text per dialect, run after the shared one (v4: SQLite cannot
// drop a NOT NULL constraint, so it rebuilds the approvals tables).
#include "store/schema.h"

#include <chrono>
#include <string_view>

namespace leitplanke::store {
namespace {

struct Migration {
  int version;
  const char* ddl;
  const char* sqlite_ddl = nullptr;    // run after `ddl` on SQLite
  const char* postgres_ddl = nullptr;  // run after `ddl` on PostgreSQL
};

// Lock key for pg_advisory_xact_lock while migrating ("LPMG").
constexpr int64_t kMigrationLockKey = 0x4c504d47;

const Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE users (
  id {id},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  locale TEXT NOT NULL,
  disabled BIGINT NOT NULL,
  must_change_password BIGINT NOT NULL,
  totp_secret_enc {blob} NOT NULL,
  totp_enabled BIGINT NOT NULL,
  totp_last_step BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE user_roles (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ord BIGINT NOT NULL,
  role TEXT NOT NULL,
  PRIMARY KEY (user_id, role)
);
CREATE TABLE recovery_codes (
  id {id},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash {blob} NOT NULL,
  used_at BIGINT NOT NULL
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);
CREATE TABLE teams (
  id {id},
  name TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);
CREATE TABLE team_members (
  team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  lead BIGINT NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE TABLE sessions (
  id_hash {blob} PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  mfa_passed BIGINT NOT NULL,
  address TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE TABLE api_tokens (
  id {id},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash {blob} NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  revoked BIGINT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);
CREATE TABLE throttle (
  key TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  last_failure_at BIGINT NOT NULL,
  locked_until BIGINT NOT NULL
);
CREATE TABLE vault_secrets (
  name TEXT PRIMARY KEY,
  key_id TEXT NOT NULL,
  nonce {blob} NOT NULL,
  ciphertext {blob} NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  address TEXT NOT NULL,
  prev_hash {blob} NOT NULL,
  hash {blob} NOT NULL
);
CREATE TABLE policy_versions (
  id {id},
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  files {blob} NOT NULL,
  sha256 TEXT NOT NULL,
  comment TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  active BIGINT NOT NULL,
  UNIQUE (name, version)
);
)sql"},
    {2, R"sql(
CREATE TABLE channels (
  id {id},
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  team_id BIGINT NOT NULL,
  settings TEXT NOT NULL,
  paused BIGINT NOT NULL,
  poll_cursor TEXT NOT NULL,
  last_poll_at BIGINT NOT NULL,
  last_ok_at BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  last_error_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE contacts (
  id {id},
  display_name TEXT NOT NULL,
  language TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- Lookup keys lead their indexes (handle, external_id, thread_key before
-- channel_id): the batch lookups of Ingest then probe the index by key even
-- when the planner's statistics are stale (right after a bulk import).
CREATE TABLE contact_handles (
  channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  handle TEXT NOT NULL,
  contact_id BIGINT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  PRIMARY KEY (handle, channel_id)
);
CREATE INDEX contact_handles_contact ON contact_handles(contact_id);
CREATE TABLE conversations (
  id {id},
  channel_id BIGINT NOT NULL REFERENCES channels(id),
  contact_id BIGINT NOT NULL REFERENCES contacts(id),
  team_id BIGINT NOT NULL,
  thread_key TEXT NOT NULL,
  subject TEXT NOT NULL,
  state BIGINT NOT NULL,
  priority BIGINT NOT NULL,
  language TEXT NOT NULL,
  is_public BIGINT NOT NULL,
  assignee_id BIGINT NOT NULL,
  assigned_at BIGINT NOT NULL,
  waiting_since BIGINT NOT NULL,
  first_inbound_at BIGINT NOT NULL,
  first_response_at BIGINT NOT NULL,
  resolved_at BIGINT NOT NULL,
  last_message_at BIGINT NOT NULL,
  last_preview TEXT NOT NULL,
  version BIGINT NOT NULL,
  sla_checked_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- Every index on conversations is rewritten on each inbound message
-- (last_message_at changes, so PostgreSQL cannot update in place): only the
-- inbox orders, thread lookups, routing and the SLA sweep get one; reports
-- (first_inbound_at) scan.
CREATE INDEX conversations_team_state_recent
  ON conversations(team_id, state, last_message_at, id);
CREATE INDEX conversations_assignee_state_recent
  ON conversations(assignee_id, state, last_message_at, id);
CREATE INDEX conversations_recent ON conversations(last_message_at, id);
CREATE INDEX conversations_thread ON conversations(thread_key, channel_id, id);
CREATE INDEX conversations_channel_recent ON conversations(channel_id, last_message_at, id);
CREATE INDEX conversations_unassigned ON conversations(team_id, priority, waiting_since)
  WHERE assignee_id = 0 AND state <> 3;
CREATE INDEX conversations_sla ON conversations(team_id, sla_checked_at, id) WHERE state <> 3;
CREATE TABLE conversation_tags (
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  team_id BIGINT NOT NULL,
  last_message_at BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, tag)
);
CREATE INDEX conversation_tags_recent
  ON conversation_tags(tag, team_id, last_message_at, conversation_id);
CREATE TABLE messages (
  id {id},
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL,
  direction BIGINT NOT NULL,
  external_id TEXT NOT NULL,
  in_reply_to TEXT NOT NULL,
  author TEXT NOT NULL,
  author_user_id BIGINT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  html TEXT NOT NULL,
  is_public BIGINT NOT NULL,
  language TEXT NOT NULL,
  delivery BIGINT NOT NULL,
  verdict TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX messages_external ON messages(external_id, channel_id) WHERE external_id <> '';
CREATE INDEX messages_in_reply_to ON messages(in_reply_to, channel_id) WHERE in_reply_to <> '';
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE INDEX messages_created ON messages(created_at);
CREATE TABLE message_attachments (
  message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  ord BIGINT NOT NULL,
  name TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  url TEXT NOT NULL,
  PRIMARY KEY (message_id, ord)
);
CREATE TABLE conversation_events (
  id {id},
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  kind BIGINT NOT NULL,
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX conversation_events_conversation ON conversation_events(conversation_id, id);
CREATE TABLE outbox (
  id {id},
  message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  payload TEXT NOT NULL,
  state BIGINT NOT NULL,
  attempts BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  external_id TEXT NOT NULL,
  claimed_by TEXT NOT NULL,
  claimed_until BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_lease ON outbox(state, claimed_until);
CREATE INDEX outbox_message ON outbox(message_id);
CREATE TABLE dead_letters (
  id {id},
  channel_id BIGINT NOT NULL,
  source TEXT NOT NULL,
  payload {blob} NOT NULL,
  reason TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  replayed_at BIGINT NOT NULL
);
CREATE INDEX dead_letters_open ON dead_letters(replayed_at, id);
CREATE TABLE canned_replies (
  id {id},
  team_id BIGINT NOT NULL,
  name TEXT NOT NULL,
  language TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX canned_replies_team ON canned_replies(team_id);
CREATE TABLE team_desk_settings (
  team_id BIGINT PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
  routing_mode TEXT NOT NULL,
  default_capacity BIGINT NOT NULL,
  match_language BIGINT NOT NULL,
  language_fallback BIGINT NOT NULL,
  away_grace_ms BIGINT NOT NULL,
  sla_first_response_ms BIGINT NOT NULL,
  sla_next_response_ms BIGINT NOT NULL,
  sla_resolution_ms BIGINT NOT NULL,
  calendar TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE agent_desk_states (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  available BIGINT NOT NULL,
  away_since BIGINT NOT NULL,
  capacity BIGINT NOT NULL,
  languages TEXT NOT NULL,
  skills TEXT NOT NULL,
  signature TEXT NOT NULL,
  last_assigned_at BIGINT NOT NULL,
  open_load BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE conversation_viewers (
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  typing BIGINT NOT NULL,
  seen_at BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_viewers_user ON conversation_viewers(user_id, seen_at);
)sql"},
    {3, R"sql(
CREATE TABLE webhook_events (
  channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  event_id TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (channel_id, event_id)
);
CREATE INDEX webhook_events_received ON webhook_events(received_at);
CREATE TABLE channel_states (
  channel_id BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  state TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE archive (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  channel_id BIGINT NOT NULL,
  channel TEXT NOT NULL,
  conversation_id BIGINT NOT NULL,
  message_id BIGINT NOT NULL,
  external_id TEXT NOT NULL,
  author TEXT NOT NULL,
  subject TEXT NOT NULL,
  wire_text TEXT NOT NULL,
  verdict TEXT NOT NULL,
  approvals TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  purged_at BIGINT NOT NULL
);
CREATE INDEX archive_at ON archive(at);
CREATE TABLE approvals (
  id {id},
  kind TEXT NOT NULL,
  conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL,
  requested_by BIGINT NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  wire_text TEXT NOT NULL,
  payload TEXT NOT NULL,
  verdict TEXT NOT NULL,
  language TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  next_state BIGINT NOT NULL,
  steps BIGINT NOT NULL,
  step BIGINT NOT NULL,
  state BIGINT NOT NULL,
  queued BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX approvals_state ON approvals(state, id);
CREATE INDEX approvals_conversation ON approvals(conversation_id, state);
CREATE TABLE approval_decisions (
  approval_id BIGINT NOT NULL REFERENCES approvals(id) ON DELETE CASCADE,
  step BIGINT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  decision TEXT NOT NULL,
  comment TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (approval_id, step)
);
-- The unassigned inbox of a team, newest first: few rows (routing assigns
-- most work), so cheap to keep, and one exact range instead of filtering
-- every team's unassigned or every assigned conversation of the team.
CREATE INDEX conversations_team_unassigned_recent
  ON conversations(team_id, state, last_message_at, id) WHERE assignee_id = 0;
)sql"},
    // Publish: posts with one variant per channel (the variant rows are also
    // the posts' send queue), advocacy shares, notifications; approvals get a
    // subject kind: a conversation's reply or a post.
    {4, R"sql(
CREATE TABLE posts (
  id {id},
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  link TEXT NOT NULL,
  author_id BIGINT NOT NULL REFERENCES users(id),
  team_id BIGINT NOT NULL,
  state BIGINT NOT NULL,
  scheduled_at BIGINT NOT NULL,
  shareable BIGINT NOT NULL,
  flags TEXT NOT NULL,
  cooldown_until BIGINT NOT NULL,
  cooldown_confirmed BIGINT NOT NULL,
  reason TEXT NOT NULL,
  approval_id BIGINT NOT NULL,
  version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  sent_at BIGINT NOT NULL
);
CREATE INDEX posts_scheduled ON posts(scheduled_at, id);
CREATE INDEX posts_state ON posts(state, id);
CREATE TABLE post_variants (
  id {id},
  post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL REFERENCES channels(id),
  text TEXT NOT NULL,
  wire_text TEXT NOT NULL,
  verdict TEXT NOT NULL,
  action TEXT NOT NULL,
  state BIGINT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  attempts BIGINT NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  claimed_by TEXT NOT NULL,
  claimed_until BIGINT NOT NULL,
  last_error TEXT NOT NULL,
  external_id TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (post_id, channel_id)
);
CREATE INDEX post_variants_due ON post_variants(state, next_attempt_at);
CREATE INDEX post_variants_channel ON post_variants(channel_id, state);
CREATE TABLE post_shares (
  id {id},
  post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  network TEXT NOT NULL,
  text TEXT NOT NULL,
  verdict TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX post_shares_post ON post_shares(post_id, id);
CREATE INDEX post_shares_user ON post_shares(user_id, id);
CREATE TABLE notifications (
  id {id},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  read_at BIGINT NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, read_at, id);
)sql",
     // SQLite: a rebuild (conversation_id becomes nullable). Decisions are
     // copied first and their table dropped before the approvals, so that
     // dropping the approvals cascades into nothing; renaming the new
     // approvals table rewrites the decisions' foreign key to the new name.
     R"sql(
CREATE TABLE approvals_v4 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  conversation_id BIGINT REFERENCES conversations(id) ON DELETE CASCADE,
  channel_id BIGINT NOT NULL,
  requested_by BIGINT NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  wire_text TEXT NOT NULL,
  payload TEXT NOT NULL,
  verdict TEXT NOT NULL,
  language TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  next_state BIGINT NOT NULL,
  steps BIGINT NOT NULL,
  step BIGINT NOT NULL,
  state BIGINT NOT NULL,
  queued BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  post_id BIGINT REFERENCES posts(id) ON DELETE CASCADE
);
INSERT INTO approvals_v4 (id, kind, conversation_id, channel_id, requested_by, text, wire_text,
  payload, verdict, language, idempotency_key, next_state, steps, step, state, queued,
  created_at, updated_at, expires_at, post_id)
  SELECT id, kind, conversation_id, channel_id, requested_by, text, wire_text, payload, verdict,
  language, idempotency_key, next_state, steps, step, state, queued, created_at, updated_at,
  expires_at, NULL FROM approvals;
CREATE TABLE approval_decisions_v4 (
  approval_id BIGINT NOT NULL REFERENCES approvals_v4(id) ON DELETE CASCADE,
  step BIGINT NOT NULL,
  user_id BIGINT NOT NULL REFERENCES users(id),
  decision TEXT NOT NULL,
  comment TEXT NOT NULL,
  at BIGINT NOT NULL,
  PRIMARY KEY (approval_id, step)
);
INSERT INTO approval_decisions_v4 (approval_id, step, user_id, decision, comment, at)
  SELECT approval_id, step, user_id, decision, comment, at FROM approval_decisions;
DROP TABLE approval_decisions;
DROP TABLE approvals;
ALTER TABLE approvals_v4 RENAME TO approvals;
ALTER TABLE approval_decisions_v4 RENAME TO approval_decisions;
CREATE INDEX approvals_state ON approvals(state, id);
CREATE INDEX approvals_conversation ON approvals(conversation_id, state);
CREATE INDEX approvals_post ON approvals(post_id, state);
)sql",
     R"sql(
ALTER TABLE approvals ALTER COLUMN conversation_id DROP NOT NULL;
ALTER TABLE approvals ADD COLUMN post_id BIGINT REFERENCES posts(id) ON DELETE CASCADE;
CREATE INDEX approvals_post ON approvals(post_id, state);
)sql"},
    // The media library (licence and consent notes, R09) and the media of
    // each post variant, in order.
    {5, R"sql(
CREATE TABLE assets (
  id {id},
  name TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  url TEXT NOT NULL,
  licence TEXT NOT NULL,
  consent TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE TABLE post_variant_assets (
  variant_id BIGINT NOT NULL REFERENCES post_variants(id) ON DELETE CASCADE,
  ord BIGINT NOT NULL,
  asset_id BIGINT NOT NULL REFERENCES assets(id),
  PRIMARY KEY (variant_id, ord)
);
CREATE INDEX post_variant_assets_asset ON post_variant_assets(asset_id);
)sql"},
    // Retention of the audit log and of desk conversations. Audit entries
    // from now on are hashed in two parts: content_hash over actor, target,
    // detail and address; hash over seq, at, action, content_hash and
    // prev_hash, so a purge can remove the content and the chain still
    // verifies. Entries written before keep their hash over all fields and
    // an empty content_hash (they are never re-hashed: that would change the
    // head noted elsewhere). purged_at: when retention removed the content.
    {6, R"sql(
ALTER TABLE audit_log ADD COLUMN content_hash {blob} NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN purged_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX audit_log_unpurged ON audit_log(purged_at, at);
)sql"},
    // Media files stored in the database (one row per content, by SHA-256)
    // so every instance sharing the database and every backup have them;
    // an asset is a URL reference (as before) or names a stored file.
    // Retention deletes dead letters by age (dead_letters_created).
    {7, R"sql(
CREATE TABLE media_files (
  sha256 TEXT PRIMARY KEY,
  mime_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  width BIGINT NOT NULL,
  height BIGINT NOT NULL,
  bytes {blob} NOT NULL,
  created_at BIGINT NOT NULL
);
ALTER TABLE assets ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE assets ADD COLUMN size BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN width BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN height BIGINT NOT NULL DEFAULT 0;
ALTER TABLE assets ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';
CREATE INDEX assets_sha256 ON assets(sha256);
ALTER TABLE post_variants ADD COLUMN media TEXT NOT NULL DEFAULT '';
CREATE INDEX dead_letters_created ON dead_letters(created_at);
)sql"},
};

std::string ForDialect(std::string_view ddl, sql::Dialect dialect) {
  const bool pg = dialect == sql::Dialect::kPostgres;
  const std::string_view id =
      pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
         : "INTEGER PRIMARY KEY AUTOINCREMENT";  // AUTOINCREMENT: ids are never reused
  const std::string_view blob = pg ? "BYTEA" : "BLOB";
  std::string out;
  out.reserve(ddl.size());
  for (size_t i = 0; i < ddl.size();) {
    if (ddl.substr(i, 4) == "{id}") {
      out += id;
      i += 4;
    } else if (ddl.substr(i, 6) == "{blob}") {
      out += blob;
      i += 6;
    } else {
      out += ddl[i++];
    }
  }
  return out;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<int> MigrateInTx(sql::Connection& conn, int up_to) {
  if (conn.dialect() == sql::Dialect::kPostgres) {
    // Serialises concurrent first starts; CREATE TABLE IF NOT EXISTS alone
    // races on the catalogue.
    LP_RETURN_IF_ERROR(
        conn.Query("SELECT pg_advisory_xact_lock($1)", {sql::Int(kMigrationLockKey)}));
  }
  LP_RETURN_IF_ERROR(conn.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at "
      "BIGINT NOT NULL)"));
  LP_ASSIGN_OR_RETURN(sql::ResultSet rs,
                      conn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
  int current = static_cast<int>(rs.rows.at(0).Int(0));
  const int latest = LatestSchemaVersion();
  if (current > latest) {
    return Status::FailedPrecondition("database schema version " + std::to_string(current) +
                                      " is newer than the version this binary knows (" +
                                      std::to_string(latest) + "); upgrade leitplanke");
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= current) continue;
    if (m.version > up_to) break;
    Status s = conn.Exec(ForDialect(m.ddl, conn.dialect()));
    const char* extra = conn.dialect() == sql::Dialect::kPostgres ? m.postgres_ddl : m.sqlite_ddl;
    if (s.ok() && extra != nullptr) s = conn.Exec(ForDialect(extra, conn.dialect()));
    if (!s.ok()) return s.WithContext("applying schema migration " + std::to_string(m.version));
    LP_RETURN_IF_ERROR(
        conn.Query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                   {sql::Int(m.version), sql::Int(NowMillis())}));
    current = m.version;
  }
  return current;
}

}  // namespace

int LatestSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

Result<int> Migrate(sql::Connection& conn) { return Migrate(conn, LatestSchemaVersion()); }

Result<int> Migrate(sql::Connection& conn, int up_to) {
  LP_RETURN_IF_ERROR(conn.Begin(/*write=*/true));
  Result<int> version = MigrateInTx(conn, up_to);
  if (!version.ok()) {
    conn.Rollback();
    return version;
  }
  Status s = conn.Commit();
  if (!s.ok()) {
    conn.Rollback();
    return s;
  }
  return version;
}

const std::vector<TableSpec>& Tables() {
  using T = ColumnType;
  static const auto* const kTables = new std::vector<TableSpec>{
      {"users",
       {{"id", T::kInt},
        {"username", T::kText},
        {"display_name", T::kText},
        {"email", T::kText},
        {"password_hash", T::kText},
        {"locale", T::kText},
        {"disabled", T::kInt},
        {"must_change_password", T::kInt},
        {"totp_secret_enc", T::kBlob},
        {"totp_enabled", T::kInt},
        {"totp_last_step", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}},
       {"id"},
       "id"},
      {"user_roles",
       {{"user_id", T::kInt}, {"ord", T::kInt}, {"role", T::kText}},
       {"user_id", "role"},
       ""},
      {"recovery_codes",
       {{"id", T::kInt}, {"user_id", T::kInt}, {"code_hash", T::kBlob}, {"used_at", T::kInt}},
       {"id"},
       "id"},
      {"teams", {{"id", T::kInt}, {"name", T::kText}, {"created_at", T::kInt}}, {"id"}, "id"},
      {"team_members",
       {{"team_id", T::kInt}, {"user_id", T::kInt}, {"lead", T::kInt}},
       {"team_id", "user_id"},
       ""},
      {"sessions",
       {{"id_hash", T::kBlob},
        {"user_id", T::kInt},
        {"csrf_token", T::kText},
        {"mfa_passed", T::kInt},
        {"address", T::kText},
        {"user_agent", T::kText},
        {"created_at", T::kInt},
        {"last_seen_at", T::kInt},
        {"expires_at", T::kInt},
        {"revoked", T::kInt}},
       {"id_hash"},
       ""},
      {"api_tokens",
       {{"id", T::kInt},
        {"user_id", T::kInt},
        {"name", T::kText},
        {"token_hash", T::kBlob},
        {"prefix", T::kText},
        {"scopes", T::kText},
        {"created_at", T::kInt},
        {"expires_at", T::kInt},
        {"last_used_at", T::kInt},
        {"revoked", T::kInt}},
       {"id"},
       "id"},
      {"throttle",
       {{"key", T::kText},
        {"failures", T::kInt},
        {"last_failure_at", T::kInt},
        {"locked_until", T::kInt}},
       {"key"},
       ""},
      {"vault_secrets",
       {{"name", T::kText},
        {"key_id", T::kText},
        {"nonce", T::kBlob},
        {"ciphertext", T::kBlob},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}},
       {"name"},
       ""},
      {"audit_log",
       {{"seq", T::kInt},
        {"at", T::kInt},
        {"actor", T::kText},
        {"action", T::kText},
        {"target", T::kText},
        {"detail", T::kText},
        {"address", T::kText},
        {"prev_hash", T::kBlob},
        {"hash", T::kBlob},
        {"content_hash", T::kBlob},
        {"purged_at", T::kInt}},
       {"seq"},
       ""},
      {"policy_versions",
       {{"id", T::kInt},
        {"name", T::kText},
        {"version", T::kInt},
        {"files", T::kBlob},
        {"sha256", T::kText},
        {"comment", T::kText},
        {"created_by", T::kText},
        {"created_at", T::kInt},
        {"active", T::kInt}},
       {"id"},
       "id"},
      {"channels",
       {{"id", T::kInt},
        {"name", T::kText},
        {"kind", T::kText},
        {"team_id", T::kInt},
        {"settings", T::kText},
        {"paused", T::kInt},
        {"poll_cursor", T::kText},
        {"last_poll_at", T::kInt},
        {"last_ok_at", T::kInt},
        {"last_error", T::kText},
        {"last_error_at", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}},
       {"id"},
       "id"},
      {"contacts",
       {{"id", T::kInt},
        {"display_name", T::kText},
        {"language", T::kText},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}},
       {"id"},
       "id"},
      {"contact_handles",
       {{"channel_id", T::kInt}, {"handle", T::kText}, {"contact_id", T::kInt}},
       {"channel_id", "handle"},
       ""},
      {"conversations",
       {{"id", T::kInt},
        {"channel_id", T::kInt},
        {"contact_id", T::kInt},
        {"team_id", T::kInt},
        {"thread_key", T::kText},
        {"subject", T::kText},
        {"state", T::kInt},
        {"priority", T::kInt},
        {"language", T::kText},
        {"is_public", T::kInt},
        {"assignee_id", T::kInt},
        {"assigned_at", T::kInt},
        {"waiting_since", T::kInt},
        {"first_inbound_at", T::kInt},
        {"first_response_at", T::kInt},
        {"resolved_at", T::kInt},
        {"last_message_at", T::kInt},
        {"last_preview", T::kText},
        {"version", T::kInt},
        {"sla_checked_at", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt},
        {"purged_at", T::kInt}},
       {"id"},
       "id"},
      {"conversation_tags",
       {{"conversation_id", T::kInt},
        {"tag", T::kText},
        {"team_id", T::kInt},
        {"last_message_at", T::kInt}},
       {"conversation_id", "tag"},
       ""},
      {"messages",
       {{"id", T::kInt},
        {"conversation_id", T::kInt},
        {"channel_id", T::kInt},
        {"direction", T::kInt},
        {"external_id", T::kText},
        {"in_reply_to", T::kText},
        {"author", T::kText},
        {"author_user_id", T::kInt},
        {"subject", T::kText},
        {"body", T::kText},
        {"html", T::kText},
        {"is_public", T::kInt},
        {"language", T::kText},
        {"delivery", T::kInt},
        {"verdict", T::kText},
        {"sent_at", T::kInt},
        {"created_at", T::kInt}},
       {"id"},
       "id"},
      {"message_attachments",
       {{"message_id", T::kInt},
        {"ord", T::kInt},
        {"name", T::kText},
        {"mime_type", T::kText},
        {"size_bytes", T::kInt},
        {"url", T::kText}},
       {"message_id", "ord"},
       ""},
      {"conversation_events",
       {{"id", T::kInt},
        {"conversation_id", T::kInt},
        {"kind", T::kInt},
        {"at", T::kInt},
        {"actor", T::kText},
        {"detail", T::kText}},
       {"id"},
       "id"},
      {"outbox",
       {{"id", T::kInt},
        {"message_id", T::kInt},
        {"channel_id", T::kInt},
        {"idempotency_key", T::kText},
        {"payload", T::kText},
        {"state", T::kInt},
        {"attempts", T::kInt},
        {"next_attempt_at", T::kInt},
        {"last_error", T::kText},
        {"external_id", T::kText},
        {"claimed_by", T::kText},
        {"claimed_until", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}},
       {"id"},
       "id"},
      {"dead_letters",
       {{"id", T::kInt},
        {"channel_id", T::kInt},
        {"source", T::kText},
        {"payload", T::kBlob},
        {"reason", T::kText},
        {"created_at", T::kInt},
        {"replayed_at", T::kInt}},
       {"id"},
       "id"},
      {"canned_replies",
       {{"id", T::kInt},
        {"team_id", T::kInt},
        {"name", T::kText},
        {"language", T::kText},
        {"body", T::kText},
        {"created_at", T::kInt},
        {"updated_at", T::kInt}},
       {"id"},
       "id"},
      {"team_desk_settings",
       {{"team_id", T::kInt},
        {"routing_mode", T::kText},
        {"default_capacity", T::kInt},
        {"match_language", T::kInt},
        {"language_fallback", T::kInt},
        {"away_grace_ms", T::kInt},
        {"sla_first_response_ms", T::kInt},
        {"sla_next_response_ms", T::kInt},
        {"sla_resolution_ms", T::kInt},
        {"calendar", T::kText},
        {"updated_at", T::kInt}},
       {"team_id"},
       ""},
      {"agent_desk_states",
       {{"user_id", T::kInt},
        {"available", T::kInt},
        {"away_since", T::kInt},
        {"capacity", T::kInt},
        {"languages", T::kText},
        {"skills", T::kText},
        {"signature", T::kText},
        {"last_assigned_at", T::kInt},
        {"open_load", T::kInt}},
       {"user_id"},
       ""},
      {"channel_states",
       {{"channel_id", T::kInt}, {"state", T::kText}, {"updated_at", T::kInt}},
       {"channel_id"},
       ""},
      {"media_files",
       {{"sha256", T::kText},
        {"mime_type", T::kText},
        {"size", T::kInt},
        {"width", T::kInt},
        {"height", T::kInt},
        {"bytes", T::kBlob},
        {"created_at", T::kInt}},
       {"sha256"},
       ""},
      {"assets",
       {{"id", T::kInt},
        {"name", T::kText},
        {"mime_type", T::kText},
        {"url", T::kText},
        {"licence", T::kText},
        {"consent", T::kText},
        {"created_by", T::kInt},
        {"created_at", T::kInt},
        {"sha256", T::kText},
        {"size", T::kInt},
        {"width", T::kInt},
        {"height", T::kInt},
        {"alt_text", T::kText}},
       {"id"},
       "id"},
      {"posts",
       {{"id", T::kInt},
        {"title", T::kText},
        {"body", T::kText},
        {"link", T::kText},
        {"author_id", T::kInt},
        {"team_id", T::kInt},
        {"state", T::kInt},
        {"scheduled_at", T::kInt},
        {"shareable", T::kInt},
        {"flags", T::kText},
        {"cooldown_until", T::kInt},
        {"cooldown_confirmed", T::kInt},
        {"reason", T::kText},
        {"approval_id", T::kInt},
        {"version", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt},
        {"sent_at", T::kInt}},
       {"id"},
       "id"},
      {"post_variants",
       {{"id", T::kInt},
        {"post_id", T::kInt},
        {"channel_id", T::kInt},
        {"text", T::kText},
        {"wire_text", T::kText},
        {"verdict", T::kText},
        {"action", T::kText},
        {"state", T::kInt},
        {"idempotency_key", T::kText},
        {"attempts", T::kInt},
        {"next_attempt_at", T::kInt},
        {"claimed_by", T::kText},
        {"claimed_until", T::kInt},
        {"last_error", T::kText},
        {"external_id", T::kText},
        {"sent_at", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt},
        {"media", T::kText}},
       {"id"},
       "id"},
      {"post_variant_assets",
       {{"variant_id", T::kInt}, {"ord", T::kInt}, {"asset_id", T::kInt}},
       {"variant_id", "ord"},
       ""},
      {"post_shares",
       {{"id", T::kInt},
        {"post_id", T::kInt},
        {"user_id", T::kInt},
        {"network", T::kText},
        {"text", T::kText},
        {"verdict", T::kText},
        {"created_at", T::kInt}},
       {"id"},
       "id"},
      {"notifications",
       {{"id", T::kInt},
        {"user_id", T::kInt},
        {"kind", T::kText},
        {"subject", T::kText},
        {"detail", T::kText},
        {"created_at", T::kInt},
        {"read_at", T::kInt}},
       {"id"},
       "id"},
      {"archive",
       {{"seq", T::kInt},
        {"at", T::kInt},
        {"kind", T::kText},
        {"channel_id", T::kInt},
        {"channel", T::kText},
        {"conversation_id", T::kInt},
        {"message_id", T::kInt},
        {"external_id", T::kText},
        {"author", T::kText},
        {"subject", T::kText},
        {"wire_text", T::kText},
        {"verdict", T::kText},
        {"approvals", T::kText},
        {"content_hash", T::kText},
        {"prev_hash", T::kText},
        {"hash", T::kText},
        {"purged_at", T::kInt}},
       {"seq"},
       ""},
      {"approvals",
       {{"id", T::kInt},
        {"kind", T::kText},
        {"conversation_id", T::kInt},
        {"channel_id", T::kInt},
        {"requested_by", T::kInt},
        {"text", T::kText},
        {"wire_text", T::kText},
        {"payload", T::kText},
        {"verdict", T::kText},
        {"language", T::kText},
        {"idempotency_key", T::kText},
        {"next_state", T::kInt},
        {"steps", T::kInt},
        {"step", T::kInt},
        {"state", T::kInt},
        {"queued", T::kInt},
        {"created_at", T::kInt},
        {"updated_at", T::kInt},
        {"expires_at", T::kInt},
        {"post_id", T::kInt}},
       {"id"},
       "id"},
      {"approval_decisions",
       {{"approval_id", T::kInt},
        {"step", T::kInt},
        {"user_id", T::kInt},
        {"decision", T::kText},
        {"comment", T::kText},
        {"at", T::kInt}},
       {"approval_id", "step"},
       ""},
  };
  return *kTables;
}

}  // namespace leitplanke::store
