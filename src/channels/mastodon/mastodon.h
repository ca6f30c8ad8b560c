// The Mastodon connector: mentions and direct messages of one account, read
// by polling the REST API, and replies posted as statuses.
//
//   Poll    GET /api/v1/notifications?types[]=mention, paged forward with
//           min_id from the cursor (oldest page first, so a burst larger
//           than one page is never skipped). A mention's status becomes one
//           InboundMessage: external_id = status id, in_reply_to =
//           in_reply_to_id, thread_key = "" (the desk threads by reply
//           chain, which works for public threads and direct messages
//           alike), text = content HTML as plain text, is_public = the
//           status is "public" or "unlisted". The cursor is the newest
//           notification id seen.
//   Render  "@user " (or "@user@domain " for a remote account) before the
//           agent's text unless it already starts with it; refused when
//           longer than the instance's max_characters as Mastodon counts.
//   Send    POST /api/v1/statuses with in_reply_to_id, visibility "direct"
//           for a private answer (also the private reply to a public
//           mention: Render's mention makes the customer its only
//           recipient; CanReplyPrivately) and "unlisted" (setting
//           public_reply_visibility) for a public one, and the desk's
//           idempotency key as Idempotency-Key header (the server keeps it
//           for an hour and returns the first status for a repeated key).
//           Files (OutboundMessage::media) go first, in order: POST
//           /api/v2/media (multipart: file, description = alt text); a 202
//           is still processing, so GET /api/v1/media/:id is asked until
//           its url is set (206 = not yet; at most media_poll_attempts
//           times). The status then carries media_ids in the same order. A
//           failed upload posts nothing.
//   Media   media_limits() from GET /api/v2/instance
//           (configuration.statuses.max_media_attachments,
//           configuration.media_attachments.{image_size_limit,
//           video_size_limit, description_limit, supported_mime_types}),
//           else 4 files, 16 MiB per image, 99 MiB per video, 1,500
//           characters of alt text; one video, not mixed with images.
//
// Settings (ChannelConfig.settings):
//   base_url                 https://social.example (http only for loopback)
//   domain                   the account domain; default: /api/v2/instance
//   max_characters           default: /api/v2/instance, else 500
//   characters_reserved_per_url  default: /api/v2/instance, else 23
//   public_reply_visibility  unlisted (default) or public
//   verify_tls               true (default) or false
//   connect_timeout_ms       10000;  timeout_ms  30000
//   page_limit               40 (1..80);  max_pages  50 pages per Poll
//   include_filtered         true (default): also the mentions the account's
//                            notification policy filters (Mastodon 4.3+)
//   upload_timeout_ms        300000 per file upload
//   media_poll_attempts      30;  media_poll_interval_ms  2000 (0..60000):
//                            how often and how far apart a processing
//                            upload is checked
// Secrets: access_token (scopes read:notifications, write:statuses,
// write:media).
//
// Thread-safety: as desk::Channel says. Poll, Send and last_rejected from one
// thread at a time; Render from any thread (it may fetch the instance
// configuration once, on its own connection).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "leitplanke/base/clock.h"
#include "leitplanke/base/result.h"

#include "leitplanke/desk/channel.h"

#include "channels/mastodon/notifications.h"

namespace leitplanke::channels::mastodon {

// Mastodon limits statuses to 300 per 3 hours per account (the "statuses"
// family of the server's RateLimiter, app/lib/rate_limiter.rb).
inline constexpr int kStatusesPerWindow = 300;
inline constexpr desk::Millis kStatusWindowMs = 3LL * 60 * 60 * 1000;

class MastodonChannel : public desk::Channel {
 public:
  // The notifications the last Poll() skipped because they could not be
  // read (a missing field, a wrong type), each with its JSON pointer. Only
  // valid until the next Poll(); call from the polling thread.
  virtual const std::vector<RejectedNotification>& last_rejected() const = 0;

  // Optional push delivery: reads GET /api/v1/streaming/user/notification
  // (server-sent events) and calls `on_message` for each mention as it
  // arrives, `on_rejected` (may be empty) for a notification that cannot be
  // read. Returns OK when `stop` returned true (it is asked about once a
  // second), Unavailable when the stream broke or ended (a server closes it
  // now and then), the mapped error when the server refused it. The
  // stream only carries what arrives while connected: after a reconnect,
  // Poll from the last cursor catches up; the desk drops duplicates by
  // external_id. Uses its own connection, so it may run on another thread
  // than Poll/Send. The stream is read at base_url (Mastodon's standard
  // proxy setup routes /api/v1/streaming to the streaming server).
  virtual Status Stream(const std::function<void(desk::InboundMessage)>& on_message,
                        const std::function<void(RejectedNotification)>& on_rejected,
                        const std::function<bool()>& stop) = 0;
};

// Validates the configuration (errors name the setting); no network access.
Result<std::unique_ptr<desk::Channel>> MakeMastodonChannel(const desk::ChannelConfig& config);

// The same, typed, with an injectable clock (used for Retry-After when the
// server sends no Date header). `clock` must outlive the channel; nullptr
// means the system clock.
Result<std::unique_ptr<MastodonChannel>> MakeMastodon(const desk::ChannelConfig& config,
                                                      const Clock* clock = nullptr);

}  // namespace leitplanke::channels::mastodon
