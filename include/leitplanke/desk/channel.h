// Channel: the contract every connector under src/channels/<name>/ fulfils.
//
// A connector turns a channel's wire format into desk messages and back. It
// holds no routing or business logic: the desk decides which conversation a
// message belongs to (from the thread keys the connector reports), who works
// on it and whether a reply may leave (the guard checks the text Render()
// returns, byte for byte, and Send() transmits exactly that text).
//
// Errors of Poll() and Send() tell the outbox what to do:
//   Unavailable        transient (network, 5xx, timeout): retry with back-off
//   ResourceExhausted  rate-limited by the channel: retry after retry_after_ms
//   anything else      permanent (bad credentials, rejected payload): no retry
//
// Thread-safety: the desk calls one connector instance from one worker thread
// at a time; connectors need no internal locking for Poll/Send. Render() is
// const and may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "leitplanke/base/result.h"
#include "leitplanke/base/status.h"

namespace leitplanke::desk {

using Millis = int64_t;

// Metadata of an attachment; the bytes stay with the channel (url) or are
// dropped when they exceed the desk's size limit.
struct Attachment {
  std::string name;
  std::string mime_type;
  int64_t size = 0;  // bytes
  std::string url;   // where the channel serves it, if anywhere
};

// One message as it arrived on a channel, already parsed.
struct InboundMessage {
  // Unique per channel account: e-mail Message-ID, Mastodon status id, widget
  // message id. The desk drops a message whose external_id it already has, so
  // polling the same item twice is harmless.
  std::string external_id;
  // The channel's own thread identity if it has one (Mastodon conversation
  // id, widget session id); empty when the desk should thread by
  // in_reply_to / references alone (e-mail).
  std::string thread_key;
  std::string in_reply_to;              // external_id of the parent message
  std::vector<std::string> references;  // further ancestors, oldest first (e-mail References)
  std::string author_handle;            // "alice@example.com", "@alice@social.example"
  std::string author_name;              // display name, may be empty
  std::string subject;                  // e-mail subject, else empty
  std::string text;                     // plain text (HTML converted by the connector)
  std::string html;                     // the HTML part, if the channel sent one
  bool is_public = false;               // visible to everyone (a mention), not a DM or e-mail
  std::string language;                 // BCP 47 hint from the channel, may be empty
  std::vector<Attachment> attachments;
  Millis sent_at = 0;  // the channel's timestamp, 0 if unknown
};

// A file sent with a message: a post's image or video. The publisher reads
// the bytes from the media store and checks them against the channel's
// media_limits() before Render(); Send() uploads them with the network's
// media API, then sends the text with the uploads attached. A retry uploads
// again (networks discard uploads that no message uses).
struct OutboundMedia {
  std::string name;  // file name, e.g. "team.jpg"
  std::string
      mime_type;  // sniffed from the bytes: image/jpeg, image/png, image/gif, image/webp, video/mp4
  std::string alt_text;  // description for screen readers; public words, so the guard checks it
  std::string sha256;    // hex digest of `bytes`
  int32_t width = 0;     // pixels; 0 when unknown
  int32_t height = 0;
  std::shared_ptr<const std::string> bytes;  // the file, never null when sent
};

// What a channel can attach to one message. A channel whose max_images and
// max_videos are both 0 takes no files: the publisher sends such a
// variant's media as links in its text instead.
struct MediaLimits {
  int32_t max_images = 0;               // images (including GIFs) per message
  int32_t max_videos = 0;               // videos per message
  bool mix_images_and_videos = false;   // images and a video in the same message
  int64_t max_image_bytes = 0;          // per image
  int64_t max_gif_bytes = 0;            // per animated GIF; 0 = as max_image_bytes
  int64_t max_video_bytes = 0;          // per video
  int32_t max_alt_text = 0;             // characters of alt text; 0 = no alt text on this network
  std::vector<std::string> mime_types;  // accepted types, e.g. "image/jpeg"
};

// A reply or new message the desk wants to send. `text` is what the agent
// wrote; Render() turns it into the final wire text.
struct OutboundMessage {
  std::string idempotency_key;  // stable across retries; connectors that support it pass it on
  std::string to_handle;        // recipient (author_handle of the customer)
  std::string thread_key;       // the conversation's channel thread key, may be empty
  std::string in_reply_to;      // external_id of the message answered, may be empty
  std::vector<std::string> references;  // ancestors for e-mail threading
  std::string subject;                  // e-mail only
  std::string text;                     // the agent's text (before Render) or the wire text (Send)
  bool is_public = false;               // answer in public (mention) or privately
  // When the customer's newest message in the conversation was sent (0 when
  // unknown): networks with a reply window (Meta's 24 h / 7 days) decide by it.
  Millis last_inbound_at = 0;
  // Files to attach, in order; within media_limits() (Render() answers
  // InvalidArgument otherwise, naming the file and the limit).
  std::vector<OutboundMedia> media;
};

struct SendReceipt {
  std::string external_id;  // the channel's id of the sent message
};

struct PollResult {
  std::vector<InboundMessage> messages;  // oldest first
  // Opaque position to pass to the next Poll (Mastodon since_id, IMAP UID).
  // The desk stores it only after every message of this result is stored,
  // so a crash in between re-delivers instead of losing messages.
  std::string cursor;
};

// What the composer shows before a message is sent: the wire text's length
// as the channel counts it, the channel's limit, and what sending costs.
struct SendEstimate {
  int64_t length = 0;               // in `unit`
  int64_t limit = 0;                // 0 = no limit known
  std::string unit = "characters";  // "characters", "graphemes", "weighted characters"
  double cost = 0;                  // in `currency`; 0 = free or unknown
  std::string currency;             // "USD" where the network charges per message
  std::string warning;              // e.g. the monthly budget is nearly used
};

// Per-channel send budget; the outbox never exceeds it.
struct RateLimit {
  int max_sends = 0;     // 0 = unlimited
  Millis window_ms = 0;  // per this window
};

// A configured channel instance, as the desk hands it to a factory. Secrets
// are already read from the vault; a connector never logs them.
struct ChannelConfig {
  std::string name;                             // unique instance name, e.g. "support-mail"
  std::string kind;                             // "demo", "webchat", "email", "mastodon"
  std::map<std::string, std::string> settings;  // non-secret settings (URLs, mailbox)
  std::map<std::string, std::string> secrets;   // passwords, access tokens
};

// --- webhooks -----------------------------------------------------------------
// Networks that push (Meta, X, LinkedIn) call the server at
// /api/v1/channels/{name}/webhook; the server hands the request to the
// connector's WebhookReceiver through Desk::HandleWebhook, which stores what
// it returns, de-duplicates by event id and dead-letters what cannot be parsed.

// A webhook request as the server received it.
struct WebhookRequest {
  std::string method;                          // "GET" or "POST"
  std::map<std::string, std::string> query;    // decoded query parameters
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;                            // raw bytes as received (signatures cover them)
};

// An answer the server sends as it is (a subscription or CRC challenge).
struct WebhookAnswer {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

struct WebhookDelivery {
  // The network's ids of the events in this delivery (X: the event id, Meta:
  // message mid or comment id, LinkedIn: notificationId). The desk refuses a
  // delivery whose ids it has all seen before as a replay; empty when the
  // network gives none (then messages are still de-duplicated by external_id).
  std::vector<std::string> event_ids;
  std::vector<InboundMessage> messages;  // may be empty (events the desk ignores)
};

// Thread-safety: called from the server's request threads, concurrently with
// each other and with the connector's Poll/Send; implementations lock what
// they share with Send (e.g. Meta's reply-window record).
class WebhookReceiver {
 public:
  virtual ~WebhookReceiver() = default;

  // GET: the network checks the endpoint (Meta hub.challenge, X crc_token,
  // LinkedIn challengeCode). PermissionDenied for a wrong verify token,
  // InvalidArgument when the parameters are missing.
  virtual Result<WebhookAnswer> Challenge(const WebhookRequest& request) const = 0;

  // POST: verifies the signature (and timestamp where the network sends one)
  // and parses the delivery. PermissionDenied: forged, unsigned or stale
  // (the desk counts it and stores nothing). InvalidArgument naming where
  // (JSON pointer): unparsable (the desk keeps the raw body as a dead
  // letter). `now_ms` is for timestamp checks.
  virtual Result<WebhookDelivery> Receive(const WebhookRequest& request, Millis now_ms) = 0;

  // Parses a body that Receive() verified but could not parse, when an admin
  // replays its dead letter after a fix (the signature is not checked again:
  // only verified bodies become dead letters). Default: Unimplemented.
  virtual Result<std::vector<InboundMessage>> ParseVerified(std::string_view body) const {
    (void)body;
    return Status::Unimplemented("this channel cannot replay webhook deliveries");
  }
};

class Channel {
 public:
  virtual ~Channel() = default;

  virtual std::string_view kind() const = 0;

  // The exact text that Send() will transmit for `msg` (mentions prefixed,
  // signature appended, characters escaped as the channel requires).
  // InvalidArgument when it cannot be sent at all (e.g. over the length limit).
  virtual Result<std::string> Render(const OutboundMessage& msg) const = 0;

  // Fetches what arrived after `cursor` (empty: from now on, or whatever the
  // connector considers the start). Channels that only receive pushes
  // (webhooks, the website widget) return an empty result.
  virtual Result<PollResult> Poll(std::string_view cursor) = 0;

  // Transmits `msg`, whose text is the output of Render().
  virtual Result<SendReceipt> Send(const OutboundMessage& msg) = 0;

  virtual RateLimit rate_limit() const { return {}; }

  // Which files Send() can upload and attach (see MediaLimits). Default:
  // none, so Render() of a message with media must fail.
  virtual MediaLimits media_limits() const { return {}; }

  // Whether a public conversation can be answered privately: `msg` is the
  // reply as the desk would send it in public (thread key, in_reply_to,
  // to_handle of the customer). When true, Render/Send must accept the same
  // message with is_public = false and deliver it only to that customer
  // (Mastodon: a "direct" status mentioning the account; X: a direct
  // message to the post's author; Meta: a private reply to a Facebook or
  // Instagram comment). Channels whose conversations are private anyway
  // (e-mail, the website widget) need not override it. Default: false.
  virtual bool CanReplyPrivately(const OutboundMessage& msg) const {
    (void)msg;
    return false;
  }

  // After Poll() or Send() failed with ResourceExhausted: how long the channel
  // asked to wait (Retry-After, X-RateLimit-Reset), in ms; 0 = unknown, the
  // outbox then uses its own back-off.
  virtual Millis retry_after_ms() const { return 0; }

  // When the credentials stop working unless an admin renews them (a
  // LinkedIn access token's 60 days, the end of a refresh token); 0 when
  // unknown or never. Shown with the channel's health and in /metrics.
  virtual Millis credentials_expire_at() const { return 0; }

  // The length, limit and cost of sending `wire` (whose text is Render()'s
  // output). Default: Unicode code points, no limit, free.
  virtual SendEstimate Estimate(const OutboundMessage& wire) const {
    SendEstimate e;
    for (unsigned char c : wire.text) e.length += (c & 0xC0) != 0x80 ? 1 : 0;
    return e;
  }

  // A sentence for the channel's health when something needs an admin's
  // attention before it fails (a budget nearly used); "" otherwise.
  virtual std::string health_warning() const { return ""; }

  // What the connector must remember across restarts beyond its poll cursor
  // (X: this month's spend against the budget), as opaque text; the desk
  // stores it after a successful Poll or Send when it changed, and hands it
  // to RestoreState when it creates the connector again. "" = nothing.
  virtual std::string state() const { return ""; }
  virtual void RestoreState(std::string_view state) { (void)state; }

  // Connectors whose network pushes by webhook return their receiver (owned
  // by the channel, valid as long as it); others nullptr.
  virtual WebhookReceiver* webhook() { return nullptr; }
};

}  // namespace leitplanke::desk
