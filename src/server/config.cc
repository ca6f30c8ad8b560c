#include "server/config.h"

#include <charconv>
#include <cstdlib>
#include <sstream>
#include <variant>

#include <toml++/toml.h>

namespace leitplanke::server {
namespace {

// One table drives the file parser, the environment overrides and the
// printer, so a key cannot exist in one and be forgotten in another.
using Target =
    std::variant<std::string ServerConfig::*, int ServerConfig::*, uint64_t ServerConfig::*,
                 bool ServerConfig::*, std::vector<std::string> ServerConfig::*>;
struct Key {
  const char* section;
  const char* name;
  Target target;
};

const Key kKeys[] = {
    {"server", "listen", &ServerConfig::listen},
    {"server", "io_threads", &ServerConfig::io_threads},
    {"server", "worker_threads", &ServerConfig::worker_threads},
    {"server", "body_limit", &ServerConfig::body_limit},
    {"server", "public_url", &ServerConfig::public_url},
    {"server", "tls_cert", &ServerConfig::tls_cert},
    {"server", "tls_key", &ServerConfig::tls_key},
    {"server", "metrics_public", &ServerConfig::metrics_public},
    {"storage", "data_dir", &ServerConfig::data_dir},
    {"storage", "database", &ServerConfig::database},
    {"security", "master_key_file", &ServerConfig::master_key_file},
    {"security", "session_idle_minutes", &ServerConfig::session_idle_minutes},
    {"security", "session_absolute_hours", &ServerConfig::session_absolute_hours},
    {"security", "require_2fa_roles", &ServerConfig::require_2fa_roles},
    {"log", "level", &ServerConfig::log_level},
    {"log", "format", &ServerConfig::log_format},
    {"log", "access_log", &ServerConfig::access_log},
    {"guard", "policy", &ServerConfig::policy},
    {"desk", "demo", &ServerConfig::desk_demo},
    {"desk", "tick_ms", &ServerConfig::desk_tick_ms},
    {"desk", "outbox_lease_ms", &ServerConfig::desk_outbox_lease_ms},
    {"desk", "per_agent_agreement", &ServerConfig::desk_per_agent_agreement},
    {"approvals", "steps", &ServerConfig::approvals_steps},
    {"approvals", "expire_hours", &ServerConfig::approvals_expire_hours},
    {"publish", "time_zone", &ServerConfig::publish_time_zone},
    {"publish", "approval_roles", &ServerConfig::publish_approval_roles},
    {"publish", "approval_channels", &ServerConfig::publish_approval_channels},
    {"publish", "approval_topics", &ServerConfig::publish_approval_topics},
    {"publish", "cooldown_minutes", &ServerConfig::publish_cooldown_minutes},
    {"publish", "working_hours", &ServerConfig::publish_working_hours},
    {"publish", "disclosure_de", &ServerConfig::publish_disclosure_de},
    {"publish", "disclosure_en", &ServerConfig::publish_disclosure_en},
    {"publish", "tick_ms", &ServerConfig::publish_tick_ms},
    {"publish", "media_max_bytes", &ServerConfig::publish_media_max_bytes},
    {"retention", "posts_days", &ServerConfig::retention_posts_days},
    {"retention", "notifications_days", &ServerConfig::retention_notifications_days},
    {"retention", "archive_days", &ServerConfig::retention_archive_days},
    {"retention", "messages_days", &ServerConfig::retention_messages_days},
    {"retention", "audit_days", &ServerConfig::retention_audit_days},
};

std::string EnvName(const Key& k) {
  std::string n = "LEITPLANKE_";
  for (const char* p : {k.section, "_", k.name}) {
    for (const char* c = p; *c; ++c) n += static_cast<char>(std::toupper(*c));
  }
  return n;
}

Result<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    std::string message = "'";
    message.append(s).append("' is not an integer");
    return Status::InvalidArgument(std::move(message));
  }
  return v;
}

Status CheckRange(int64_t v, bool is_int) {
  if (v < 0) return Status::InvalidArgument("must not be negative");
  if (is_int && v > 1'000'000) return Status::InvalidArgument("is too large");
  return Status::Ok();
}

// Sets one key from an environment string.
Status SetFromString(ServerConfig& c, const Key& k, const std::string& value) {
  return std::visit(
      [&](auto member) -> Status {
        using T = std::remove_cvref_t<decltype(c.*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          c.*member = value;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (value == "true" || value == "1" || value == "yes") {
            c.*member = true;
          } else if (value == "false" || value == "0" || value == "no") {
            c.*member = false;
          } else {
            return Status::InvalidArgument("'" + value + "' is not true or false");
          }
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          std::vector<std::string> items;
          std::stringstream ss(value);
          std::string item;
          while (std::getline(ss, item, ',')) {
            if (!item.empty()) items.push_back(item);
          }
          c.*member = std::move(items);
        } else {
          LP_ASSIGN_OR_RETURN(int64_t v, ParseInt(value));
          LP_RETURN_IF_ERROR(CheckRange(v, std::is_same_v<T, int>));
          c.*member = static_cast<T>(v);
        }
        return Status::Ok();
      },
      k.target);
}

std::string Where(const std::string& file, const toml::source_region& src) {
  return file + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column);
}

// Sets one key from a TOML node; errors name file:line:column.
Status SetFromNode(ServerConfig& c, const Key& k, const toml::node& node, const std::string& file) {
  const std::string where = Where(file, node.source()) + ": [" + k.section + "] " + k.name + " ";
  return std::visit(
      [&](auto member) -> Status {
        using T = std::remove_cvref_t<decltype(c.*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          auto v = node.value<std::string>();
          if (!node.is_string() || !v) return Status::InvalidArgument(where + "must be a string");
          c.*member = *v;
        } else if constexpr (std::is_same_v<T, bool>) {
          if (!node.is_boolean()) return Status::InvalidArgument(where + "must be true or false");
          c.*member = *node.value<bool>();
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          const toml::array* arr = node.as_array();
          if (arr == nullptr) return Status::InvalidArgument(where + "must be a list of strings");
          std::vector<std::string> items;
          for (const toml::node& e : *arr) {
            if (!e.is_string()) {
              return Status::InvalidArgument(Where(file, e.source()) + ": [" + k.section + "] " +
                                             k.name + " must contain only strings");
            }
            items.push_back(*e.value<std::string>());
          }
          c.*member = std::move(items);
        } else {
          if (!node.is_integer()) return Status::InvalidArgument(where + "must be an integer");
          int64_t v = *node.value<int64_t>();
          Status range = CheckRange(v, std::is_same_v<T, int>);
          if (!range.ok()) return Status::InvalidArgument(where + range.message());
          c.*member = static_cast<T>(v);
        }
        return Status::Ok();
      },
      k.target);
}

const Key* FindKey(std::string_view section, std::string_view name) {
  for (const Key& k : kKeys) {
    if (section == k.section && name == k.name) return &k;
  }
  return nullptr;
}

Status ApplyFile(ServerConfig& c, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    return Status::InvalidArgument(path + ":" + std::to_string(b.line) + ":" +
                                   std::to_string(b.column) + ": " + std::string(e.description()));
  }
  for (const auto& [section, value] : root) {
    const toml::table* table = value.as_table();
    if (table == nullptr) {
      return Status::InvalidArgument(Where(path, value.source()) + ": '" +
                                     std::string(section.str()) +
                                     "' must be a section ([server], [storage], [security], "
                                     "[log], [guard])");
    }
    for (const auto& [name, node] : *table) {
      const Key* k = FindKey(section.str(), name.str());
      if (k == nullptr) {
        return Status::InvalidArgument(Where(path, name.source()) + ": unknown key [" +
                                       std::string(section.str()) + "] " + std::string(name.str()));
      }
      LP_RETURN_IF_ERROR(SetFromNode(c, *k, node, path));
    }
  }
  return Status::Ok();
}

Status Validate(const ServerConfig& c) {
  LP_RETURN_IF_ERROR(ParseListen(c.listen).status().WithContext("[server] listen"));
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("[server] tls_cert and tls_key must be set together");
  }
  if (c.approvals_steps.empty()) {
    return Status::InvalidArgument("[approvals] steps needs at least one step");
  }
  if (c.approvals_expire_hours < 0) {
    return Status::InvalidArgument("[approvals] expire_hours must not be negative");
  }
  if (c.publish_cooldown_minutes < 0) {
    return Status::InvalidArgument("[publish] cooldown_minutes must not be negative");
  }
  if (c.retention_posts_days < 0 || c.retention_notifications_days < 0 ||
      c.retention_archive_days < 0 || c.retention_messages_days < 0 || c.retention_audit_days < 0) {
    return Status::InvalidArgument("[retention] days must not be negative (0 = keep forever)");
  }
  if (c.publish_tick_ms < 10) {
    return Status::InvalidArgument("[publish] tick_ms must be at least 10");
  }
  if (c.publish_media_max_bytes < 1024 || c.publish_media_max_bytes > 1'000'000'000) {
    return Status::InvalidArgument(
        "[publish] media_max_bytes must be between 1024 and 1000000000 bytes (a database field "
        "holds at most 1 GB), not " +
        std::to_string(c.publish_media_max_bytes));
  }
  if (c.desk_outbox_lease_ms < 5000) {
    return Status::InvalidArgument("[desk] outbox_lease_ms must be at least 5000, not " +
                                   std::to_string(c.desk_outbox_lease_ms));
  }
  if (c.log_format != "json" && c.log_format != "text") {
    return Status::InvalidArgument("[log] format must be \"json\" or \"text\", not \"" +
                                   c.log_format + "\"");
  }
  static const char* kLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
  bool level_ok = false;
  for (const char* l : kLevels) level_ok |= c.log_level == l;
  if (!level_ok) {
    return Status::InvalidArgument(
        "[log] level must be one of trace, debug, info, warn, error, "
        "off, not \"" +
        c.log_level + "\"");
  }
  if (c.body_limit < 1024) {
    return Status::InvalidArgument("[server] body_limit must be at least 1024 bytes");
  }
  if (c.session_idle_minutes < 1 || c.session_absolute_hours < 1) {
    return Status::InvalidArgument("[security] session timeouts must be at least 1");
  }
  if (c.data_dir.empty()) return Status::InvalidArgument("[storage] data_dir must not be empty");
  return Status::Ok();
}

std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

std::string ServerConfig::DatabaseUrl() const {
  if (!database.empty()) return database;
  return "sqlite:" + data_dir + "/leitplanke.db";
}

std::string ServerConfig::MasterKeyPath() const {
  if (!master_key_file.empty()) return master_key_file;
  return data_dir + "/master.key";
}

std::string ServerConfig::PublicUrl() const {
  if (!public_url.empty()) return public_url;
  return (tls() ? "https://" : "http://") + listen;
}

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  const std::string value(listen);
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == listen.size()) {
    return Status::InvalidArgument("'" + value + "' must be host:port, e.g. 127.0.0.1:8080");
  }
  std::string_view host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return Status::InvalidArgument("'" + value + "': write IPv6 addresses in brackets, [::1]:8080");
  }
  if (host.empty()) return Status::InvalidArgument("'" + value + "' has no host");
  Result<int64_t> port = ParseInt(listen.substr(colon + 1));
  if (!port.ok() || *port < 0 || *port > 65535) {
    return Status::InvalidArgument("'" + value + "' has no valid port (0-65535)");
  }
  return std::make_pair(std::string(host), static_cast<uint16_t>(*port));
}

Result<ServerConfig> LoadServerConfig(const std::string& path, const EnvLookup& env) {
  ServerConfig c;
  if (!path.empty()) LP_RETURN_IF_ERROR(ApplyFile(c, path));
  for (const Key& k : kKeys) {
    const std::string name = EnvName(k);
    if (std::optional<std::string> v = env(name)) {
      LP_RETURN_IF_ERROR(SetFromString(c, k, *v).WithContext("environment " + name));
    }
  }
  LP_RETURN_IF_ERROR(Validate(c));
  return c;
}

std::string ConfigToToml(const ServerConfig& c) {
  std::string out;
  std::string_view section;
  for (const Key& k : kKeys) {
    if (section != k.section) {
      section = k.section;
      if (!out.empty()) out += '\n';
      out.append("[").append(section).append("]\n");
    }
    out.append(k.name).append(" = ");
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(c.*member)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out += TomlString(c.*member);
          } else if constexpr (std::is_same_v<T, bool>) {
            out += c.*member ? "true" : "false";
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            out += "[";
            for (size_t i = 0; i < (c.*member).size(); ++i) {
              if (i > 0) out += ", ";
              out += TomlString((c.*member)[i]);
            }
            out += "]";
          } else {
            out += std::to_string(c.*member);
          }
        },
        k.target);
    out.append("  # ").append(EnvName(k)).append("\n");
  }
  return out;
}

}  // namespace leitplanke::server
