// The composer: turns a desk::OutboundMessage into an RFC 5322 message.
//
// The body is text/plain in UTF-8, quoted-printable encoded, so that what the
// customer's mail reader shows is byte for byte the text the guard checked
// (RenderBody). Threading headers (In-Reply-To, References) let every mail
// client file the reply under the customer's thread.
//
// Thread-safety: pure functions, callable from any thread (NewMessageId reads
// the OS random source).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

#include "channels/email/mime.h"

namespace leitplanke::channels::email {

// Largest reply text the connector sends (bytes, after rendering).
inline constexpr size_t kMaxBodyBytes = 1u << 20;

// The exact text Send() transmits: line breaks normalized to "\n", and, when
// `signature` is not empty, "\n\n-- \n" + signature appended (the RFC 3676
// signature separator). InvalidArgument when the text is not valid UTF-8 (with
// the byte offset) or longer than kMaxBodyBytes.
Result<std::string> RenderBody(std::string_view agent_text, std::string_view signature);

// "Re: " + subject for a reply, unless it already starts with Re:/AW:/Antw:
// (any case); the subject unchanged otherwise.
std::string ReplySubject(std::string_view subject, bool is_reply);

// A fresh message id "<32 hex>@<domain of from_address>" without the angle
// brackets. With an idempotency key the id is derived from (channel, key), so
// a retried send carries the same Message-ID and the recipient's mail reader
// shows it once; without one it is random.
std::string NewMessageId(std::string_view from_address, std::string_view channel_name,
                         std::string_view idempotency_key);

// Builds the message with CRLF line breaks: From, To, Subject (Re: prefix
// and RFC 2047 encoding as needed), Date, Message-ID, In-Reply-To, References
// (msg.references then msg.in_reply_to, each once), MIME headers and the
// quoted-printable body of msg.text (which must be RenderBody's output).
// InvalidArgument when msg.to_handle is not a plain address.
Result<std::string> ComposeMessage(const desk::OutboundMessage& msg, const MailAddress& from,
                                   int64_t date_ms, std::string_view message_id);

// True for "local@domain" without white space, angle brackets, commas,
// quotes or control characters (what a header or SMTP envelope can carry
// safely).
bool IsPlainAddress(std::string_view address);

}  // namespace leitplanke::channels::email
