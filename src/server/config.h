// ServerConfig: everything `leitplanke serve` can be told, from three layers.
//
//   defaults (run with no file at all)  <  TOML file (--config)  <
//   environment (LEITPLANKE_<SECTION>_<KEY>)  <  command-line flags
//
// Every key of the file can be overridden by an environment variable named
// after its section and key, upper-cased: [server] listen →
// LEITPLANKE_SERVER_LISTEN. Lists in the environment are comma-separated.
// Unknown keys are errors (a typo must not silently fall back to a default).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::server {

struct ServerConfig {
  // [server]
  std::string listen = "127.0.0.1:8080";  // host:port; IPv6 as [::1]:8080
  int io_threads = 0;                     // 0 = number of cores
  int worker_threads = 0;                 // 0 = 2 × cores (DB and password hashing)
  uint64_t body_limit = 1 << 20;
  std::string public_url;  // shown to people and used in links; default http(s)://listen
  std::string tls_cert;    // PEM files; both set = HTTPS
  std::string tls_key;
  bool metrics_public = true;  // false: /metrics needs a token with "metrics" scope

  // [storage]
  std::string data_dir = "./data";
  std::string database;  // store URL; default sqlite:<data_dir>/leitplanke.db

  // [security]
  std::string master_key_file;  // default <data_dir>/master.key (created 0600 on first run)
  int session_idle_minutes = 30;
  int session_absolute_hours = 12;
  std::vector<std::string> require_2fa_roles = {"admin", "compliance"};

  // [log]
  std::string log_level = "info";   // trace debug info warn error
  std::string log_format = "json";  // json | text
  bool access_log = true;

  // [guard]
  std::string policy = "default";  // name of the pack the check endpoint uses

  // [desk]
  // First run only: set up a team, the demo channel (bundled German and
  // English customer conversations, replayed live) and a website widget, so
  // the inbox is not empty. `make run` turns it on.
  bool desk_demo = false;
  int desk_tick_ms = 1000;  // pause between rounds of the desk's background work
  // How long a sender's claim on an outbox item lasts: after a crash, its
  // items are sent by another worker (or the restarted one) after this.
  int desk_outbox_lease_ms = 60'000;
  // Per-agent report figures are off unless this names the works-council
  // agreement (or other legal basis) that allows them, e.g. "BV Kundenservice
  // 2026-03". The reference is shown with every per-agent report and each
  // such report is written to the audit log.
  std::string desk_per_agent_agreement;
  // Four-eyes approval of held replies: one entry per step, the roles that
  // may decide it separated by '|'; undecided approvals expire after
  // approvals_expire_hours (0 = never).
  std::vector<std::string> approvals_steps = {"approver|compliance|admin"};
  int approvals_expire_hours = 72;

  // [publish] (docs/PUBLISH.md)
  std::string publish_time_zone = "Europe/Berlin";  // schedule times are local to it
  // Posts need approval besides a "hold" verdict when the author has one of
  // these roles, a variant is on one of these channels (name or kind), or a
  // finding matches one of these topics (rule id, id prefix, clause, category).
  std::vector<std::string> publish_approval_roles;
  std::vector<std::string> publish_approval_channels;
  std::vector<std::string> publish_approval_topics;
  // Emotional or risky posts outside working hours wait this long and need a
  // "still send?" confirmation; 0 = off.
  int publish_cooldown_minutes = 60;
  // Working hours for posts without a team calendar (desk calendar syntax).
  std::string publish_working_hours = "Europe/Berlin;;mon-fri 08:00-18:00";
  // Advocacy (R06): proposed disclosure of the affiliation.
  std::string publish_disclosure_de = "Ich arbeite bei Beispiel AG.";
  std::string publish_disclosure_en = "I work at Beispiel AG.";
  int publish_tick_ms = 1000;  // how often the send queue looks for due posts
  // Largest file POST /api/v1/assets/files accepts (the route's body limit).
  uint64_t publish_media_max_bytes = 100'000'000;

  // [retention] days to keep each kind of data; 0 = forever. Checked hourly.
  int retention_posts_days = 0;  // finished posts with their shares
  int retention_notifications_days = 90;
  int retention_archive_days = 0;   // content of sent messages and posts; hashes stay
  int retention_messages_days = 0;  // desk conversations resolved longer ago: content, contacts
  int retention_audit_days = 0;     // audit entries' actor, target, detail, address; hashes stay

  // Derived helpers.
  std::string DatabaseUrl() const;
  std::string MasterKeyPath() const;
  std::string PublicUrl() const;
  bool tls() const { return !tls_cert.empty() || !tls_key.empty(); }
};

// Looks up an environment variable; returns nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup ProcessEnv();

// Loads defaults, then `path` (if not empty), then the environment. Errors
// name the file, line and column, or the environment variable.
Result<ServerConfig> LoadServerConfig(const std::string& path, const EnvLookup& env);

// Splits "host:port" / "[v6]:port". Errors name the value.
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen);

// The configuration as TOML, with every key (for `serve --print-config`).
std::string ConfigToToml(const ServerConfig& config);

}  // namespace leitplanke::server
