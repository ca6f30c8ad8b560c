// Plain model types of the store. No behaviour, no third-party headers.
//
// All times are milliseconds since the Unix epoch (UTC), as int64_t. Secrets
// never appear here in clear text: passwords and tokens are stored as hashes,
// vaulted values and TOTP seeds as ciphertext produced by `trust`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace leitplanke::store {

using Millis = int64_t;

struct User {
  int64_t id = 0;
  std::string username;  // unique, case-insensitive (stored lower-case)
  std::string display_name;
  std::string email;
  std::string password_hash;  // argon2id string (crypto_pwhash_str format)
  std::vector<std::string>
      roles;                  // "admin", "compliance", "approver", "publisher", "agent", "advocate"
  std::string locale = "de";  // "de" or "en"
  bool disabled = false;
  bool must_change_password = false;
  std::string totp_secret_enc;  // vault ciphertext of the TOTP seed; empty when not enrolled
  bool totp_enabled = false;
  int64_t totp_last_step = 0;  // last accepted TOTP time step, against replay
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct Team {
  int64_t id = 0;
  std::string name;  // unique
  Millis created_at = 0;
};

struct TeamMember {
  int64_t team_id = 0;
  int64_t user_id = 0;
  bool lead = false;
};

struct Session {
  std::string id_hash;  // hash of the cookie value; the cookie value itself is never stored
  int64_t user_id = 0;
  std::string csrf_token;
  bool mfa_passed = false;  // false while the second factor is still owed
  std::string address;
  std::string user_agent;
  Millis created_at = 0;
  Millis last_seen_at = 0;
  Millis expires_at = 0;  // absolute timeout
  bool revoked = false;
};

struct ApiToken {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string token_hash;           // hash of the secret part
  std::string prefix;               // first characters shown in lists to recognise a token
  std::vector<std::string> scopes;  // e.g. "check", "policy:read"
  Millis created_at = 0;
  Millis expires_at = 0;  // 0 = never
  Millis last_used_at = 0;
  bool revoked = false;
};

// Failed-login bookkeeping for one key ("user:<name>" or "addr:<ip>").
struct Throttle {
  std::string key;
  int32_t failures = 0;
  Millis last_failure_at = 0;
  Millis locked_until = 0;
};

// One vaulted secret (channel credentials, webhook secrets).
struct VaultSecret {
  std::string name;  // e.g. "channel/x/consumer_secret"
  std::string key_id;
  std::string nonce;       // raw bytes
  std::string ciphertext;  // raw bytes
  Millis created_at = 0;
  Millis updated_at = 0;
};

// One entry of the hash-chained audit log. `seq` is assigned by the store,
// dense and starting at 1; `prev_hash` is the `hash` of entry seq-1 (empty for
// the first); `hash` is computed by trust: over all other fields when
// `content_hash` is empty (entries written before schema v6), else over seq,
// at, action, content_hash and prev_hash, with content_hash (set by the
// caller before appending) over actor, target, detail and address. Retention
// empties those four (detail becomes "{}") and sets `purged_at`.
struct AuditEntry {
  int64_t seq = 0;
  Millis at = 0;
  std::string actor;   // "user:<name>", "token:<id>", "system"
  std::string action;  // "login", "login_failed", "role_change", "policy_activate", ...
  std::string target;
  std::string detail;  // JSON object as text
  std::string address;
  std::string prev_hash;
  std::string hash;
  std::string content_hash;  // "" on entries written before schema v6
  Millis purged_at = 0;      // when retention removed the content; 0 = never
};

// One uploaded version of a policy pack. `files` is the pack as an archive
// produced by the caller (the store treats it as opaque bytes).
struct PolicyVersion {
  int64_t id = 0;
  std::string name;     // pack name, e.g. "default"
  int32_t version = 0;  // 1, 2, ... per name, assigned by the store
  std::string files;
  std::string sha256;
  std::string comment;
  std::string created_by;
  Millis created_at = 0;
  bool active = false;
};

}  // namespace leitplanke::store
