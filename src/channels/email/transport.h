// IMAP and SMTP over libcurl.
//
// ImapClient holds one curl handle, and so one connection, per session
// (NewSession); SmtpSend opens a connection per message. Errors follow
// the channel contract: connection failures, timeouts and SMTP 4xx replies are
// Unavailable (retry), a refused login is PermissionDenied, SMTP 5xx replies
// and bad URLs are InvalidArgument, an untrusted TLS certificate or a missing
// STARTTLS is FailedPrecondition. No error message ever contains the password.
//
// Thread-safety: an ImapClient is used by one thread at a time; SmtpSend may
// be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

namespace leitplanke::channels::email {

enum class TlsMode {
  kNone,      // plain text allowed on imap:// and smtp://
  kStartTls,  // imap:// and smtp:// must upgrade with STARTTLS; imaps/smtps use TLS
  kTls,       // only imaps:// and smtps:// (TLS from the first byte)
};

struct TransportOptions {
  std::string username;  // empty: no login (SMTP only)
  std::string password;
  TlsMode tls = TlsMode::kStartTls;
  bool verify_tls = true;  // false only for tests against self-signed servers
  int64_t connect_timeout_ms = 10'000;
  int64_t timeout_ms = 60'000;
  size_t max_message_bytes = 32u << 20;  // a larger fetch fails with ResourceExhausted
};

struct MailboxStatus {
  uint32_t uid_validity = 0;
  uint32_t uid_next = 0;
};

// Processes curl_global_init exactly once (thread-safe).
void EnsureCurlInitialized();

class ImapClient {
 public:
  // `url`: "imap[s]://host[:port]/MAILBOX" (the mailbox defaults to INBOX).
  static Result<std::unique_ptr<ImapClient>> Create(std::string_view url, TransportOptions options);
  ~ImapClient();

  ImapClient(const ImapClient&) = delete;
  ImapClient& operator=(const ImapClient&) = delete;

  const std::string& mailbox() const { return mailbox_; }

  // Starts a new IMAP session for the next commands. A session that stays
  // logged in with the mailbox selected does not reliably see mail delivered
  // after its last sync (dovecot reports it only after a later command), so
  // each poll begins with a fresh one; the commands of one poll share it.
  // Also closes the previous session's connection.
  leitplanke::Status NewSession();

  Result<MailboxStatus> Status();
  // UIDs greater than `last_uid`, ascending.
  Result<std::vector<uint32_t>> SearchUidsAbove(uint32_t last_uid);
  // The subset of `uids` that carry the \Seen flag.
  Result<std::set<uint32_t>> SeenAmong(const std::vector<uint32_t>& uids);
  // The raw message. NotFound when the UID is gone or UIDVALIDITY changed;
  // ResourceExhausted when it exceeds max_message_bytes.
  Result<std::string> Fetch(uint32_t uid_validity, uint32_t uid);
  // Removes \Seen from `uids` (curl fetches with BODY[], which sets it).
  leitplanke::Status ClearSeen(const std::vector<uint32_t>& uids);

 private:
  struct Impl;
  explicit ImapClient(std::unique_ptr<Impl> impl, std::string mailbox);
  Result<std::string> Command(const std::string& command, bool in_mailbox);

  std::unique_ptr<Impl> impl_;
  std::string mailbox_;
};

// Sends `data` (a complete RFC 5322 message with CRLF line breaks) to
// `rcpt` via `url` ("smtp[s]://host[:port]"), envelope sender `mail_from`.
leitplanke::Status SmtpSend(std::string_view url, const TransportOptions& options,
                            std::string_view mail_from, std::string_view rcpt,
                            std::string_view data);

// Parsers of curl's untagged IMAP output, exposed for tests.
Result<MailboxStatus> ParseStatusResponse(std::string_view out);
std::vector<uint32_t> ParseSearchResponse(std::string_view out);
std::set<uint32_t> ParseSeenResponse(std::string_view out);

}  // namespace leitplanke::channels::email
