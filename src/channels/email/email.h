// The e-mail connector: polls one IMAP mailbox for customer mail and sends
// replies over SMTP, threaded by Message-ID / In-Reply-To / References.
//
// Settings (ChannelConfig::settings; errors name the setting):
//   imap_url        required  imap://host:port/MAILBOX or imaps://... (mailbox defaults to INBOX)
//   smtp_url        required  smtp://host:port or smtps://host:port
//   from            required  the sender address, "support@example.com" or
//                             "Example Support <support@example.com>"
//   username        required  IMAP login (also SMTP login unless smtp_username is set)
//   from_name       optional  display name (overrides one given in `from`)
//   signature       optional  appended to every reply after "\n\n-- \n"
//   smtp_username   optional  SMTP login (default: `username`, with secret
//                             smtp_password if set, else password); "-" means no
//                             SMTP login even when the server offers AUTH. Without
//                             AUTH offered, mail is sent without login anyway.
//   tls             optional  none | starttls (default) | tls: "starttls" upgrades
//                             imap:// and smtp:// with STARTTLS (imaps/smtps use
//                             TLS anyway); "tls" accepts only imaps:// and smtps://;
//                             "none" allows plain text (loopback tests)
//   verify_tls      optional  true (default) | false
//   mark_seen       optional  false (default): polled mail stays unread in the mailbox
//   max_per_poll    optional  messages fetched per Poll, 1..1000 (default 100)
//   connect_timeout_ms, timeout_ms   optional  10000 / 60000
//   max_message_bytes   optional  largest mail fetched (default 33554432)
//   max_sends_per_hour  optional  the channel's send budget (default 0 = unlimited)
// Secrets: password (required), smtp_password (optional).
//
// Poll cursor: "<uidvalidity>:<last uid>". An empty cursor starts at the
// beginning of the mailbox; when the mailbox's UIDVALIDITY changed, polling
// starts over (the desk drops messages it already has by external_id). A
// mail that cannot be parsed is not dropped: it arrives as a message with
// subject "(unreadable e-mail)" whose text says why.
//
// Render: RenderBody(text, signature). Send: the rendered text as a
// quoted-printable text/plain body; the receipt's external_id is the new
// Message-ID (derived from the idempotency key when there is one).
//
// Thread-safety: as the Channel contract says (one thread at a time for
// Poll/Send; Render from any thread).
#pragma once

#include <memory>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

#include "channels/email/html_text.h"  // IWYU pragma: export (StripQuotedReply, HtmlToText)

namespace leitplanke::channels::email {

Result<std::unique_ptr<desk::Channel>> MakeEmailChannel(const desk::ChannelConfig& config);

// The same with the clock that stamps the Date header (tests).
Result<std::unique_ptr<desk::Channel>> MakeEmailChannel(const desk::ChannelConfig& config,
                                                        const Clock& clock);

}  // namespace leitplanke::channels::email
