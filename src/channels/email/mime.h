// The MIME parser: one raw RFC 5322 message in, one desk::InboundMessage out.
//
// Handles folded headers, RFC 2047 encoded words, RFC 2231 parameters,
// multipart/alternative, mixed, related and any nesting up to a depth limit,
// quoted-printable and base64 bodies, charsets (converted to UTF-8 with ICU),
// HTML-only mails (converted to text with HtmlToText) and attachments (kept as
// metadata: name, type, decoded size). Mail is untrusted input: any byte
// sequence yields either a message or an InvalidArgument that says what is
// wrong and at which byte offset of the raw message; it never crashes.
//
// Thread-safety: pure functions, callable from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

namespace leitplanke::channels::email {

struct MimeLimits {
  size_t max_bytes = 32u << 20;  // whole raw message
  int max_depth = 16;            // nested multiparts
  size_t max_parts = 1000;       // MIME parts in total
  size_t max_header_lines = 2000;
};

struct MailAddress {
  std::string name;     // display name, decoded; may be empty
  std::string address;  // "local@domain", lower-cased; empty if none found
};

// Parses a raw message (CRLF or LF line endings). The result has
//   external_id  Message-ID without angle brackets, or "sha256-<hex>" of the
//                raw bytes when the message has none;
//   in_reply_to  the first id of In-Reply-To; references: References, oldest
//                first, without angle brackets (at most the last 100);
//   author_*     From (first mailbox); subject decoded; sent_at from Date
//                (0 when missing or unreadable); language from
//                Content-Language (first tag);
//   text         the text/plain body as sent (CRLF turned into LF), or the
//                HTML part converted to text when there is no plain part;
//   html         the text/html part, if any; attachments: metadata only.
// Errors (InvalidArgument): empty or oversized input, a header section cut
// off mid-line, a header line without a colon, a multipart without boundary,
// broken base64 in a text part, nesting or part count over the limits.
Result<desk::InboundMessage> ParseMessage(std::string_view raw, const MimeLimits& limits = {});

// The first mailbox of an address header value ("Jana Roth <j@x.de>",
// "\"Roth, Jana\" <j@x.de>", "j@x.de (Jana)", "=?utf-8?Q?J=C3=BCrgen?= <...>").
MailAddress ParseAddress(std::string_view value);

// The message ids in a Message-ID / In-Reply-To / References value, without
// angle brackets, in order, duplicates removed.
std::vector<std::string> ParseMessageIds(std::string_view value);

// "sha256-" and the first 32 hex digits of SHA-256(raw): the external id of
// a message without Message-ID, stable across polls.
std::string HashExternalId(std::string_view raw);

}  // namespace leitplanke::channels::email
