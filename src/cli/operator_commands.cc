// Operator commands over the server's data: `user`, `audit`, `archive`,
// `vault`, `backup`, `restore`. They open the store and the trust services directly
// (no HTTP), so they also work while the server is down.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "leitplanke/trust/tokens.h"

#include "channels/email/codec.h"
#include "cli/commands.h"
#include "cli/server_flags.h"
#include "server/app.h"

namespace leitplanke::cli {
namespace {

int Fail(std::string_view what, const Status& s) {
  std::cerr << what << ": " << s.message() << "\n";
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
      return kExitDataErr;
    case StatusCode::kFailedPrecondition:
      return kExitConfig;
    default:
      return kExitSoftware;
  }
}

Result<std::unique_ptr<server::AppContext>> Open(const ServerFlags& flags) {
  LP_ASSIGN_OR_RETURN(server::ServerConfig config, flags.Load());
  return server::OpenCore(config, SystemClock::Default());
}

// Looks a user up by name for the commands that take one.
Result<store::User> FindUser(server::AppContext& ctx, const std::string& name) {
  Result<store::User> u = ctx.store->FindUser(name);
  if (!u.ok() && u.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no user '" + name + "'");
  }
  return u;
}

struct UserArgs {
  std::string name;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  std::string display_name;
  std::string email;
};

int UserAdd(const ServerFlags& flags, const UserArgs& a) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("user add", ctx.status());
  // A random one-time password; the user must change it at first sign-in.
  std::string password = trust::RandomToken(15);
  Result<store::User> u = (*ctx)->accounts->CreateUser(
      "system:cli", a.name, a.display_name.empty() ? a.name : a.display_name, a.email, a.roles,
      password);
  if (!u.ok()) return Fail("user add", u.status());
  if (Status s = (*ctx)->accounts->SetPassword("system:cli", u->id, password, true); !s.ok()) {
    return Fail("user add", s);
  }
  std::cout << "created user " << u->username << " (id " << u->id << ")\n"
            << "one-time password: " << password << "\n";
  return 0;
}

int UserList(const ServerFlags& flags) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("user list", ctx.status());
  Result<std::vector<store::User>> users = (*ctx)->store->ListUsers();
  if (!users.ok()) return Fail("user list", users.status());
  std::printf("%-6s %-24s %-36s %-5s %s\n", "ID", "USERNAME", "ROLES", "2FA", "STATE");
  for (const store::User& u : *users) {
    std::string roles;
    for (const std::string& r : u.roles) roles += (roles.empty() ? "" : ",") + r;
    std::printf(
        "%-6lld %-24s %-36s %-5s %s\n", static_cast<long long>(u.id), u.username.c_str(),
        roles.c_str(), u.totp_enabled ? "on" : "off",
        u.disabled ? "disabled" : (u.must_change_password ? "password change due" : "active"));
  }
  return 0;
}

int UserDisable(const ServerFlags& flags, const std::string& name) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("user disable", ctx.status());
  Result<store::User> u = FindUser(**ctx, name);
  if (!u.ok()) return Fail("user disable", u.status());
  if (Status s = (*ctx)->accounts->DisableUser("system:cli", u->id); !s.ok()) {
    return Fail("user disable", s);
  }
  std::cout << "disabled " << u->username << " and ended their sessions\n";
  return 0;
}

int UserResetPassword(const ServerFlags& flags, const std::string& name) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("user reset-password", ctx.status());
  Result<store::User> u = FindUser(**ctx, name);
  if (!u.ok()) return Fail("user reset-password", u.status());
  std::string password = trust::RandomToken(15);
  if (Status s = (*ctx)->accounts->SetPassword("system:cli", u->id, password, true); !s.ok()) {
    return Fail("user reset-password", s);
  }
  std::cout << "one-time password for " << u->username << ": " << password << "\n"
            << "(their sessions were ended; they must choose a new password at sign-in)\n";
  return 0;
}

int UserReset2fa(const ServerFlags& flags, const std::string& name) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("user reset-2fa", ctx.status());
  Result<store::User> u = FindUser(**ctx, name);
  if (!u.ok()) return Fail("user reset-2fa", u.status());
  if (Status s = (*ctx)->accounts->ResetTotp("system:cli", u->id); !s.ok()) {
    return Fail("user reset-2fa", s);
  }
  std::cout << "two-factor authentication of " << u->username
            << " is off; they enrol again at their next sign-in\n";
  return 0;
}

int TokenCreate(const ServerFlags& flags, const std::string& user, const std::string& name,
                const std::vector<std::string>& scopes, int days) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("token create", ctx.status());
  Result<store::User> u = FindUser(**ctx, user);
  if (!u.ok()) return Fail("token create", u.status());
  Millis expires = days > 0 ? SystemClock::Default().NowMillis() + int64_t{days} * 86'400'000 : 0;
  Result<trust::CreatedApiToken> t = (*ctx)->accounts->CreateApiToken(u->id, name, scopes, expires);
  if (!t.ok()) return Fail("token create", t.status());
  std::cout << t->token << "\n";
  return 0;
}

int AuditVerify(const ServerFlags& flags) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("audit verify", ctx.status());
  Result<trust::AuditVerifyReport> r = (*ctx)->audit->Verify();
  if (!r.ok()) return Fail("audit verify", r.status());
  if (r->ok) {
    std::cout << "audit log intact: " << r->entries_checked << " entries, head " << r->last_seq
              << " " << r->last_hash << "\n";
    if (r->purged > 0) {
      std::cout << "purged by retention (content removed, hashes kept): " << r->purged
                << " entries between " << r->purged_first_seq << " and " << r->purged_last_seq
                << "\n";
    }
    return 0;
  }
  std::cout << "audit log BROKEN at entry " << r->first_bad_seq << " ("
            << trust::AuditTamperKindName(r->kind) << "): " << r->message << "\n";
  return 1;
}

int ArchiveVerify(const ServerFlags& flags) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("archive verify", ctx.status());
  Result<trust::ArchiveVerifyReport> r = trust::VerifyArchive((*ctx)->store->desk());
  if (!r.ok()) return Fail("archive verify", r.status());
  if (r->ok) {
    std::cout << "archive intact: " << r->entries_checked << " entries (" << r->purged
              << " with content removed by retention), head " << r->last_seq << " " << r->last_hash
              << "\n";
    return 0;
  }
  std::cout << "archive BROKEN: " << r->message << "\n";
  return 1;
}

// JSON lines (one entry per line, to --out or stdout) or one .eml file per
// entry in the --out directory, for compliance systems.
int ArchiveExport(const ServerFlags& flags, const std::string& format, const std::string& out) {
  if (format != "jsonl" && format != "eml") {
    std::cerr << "archive export: --format must be jsonl or eml\n";
    return kExitUsage;
  }
  if (format == "eml" && out.empty()) {
    std::cerr << "archive export: --format eml needs --out DIR\n";
    return kExitUsage;
  }
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("archive export", ctx.status());
  std::ofstream file;
  std::ostream* os = &std::cout;
  if (format == "jsonl" && !out.empty()) {
    file.open(out, std::ios::binary | std::ios::trunc);
    if (!file) return Fail("archive export", Status::Unavailable("cannot write " + out));
    os = &file;
  }
  if (format == "eml") {
    std::error_code ec;
    std::filesystem::create_directories(out, ec);
    if (ec) return Fail("archive export", Status::Unavailable("cannot create " + out));
  }
  int64_t from = 1, n = 0;
  for (;;) {
    Result<std::vector<store::ArchiveEntry>> page = (*ctx)->store->desk().ListArchive(from, 1000);
    if (!page.ok()) return Fail("archive export", page.status());
    for (const store::ArchiveEntry& e : *page) {
      if (format == "jsonl") {
        nlohmann::json j = {{"seq", e.seq},
                            {"at", e.at},
                            {"kind", e.kind},
                            {"channel", e.channel},
                            {"conversation_id", e.conversation_id},
                            {"message_id", e.message_id},
                            {"external_id", e.external_id},
                            {"author", e.author},
                            {"subject", e.subject},
                            {"wire_text", e.wire_text},
                            {"verdict", nlohmann::json::parse(e.verdict, nullptr, false)},
                            {"approvals", nlohmann::json::parse(e.approvals, nullptr, false)},
                            {"content_hash", e.content_hash},
                            {"prev_hash", e.prev_hash},
                            {"hash", e.hash},
                            {"purged", e.purged_at != 0}};
        if (j["verdict"].is_discarded()) j["verdict"] = nullptr;
        if (j["approvals"].is_discarded()) j["approvals"] = nullptr;
        *os << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else {
        std::ofstream eml(std::filesystem::path(out) / (std::to_string(e.seq) + ".eml"),
                          std::ios::binary | std::ios::trunc);
        if (!eml) return Fail("archive export", Status::Unavailable("cannot write in " + out));
        // The e-mail channel's encoders: RFC 5322 date, RFC 2047 header
        // words for anything beyond printable ASCII, quoted-printable body.
        using channels::email::EncodeHeaderText;
        // The media sent with a post (the sealed record's verdict.media):
        // listed, not attached — the archive keeps their digests, not bytes.
        std::string media_list;
        std::vector<std::string> media_headers;
        const nlohmann::json verdict = nlohmann::json::parse(e.verdict, nullptr, false);
        if (verdict.is_object() && verdict.contains("media") && verdict["media"].is_array()) {
          for (const nlohmann::json& m : verdict["media"]) {
            if (!m.is_object()) continue;
            const bool native = m.value("native", false);
            std::string line = m.value("name", "") + " (" + m.value("mime_type", "") + ", " +
                               std::to_string(m.value("size", int64_t{0})) + " bytes" +
                               (native ? ", sha256 " + m.value("sha256", "")
                                       : ", as a link " + m.value("url", "")) +
                               ")";
            if (!m.value("alt_text", "").empty()) line += " alt text: " + m.value("alt_text", "");
            media_headers.push_back(line);
            media_list += "- " + line + "\n";
          }
        }
        eml << "From: Leitplanke <archive@leitplanke.invalid>\r\n"
            << "Date: " << channels::email::FormatMailDate(e.at) << "\r\n"
            << "Subject: " << EncodeHeaderText(e.subject) << "\r\n"
            << "Message-ID: <archive-" << e.seq << "-" << e.hash.substr(0, 16)
            << "@leitplanke.invalid>\r\n"
            << "X-Leitplanke-Author: " << EncodeHeaderText(e.author) << "\r\n"
            << "X-Leitplanke-Channel: " << EncodeHeaderText(e.channel) << "\r\n"
            << "X-Leitplanke-External-Id: " << EncodeHeaderText(e.external_id) << "\r\n"
            << "X-Leitplanke-Verdict: " << EncodeHeaderText(e.verdict) << "\r\n"
            << "X-Leitplanke-Approvals: " << EncodeHeaderText(e.approvals) << "\r\n"
            << "X-Leitplanke-Seq: " << e.seq << "\r\n"
            << "X-Leitplanke-Hash: " << e.hash << "\r\n";
        for (const std::string& h : media_headers) {
          eml << "X-Leitplanke-Media: " << EncodeHeaderText(h) << "\r\n";
        }
        eml << "MIME-Version: 1.0\r\n"
            << "Content-Type: text/plain; charset=utf-8\r\n"
            << "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            << channels::email::EncodeQuotedPrintable(
                   media_list.empty() ? e.wire_text
                                      : e.wire_text +
                                            "\n\n-- \nMedia (not attached; the "
                                            "library keeps the files by SHA-256):\n" +
                                            media_list)
            << "\r\n";
      }
      from = e.seq + 1;
      ++n;
    }
    if (page->size() < 1000) break;
  }
  std::cerr << "archive export: " << n << " entries\n";
  return 0;
}

// Retention: removes the content of entries sent before `before`
// (YYYY-MM-DD, UTC); the chain stays verifiable.
int ArchivePurge(const ServerFlags& flags, const std::string& before) {
  std::tm tm{};
  if (before.size() != 10 || strptime(before.c_str(), "%Y-%m-%d", &tm) == nullptr) {
    std::cerr << "archive purge: --before must be a date YYYY-MM-DD\n";
    return kExitUsage;
  }
  const Millis cutoff = static_cast<Millis>(timegm(&tm)) * 1000;
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("archive purge", ctx.status());
  const Millis now = SystemClock::Default().NowMillis();
  Result<int64_t> n = (*ctx)->store->desk().PurgeArchive(cutoff, now);
  if (!n.ok()) return Fail("archive purge", n.status());
  (void)(*ctx)->audit->Append(
      "cli", "archive.purge", "archive",
      "{\"before\":\"" + before + "\",\"entries\":" + std::to_string(*n) + "}");
  std::cout << "removed the content of " << *n << " archive entries sent before " << before
            << "; the chain stays verifiable\n";
  return 0;
}

// Retention of the audit log: removes actor, target, detail and address of
// entries written before `before` (YYYY-MM-DD, UTC); the chain stays
// verifiable. The run's own entry comes after the purge.
int AuditPurge(const ServerFlags& flags, const std::string& before) {
  std::tm tm{};
  if (before.size() != 10 || strptime(before.c_str(), "%Y-%m-%d", &tm) == nullptr) {
    std::cerr << "audit purge: --before must be a date YYYY-MM-DD\n";
    return kExitUsage;
  }
  const Millis cutoff = static_cast<Millis>(timegm(&tm)) * 1000;
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("audit purge", ctx.status());
  const Millis now = SystemClock::Default().NowMillis();
  Result<int64_t> n = (*ctx)->store->PurgeAudit(cutoff, now);
  if (!n.ok()) return Fail("audit purge", n.status());
  (void)(*ctx)->audit->Append(
      "cli", "audit.purge", "audit",
      "{\"before\":\"" + before + "\",\"entries\":" + std::to_string(*n) + "}");
  std::cout << "removed the content of " << *n << " audit entries written before " << before
            << "; the chain stays verifiable\n";
  return 0;
}

int VaultInitKey(const std::string& path) {
  Result<trust::MasterKey> key = trust::GenerateMasterKeyFile(path);
  if (!key.ok()) return Fail("vault init-key", key.status());
  std::cout << "wrote master key " << key->id() << " to " << path << " (mode 0600)\n";
  return 0;
}

// Re-encrypts every vaulted secret and TOTP seed under a new key. The new
// key is written next to the old file first; only after the database
// switched in one transaction does it replace the old file, so a crash in
// between leaves both keys on disk and nothing unreadable.
int VaultRotate(const ServerFlags& flags, const std::string& new_key_file) {
  auto config = flags.Load();
  if (!config.ok()) return Fail("vault rotate", config.status());
  auto ctx = server::OpenCore(*config, SystemClock::Default());
  if (!ctx.ok()) return Fail("vault rotate", ctx.status());
  const bool from_env = std::getenv(trust::kMasterKeyEnv) != nullptr;
  const std::string current = config->MasterKeyPath();
  const std::string target = !new_key_file.empty() ? new_key_file : current + ".new";
  if (from_env && new_key_file.empty()) {
    return Fail("vault rotate", Status::InvalidArgument("the master key comes from " +
                                                        std::string(trust::kMasterKeyEnv) +
                                                        "; give --new-key-file for the new key"));
  }
  Result<trust::MasterKey> key = trust::GenerateMasterKeyFile(target);
  if (!key.ok()) return Fail("vault rotate", key.status());
  Result<trust::RotationReport> r = (*ctx)->vault->Rotate(*key);
  if (!r.ok()) {
    std::remove(target.c_str());
    return Fail("vault rotate", r.status());
  }
  if (new_key_file.empty()) {
    std::error_code ec;
    std::filesystem::rename(target, current, ec);
    if (ec) {
      std::cerr << "vault rotate: the database uses the new key in " << target
                << ", but it could not replace " << current << ": " << ec.message()
                << "; move it there by hand\n";
      return kExitSoftware;
    }
  }
  std::cout << "rotated " << r->secrets_rotated << " secrets and " << r->totp_seeds_rotated
            << " TOTP seeds from key " << r->old_key_id << " to " << r->new_key_id << "\n";
  if (from_env || !new_key_file.empty()) {
    std::cout << "the new key is in " << target << "; point the server at it before restarting\n";
  }
  return 0;
}

bool IsSqliteFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[16] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == 16 &&
         std::string_view(magic, 16) == std::string_view("SQLite format 3\0", 16);
}

// The file behind a sqlite: URL, or "" for other back ends.
std::string SqlitePath(const std::string& url) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) return "";
  if (url.starts_with("sqlite://")) return url.substr(9);
  if (url.starts_with("sqlite:")) return url.substr(7);
  return url;
}

int Backup(const ServerFlags& flags, const std::string& out, const std::string& format) {
  auto ctx = Open(flags);
  if (!ctx.ok()) return Fail("backup", ctx.status());
  if (format == "sqlite") {
    if (Status s = (*ctx)->store->Backup(out); !s.ok()) return Fail("backup", s);
  } else {
    std::ofstream file(out, std::ios::binary | std::ios::trunc);
    if (!file) return Fail("backup", Status::Unavailable("cannot write " + out));
    size_t lines = 0;
    Status s = (*ctx)->store->Dump([&](std::string_view line) {
      file << line << '\n';
      ++lines;
      return file ? Status::Ok() : Status::DataLoss("write to " + out + " failed");
    });
    if (!s.ok()) return Fail("backup", s);
    file.close();
    std::cout << "wrote " << lines << " rows to " << out << "\n";
    return 0;
  }
  std::cout << "wrote a consistent copy of the database to " << out << "\n";
  return 0;
}

int Restore(const ServerFlags& flags, const std::string& from) {
  auto config = flags.Load();
  if (!config.ok()) return Fail("restore", config.status());
  const std::string url = config->DatabaseUrl();
  std::error_code ec;
  std::filesystem::create_directories(config->data_dir, ec);
  if (IsSqliteFile(from)) {
    const std::string path = SqlitePath(url);
    if (path.empty()) {
      return Fail("restore", Status::InvalidArgument(
                                 from + " is a SQLite backup; restore it into a sqlite: "
                                        "database, or make a JSON-lines backup for PostgreSQL"));
    }
    if (Status s = store::RestoreSqliteBackup(from, path); !s.ok()) return Fail("restore", s);
    std::cout << "restored " << from << " into " << path << "\n";
    return 0;
  }
  std::ifstream in(from, std::ios::binary);
  if (!in) return Fail("restore", Status::NotFound("cannot open " + from));
  Result<std::unique_ptr<store::Store>> st = store::OpenStore(url);
  if (!st.ok()) return Fail("restore", st.status());
  Status s =
      (*st)->Load([&](std::string& line) { return static_cast<bool>(std::getline(in, line)); });
  if (!s.ok()) return Fail("restore", s.WithContext(from));
  std::cout << "restored " << from << " into " << (*st)->backend() << " database\n";
  return 0;
}

}  // namespace

void AddOperatorCommands(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServerFlags>();

  CLI::App* user = app.add_subcommand("user", "Manage user accounts");
  user->require_subcommand(1);
  auto args = std::make_shared<UserArgs>();
  CLI::App* add = user->add_subcommand("add", "Create a user with a one-time password");
  flags->AddTo(*add);
  add->add_option("name", args->name, "Username")->required();
  add->add_option("--role", args->roles,
                  "Role: admin, compliance, approver, publisher, agent, advocate (repeatable)")
      ->required()
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  add->add_option("--display-name", args->display_name, "Name shown to others");
  add->add_option("--email", args->email, "E-mail address");
  add->callback([flags, args, &exit_code] { exit_code = UserAdd(*flags, *args); });

  CLI::App* list = user->add_subcommand("list", "List users");
  flags->AddTo(*list);
  list->callback([flags, &exit_code] { exit_code = UserList(*flags); });

  CLI::App* disable = user->add_subcommand("disable", "Disable a user and end their sessions");
  flags->AddTo(*disable);
  disable->add_option("name", args->name, "Username")->required();
  disable->callback([flags, args, &exit_code] { exit_code = UserDisable(*flags, args->name); });

  CLI::App* reset_pw =
      user->add_subcommand("reset-password", "Give a user a new one-time password");
  flags->AddTo(*reset_pw);
  reset_pw->add_option("name", args->name, "Username")->required();
  reset_pw->callback(
      [flags, args, &exit_code] { exit_code = UserResetPassword(*flags, args->name); });

  CLI::App* reset =
      user->add_subcommand("reset-2fa", "Turn off a user's two-factor authentication");
  flags->AddTo(*reset);
  reset->add_option("name", args->name, "Username")->required();
  reset->callback([flags, args, &exit_code] { exit_code = UserReset2fa(*flags, args->name); });

  auto token_name = std::make_shared<std::string>("cli");
  auto token_days = std::make_shared<int>(0);
  CLI::App* token = app.add_subcommand("token", "API tokens for scripts and integrations");
  token->require_subcommand(1);
  CLI::App* create =
      token->add_subcommand("create", "Create an API token for a user; prints it once");
  flags->AddTo(*create);
  create->add_option("user", args->name, "Username")->required();
  create
      ->add_option("--scope", args->scopes, "Permission the token carries (repeatable), e.g. check")
      ->required()
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  create->add_option("--name", *token_name, "Name shown in token lists");
  create->add_option("--days", *token_days, "Expire after this many days (default: never)");
  create->callback([flags, args, token_name, token_days, &exit_code] {
    exit_code = TokenCreate(*flags, args->name, *token_name, args->scopes, *token_days);
  });

  CLI::App* audit = app.add_subcommand("audit", "The hash-chained audit log");
  audit->require_subcommand(1);
  CLI::App* verify = audit->add_subcommand(
      "verify", "Check the chain; names the first edited, deleted or reordered entry (exit 1)");
  flags->AddTo(*verify);
  verify->callback([flags, &exit_code] { exit_code = AuditVerify(*flags); });
  auto audit_before = std::make_shared<std::string>();
  CLI::App* audit_purge = audit->add_subcommand(
      "purge", "Retention: remove the content of entries written before a date; hashes stay");
  flags->AddTo(*audit_purge);
  audit_purge->add_option("--before", *audit_before, "YYYY-MM-DD (UTC)")->required();
  audit_purge->callback(
      [flags, audit_before, &exit_code] { exit_code = AuditPurge(*flags, *audit_before); });

  CLI::App* archive =
      app.add_subcommand("archive", "The hash-chained archive of every sent message");
  archive->require_subcommand(1);
  CLI::App* averify = archive->add_subcommand(
      "verify", "Check the chain and the content hashes; names the first bad entry (exit 1)");
  flags->AddTo(*averify);
  averify->callback([flags, &exit_code] { exit_code = ArchiveVerify(*flags); });
  auto export_format = std::make_shared<std::string>("jsonl");
  auto export_out = std::make_shared<std::string>();
  CLI::App* aexport = archive->add_subcommand(
      "export", "Write the archive as JSON lines (stdout or --out FILE) or .eml files (--out DIR)");
  flags->AddTo(*aexport);
  aexport->add_option("--format", *export_format, "jsonl (default) or eml");
  aexport->add_option("--out", *export_out, "File (jsonl) or directory (eml)");
  aexport->callback([flags, export_format, export_out, &exit_code] {
    exit_code = ArchiveExport(*flags, *export_format, *export_out);
  });
  auto purge_before = std::make_shared<std::string>();
  CLI::App* apurge = archive->add_subcommand(
      "purge", "Retention: remove the content of entries sent before a date; hashes stay");
  flags->AddTo(*apurge);
  apurge->add_option("--before", *purge_before, "YYYY-MM-DD (UTC)")->required();
  apurge->callback(
      [flags, purge_before, &exit_code] { exit_code = ArchivePurge(*flags, *purge_before); });

  auto key_path = std::make_shared<std::string>();
  CLI::App* vault = app.add_subcommand("vault", "The encrypted store of channel credentials");
  vault->require_subcommand(1);
  CLI::App* init = vault->add_subcommand("init-key", "Write a new master key file (mode 0600)");
  init->add_option("path", *key_path, "Where to write the key")->required();
  init->callback([key_path, &exit_code] { exit_code = VaultInitKey(*key_path); });
  CLI::App* rotate =
      vault->add_subcommand("rotate", "Re-encrypt every secret under a new master key");
  flags->AddTo(*rotate);
  rotate->add_option("--new-key-file", *key_path,
                     "Write the new key here instead of replacing the current key file");
  rotate->callback([flags, key_path, &exit_code] { exit_code = VaultRotate(*flags, *key_path); });

  auto out = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("jsonl");
  CLI::App* backup = app.add_subcommand("backup", "Write a backup of the database");
  flags->AddTo(*backup);
  backup->add_option("--out", *out, "Backup file")->required();
  backup
      ->add_option("--format", *format,
                   "jsonl: portable rows (SQLite and PostgreSQL); sqlite: a database file "
                   "(SQLite only)")
      ->check(CLI::IsMember({"jsonl", "sqlite"}));
  backup->callback([flags, out, format, &exit_code] { exit_code = Backup(*flags, *out, *format); });

  CLI::App* restore = app.add_subcommand(
      "restore", "Restore a backup into an empty database (a SQLite file or JSON lines)");
  flags->AddTo(*restore);
  restore->add_option("--from", *out, "Backup file")->required()->check(CLI::ExistingFile);
  restore->callback([flags, out, &exit_code] { exit_code = Restore(*flags, *out); });
}

}  // namespace leitplanke::cli
